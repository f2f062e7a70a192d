"""Sync cursors: each connection's watermark and poll time per resource is its own row, written only
by the subsystem reading that resource; the dispatcher claims a poll once however many run at once;
the old ``sync_state`` blob is carried over into rows."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from integrations.engine.cursors import cursor_advance, cursor_claim_poll, cursor_polled_at, cursor_since
from integrations.models import SyncCursor
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.services.dispatch import stock_poll_due
from integrations.services.stock import stock_connection_poll
from integrations.shopbox.sandbox import ShopboxSandbox
from merchants.errors import NotOwned
from tests.factories import ConnectionFactory, MerchantFactory

PRODUCTS, STOCK = SyncCursor.Resource.PRODUCTS, SyncCursor.Resource.STOCK
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _shopbox(merchant, **fields):
    return ConnectionFactory(**{"merchant": merchant, "platform": "shopbox", "stock_direction": "both",
                                "settings": {"poll_interval_seconds": 120}, **fields})


@pytest.mark.django_db
def test_a_cursor_is_one_connection_and_one_resource(merchant_a, merchant_b):
    mine, mine_too = ConnectionFactory(merchant=merchant_a), ConnectionFactory(merchant=merchant_a)
    theirs = ConnectionFactory(merchant=merchant_b)
    cursor_advance(merchant=merchant_a, connection=mine, resource=PRODUCTS, since=T0)
    cursor_advance(merchant=merchant_b, connection=theirs, resource=PRODUCTS, since=T0 + timedelta(days=1))

    assert cursor_since(merchant=merchant_a, connection=mine, resource=PRODUCTS) == T0
    assert cursor_since(merchant=merchant_a, connection=mine, resource=STOCK) is None
    assert cursor_since(merchant=merchant_a, connection=mine_too, resource=PRODUCTS) is None
    assert cursor_since(merchant=merchant_b, connection=theirs, resource=PRODUCTS) == T0 + timedelta(days=1)

    cursor_advance(merchant=merchant_a, connection=mine, resource=PRODUCTS, since=T0 + timedelta(hours=2))
    assert cursor_since(merchant=merchant_a, connection=mine, resource=PRODUCTS) == T0 + timedelta(hours=2)
    assert cursor_since(merchant=merchant_b, connection=theirs, resource=PRODUCTS) == T0 + timedelta(days=1)
    assert SyncCursor.objects.get(connection=theirs).merchant == merchant_b
    assert SyncCursor.objects.get(connection=mine).merchant == merchant_a

    cursor_advance(merchant=merchant_a, connection=mine, resource=PRODUCTS, since=None)  # the next read is full
    assert cursor_since(merchant=merchant_a, connection=mine, resource=PRODUCTS) is None
    assert SyncCursor.objects.filter(connection=mine).count() == 1


@pytest.mark.django_db
def test_another_merchants_connection_is_refused(merchant_a, merchant_b):
    theirs = ConnectionFactory(merchant=merchant_b)
    with pytest.raises(NotOwned):
        cursor_advance(merchant=merchant_a, connection=theirs, resource=PRODUCTS, since=T0)
    with pytest.raises(NotOwned):
        cursor_since(merchant=merchant_a, connection=theirs, resource=PRODUCTS)
    with pytest.raises(NotOwned):
        cursor_claim_poll(merchant=merchant_a, connection=theirs, resource=STOCK, every=timedelta(seconds=60))
    assert not SyncCursor.objects.exists()


@pytest.mark.django_db
def test_a_naive_watermark_is_taken_as_utc(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a)
    cursor_advance(merchant=merchant_a, connection=connection, resource=STOCK, since=T0.replace(tzinfo=None))
    assert cursor_since(merchant=merchant_a, connection=connection, resource=STOCK) == T0


@pytest.mark.django_db
def test_a_poll_is_due_once_its_interval_has_passed(merchant_a):
    connection = _shopbox(merchant_a)
    every = timedelta(seconds=120)
    cursor_advance(merchant=merchant_a, connection=connection, resource=STOCK, since=T0)

    def claim(at):
        return cursor_claim_poll(merchant=merchant_a, connection=connection, resource=STOCK, every=every, now=at)

    now = timezone.now()
    assert claim(now)  # never polled
    assert not claim(now)
    assert not claim(now + timedelta(seconds=119))
    assert cursor_polled_at(merchant=merchant_a, connection=connection, resource=STOCK) == now
    assert claim(now + timedelta(seconds=120))
    assert cursor_polled_at(merchant=merchant_a, connection=connection, resource=STOCK) == now + every
    # claiming moves the poll time only; the watermark is the poll's own to move
    assert cursor_since(merchant=merchant_a, connection=connection, resource=STOCK) == T0
    cursor_advance(merchant=merchant_a, connection=connection, resource=STOCK, since=T0 + timedelta(minutes=1))
    assert cursor_polled_at(merchant=merchant_a, connection=connection, resource=STOCK) == now + every


@pytest.mark.django_db
def test_the_dispatcher_claims_on_the_stock_cursor_of_each_merchant(merchant_a, merchant_b, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    polled = []
    monkeypatch.setattr("integrations.tasks.stock_poll_task.delay", polled.append)
    a, b = _shopbox(merchant_a), _shopbox(merchant_b, settings={"poll_interval_seconds": 600})
    cursor_advance(merchant=merchant_a, connection=a, resource=PRODUCTS, since=T0)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(stock_poll_due(now=now)) == sorted([a.pk, b.pk])
    assert sorted(polled) == sorted([a.pk, b.pk])
    assert cursor_polled_at(merchant=merchant_a, connection=a, resource=STOCK) == now
    assert cursor_polled_at(merchant=merchant_b, connection=b, resource=STOCK) == now
    assert cursor_since(merchant=merchant_a, connection=a, resource=PRODUCTS) == T0  # untouched

    with django_capture_on_commit_callbacks(execute=True):
        assert stock_poll_due(now=now + timedelta(seconds=130)) == [a.pk]  # b polls every ten minutes
    assert cursor_polled_at(merchant=merchant_b, connection=b, resource=STOCK) == now


def _connected(merchant, account):
    """A Shopbox connection of ``merchant`` to the sandbox ``account``."""
    return _shopbox(merchant, credentials=account["credentials"], external_account_id=account["external_account_id"],
                    settings={**account["settings"], "base_url": registry.inprocess_base_url("shopbox")})


@pytest.mark.django_db
def test_the_stock_poll_moves_its_own_watermark_only(merchant_a, merchant_b):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    clock = FakeClock(start=start.timestamp())
    sandbox = registry.install("shopbox", ShopboxSandbox(clock=clock))
    try:
        account, other = sandbox.create_account(), sandbox.create_account()
        seed = catalog(1, prefix="A")
        sandbox.seed(account["account"], seed)
        ours, theirs = _connected(merchant_a, account), _connected(merchant_b, other)
        cursor_advance(merchant=merchant_a, connection=ours, resource=PRODUCTS, since=T0)
        stock_connection_poll(merchant=merchant_a, connection=ours)
        assert cursor_since(merchant=merchant_a, connection=ours, resource=STOCK) == start
        assert cursor_since(merchant=merchant_a, connection=ours, resource=PRODUCTS) == T0
        assert cursor_since(merchant=merchant_b, connection=theirs, resource=STOCK) is None
        clock.advance(5)
        sandbox.admin_set_stock(account["account"], seed[0].variants[0].sku, 8)
        stock_connection_poll(merchant=merchant_a, connection=ours)
        assert cursor_since(merchant=merchant_a, connection=ours, resource=STOCK) == start + timedelta(seconds=5)
        assert cursor_since(merchant=merchant_a, connection=ours, resource=PRODUCTS) == T0
    finally:
        registry.uninstall_all()


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_a_poll_once(monkeypatch):
    enqueued, lock = [], threading.Lock()

    def record(pk):
        with lock:
            enqueued.append(pk)

    monkeypatch.setattr("integrations.tasks.stock_poll_task.delay", record)
    merchant = MerchantFactory()
    due = {_shopbox(merchant).pk for _ in range(5)}
    now = timezone.now()
    assert set(stock_poll_due(now=now - timedelta(hours=1))) == due  # each has polled before
    enqueued.clear()
    first_holds = threading.Event()
    second_done = threading.Event()
    claims = {}

    def first():
        # claims every poll and keeps its row locks while the other dispatcher runs
        try:
            with transaction.atomic():
                claims["first"] = stock_poll_due(now=now)
                first_holds.set()
                second_done.wait(timeout=1)  # the second waits on the locks; it is not let through
        finally:
            first_holds.set()
            connections.close_all()

    def second():
        try:
            first_holds.wait(timeout=30)
            claims["second"] = stock_poll_due(now=now + timedelta(seconds=1))
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(claims["first"]) == due
    assert claims["second"] == []
    assert sorted(enqueued) == sorted(due)  # each once, after its claim committed


@pytest.mark.django_db(transaction=True)
def test_a_claim_racing_an_uncommitted_claim_waits_and_claims_nothing():
    merchant = MerchantFactory()
    connection = _shopbox(merchant)
    now = timezone.now()
    every = timedelta(seconds=60)
    assert cursor_claim_poll(merchant=merchant, connection=connection, resource=STOCK, every=every,
                             now=now - timedelta(hours=1))  # polled before: both see a poll that is due
    holding, results = threading.Event(), {}

    def claim(name, at, hold=None):
        try:
            with transaction.atomic():
                results[name] = cursor_claim_poll(merchant=merchant, connection=connection, resource=STOCK,
                                                  every=every, now=at)
                if hold is not None:
                    hold.set()
                    threading.Event().wait(0.5)  # commit late: the other claim is blocked meanwhile
        finally:
            holding.set()
            connections.close_all()

    first = threading.Thread(target=claim, args=("first", now, holding))
    first.start()
    holding.wait(timeout=30)
    second = threading.Thread(target=claim, args=("second", now + timedelta(seconds=1)))
    second.start()
    first.join()
    second.join()
    assert results == {"first": True, "second": False}
    assert cursor_polled_at(merchant=merchant, connection=connection, resource=STOCK) == now


BEFORE = [("integrations", "0007_binding_drop_unused_columns")]
AFTER = [("integrations", "0008_sync_cursors")]


def _migrate(targets):
    """The database migrated to ``targets``; returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_old_blob_over_into_rows_and_back(merchant_a, merchant_b):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE)
        Connection = old.get_model("integrations", "Connection")

        def made(merchant, sync_state, platform="shopbox"):
            return Connection.objects.create(merchant_id=merchant.pk, platform=platform, name="Shop",
                                             sync_state=sync_state).pk

        pulled = made(merchant_a, {"products": {"since": "2026-03-01T09:30:15.123456+00:00"}}, "bigcommerce")
        polled = made(merchant_b, {"stock_poll": {"since": "2026-03-02T10:00:00Z",
                                                  "polled_at": "2026-03-02T10:01:00+00:00"}})
        both = made(merchant_a, {"products": {"since": "2026-03-03T08:00:00"},  # naive: taken as UTC
                                 "stock_poll": {"polled_at": "2026-03-03T08:05:00+00:00"}})
        made(merchant_b, {})
        made(merchant_b, {"products": {}, "stock_poll": {"since": "not a time"}})

        new = _migrate(AFTER)
        cursors = new.get_model("integrations", "SyncCursor").objects.all()
        assert {(c.connection_id, c.resource): (c.merchant_id, c.since, c.polled_at) for c in cursors} == {
            (pulled, PRODUCTS): (merchant_a.pk, T0, None),
            (polled, STOCK): (merchant_b.pk, datetime(2026, 3, 2, 10, tzinfo=UTC),
                              datetime(2026, 3, 2, 10, 1, tzinfo=UTC)),
            (both, PRODUCTS): (merchant_a.pk, datetime(2026, 3, 3, 8, tzinfo=UTC), None),
            (both, STOCK): (merchant_a.pk, None, datetime(2026, 3, 3, 8, 5, tzinfo=UTC)),
        }
        new.get_model("integrations", "Connection").objects.update(sync_state={})

        old = _migrate(BEFORE)  # the reverse writes each row back under its old key
        blobs = dict(old.get_model("integrations", "Connection").objects.values_list("pk", "sync_state"))
        assert blobs[pulled] == {"products": {"since": "2026-03-01T09:30:15.123456+00:00"}}
        assert blobs[polled] == {"stock_poll": {"since": "2026-03-02T10:00:00+00:00",
                                                "polled_at": "2026-03-02T10:01:00+00:00"}}
        assert blobs[both] == {"products": {"since": "2026-03-03T08:00:00+00:00"},
                               "stock_poll": {"polled_at": "2026-03-03T08:05:00+00:00"}}
        assert sum(1 for blob in blobs.values() if blob) == 3
    finally:
        _migrate(latest)
