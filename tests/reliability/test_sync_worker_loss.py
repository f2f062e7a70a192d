"""A real Celery worker on Redis and PostgreSQL, killed (SIGKILL, the whole worker: parent and
child, as when its machine is lost) in the middle of a sync pass. The sandboxes are served over
HTTP by this test process; the worker is killed while it waits for BigCommerce to answer the
creation of the 10th of 25 products (created, but the binding never saved).

With the leases shortened through settings (lease 4 s, heartbeat 1 s, broker visibility 15 s) and
the minute sweeper sent as beat would send it, the dead run is marked interrupted, the pass runs
again on a new worker and every product is on BigCommerce exactly once."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.db import connection

from config.env import BASE_DIR
from integrations.bigcommerce.client import BigCommerceClient
from integrations.engine.setup import integration_activate
from integrations.models import Integration
from integrations.sandbox import registry
from integrations.sandbox.seed import catalog
from integrations.services.connections import connection_create
from integrations.services.integrations import integration_create
from synclog.models import SyncRun

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/7"
LEASE_S = 4


def _wait_for(predicate, timeout=90.0, every=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if every is not None:
            every()
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _send(task_name, args, queue):
    import warnings

    from config.celery import app

    with app.connection_for_write(BROKER) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test process itself runs tasks eagerly; this one goes to Redis
        return app.send_task(task_name, args=args, queue=queue, connection=conn).id


class Workers:
    def __init__(self):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.reliability",
            "RELIABILITY_BROKER_URL": BROKER,
            "RELIABILITY_DATABASE_NAME": connection.settings_dict["NAME"],
            "RELIABILITY_VISIBILITY_TIMEOUT": "15",
            "SYNC_RUN_LEASE_S": str(LEASE_S),
            "SYNC_RUN_HEARTBEAT_S": "1",
        }
        self.processes = []

    def start(self):
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
             "-Q", "default,sync", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
             "-n", f"reliability-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed as one, like a lost machine
        )
        self.processes.append(process)
        return process

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers():
    redis.Redis.from_url(BROKER).flushdb()
    started = Workers()
    yield started
    started.stop()
    redis.Redis.from_url(BROKER).flushdb()


@pytest.fixture
def served(settings, tmp_path, live_server):
    """Both sandboxes served over HTTP by ``live_server``, their state on disk in ``tmp_path``."""
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    for platform in ("bigcommerce", "zettle"):
        sandbox = registry.shared_sandbox(platform)
        sandbox.reset()
        sandbox._loaded_mtime = None
    yield live_server.url
    for platform in ("bigcommerce", "zettle"):
        sandbox = registry.shared_sandbox(platform)
        sandbox.__dict__.pop("handle", None)
        sandbox.reset()
        sandbox._loaded_mtime = None


def _connect(merchant, platform, base_url):
    with registry.persisted(platform) as sandbox:
        account = sandbox.create_account(currency="DKK")
    settings = {**account["settings"], "base_url": f"{base_url}/sandbox/{platform}"}
    created = connection_create(merchant=merchant, platform=platform, name=platform.title(),
                                credentials=account["credentials"], settings=settings,
                                external_account_id=account["external_account_id"])
    return created, account["account"]


def _bc_skus(bc_connection):
    bc_connection.refresh_from_db()
    client = BigCommerceClient.from_connection(bc_connection)
    return [v["sku"] for p in client.iter_products() for v in p.get("variants") or []]


def test_a_sync_whose_worker_was_killed_is_interrupted_and_done_again_without_duplicates(
        merchant_a, served, workers):
    bc_connection, _ = _connect(merchant_a, "bigcommerce", served)
    zettle_connection, org = _connect(merchant_a, "zettle", served)
    integration = integration_create(merchant=merchant_a, kind="zettle_bigcommerce", prices_included=True,
                                     initial_scope=Integration.Scope.ALL, setup_step="finish",
                                     members=[(bc_connection, {"products": "target", "stock": "both"}),
                                              (zettle_connection, {"products": "home", "stock": "both"})])
    integration_activate(merchant=merchant_a, integration=integration)
    with registry.persisted("zettle") as zettle:  # new on the home base after setup: all of them synced
        zettle.seed(org, catalog(25, seed=31, prefix="KILL"))

    # the worker dies while BigCommerce creates the 10th product: created there, never bound here
    first = workers.start()
    bc = registry.shared_sandbox("bigcommerce")
    real_handle = bc.handle
    creates = {"n": 0}

    def handle(request):
        if request.method == "POST" and request.path.endswith("/v3/catalog/products"):
            creates["n"] += 1
            if creates["n"] == 10:
                response = real_handle(request)
                workers.kill(first)
                return response
        return real_handle(request)

    bc.handle = handle
    _send("integrations.tasks.integration_sync_task", [integration.pk, "manual", False], "sync")
    assert _wait_for(lambda: first.poll() is not None), "the worker was never killed mid-pass"
    assert creates["n"] == 10
    dead = SyncRun.objects.filter(merchant=merchant_a, trigger=SyncRun.Trigger.MANUAL).latest("pk")
    assert dead.outcome == SyncRun.Outcome.RUNNING  # what it said for 16 minutes before
    assert 0 < len(_bc_skus(bc_connection)) < 25

    # a new worker; beat sends the sweeper every minute (here: as often as we look)
    workers.start()
    sweep = lambda: _send("integrations.tasks.sync_runs_sweep_task", [], "default")  # noqa: E731

    def done():
        dead.refresh_from_db()
        later = SyncRun.objects.filter(merchant=merchant_a, pk__gt=dead.pk, resource="products")
        return (dead.outcome == SyncRun.Outcome.INTERRUPTED and later.exists()
                and not later.filter(outcome=SyncRun.Outcome.RUNNING).exists())

    assert _wait_for(done, every=sweep), "the dead run was not interrupted and done again"
    assert dead.summary.startswith("Interrupted: the sync stopped unexpectedly")
    assert SyncRun.objects.filter(merchant=merchant_a, pk__gt=dead.pk,
                                  outcome=SyncRun.Outcome.SUCCESS).exists()
    skus = _bc_skus(bc_connection)
    assert len(skus) == len(set(skus)) == 25  # every product once, the one created before the death too
