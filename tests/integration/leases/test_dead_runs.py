"""A pass whose worker died does not stay "running": once its heartbeat is older than the lease the
sweeper marks it interrupted, in words the merchant understands, and starts the pass again, which
finishes without duplicates. Until then, a scheduled pass does not start a second one beside it."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.tasks import sync_runs_sweep_task
from synclog.models import SyncRun
from tests.factories import MembershipFactory, UserFactory
from tests.integration.leases.conftest import WorkerDied

pytestmark = pytest.mark.django_db(transaction=False)


def _sweep():
    """The beat's minute task, as a worker runs it."""
    return sync_runs_sweep_task.delay().get()


def _dies_half_way(shop, monkeypatch):
    """A shop of 25 channel products whose pass will die (like a killed worker) after Zettle took
    its first batch of them."""
    from integrations.zettle.connector import ZettleConnector

    monkeypatch.setattr(ZettleConnector, "write_batch_size", 10)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.assign_to_channel()
    real = shop.zettle.handle
    imports = {"n": 0}

    def killed(request):
        if request.method == "POST" and "/import/" in request.path:
            imports["n"] += 1
            if imports["n"] > 1:
                shop.zettle.handle = real
                raise WorkerDied
        return real(request)

    shop.zettle.handle = killed
    return integration


def _pass(shop, integration, trigger=SyncRun.Trigger.SCHEDULE):
    for connection in (shop.bc_connection, shop.zettle_connection):
        connection.refresh_from_db()
    integration.refresh_from_db()
    return integration_sync(merchant=shop.merchant, integration=integration, trigger=trigger)


def _killed_run(shop, integration):
    with pytest.raises(WorkerDied):
        _pass(shop, integration, trigger=SyncRun.Trigger.MANUAL)
    run = SyncRun.objects.filter(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL).latest("pk")
    assert run.outcome == SyncRun.Outcome.RUNNING and run.heartbeat_at is not None
    partial = len(shop.zettle_products())
    assert 0 < partial < 25
    return run


def test_the_sweeper_marks_a_dead_run_interrupted_and_the_pass_runs_again_without_duplicates(
        shop_factory, monkeypatch, django_clock, django_capture_on_commit_callbacks, merchant_b):
    shop = shop_factory(bc_products=25)
    other = shop_factory(merchant=merchant_b, bc_products=2)  # another merchant's live pass is left alone
    other_integration = other.integration(home="bigcommerce")
    integration_activate(merchant=merchant_b, integration=other_integration)
    other_run = SyncRun.objects.filter(merchant=merchant_b).latest("pk")
    SyncRun.objects.filter(pk=other_run.pk).update(outcome=SyncRun.Outcome.RUNNING, finished_at=None)
    integration = _dies_half_way(shop, monkeypatch)
    dead = _killed_run(shop, integration)

    django_clock.advance(settings.SYNC_RUN_LEASE_S - 30)  # within the lease: the worker may only be slow
    with django_capture_on_commit_callbacks(execute=True):
        assert _sweep() == 0
    dead.refresh_from_db()
    assert dead.outcome == SyncRun.Outcome.RUNNING

    django_clock.advance(60)  # the lease ran out: well within 5 minutes of the death
    SyncRun.objects.filter(pk=other_run.pk).update(heartbeat_at=timezone.now())  # that one is still beating
    with django_capture_on_commit_callbacks(execute=True):
        assert _sweep() == 1
    dead.refresh_from_db()
    assert dead.outcome == SyncRun.Outcome.INTERRUPTED and dead.finished_at is not None
    assert dead.summary.startswith("Interrupted: the sync stopped unexpectedly")
    assert "Flyt started it again automatically at" in dead.summary
    resumed = SyncRun.objects.filter(merchant=shop.merchant, pk__gt=dead.pk).get()
    assert resumed.trigger == SyncRun.Trigger.SCHEDULE and resumed.outcome == SyncRun.Outcome.SUCCESS
    skus = [v.sku for p in shop.zettle_products() for v in p.variants]
    assert len(skus) == len(set(skus)) == 25  # every product once
    other_run.refresh_from_db()
    assert other_run.outcome == SyncRun.Outcome.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        assert _sweep() == 0  # swept once


def test_a_scheduled_pass_waits_for_a_live_run_and_takes_over_from_a_dead_one(shop_factory, monkeypatch,
                                                                             django_clock):
    shop = shop_factory(bc_products=25)
    integration = _dies_half_way(shop, monkeypatch)
    dead = _killed_run(shop, integration)

    assert _pass(shop, integration).pk == dead.pk  # its heartbeat is fresh: no second pass beside it
    assert SyncRun.objects.filter(merchant=shop.merchant, pk__gt=dead.pk).count() == 0

    django_clock.advance(settings.SYNC_RUN_LEASE_S + 1)  # its heartbeat ran out: it is dead
    run = _pass(shop, integration)
    assert run.pk != dead.pk and run.outcome == SyncRun.Outcome.SUCCESS
    skus = [v.sku for p in shop.zettle_products() for v in p.variants]
    assert len(skus) == len(set(skus)) == 25


def test_the_merchant_reads_interrupted_in_the_sync_log(shop_factory, monkeypatch, django_clock,
                                                       django_capture_on_commit_callbacks):
    shop = shop_factory(bc_products=25)
    integration = _dies_half_way(shop, monkeypatch)
    dead = _killed_run(shop, integration)
    monkeypatch.setattr("integrations.tasks.integration_sync_task.delay", lambda *args: None)
    django_clock.advance(settings.SYNC_RUN_LEASE_S + 1)
    with django_capture_on_commit_callbacks(execute=True):
        _sweep()
    user = UserFactory()
    MembershipFactory(user=user, merchant=shop.merchant)
    client = Client()
    client.force_login(user)
    listing = client.get(reverse("synclog-runs")).content.decode()
    assert "Interrupted" in listing
    detail = client.get(reverse("synclog-run", args=[dead.pk])).content.decode()
    assert "Interrupted: the sync stopped unexpectedly" in detail
    assert "Still running" not in detail
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 's-interrupted">Interrupted</span>' in dashboard
