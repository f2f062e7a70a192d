"""Inbox events claimed by a worker that died are handed out again once their claim has run out —
within 5 minutes of the death, not after the length of a task — and processed exactly once."""

import pytest
from django.conf import settings

from integrations.models import WebhookEvent
from integrations.services.webhooks import lease, webhook_event_process
from integrations.tasks import webhook_events_requeue_task
from tests.integration.leases.conftest import WorkerDied

pytestmark = pytest.mark.django_db


def _sweep(shop):
    """The beat's minute task, as a worker runs it; the drains it queues run after its commit."""
    with shop.capture(execute=True):
        return webhook_events_requeue_task.delay().get()


def test_a_dead_workers_claim_runs_out_and_the_sale_counts_once(stock_shop, monkeypatch, django_clock):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    before = shop.bc.stock_of(shop.store, sku)

    # the broker hands the drain to a worker, which claims the sale's events and is killed mid-batch
    queued = []
    with monkeypatch.context() as patched:
        patched.setattr("integrations.tasks.webhook_event_process_task.delay", queued.append)
        shop.zettle.sell(shop.org, sku, 1)
        shop.deliver()
    event = WebhookEvent.objects.get(pk=queued[0])
    with monkeypatch.context() as patched:
        patched.setattr("integrations.services.webhooks.stock_event_apply",
                        lambda **kwargs: (_ for _ in ()).throw(WorkerDied()))
        with pytest.raises(WorkerDied):
            webhook_event_process(merchant=shop.merchant, event=event)
    claimed = WebhookEvent.objects.filter(connection=shop.zettle_connection, status=WebhookEvent.Status.PROCESSING)
    assert claimed.exists()
    assert shop.bc.stock_of(shop.store, sku) == before

    django_clock.advance(60)  # a sweep within the claim: the worker may only be slow
    _sweep(shop)
    assert claimed.exists() and shop.bc.stock_of(shop.store, sku) == before

    django_clock.advance(settings.WEBHOOK_CLAIM_LEASE_S)  # the claim ran out; the next minute's sweep
    assert settings.WEBHOOK_CLAIM_LEASE_S + 60 < 300  # within 5 minutes of the death
    _sweep(shop)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == before - 1
    assert not WebhookEvent.objects.filter(connection=shop.zettle_connection, status__in=[
        WebhookEvent.Status.PENDING, WebhookEvent.Status.PROCESSING]).exists()

    django_clock.advance(settings.WEBHOOK_CLAIM_LEASE_S * 2)
    _sweep(shop)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == before - 1  # exactly once


def test_a_long_batch_renews_its_claim(stock_shop, monkeypatch, django_clock):
    from django.utils import timezone

    import integrations.zettle.webhooks as zettle_webhooks

    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    queued = []
    with monkeypatch.context() as patched:
        patched.setattr("integrations.tasks.webhook_event_process_task.delay", queued.append)
        for _ in range(3):
            shop.zettle.sell(shop.org, sku, 1)
        shop.deliver()
    batch = WebhookEvent.objects.filter(connection=shop.zettle_connection, status=WebhookEvent.Status.PENDING)
    assert batch.count() >= 3
    margins = []
    real_parse = zettle_webhooks.parse

    def slow_parse(**kwargs):  # each event of the batch takes most of a claim's lease
        django_clock.advance(lease().total_seconds() * 0.6)
        claims = WebhookEvent.objects.filter(connection=shop.zettle_connection,
                                             status=WebhookEvent.Status.PROCESSING)
        margins.append(min(claims.values_list("next_attempt_at", flat=True)) - timezone.now())
        return real_parse(**kwargs)

    monkeypatch.setattr(zettle_webhooks, "parse", slow_parse)
    with shop.capture(execute=True):
        webhook_event_process(merchant=shop.merchant, event=WebhookEvent.objects.get(pk=queued[0]))
    assert len(margins) >= 3
    # all along, the batch's claim stayed ahead of the clock: no sweep could hand its events out
    assert all(margin.total_seconds() > 0 for margin in margins)
