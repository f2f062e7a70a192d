"""``manage.py bench stock``: its pure parts — argument checks, landing sales, percentiles, the
counts in the JSON line — and the sandbox server's control surface. The timed run itself (web
server, worker, Redis) is a benchmark, not a test: timings never decide pass or fail."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from integrations.bench.process import SandboxServer
from integrations.bench.serve import call_kind
from integrations.bench.stock import (
    Sale,
    check_args,
    double_counted,
    drifted,
    expected_levels,
    land,
    percentile,
    planned_sales,
    summarise,
    task_times,
)
from integrations.bench.sync import BenchError

GOOD = {"rate": 20, "seconds": 60, "products": 200, "variants": 1, "workers": 2, "source": "zettle",
        "target": "bigcommerce", "stock": 1000}


def test_arguments_are_checked_before_anything_starts():
    check_args(**GOOD)
    check_args(**{**GOOD, "source": "bigcommerce", "target": "zettle"})
    for bad, words in (({"rate": 0}, "--rate"), ({"seconds": -1}, "--seconds"), ({"products": 0}, "--products"),
                       ({"workers": 0}, "--workers"), ({"target": "zettle"}, "BigCommerce and Zettle"),
                       ({"source": "shopify"}, "BigCommerce and Zettle"), ({"stock": 5}, "--stock")):
        with pytest.raises(BenchError, match=words):
            check_args(**{**GOOD, **bad})
    assert planned_sales(20, 60) == 1200 and planned_sales(0.1, 1) == 1


def test_the_command_refuses_same_platforms_and_runs_without_redis_refused(settings):
    with pytest.raises(CommandError, match="must differ"):
        call_command("bench", "stock", "--rate", "1", "--seconds", "1", "--source", "zettle", "--target", "zettle")
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("bench", "stock", "--rate", "1", "--seconds", "1", stdout=io.StringIO())


def test_a_sale_lands_when_the_target_shows_its_level_or_less():
    a1, a2, b1 = Sale("A", 1, 0.0, 9), Sale("A", 1, 0.1, 8), Sale("B", 1, 0.2, 4)
    pending = {"A": [a1, a2], "B": [b1]}
    assert land(pending, "A", 10, 0.5) == 0  # not yet
    assert land(pending, "A", 9, 0.6) == 1 and a1.landed == 0.6 and a2.landed is None
    assert land(pending, "A", 7, 0.9) == 1 and a2.landed == 0.9  # several sales may land at once
    assert land(pending, "B", 4, 1.2) == 1 and pending == {"A": [], "B": []}
    assert round(a1.latency_ms) == 600 and round(b1.latency_ms) == 1000


def test_percentiles_and_the_summary():
    assert percentile([], 50) is None
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99), percentile(values, 100)) == \
        (50, 95, 99, 100)
    assert percentile([7], 99) == 7
    sales = [Sale("A", 1, 0.0, 5, landed=0.2), Sale("A", 1, 1.0, 4, landed=1.5), Sale("B", 2, 2.0, 3)]
    summary = summarise(sales, elapsed_s=4.0)
    assert summary == {"sales": 3, "units_sold": 4, "landed": 2, "p50_ms": 200.0, "p95_ms": 500.0, "p99_ms": 500.0,
                       "max_ms": 500.0, "throughput_per_s": 0.5, "lost": 1}
    assert json.loads(json.dumps(summary)) == summary


def test_drift_and_double_counting():
    sales = [Sale("A", 1, 0, 9), Sale("A", 1, 0, 8), Sale("B", 2, 0, 3)]
    expected = expected_levels({"A": 10, "B": 5, "C": 7}, sales)
    assert expected == {"A": 8, "B": 3, "C": 7}
    levels = {"A": 8, "B": 3, "C": 7}
    assert drifted(expected, source=levels, target=levels, hub=levels) == []
    assert drifted(expected, source=levels, target={**levels, "B": 4}, hub={**levels, "C": 6}) == ["B", "C"]
    assert drifted(expected, source=levels, target={"A": 8, "B": 3}, hub=levels) == ["C"]  # missing counts
    assert double_counted(4, 4) == 0 and double_counted(3, 4) == 0 and double_counted(6, 4) == 2


def test_task_times_come_from_the_worker_log():
    log = "\n".join([
        "[t: INFO/MainProcess] celery@x ready.",
        "[t: INFO/ForkPoolWorker-1] Task integrations.tasks.webhook_event_process_task[a-1] succeeded in 0.2s: 'done'",
        "[t: INFO/ForkPoolWorker-2] Task integrations.tasks.webhook_event_process_task[a-2] succeeded in 0.4s: 'done'",
        "[t: INFO/ForkPoolWorker-2] Task integrations.tasks.stock_push_task[b-1] retry: Retry in 2s",
        "[t: INFO/ForkPoolWorker-1] Task integrations.tasks.stock_push_task[b-1] succeeded in 1.0s: 0",
    ])
    times = task_times(log)
    assert times["webhook_event_process_task"] == {"runs": 2, "mean_ms": 300.0, "p95_ms": 400.0, "max_ms": 400.0,
                                                   "total_s": 0.6}
    assert times["stock_push_task"]["retries"] == 1 and times["stock_push_task"]["runs"] == 1
    assert task_times(log, since_line=4) == {"stock_push_task": {"runs": 1, "mean_ms": 1000.0, "p95_ms": 1000.0,
                                                                 "max_ms": 1000.0, "total_s": 1.0}}


def test_the_sandbox_server_sells_and_reports_levels():
    with SandboxServer(seeds=[("bigcommerce", 3, 1), ("zettle", 2, 2)], currency="DKK") as server:
        bc, zettle = server.account("bigcommerce")["account"], server.account("zettle")["account"]
        assert set(server.set_stock("bigcommerce", bc, 50).values()) == {50}
        sku = sorted(server.levels("bigcommerce", bc))[0]
        assert server.sell("bigcommerce", bc, sku, 2) == 48 == server.levels("bigcommerce", bc)[sku]
        levels = server.levels("zettle", zettle)
        assert len(levels) == 4
        item = sorted(levels)[0]
        assert server.sell("zettle", zettle, item, 1) == levels[item] - 1
        outbox = server.outbox()
        assert outbox["zettle"]["pending"] == 0  # nobody subscribed: nothing to deliver
        with server.client() as client:
            assert client.post("/sandbox-control/sell", json={"platform": "zettle", "account": zettle}) \
                .status_code == 400
            assert client.get("/sandbox-control/levels", params={"platform": "nope"}).status_code == 404


def test_zettle_balance_reads_by_post_count_as_reads():
    assert call_kind("zettle", "POST", "/inventory/v3/stock/9b1c6c3e-0a0a-11ef-8000-000000000001/products") == "read"
    assert call_kind("zettle", "POST", "/inventory/v3/products/status") == "read"
    assert call_kind("zettle", "POST", "/inventory/v3/products") == "write"  # tracking switched on or off
    assert call_kind("zettle", "POST", "/inventory/v3/movements") == "write"
