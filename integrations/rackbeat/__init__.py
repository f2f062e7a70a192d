"""Rackbeat (Danish inventory/ERP) connector: client, mapping, webhooks, sandbox."""
