"""One sandbox per platform per process, optionally saved to disk so that `manage.py sandbox
seed` and the web server (another process) see the same accounts."""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.platforms import PLATFORMS
from integrations.sandbox.clock import RealClock
from integrations.sandbox.transport import SandboxTransport

# a view over the platform specs: {platform: dotted path of its sandbox class}
SANDBOXES = {key: spec.sandbox for key, spec in PLATFORMS.items() if spec.sandbox}

_shared = {}
# Sandboxes served in process (tests, benchmarks): a connection whose base URL is on this host
# talks to the installed sandbox through an httpx transport instead of the network.
INPROCESS_HOST = "sandbox.flyt.test"
_installed = {}


def sandbox_class(platform):
    if platform not in SANDBOXES:
        raise KeyError(f"No sandbox for platform {platform!r}; known: {', '.join(sorted(SANDBOXES))}")
    return import_string(SANDBOXES[platform])


def new_sandbox(platform, clock=None):
    """A fresh in-memory sandbox (tests and benchmarks make their own)."""
    return sandbox_class(platform)(clock=clock)


def shared_sandbox(platform):
    """The process-wide sandbox served over HTTP, on the real clock."""
    if platform not in _shared:
        _shared[platform] = new_sandbox(platform, clock=RealClock())
        _shared[platform]._loaded_mtime = None
    return _shared[platform]


def _state_path(platform) -> Path:
    return Path(settings.SANDBOX_STATE_DIR) / f"{platform}.json"


@contextmanager
def persisted(platform, *, write=True):
    """Use the shared sandbox with its state loaded from disk, saving it afterwards (locked)."""
    sandbox = shared_sandbox(platform)
    path = _state_path(platform)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            if path.exists():
                mtime = path.stat().st_mtime_ns
                if mtime != sandbox._loaded_mtime:
                    sandbox.state = json.loads(path.read_text())
                    sandbox._loaded_mtime = mtime
            yield sandbox
            if write:
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(sandbox.state))
                os.replace(tmp, path)
                sandbox._loaded_mtime = path.stat().st_mtime_ns
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def reset_all():
    for platform in SANDBOXES:
        path = _state_path(platform)
        if path.exists():
            path.unlink()
        if platform in _shared:
            _shared[platform].reset()
            _shared[platform]._loaded_mtime = None


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
