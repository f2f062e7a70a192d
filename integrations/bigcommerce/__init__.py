"""BigCommerce: client, mapping, webhooks and the sandbox that speaks BigCommerce's wire format."""
