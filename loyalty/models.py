"""Loyalty points on BigCommerce orders. The programme, contacts and points ledger live here."""
