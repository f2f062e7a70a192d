"""``bench stock``'s setting up: the arguments and the environment checked, Flyt's web server and
Celery worker as subprocesses, the bench merchant and its shop (both sandbox accounts connected, the
integration activated, stock sync started), and the clean-up (the merchant paused, SIGTERM as Ctrl-C)."""

import os
import secrets
import signal
import sys
import threading
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from integrations.bench.process import ServiceProcess, http_ready, log_ready
from integrations.bench.stock.report import PLATFORMS, planned_sales
from integrations.bench.sync import BenchError, _connect, _integration
from integrations.engine.setup import integration_activate
from integrations.models import Connection
from integrations.services.stock import stock_connection_start
from merchants.services import merchant_create, user_create

HOME = "bigcommerce"  # the home base: seeded with the catalog, which the setup sync copies to the other


def check_args(*, rate, seconds, products, variants, workers, source, target, stock):
    """Refuse arguments the benchmark cannot run with; the message says which and why."""
    if {source, target} != set(PLATFORMS):
        raise BenchError(f"bench stock runs between BigCommerce and Zettle; got --source {source} "
                         f"--target {target}.")
    if not rate > 0:
        raise BenchError("--rate must be more than 0 sales a second.")
    if not seconds > 0:
        raise BenchError("--seconds must be more than 0.")
    if products < 1 or variants < 1:
        raise BenchError("--products and --variants must be 1 or more.")
    if workers < 1:
        raise BenchError("--workers must be 1 or more.")
    sales = planned_sales(rate, seconds)
    if stock < 1 or stock * products * variants < sales:
        raise BenchError(f"--stock {stock} x {products * variants} SKUs cannot cover {sales} sales; raise --stock.")


def check_environment():
    """The real path needs PostgreSQL and Redis: refuse clearly without them."""
    if not getattr(settings, "REDIS_URL", ""):
        raise BenchError("bench stock needs Redis for the Celery worker: set REDIS_URL (e.g. "
                         "redis://127.0.0.1:6379/5).")
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor != "postgresql":
        raise BenchError(f"bench stock needs PostgreSQL (the worker and the web server share it); DATABASE_URL "
                         f"points at {vendor}. Set DATABASE_URL=postgres://...")


def bench_merchant(*, rate, seconds, currency):
    token = secrets.token_hex(4)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    owner = user_create(email=f"bench-{stamp}-{token}@bench.flyt.test", password=secrets.token_urlsafe(24))
    return merchant_create(name=f"Bench stock {rate}/s x {seconds}s", owner=owner, slug=f"bench-stock-{stamp}-{token}",
                           default_currency=currency)


def child_env(*, intake_url, hosts):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE, "PUBLIC_BASE_URL": intake_url,
           "SANDBOX_ENABLED": "true", "SANDBOX_HOSTS": ",".join(hosts), "DEBUG": "false",
           "PYTHONUNBUFFERED": "1"}
    return env


def web_server(*, port, env, web_workers):
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(web_workers), "--timeout", "30", "--log-level", "warning"]
    return ServiceProcess("The web server (gunicorn)", command, env=env,
                          ready=http_ready(f"http://127.0.0.1:{port}/healthz"))


def celery_worker(*, env, workers):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "webhooks,sync,default",
               "--concurrency", str(workers), "--pool", "prefork", "--loglevel", "INFO",
               "-n", f"bench-stock-{os.getpid()}@%h"]
    return ServiceProcess("The Celery worker", command, env=env, ready=log_ready(" ready."))


def set_up_shop(*, server, merchant, currency):
    """Connect both sandbox accounts, activate the integration (home base BigCommerce, its products in
    the Zettle channel already) and start stock sync on both connections, as ``StockShop.start`` does."""
    other = "zettle" if HOME == "bigcommerce" else "bigcommerce"
    home_connection = _connect(merchant=merchant, account=server.account(HOME), currency=currency)
    other_connection = _connect(merchant=merchant, account=server.account(other), currency=currency)
    by_platform = {HOME: home_connection, other: other_connection}
    integration = _integration(merchant=merchant, home=home_connection, target=other_connection)
    run = integration_activate(merchant=merchant, integration=integration)
    for connection in (by_platform["bigcommerce"], by_platform["zettle"]):
        connection.refresh_from_db()
        stock_connection_start(merchant=merchant, connection=connection)
        connection.refresh_from_db()
    return by_platform, run


def pause(merchant):
    """Pause the bench merchant's connections: tasks still queued for them end at once."""
    Connection.objects.filter(merchant=merchant).update(status=Connection.Status.PAUSED)


def queued_messages():
    """Task messages waiting in the Celery queues (Redis lists named after the queues)."""
    try:
        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            return sum(client.llen(queue) for queue in ("webhooks", "sync", "default"))
        finally:
            client.close()
    except redis.RedisError as exc:
        raise BenchError(f"Cannot reach Redis at REDIS_URL: {exc}") from exc


def stop_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so the subprocesses are always stopped (main thread only)."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, handler)
    return None
