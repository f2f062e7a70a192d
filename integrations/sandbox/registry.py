"""One sandbox per platform per process, optionally saved to disk so that `manage.py sandbox
seed` and the web server (another process) see the same accounts. Sandboxes installed in process
(tests, benchmarks) are kept by ``integrations.sandbox.inprocess``, re-exported here."""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.platforms import PLATFORMS
from integrations.sandbox.clock import RealClock
from integrations.sandbox.inprocess import (  # noqa: F401  the in-process half of this registry, for its callers
    INPROCESS_HOST,
    inprocess_base_url,
    install,
    installed_for,
    transport_for,
    uninstall_all,
)

# a view over the platform specs: {platform: dotted path of its sandbox class}
SANDBOXES = {key: spec.sandbox for key, spec in PLATFORMS.items() if spec.sandbox}

_shared = {}


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
