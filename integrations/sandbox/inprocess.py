"""Sandboxes served in process (tests, benchmarks): a connection whose base URL is on ``INPROCESS_HOST``
talks to the sandbox installed for its platform through an httpx transport instead of the network.

Kept apart from ``integrations.sandbox.registry`` (which knows every platform's sandbox class) so that
the connector registry and the platform sandboxes themselves can ask what is installed.
"""

from urllib.parse import urlsplit

from integrations.sandbox.transport import SandboxTransport

INPROCESS_HOST = "sandbox.flyt.test"
_installed = {}


def install(platform, sandbox):
    """Serve ``sandbox`` in process for connections whose base URL is on INPROCESS_HOST."""
    _installed[platform] = sandbox
    return sandbox


def uninstall_all():
    _installed.clear()


def inprocess_base_url(platform):
    return f"http://{INPROCESS_HOST}/sandbox/{platform}"


def installed_for(base_url):
    """The sandbox installed in process for ``base_url``, or None when it goes over the network."""
    parts = urlsplit(base_url or "")
    if parts.hostname != INPROCESS_HOST:
        return None
    return _installed.get(parts.path.removeprefix("/sandbox/").split("/", 1)[0])


def transport_for(base_url):
    """The in-process transport for ``base_url``, or None when it should go over the network."""
    sandbox = installed_for(base_url)
    return SandboxTransport(sandbox) if sandbox is not None else None
