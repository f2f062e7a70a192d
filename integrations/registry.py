"""Product and stock connectors per platform, as the platform's spec names them, loaded only when used;
and the one way production code reaches a sandbox: served in process (tests, benchmarks) when one is
installed for the connection's address, or the shared demo sandbox, each by the dotted path its spec names."""

from django.utils.module_loading import import_string

from integrations.platforms import PLATFORMS
from integrations.sandbox import registry as sandboxes
from integrations.sandbox.inprocess import inprocess_base_url, installed_for
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
    """The stock connector for ``connection`` (see ``integrations.contracts.stock``), or None."""
    return _load("stock_connector", connection, clock)


def connector_class(platform):
    """The product connector class of ``platform`` (e.g. for its ``write_batch_size``), or None."""
    spec = PLATFORMS.get(platform)
    return import_string(spec.product_connector) if spec is not None and spec.product_connector else None


def inprocess_transport(base_url):
    """The httpx transport to the sandbox installed in process for ``base_url``, or None (the network)."""
    sandbox = installed_for(base_url)
    return SandboxTransport(sandbox) if sandbox is not None else None


def inprocess_sandbox_url(platform):
    """The base URL of ``platform``'s sandbox served in process, or None when none is installed."""
    url = inprocess_base_url(platform)
    return url if installed_for(url) is not None else None


def sandbox_account_create(platform, **options):
    """A new account on ``platform``'s sandbox (``{"account", "settings", "credentials", ...}``): on the
    one installed in process when there is one (its ``base_url`` in the settings), else on the shared
    sandbox the web server serves under /sandbox/."""
    url = inprocess_sandbox_url(platform)
    if url is not None:
        account = installed_for(url).create_account(**options)
        return {**account, "settings": {**account["settings"], "base_url": url}}
    with sandboxes.persisted(platform) as sandbox:
        return sandbox.create_account(**options)
