"""Product and stock connectors per platform, as the platform's spec names them, loaded only when used."""

from django.utils.module_loading import import_string

from integrations.platforms import PLATFORMS
from integrations.sandbox.registry import installed_for
from integrations.sandbox.transport import SandboxTransport

# views over the specs, ``{platform: dotted path}``, for callers that list them (platforms without one left out)
CONNECTORS = {key: spec.product_connector for key, spec in PLATFORMS.items() if spec.product_connector}
STOCK_CONNECTORS = {key: spec.stock_connector for key, spec in PLATFORMS.items() if spec.stock_connector}


def _load(part, connection, clock):
    spec = PLATFORMS.get(connection.platform)
    path = getattr(spec, part) if spec is not None else None
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
    return _load("product_connector", connection, clock)


def stock_connector_for(connection, *, clock=None):
    """The stock connector for ``connection`` (see ``integrations.engine.stock_connector``), or None."""
    return _load("stock_connector", connection, clock)


def connector_class(platform):
    """The product connector class of ``platform`` (e.g. for its ``write_batch_size``), or None."""
    spec = PLATFORMS.get(platform)
    return import_string(spec.product_connector) if spec is not None and spec.product_connector else None
