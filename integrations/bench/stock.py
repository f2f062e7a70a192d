"""``bench stock``: sales on one sandbox, timed until the other sandbox shows them, on the real path.

Everything runs as in production, each in its own process: the sandboxes (``sandbox serve``, with the
platforms' documented rate limits and a thread posting their signed webhooks over HTTP as they fall
due), Flyt's web server (gunicorn, the webhook intake), one Celery worker (prefork), PostgreSQL and
Redis. This process sets the shop up through the services (as the wizard does), then sells at
``rate`` a second for ``seconds`` on the source platform through the sandbox's control endpoint,
spread at random over the catalog, and polls the target's levels every ``POLL_S``: a sale has landed
when the target shows at most the level the sale left on the source. Latency = landed - posted.

After the sales it waits until everything is quiet (at most ``QUIET_MAX_S``), then counts what was
lost (never landed), double-counted (ledger movements from the source beyond the units sold) and
drifted (SKUs where source, target and hub do not all show the expected level).
"""

import math
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import override_settings

from integrations.bench.process import SandboxServer, ServiceProcess, free_port, http_ready, log_ready
from integrations.bench.sync import PLATFORMS, BenchError, _connect, check_migrated

HOME = "bigcommerce"  # the home base: seeded with the catalog, which the setup sync copies to the other
POLL_S = 0.02
QUIET_MAX_S = 30.0
SETUP_QUIET_MAX_S = 900.0
QUIET_HOLD_S = 1.0


@dataclass
class Sale:
    sku: str
    qty: int
    posted: float  # monotonic seconds, just before the sale was posted
    implied: int  # the SKU's level on the source right after this sale
    landed: float | None = None  # when the target first showed <= implied

    @property
    def latency_ms(self):
        return None if self.landed is None else (self.landed - self.posted) * 1000


# --- pure parts (tested without a run) -----------------------------------------------------------------

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


def planned_sales(rate, seconds):
    return max(1, int(round(rate * seconds)))


def percentile(values, p):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _ms(value):
    return None if value is None else round(value, 1)


def summarise(sales, *, elapsed_s):
    """Latency percentiles, throughput and the lost count of a run's sales."""
    latencies = [s.latency_ms for s in sales if s.landed is not None]
    landed = len(latencies)
    return {
        "sales": len(sales), "units_sold": sum(s.qty for s in sales), "landed": landed,
        "p50_ms": _ms(percentile(latencies, 50)), "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)), "max_ms": _ms(max(latencies, default=None)),
        "throughput_per_s": round(landed / elapsed_s, 2) if elapsed_s > 0 else None,
        "lost": len(sales) - landed,
    }


def land(pending, sku, level, now):
    """The target shows ``level`` for ``sku`` at ``now``: every pending sale of it whose implied level
    is at least that has landed. ``pending[sku]`` is in posting order (implied levels falling)."""
    queue = pending.get(sku)
    count = 0
    while queue and level <= queue[0].implied:
        queue.pop(0).landed = now
        count += 1
    return count


def expected_levels(initial, sales):
    """{sku: initial level - units sold of it}."""
    expected = dict(initial)
    for sale in sales:
        expected[sale.sku] -= sale.qty
    return expected


def drifted(expected, *, source, target, hub):
    """The SKUs where source, target and hub do not all show the expected level."""
    return sorted(sku for sku, want in expected.items()
                  if not (source.get(sku) == target.get(sku) == hub.get(sku) == want))


def double_counted(movement_units, units_sold):
    """Ledger units taken from the source beyond the units sold (0 when none)."""
    return max(0, movement_units - units_sold)


# --- the run -------------------------------------------------------------------------------------------

class Poller(threading.Thread):
    """Reads the target's levels every ``POLL_S`` and lands the sales they show."""

    def __init__(self, server, platform, account):
        super().__init__(name="bench-poller", daemon=True)
        self.server, self.platform, self.account = server, platform, account
        self.lock = threading.Lock()
        self.pending = {}
        self.stopped = threading.Event()
        self.polls, self.errors, self.last = 0, [], {}

    def add(self, sale):
        with self.lock:
            self.pending.setdefault(sale.sku, []).append(sale)

    def outstanding(self):
        with self.lock:
            return sum(len(q) for q in self.pending.values())

    def run(self):
        client = self.server.client()
        try:
            while not self.stopped.is_set():
                try:
                    levels = self.server.levels(self.platform, self.account, client=client)
                except Exception as exc:  # noted; the run goes on
                    self.errors.append(f"poll: {type(exc).__name__}: {exc}")
                    self.stopped.wait(POLL_S)
                    continue
                now = time.monotonic()
                self.polls += 1
                self.last = levels
                with self.lock:
                    for sku in [s for s, q in self.pending.items() if q]:
                        if sku in levels:
                            land(self.pending, sku, levels[sku], now)
                self.stopped.wait(POLL_S)
        finally:
            client.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


def _merchant(*, rate, seconds, currency):
    from merchants.services import merchant_create, user_create

    token = secrets.token_hex(4)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    owner = user_create(email=f"bench-{stamp}-{token}@bench.flyt.test", password=secrets.token_urlsafe(24))
    return merchant_create(name=f"Bench stock {rate}/s x {seconds}s", owner=owner, slug=f"bench-stock-{stamp}-{token}",
                           default_currency=currency)


def _child_env(*, intake_url, hosts):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE, "PUBLIC_BASE_URL": intake_url,
           "SANDBOX_ENABLED": "true", "SANDBOX_HOSTS": ",".join(hosts), "DEBUG": "false",
           "PYTHONUNBUFFERED": "1"}
    return env


def _web(*, port, env, web_workers):
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(web_workers), "--timeout", "30", "--log-level", "warning"]
    return ServiceProcess("The web server (gunicorn)", command, env=env,
                          ready=http_ready(f"http://127.0.0.1:{port}/healthz"))


def _worker(*, env, workers):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "webhooks,sync,default",
               "--concurrency", str(workers), "--pool", "prefork", "--loglevel", "INFO",
               "-n", f"bench-stock-{os.getpid()}@%h"]
    return ServiceProcess("The Celery worker", command, env=env, ready=log_ready(" ready."))


def _busy(*, server, merchant):
    """What is still moving: webhooks queued or being sent, inbox events not done, rows not pushed."""
    from integrations.models import RemoteStock, WebhookEvent

    outbox = server.outbox()
    queued = sum(row.get("pending", 0) + row.get("in_flight", 0) for row in outbox.values())
    events = WebhookEvent.objects.filter(merchant=merchant, status__in=[
        WebhookEvent.Status.PENDING, WebhookEvent.Status.PROCESSING]).count()
    dirty = RemoteStock.objects.filter(merchant=merchant, dirty=True).count()
    return {"webhooks_queued": queued, "events_open": events, "rows_dirty": dirty}


def _wait_quiet(*, server, merchant, max_s, services, done=lambda: True, say=None):
    """Wait until ``done()`` and nothing moves for ``QUIET_HOLD_S`` (at most ``max_s``); returns the
    seconds waited and the last ``_busy`` reading. ``say``: a progress line every 15 s."""
    started = time.monotonic()
    quiet_since = None
    state = {}
    next_note = started + 15
    while True:
        if say is not None and time.monotonic() >= next_note:
            say(f"still busy after {time.monotonic() - started:.0f} s: {state}")
            next_note += 15
        for service in services:
            if not service.alive():
                raise BenchError(f"{service.name} stopped: {service.log_tail()}")
        state = _busy(server=server, merchant=merchant)
        now = time.monotonic()
        if done() and not any(state.values()):
            quiet_since = quiet_since or now
            if now - quiet_since >= QUIET_HOLD_S:
                break
        else:
            quiet_since = None
        if now - started >= max_s:
            break
        time.sleep(0.1)
    return time.monotonic() - started, state


def _setup(*, server, merchant, currency):
    """Connect both sandbox accounts, activate the integration (home base BigCommerce, its products in
    the Zettle channel already) and start stock sync on both connections, as ``StockShop.start`` does."""
    from integrations.engine.setup import integration_activate
    from integrations.models import Integration
    from integrations.services.stock import stock_connection_start

    other = "zettle" if HOME == "bigcommerce" else "bigcommerce"
    home_connection = _connect(merchant=merchant, account=server.account(HOME), currency=currency)
    other_connection = _connect(merchant=merchant, account=server.account(other), currency=currency)
    by_platform = {HOME: home_connection, other: other_connection}
    integration = Integration.objects.create(
        merchant=merchant, bigcommerce=by_platform["bigcommerce"], zettle=by_platform["zettle"], home_platform=HOME,
        prices_included=True, initial_scope=Integration.Scope.ALL, setup_step="finish")
    run = integration_activate(merchant=merchant, integration=integration)
    for connection in (by_platform["bigcommerce"], by_platform["zettle"]):
        connection.refresh_from_db()
        stock_connection_start(merchant=merchant, connection=connection)
        connection.refresh_from_db()
    return by_platform, run


def _pause(merchant):
    """Pause the bench merchant's connections: tasks still queued for them end at once."""
    from integrations.models import Connection

    Connection.objects.filter(merchant=merchant).update(status=Connection.Status.PAUSED)


def _queued():
    """Task messages waiting in the Celery queues (Redis lists named after the queues)."""
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            return sum(client.llen(queue) for queue in ("webhooks", "sync", "default"))
        finally:
            client.close()
    except redis.RedisError as exc:
        raise BenchError(f"Cannot reach Redis at REDIS_URL: {exc}") from exc


def _hub_levels(*, merchant, skus):
    from django.db.models import Sum

    from inventory.models import StockLevel

    rows = StockLevel.objects.filter(merchant=merchant, variant__sku__in=skus).values("variant__sku") \
        .annotate(total=Sum("quantity"))
    return {row["variant__sku"]: row["total"] for row in rows}


def _source_movement_units(*, merchant, connection, since):
    from django.db.models import Sum
    from django.db.models.functions import Abs

    from inventory.models import StockMovement

    movements = StockMovement.objects.filter(merchant=merchant, source_connection=connection,
                                             recorded_at__gte=since).exclude(reason=StockMovement.Reason.INITIAL)
    return movements.aggregate(units=Sum(Abs("delta")))["units"] or 0


def _stages(*, merchant, connections_by_platform, since):
    """Where the time went, from the inbox: per platform, events received during the run and the time
    from intake to processed (queue wait + processing), and how they ended."""
    from integrations.models import WebhookEvent

    out = {}
    for platform, connection in connections_by_platform.items():
        events = list(WebhookEvent.objects.filter(merchant=merchant, connection=connection, received_at__gte=since)
                      .values_list("status", "received_at", "processed_at", "attempts"))
        waits = [(done - got).total_seconds() * 1000 for _, got, done, _ in events if done is not None]
        statuses = {}
        for status, *_ in events:
            statuses[status] = statuses.get(status, 0) + 1
        out[platform] = {"events": len(events), "statuses": statuses,
                         "retried": sum(1 for *_, attempts in events if attempts > 1),
                         "intake_to_processed_p50_ms": _ms(percentile(waits, 50)),
                         "intake_to_processed_p95_ms": _ms(percentile(waits, 95)),
                         "intake_to_processed_p99_ms": _ms(percentile(waits, 99)),
                         "intake_to_processed_max_ms": _ms(max(waits, default=None))}
    return out


_TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] (?:succeeded in ([0-9.]+)s|(retry):)")


def task_times(log_text, *, since_line=0):
    """{task name: {"runs", "mean_ms", "p95_ms", "max_ms", "total_s", "retries"}} from a Celery worker's
    INFO log (its "Task x[id] succeeded in 0.12s" lines), from line ``since_line`` on."""
    runs, retries = {}, {}
    for line in log_text.splitlines()[since_line:]:
        match = _TASK_DONE.search(line)
        if not match:
            continue
        name = match.group(1).rsplit(".", 1)[-1]
        if match.group(3):
            retries[name] = retries.get(name, 0) + 1
        else:
            runs.setdefault(name, []).append(float(match.group(2)) * 1000)
    out = {}
    for name, times in sorted(runs.items()):
        out[name] = {"runs": len(times), "mean_ms": _ms(sum(times) / len(times)), "p95_ms": _ms(percentile(times, 95)),
                     "max_ms": _ms(max(times)), "total_s": round(sum(times) / 1000, 2)}
    for name, count in retries.items():
        out.setdefault(name, {})["retries"] = count
    return out


def _delivery_delta(before, after):
    """Webhooks delivered between two outbox snapshots and the intake's mean answer time."""
    out = {}
    for platform in PLATFORMS:
        a, b = before.get(platform, {}), after.get(platform, {})
        delivered = b.get("delivered", 0) - a.get("delivered", 0)
        total = b.get("send_ms_total", 0.0) - a.get("send_ms_total", 0.0)
        out[platform] = {"delivered": delivered, "answer_ms_avg": round(total / delivered, 1) if delivered else None,
                         "failed_attempts": b.get("failed_attempts", 0) - a.get("failed_attempts", 0)}
    return out


def _calls(stats):
    return {platform: {k: stats.get(platform, {}).get(k, 0) for k in ("read", "write", "auth", "throttled")}
            for platform in PLATFORMS}


def _stop_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so the subprocesses are always stopped (main thread only)."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, handler)
    return None


def bench_stock(**options):
    """Set up, sell, measure; returns the result (one JSON-able dict). See ``_bench_stock``."""
    previous = _stop_on_sigterm()
    try:
        return _bench_stock(**options)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _bench_stock(*, rate, seconds, products=200, variants=1, source="zettle", target="bigcommerce", workers=2,
                 web_workers=3, stock=1000, currency="DKK", random_seed=1, out=None):
    """Set up, sell, measure; returns the result (one JSON-able dict). ``out``: progress lines (stderr)."""
    from integrations.bigcommerce.catalog_api import ZETTLE_CHANNEL
    from integrations.models import TaskAttempt

    check_args(rate=rate, seconds=seconds, products=products, variants=variants, workers=workers, source=source,
               target=target, stock=stock)
    check_environment()
    check_migrated()

    def say(message):
        if out is not None:
            out.write(f"bench stock: {message}\n")
            out.flush()

    other = "zettle" if HOME == "bigcommerce" else "bigcommerce"
    seeds = [(HOME, products, variants), (other, 0, 1)]
    hosts = list(dict.fromkeys([*settings.SANDBOX_HOSTS, "127.0.0.1"]))
    errors = []
    rng = random.Random(random_seed)
    with ExitStack() as stack:
        say(f"starting the sandboxes ({products} x {variants} on {HOME})")
        server = stack.enter_context(SandboxServer(seeds=seeds, currency=currency, channel=ZETTLE_CHANNEL,
                                                   random_seed=random_seed))
        server.set_stock(HOME, server.account(HOME)["account"], stock)
        port = free_port()
        intake_url = f"http://127.0.0.1:{port}"
        env = _child_env(intake_url=intake_url, hosts=hosts)
        say(f"starting the web server on {intake_url} and a worker (concurrency {workers})")
        web = stack.enter_context(_web(port=port, env=env, web_workers=web_workers))
        worker = stack.enter_context(_worker(env=env, workers=workers))
        services = (web, worker)
        stack.enter_context(override_settings(SANDBOX_ENABLED=True, SANDBOX_HOSTS=hosts, DEBUG=False,
                                              PUBLIC_BASE_URL=intake_url))
        queued_at_start = _queued()
        if queued_at_start:
            say(f"warning: {queued_at_start} task message(s) already queued in Redis (an earlier run's backlog?): "
                "the worker works through them too")
        server.deliver_webhooks()
        merchant = _merchant(rate=rate, seconds=seconds, currency=currency)
        stack.callback(_pause, merchant)  # before the worker stops: what is left in the queue becomes a no-op
        say("setting up the integration and starting stock sync")
        setup_started = time.monotonic()
        by_platform, run = _setup(server=server, merchant=merchant, currency=currency)
        if run is None or run.outcome != "success":
            errors.append(f"setup sync: {getattr(run, 'outcome', 'none')} {getattr(run, 'summary', '')}".strip())
        waited, state = _wait_quiet(server=server, merchant=merchant, max_s=SETUP_QUIET_MAX_S, services=services,
                                    say=say)
        setup_s = time.monotonic() - setup_started
        if any(state.values()):
            errors.append(f"setup not quiet after {waited:.0f} s: {state}")
        say(f"set up in {setup_s:.1f} s; selling {rate}/s for {seconds} s on {source}")

        source_account, target_account = server.account(source)["account"], server.account(target)["account"]
        initial_source = server.levels(source, source_account)
        initial_target = server.levels(target, target_account)
        skus = sorted(set(initial_source) & set(initial_target))
        if not skus:
            raise BenchError(f"No SKU is on both {source} and {target} after the setup: {errors}")
        initial_hub = _hub_levels(merchant=merchant, skus=skus)
        start_drift = drifted(initial_source, source={k: initial_source[k] for k in skus}, target=initial_target,
                              hub=initial_hub)
        if start_drift:
            errors.append(f"{len(start_drift)} SKU(s) differ before the sales, e.g. {start_drift[:3]}")
        server.stats(reset=True)
        outbox_before = server.outbox()
        log_mark = len(worker.log_text().splitlines())
        since = datetime.now(UTC)
        poller = Poller(server, target, target_account)
        poller.start()
        sales = []
        planned = planned_sales(rate, seconds)
        started = time.monotonic()
        try:
            for index in range(planned):
                due = started + index / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                sku = rng.choice(skus)
                posted = time.monotonic()
                try:
                    level = server.sell(source, source_account, sku, 1)
                except Exception as exc:  # noted; the run goes on
                    errors.append(f"sell {sku}: {type(exc).__name__}: {exc}")
                    continue
                sale = Sale(sku=sku, qty=1, posted=posted, implied=level)
                sales.append(sale)
                poller.add(sale)
            selling_s = time.monotonic() - started
            say(f"posted {len(sales)} sales in {selling_s:.1f} s; waiting until quiet (at most {QUIET_MAX_S:.0f} s)")
            waited, state = _wait_quiet(server=server, merchant=merchant, max_s=QUIET_MAX_S, services=services,
                                        done=lambda: poller.outstanding() == 0, say=say)
        finally:
            poller.stop()
        landed_at = [s.landed for s in sales if s.landed is not None]
        elapsed_s = (max(landed_at) if landed_at else time.monotonic()) - started
        errors += poller.errors[:20]
        if any(state.values()):
            errors.append(f"not quiet after {waited:.0f} s: {state}")

        stats = server.stats()
        outbox = server.outbox()
        final_source = server.levels(source, source_account)
        final_target = server.levels(target, target_account)
        final_hub = _hub_levels(merchant=merchant, skus=skus)
        expected = expected_levels({sku: initial_source[sku] for sku in skus}, sales)
        drift = drifted(expected, source=final_source, target=final_target, hub=final_hub)
        units = sum(s.qty for s in sales)
        moved = _source_movement_units(merchant=merchant, connection=by_platform[source], since=since)
        failing = TaskAttempt.objects.filter(last_seen_at__gte=since).exclude(last_error="")
        retried_tasks = failing.count()
        errors += [f"task {'given up' if gave_up else 'retried'}: {name}: {error[:200]}"
                   for name, error, gave_up in failing.values_list("task_name", "last_error", "gave_up")[:5]]
        for service in services:
            if not service.alive():
                errors.append(f"{service.name} died: {service.log_tail(500)}")
        stages = _stages(merchant=merchant, connections_by_platform=by_platform, since=since)
        tasks = task_times(worker.log_text(), since_line=log_mark)

    result = {"bench": "stock", "source": source, "target": target, "rate": rate, "seconds": seconds}
    result.update(summarise(sales, elapsed_s=elapsed_s))
    result.update({
        "double_counted": double_counted(moved, units), "drift": len(drift),
        "drift_skus": drift[:10], "ledger_units_from_source": moved,
        "selling_s": round(selling_s, 3), "quiet_wait_s": round(waited, 3), "setup_s": round(setup_s, 3),
        "skus": len(skus), "products": products, "variants_per_product": variants, "workers": workers,
        "web_workers": web_workers, "api_calls": _calls(stats),
        "calls_by_path": {p: s.get("by_path", {}) for p, s in stats.items()},
        "webhooks": _delivery_delta(outbox_before, outbox), "stages": stages, "tasks": tasks,
        "tasks_failing": retried_tasks, "queued_at_start": queued_at_start,
        "open_at_end": state, "polls": poller.polls,
        "merchant": merchant.slug,
        "errors": errors,
    })
    return result
