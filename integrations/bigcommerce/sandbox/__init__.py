"""The BigCommerce sandbox (see ``store.BigCommerceSandbox``)."""

from integrations.bigcommerce.sandbox.store import BigCommerceSandbox

__all__ = ["BigCommerceSandbox"]
