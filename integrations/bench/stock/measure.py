"""``bench stock``'s measuring while it runs: the sales posted at the rate, the target's levels
polled (``Poller``) to land them, waiting until nothing moves, and what the database says afterwards
(hub levels, ledger units from the source, the inbox's stage times)."""

import threading
import time

from django.db.models import Sum
from django.db.models.functions import Abs

from integrations.bench.stock.report import Sale, land, ms, percentile
from integrations.bench.sync import BenchError
from integrations.models import RemoteStock, WebhookEvent
from inventory.models import StockLevel, StockMovement

POLL_S = 0.02
QUIET_MAX_S = 30.0
SETUP_QUIET_MAX_S = 900.0
QUIET_HOLD_S = 1.0


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


def busy(*, server, merchant):
    """What is still moving: webhooks queued or being sent, inbox events not done, rows not pushed."""
    outbox = server.outbox()
    queued = sum(row.get("pending", 0) + row.get("in_flight", 0) for row in outbox.values())
    events = WebhookEvent.objects.filter(merchant=merchant, status__in=[
        WebhookEvent.Status.PENDING, WebhookEvent.Status.PROCESSING]).count()
    dirty = RemoteStock.objects.filter(merchant=merchant, dirty=True).count()
    return {"webhooks_queued": queued, "events_open": events, "rows_dirty": dirty}


def wait_quiet(*, server, merchant, max_s, services, done=lambda: True, say=None):
    """Wait until ``done()`` and nothing moves for ``QUIET_HOLD_S`` (at most ``max_s``); returns the
    seconds waited and the last ``busy`` reading. ``say``: a progress line every 15 s."""
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
        state = busy(server=server, merchant=merchant)
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


def sell(server, poller, *, platform, account, skus, rate, count, rng, errors):
    """``count`` sales of one unit at ``rate`` a second on ``platform``, each of a SKU drawn from ``skus``
    and handed to ``poller``; returns (the sales, when selling started). A sale that cannot be posted is
    noted in ``errors`` and the run goes on."""
    sales = []
    started = time.monotonic()
    for index in range(count):
        due = started + index / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sku = rng.choice(skus)
        posted = time.monotonic()
        try:
            level = server.sell(platform, account, sku, 1)
        except Exception as exc:  # noted; the run goes on
            errors.append(f"sell {sku}: {type(exc).__name__}: {exc}")
            continue
        sale = Sale(sku=sku, qty=1, posted=posted, implied=level)
        sales.append(sale)
        poller.add(sale)
    return sales, started


def hub_levels(*, merchant, skus):
    rows = StockLevel.objects.filter(merchant=merchant, variant__sku__in=skus).values("variant__sku") \
        .annotate(total=Sum("quantity"))
    return {row["variant__sku"]: row["total"] for row in rows}


def source_movement_units(*, merchant, connection, since):
    movements = StockMovement.objects.filter(merchant=merchant, source_connection=connection,
                                             recorded_at__gte=since).exclude(reason=StockMovement.Reason.INITIAL)
    return movements.aggregate(units=Sum(Abs("delta")))["units"] or 0


def inbox_stages(*, merchant, connections_by_platform, since):
    """Where the time went, from the inbox: per platform, events received during the run and the time
    from intake to processed (queue wait + processing), and how they ended."""
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
                         "intake_to_processed_p50_ms": ms(percentile(waits, 50)),
                         "intake_to_processed_p95_ms": ms(percentile(waits, 95)),
                         "intake_to_processed_p99_ms": ms(percentile(waits, 99)),
                         "intake_to_processed_max_ms": ms(max(waits, default=None))}
    return out
