"""Shopbox (Danish/Norwegian POS) connector: client, mapping, polling, sandbox. Shopbox is polled."""
