"""The embedded default for a developer machine and `make run`.

With nothing configured: SQLite, tasks in process, the sandboxes on, and a secret key and
credential key generated once per checkout into ``var/`` (never committed).
"""

import json
import os
import secrets

from cryptography.fernet import Fernet

from config.env import BASE_DIR


def _dev_keys() -> dict:
    path = BASE_DIR / "var" / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {"SECRET_KEY": secrets.token_urlsafe(50), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


for _name, _value in _dev_keys().items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SANDBOX_ENABLED", "true")

from config.settings.base import *  # noqa: E402,F403
