"""A real Celery worker on Redis and PostgreSQL: a task whose worker process dies is delivered
again (late ack, reject on worker lost), and a message that always kills its worker is given up
after TASK_MAX_DELIVERIES deliveries counted in the database — no endless loop."""

import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.db import connection

from config.env import BASE_DIR
from integrations.models import TaskAttempt

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# one Redis database per pytest-xdist worker, so parallel runs don't flush each other's queue
BROKER_DB = 15 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 8


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(tmp_path):
    broker = f"redis://127.0.0.1:6379/{BROKER_DB}"
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.reliability",
        "RELIABILITY_BROKER_URL": broker,
        "RELIABILITY_DATABASE_NAME": connection.settings_dict["NAME"],
        "RELIABILITY_MARKER_DIR": str(tmp_path),
        "TASK_MAX_DELIVERIES": "3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
         "-Q", "default", "--include", "tests.reliability.crashing_tasks", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING", "-n", f"reliability-{uuid.uuid4().hex[:8]}@%h"],
        cwd=BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield {"broker": broker, "markers": tmp_path}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _send(task_name, label, broker):
    import warnings

    from config.celery import app

    with app.connection_for_write(broker) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test process itself runs tasks eagerly; this one goes to Redis
        return app.send_task(task_name, args=[label], queue="default", connection=conn).id


def test_a_task_whose_worker_died_runs_again_and_finishes(worker):
    task_id = _send("tests.reliability.crashing_tasks.crash_once_then_finish", "once", worker["broker"])
    assert _wait_for(lambda: (worker["markers"] / "once.done").exists()), "the task was not delivered again"
    assert (worker["markers"] / "once.crashed").exists()
    assert _wait_for(lambda: not TaskAttempt.objects.filter(task_id=task_id).exists())  # finished: counter cleared


def test_a_poison_message_is_given_up_after_the_delivery_cap(worker):
    task_id = _send("tests.reliability.crashing_tasks.always_crash", "poison", worker["broker"])
    assert _wait_for(lambda: TaskAttempt.objects.filter(task_id=task_id, gave_up=True).exists()), \
        "the poison message was never given up"
    runs = (worker["markers"] / "poison.runs").read_text().count("x")
    assert runs == 3  # TASK_MAX_DELIVERIES, then the next delivery was acknowledged without running
    time.sleep(2)
    assert (worker["markers"] / "poison.runs").read_text().count("x") == 3  # and it stays given up
