"""Settings for a real Celery worker started by the reliability tests: the test database,
Redis as the broker, tasks not eager."""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ.get("RELIABILITY_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("RELIABILITY_VISIBILITY_TIMEOUT", 300))}
DATABASES["default"]["NAME"] = os.environ.get("RELIABILITY_DATABASE_NAME", DATABASES["default"]["NAME"])  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}  # noqa: F405
