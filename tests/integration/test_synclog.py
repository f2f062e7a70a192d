from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.errors import NotOwned
from synclog.models import SyncEntry, SyncRun
from synclog.services import sync_entry_add, sync_run_finish, sync_run_start, sync_runs_prune
from tests.factories import ConnectionFactory, SyncRunFactory


@pytest.mark.django_db
def test_a_run_counts_its_entries_and_derives_its_outcome(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a)
    run = sync_run_start(merchant=merchant_a, connection=connection, trigger=SyncRun.Trigger.MANUAL, total=3)
    sync_entry_add(merchant=merchant_a, run=run, action=SyncEntry.Action.CREATED, object_type="product",
                   object_ref="MUG-1", message="Product 'Blue mug' (SKU MUG-1) created.")
    sync_entry_add(merchant=merchant_a, run=run, action=SyncEntry.Action.UNCHANGED, object_ref="SOCK-S",
                   message="Unchanged.")
    sync_entry_add(merchant=merchant_a, run=run, action=SyncEntry.Action.FAILED, object_ref="TOTE-1",
                   message="Product 'Tote' (SKU TOTE-1): price not synced — currencies differ (NOK vs SEK).")
    run = sync_run_finish(merchant=merchant_a, run=run)
    assert (run.created_count, run.unchanged_count, run.failed_count, run.processed) == (1, 1, 1, 3)
    assert run.outcome == SyncRun.Outcome.PARTIAL and run.finished_at
    assert run.entries.filter(level=SyncEntry.Level.ERROR).count() == 1


@pytest.mark.django_db
def test_the_log_refuses_another_merchants_run(merchant_a, merchant_b):
    run_b = SyncRunFactory(connection__merchant=merchant_b)
    with pytest.raises(NotOwned):
        sync_entry_add(merchant=merchant_a, run=run_b, message="x")


@pytest.mark.django_db
def test_pruning_removes_old_runs_of_that_merchant_only(merchant_a, merchant_b):
    old_a = SyncRunFactory(connection__merchant=merchant_a)
    old_b = SyncRunFactory(connection__merchant=merchant_b)
    recent_a = SyncRunFactory(connection__merchant=merchant_a)
    SyncRun.objects.filter(pk__in=[old_a.pk, old_b.pk]).update(started_at=timezone.now() - timedelta(days=120))
    assert sync_runs_prune(merchant=merchant_a, keep_days=90) == 1
    assert set(SyncRun.objects.values_list("pk", flat=True)) == {old_b.pk, recent_a.pk}


@pytest.mark.django_db
def test_many_entries_at_once_count_like_one_by_one(merchant_a):
    from synclog.services import sync_entries_add

    run = SyncRunFactory(connection__merchant=merchant_a)
    sync_entries_add(merchant=merchant_a, run=run, entries=[
        {"action": SyncEntry.Action.CREATED, "message": "a"}, {"action": SyncEntry.Action.CREATED, "message": "b"},
        {"action": SyncEntry.Action.FAILED, "message": "c"}, {"message": "a note"}])
    run.refresh_from_db()
    assert (run.created_count, run.failed_count, run.processed) == (2, 1, 3)
    assert run.entries.get(message="c").level == SyncEntry.Level.ERROR
