"""Settings for the test suite: real PostgreSQL and Redis, fast hashing, deterministic keys."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
# Two keys so rotation is exercised: the first encrypts, both decrypt.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "mlugutCYOF62XqpNrSNoDJtCw673KB3NiDLuNAvgYlU=,ZmFrZS1vbGQta2V5LWZvci10ZXN0cy0wMDAwMDAwMDA=",
)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flyt")
os.environ.setdefault("SANDBOX_ENABLED", "true")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("PUBLIC_BASE_URL", "https://flyt.example")

from config.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests call services and tasks directly; the real broker is exercised by the reliability tests.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
