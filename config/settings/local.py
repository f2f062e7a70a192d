"""The embedded default for a developer machine and `make run`.

With nothing configured: SQLite, tasks in process, the sandboxes on, and a secret key and
credential key generated once per checkout into ``var/`` (never committed). DEBUG stays off, so
what `make run` serves shows Flyt's own 404 and 500 pages, never Django's debug pages with the URL
map; a developer opts in with ``DEBUG=true``. Static files are served by WhiteNoise straight from
the apps' static folders (no collectstatic needed), with or without DEBUG.
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
os.environ.setdefault("SANDBOX_ENABLED", "true")

from config.settings.base import *  # noqa: E402,F403

WHITENOISE_USE_FINDERS = True  # serve static files from the apps' folders, as runserver does with DEBUG on
WHITENOISE_AUTOREFRESH = True  # pick up edited static files without a restart
