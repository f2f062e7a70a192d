"""Settings shared by every environment. Environment-specific modules only override."""

from datetime import timedelta

from kombu import Queue

from config.env import BASE_DIR, env

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env.secret("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)
# Where the sandboxes are served (used in the credentials `sandbox seed` prints) and the hosts a
# platform client may reach besides the platforms' own — only while the sandboxes are enabled.
SANDBOX_BASE_URL = env.str("SANDBOX_BASE_URL", default="http://127.0.0.1:8000/sandbox")
SANDBOX_HOSTS = env.list("SANDBOX_HOSTS", default=["127.0.0.1", "localhost", "testserver", "sandbox.flyt.test"])
SANDBOX_STATE_DIR = env.str("SANDBOX_STATE_DIR", default=str(BASE_DIR / "var" / "sandbox"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dbtools",
    "merchants",
    "integrations",
    "catalog",
    "inventory",
    "synclog",
    "loyalty",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "merchants.middleware.MerchantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "merchants.middleware.FlytErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "merchants.context_processors.merchant",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite default ------
DATABASE_URL = env.secret("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # values travel beside the SQL (psycopg's C dumpers) instead of being quoted into it in Python:
        # the sync's page-sized statements (arrays of a page's rows, IN lists) cost far less to send
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "flyt.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and sessions -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["merchants.backends.ThrottledModelBackend"]
# Sign-in throttling (merchants.services): this many failed sign-ins within the window lock the
# account name, or (across names) the client address, for LOGIN_LOCKOUT_S seconds. The client
# address is REMOTE_ADDR; behind TRUSTED_PROXY_COUNT proxies that append to X-Forwarded-For it is
# the address the outermost of them saw.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_S = env.int("LOGIN_FAILURE_WINDOW_S", default=15 * 60)
LOGIN_LOCKOUT_S = env.int("LOGIN_LOCKOUT_S", default=15 * 60)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("da", "Dansk"), ("nb", "Norsk"), ("sv", "Svenska")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

# Where platforms reach Flyt (webhook destinations are built from it).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# --- Security ---------------------------------------------------------------------------------
# Webhook bodies are capped before they are read; the whole request body as well.
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1024 * 1024)
# Shopify Admin API version in every Shopify URL (the newest stable one; each is supported for 12 months)
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2026-10")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
X_FRAME_OPTIONS = "DENY"

# --- Credentials at rest ---------------------------------------------------------------------
# Fernet keys, newest first. The first encrypts; all decrypt; `rotate_credentials` re-encrypts.
FIELD_ENCRYPTION_KEYS = env.secret_list("FIELD_ENCRYPTION_KEYS")

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env.secret("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Shared between web and workers: short-lived platform access tokens (encrypted), cached lookups.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                "KEY_PREFIX": "flyt"}
    if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without Redis (the embedded default) tasks run in process, right after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
# A message whose worker vanished (machine lost, whole worker killed) is delivered again after the
# visibility timeout: 5 minutes. A task still running by then is delivered a second time, so every
# long task is guarded: a sync pass whose run is alive (fresh heartbeat) is not started twice, an
# inbox drain holds its connection's lock. No countdown may exceed it (tasking.BACKOFF_CAP_S).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("webhooks"), Queue("sync"), Queue("default")]
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-syncs": {
        "task": "integrations.tasks.connections_dispatch_due_task",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "interrupt-dead-syncs": {
        "task": "integrations.tasks.sync_runs_sweep_task",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "requeue-webhook-events": {
        "task": "integrations.tasks.webhook_events_requeue_task",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "poll-stock": {
        "task": "integrations.tasks.stock_poll_due_task",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "reconcile-stock": {
        "task": "integrations.tasks.stock_reconcile_due_task",
        "schedule": timedelta(minutes=15),
        "options": {"queue": "default", "expires": 600},
    },
    "prune-sync-log": {
        "task": "integrations.tasks.synclog_prune_task",
        "schedule": timedelta(hours=24),
        "options": {"queue": "default"},
    },
}
# Leases. A running sync pass moves its heartbeat on at most every SYNC_RUN_HEARTBEAT_S as it
# progresses; one silent for SYNC_RUN_LEASE_S whose worker is gone is marked interrupted by the
# sweeper (every minute) and started again. Inbox events a worker claimed go back to the queue
# once their claim (WEBHOOK_CLAIM_LEASE_S, renewed while a batch is processed) has run out.
SYNC_RUN_HEARTBEAT_S = env.int("SYNC_RUN_HEARTBEAT_S", default=10)
SYNC_RUN_LEASE_S = env.int("SYNC_RUN_LEASE_S", default=120)
WEBHOOK_CLAIM_LEASE_S = env.int("WEBHOOK_CLAIM_LEASE_S", default=120)
# How many deliveries of one task (retries and re-deliveries after a worker died) before it is
# given up for good. Counted in the database, so a message that kills its worker cannot loop.
TASK_MAX_DELIVERIES = env.int("TASK_MAX_DELIVERIES", default=8)
# Stock pushes wait this long after the first change so a burst of sales is one write per platform.
STOCK_PUSH_COALESCE_S = env.float("STOCK_PUSH_COALESCE_S", default=0.5)

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # httpx logs whole request URLs at INFO; some platforms put tokens in query strings.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
