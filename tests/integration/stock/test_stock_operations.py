"""Keeping stock sync running: the periodic reconcile and poll dispatchers, the inbox sweeper that
rescues deliveries a dead worker or a down broker left behind, and the webhook health check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection, WebhookEvent
from integrations.services.dispatch import stock_poll_due, stock_reconcile_due
from integrations.services.stock import stock_connection_reconcile
from integrations.services.webhooks import webhook_events_requeue
from synclog.models import SyncEntry
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_reconcile_is_due_daily_and_first_starts_stock_sync(merchant_a, merchant_b, django_capture_on_commit_callbacks,
                                                             monkeypatch):
    started, reconciled = [], []
    monkeypatch.setattr("integrations.tasks.stock_connection_start_task.delay", started.append)
    monkeypatch.setattr("integrations.tasks.stock_reconcile_task.delay", lambda pk, trigger: reconciled.append(pk))
    now = timezone.now()
    new = ConnectionFactory(merchant=merchant_a, status="active", stock_direction="both")
    due = ConnectionFactory(merchant=merchant_b, status="active", stock_direction="both",
                            stock_reconciled_at=now - timedelta(hours=25))
    ConnectionFactory(merchant=merchant_a, status="active", stock_direction="both",
                      stock_reconciled_at=now - timedelta(hours=2))  # checked two hours ago
    ConnectionFactory(merchant=merchant_b, status="active", stock_direction="off")
    ConnectionFactory(merchant=merchant_a, status="active", stock_direction="both", stock_reconcile_hours=0)
    with django_capture_on_commit_callbacks(execute=True):
        claimed = stock_reconcile_due(now=now)
    assert sorted(claimed) == sorted([new.pk, due.pk])
    assert started == [new.pk] and reconciled == [due.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert stock_reconcile_due(now=now + timedelta(minutes=15)) == []  # claimed: not again


def test_polled_platforms_are_polled_on_their_interval(merchant_a, django_capture_on_commit_callbacks, monkeypatch):
    polled = []
    monkeypatch.setattr("integrations.tasks.stock_poll_task.delay", polled.append)
    shopbox = ConnectionFactory(merchant=merchant_a, platform="shopbox", status="active", stock_direction="both",
                                settings={"poll_interval_seconds": 120})
    ConnectionFactory(merchant=merchant_a, platform="bigcommerce", status="active", stock_direction="both")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        stock_poll_due(now=now)
        stock_poll_due(now=now + timedelta(seconds=60))  # within its two minutes
        stock_poll_due(now=now + timedelta(seconds=121))
    assert polled == [shopbox.pk, shopbox.pk]


def test_the_sweeper_processes_what_a_dead_worker_or_a_down_broker_left(stock_shop, monkeypatch):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    before = shop.bc.stock_of(shop.store, sku)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    with monkeypatch.context() as patched:
        patched.setattr("integrations.tasks.webhook_event_process_task.delay", broker_down)
        shop.zettle.sell(shop.org, sku, 1)
        shop.deliver()  # answered 2xx: stored, but nothing could be enqueued
    assert all(200 <= a < 300 for a in shop.answers)
    assert shop.bc.stock_of(shop.store, sku) == before
    stored = WebhookEvent.objects.filter(connection=shop.zettle_connection, status=WebhookEvent.Status.PENDING)
    assert stored.exists()

    # another event was claimed by a worker that then died: its lease runs out
    dead = stored.first()
    WebhookEvent.objects.filter(pk=dead.pk).update(status=WebhookEvent.Status.PROCESSING,
                                                   next_attempt_at=timezone.now() - timedelta(seconds=1))
    with shop.capture(execute=True):
        webhook_events_requeue(now=timezone.now() + timedelta(minutes=2))
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == before - 1
    assert not WebhookEvent.objects.filter(connection=shop.zettle_connection,
                                           status__in=[WebhookEvent.Status.PENDING,
                                                       WebhookEvent.Status.PROCESSING]).exists()


def test_a_claimed_event_within_its_lease_is_not_taken_twice(stock_shop):
    shop = stock_shop(bc_products=1).start()
    event = WebhookEvent.objects.filter(connection=shop.bc_connection).first()
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PROCESSING,
                                                   next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert event.pk not in webhook_events_requeue(now=timezone.now() + timedelta(minutes=1))


def test_the_health_check_registers_a_missing_webhook_again(stock_shop):
    shop = stock_shop(bc_products=1).start()
    hooks = shop.bc.account(shop.store)["hooks"]
    inventory = [k for k, h in hooks.items() if "inventory" in h["scope"]]
    del hooks[inventory[0]]  # someone removed one in the control panel
    with shop.capture(execute=True):
        stock_connection_reconcile(merchant=shop.merchant, connection=shop.bc_connection, trigger="schedule")
    assert sum("inventory" in h["scope"] for h in hooks.values()) == len(inventory)
    assert SyncEntry.objects.filter(merchant=shop.merchant, message__startswith="Re-registered").exists()
    assert Connection.objects.get(pk=shop.bc_connection.pk).webhooks_checked_at is not None
