"""Write the sync log. The engine opens a run, records entries, and closes it."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from merchants.bulk import rows_insert
from merchants.tenancy import scoped
from synclog.models import SyncEntry, SyncRun

_COUNTERS = {
    SyncEntry.Action.CREATED: "created_count",
    SyncEntry.Action.UPDATED: "updated_count",
    SyncEntry.Action.UNCHANGED: "unchanged_count",
    SyncEntry.Action.SKIPPED: "skipped_count",
    SyncEntry.Action.FAILED: "failed_count",
}


def sync_run_start(*, merchant, trigger, connection=None, direction=SyncRun.Direction.BOTH, resource="",
                   dry_run=False, total=None):
    if connection is not None and connection.merchant_id != merchant.pk:
        raise ValueError("The connection belongs to another merchant.")
    return SyncRun.objects.create(merchant=merchant, connection=connection, trigger=trigger, direction=direction,
                                  resource=resource, dry_run=dry_run, total=total)


def sync_entry_add(*, merchant, run, message, action=SyncEntry.Action.NOTE, level=None, object_type="",
                   object_ref="", detail=None):
    """Record one item's outcome in the merchant's words and count it on the run."""
    if run.merchant_id != merchant.pk:
        raise ValueError("The run belongs to another merchant.")
    if level is None:
        level = SyncEntry.Level.ERROR if action == SyncEntry.Action.FAILED else SyncEntry.Level.INFO
    entry = SyncEntry.objects.create(merchant=merchant, run=run, level=level, action=action, object_type=object_type,
                                     object_ref=object_ref, message=message, detail=detail or {})
    counter = _COUNTERS.get(action)
    if counter:
        SyncRun.objects.filter(pk=run.pk).update(**{counter: F(counter) + 1, "processed": F("processed") + 1})
    return entry


def sync_entries_add(*, merchant, run, entries):
    """``sync_entry_add`` for many entries (dicts of its arguments) in two queries."""
    if run.merchant_id != merchant.pk:
        raise ValueError("The run belongs to another merchant.")
    rows, counts = [], {}
    for entry in entries:
        action = entry.get("action", SyncEntry.Action.NOTE)
        level = entry.get("level") or (SyncEntry.Level.ERROR if action == SyncEntry.Action.FAILED
                                       else SyncEntry.Level.INFO)
        rows.append((level, action, entry.get("object_type", ""), entry.get("object_ref", ""), entry["message"],
                     entry.get("detail") or {}))
        counter = _COUNTERS.get(action)
        if counter:
            counts[counter] = counts.get(counter, 0) + 1
    rows_insert(SyncEntry, common={"merchant_id": merchant.pk, "run_id": run.pk}, rows=rows,
                columns=("level", "action", "object_type", "object_ref", "message", "detail"))
    if counts:
        SyncRun.objects.filter(pk=run.pk).update(
            processed=F("processed") + sum(counts.values()), **{k: F(k) + v for k, v in counts.items()})


def sync_run_finish(*, merchant, run, summary="", failed=False):
    """Close the run; its outcome follows from its counts unless the whole pass failed."""
    if run.merchant_id != merchant.pk:
        raise ValueError("The run belongs to another merchant.")
    run.refresh_from_db()
    if failed:
        run.outcome = SyncRun.Outcome.FAILED
    elif run.failed_count:
        run.outcome = SyncRun.Outcome.PARTIAL
    else:
        run.outcome = SyncRun.Outcome.SUCCESS
    run.summary = summary[:500]
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "summary", "finished_at"])
    return run


def sync_runs_prune(*, merchant, keep_days=90):
    """Delete runs (and their entries) older than ``keep_days``; returns how many runs went."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, per_model = scoped(SyncRun, merchant=merchant).filter(started_at__lt=cutoff).delete()
    return per_model.get(SyncRun._meta.label, 0)
