"""Product connectors per platform, by dotted path, loaded only when used."""

from django.utils.module_loading import import_string

from integrations.sandbox.registry import installed_for
from integrations.sandbox.transport import SandboxTransport

CONNECTORS = {
    "bigcommerce": "integrations.bigcommerce.connector.BigCommerceConnector",
    "zettle": "integrations.zettle.connector.ZettleConnector",
}

STOCK_CONNECTORS = {
    "bigcommerce": "integrations.bigcommerce.stock.BigCommerceStock",
    "shopify": "integrations.shopify.stock.ShopifyStock",
    "zettle": "integrations.zettle.stock.ZettleStock",
    "shopbox": "integrations.shopbox.stock.ShopboxStock",
    "rackbeat": "integrations.rackbeat.stock.RackbeatStock",
}


def _load(paths, connection, clock):
    path = paths.get(connection.platform)
    if not path:
        return None
    sandbox = installed_for((connection.settings or {}).get("base_url"))
    if sandbox is None:
        return import_string(path)(connection, clock=clock)
    # in process: the client waits on the sandbox's own clock, so a moved clock moves both
    return import_string(path)(connection, transport=SandboxTransport(sandbox), clock=clock or sandbox.clock)


def connector_for(connection, *, clock=None):
    """The product connector for ``connection``, or None when Flyt has none for its platform yet.

    A connection whose base URL points at the in-process sandbox host talks to the installed
    sandbox (tests, benchmarks); any other goes over the network through the host guard.
    """
    return _load(CONNECTORS, connection, clock)


def stock_connector_for(connection, *, clock=None):
    """The stock connector for ``connection`` (see ``integrations.engine.stock_connector``), or None."""
    return _load(STOCK_CONNECTORS, connection, clock)
