"""Write the sync log. The engine opens a run, records entries, and closes it.

A running run carries a lease: ``heartbeat_at`` is moved on as the pass progresses
(``sync_run_heartbeat``), and the session that runs it holds a PostgreSQL advisory lock for it
(``sync_run_held``), released by PostgreSQL itself when the worker's process dies. A run silent
for longer than ``SYNC_RUN_LEASE_S`` whose lock is free is dead: ``sync_run_interrupt`` says so
in the merchant's words.
"""

import hashlib
from contextlib import contextmanager
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext

from dbtools.bulk import rows_insert
from merchants.tenancy import ensure_owned, scoped
from synclog.models import SyncEntry, SyncRun
from synclog.selectors import run_lease

_COUNTERS = {
    SyncEntry.Action.CREATED: "created_count",
    SyncEntry.Action.UPDATED: "updated_count",
    SyncEntry.Action.UNCHANGED: "unchanged_count",
    SyncEntry.Action.SKIPPED: "skipped_count",
    SyncEntry.Action.FAILED: "failed_count",
}


def sync_run_start(*, merchant, trigger, connection=None, direction=SyncRun.Direction.BOTH, resource="",
                   dry_run=False, total=None):
    ensure_owned(connection, merchant=merchant)
    return SyncRun.objects.create(merchant=merchant, connection=connection, trigger=trigger, direction=direction,
                                  resource=resource, dry_run=dry_run, total=total, heartbeat_at=timezone.now())


def sync_run_heartbeat(*, merchant, run, now=None):
    """The run is alive: one UPDATE of one row. A run already closed (or interrupted) stays so."""
    ensure_owned(run, merchant=merchant)
    now = now or timezone.now()
    SyncRun.objects.filter(pk=run.pk, outcome=SyncRun.Outcome.RUNNING).update(heartbeat_at=now)
    run.heartbeat_at = now


def _lock_key(run_id):
    return int.from_bytes(hashlib.blake2b(f"sync-run:{run_id}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def sync_run_held(*, merchant, run):
    """Hold the run's lock while the pass runs (PostgreSQL; other databases hold nothing). The lock
    lives as long as the database session: a worker killed mid-pass leaves it free."""
    ensure_owned(run, merchant=merchant)
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(run.pk)])
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(run.pk)])


def _held_elsewhere(run_id):
    """Whether another database session holds the run's lock (its pass is alive, only silent)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return False
    key = _lock_key(run_id)
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return False


def sync_runs_dead(*, now=None, limit=200):
    """Running runs (any merchant; the sweeper's read) silent for longer than the lease whose
    worker is gone. Dry runs are left alone: they write in one transaction, so their heartbeats
    cannot be seen until they end."""
    now = now or timezone.now()
    candidates = SyncRun.objects.filter(outcome=SyncRun.Outcome.RUNNING, dry_run=False,
                                        heartbeat_at__lt=now - run_lease()).select_related(
        "merchant", "connection").order_by("heartbeat_at")[:limit]
    return [run for run in candidates if not _held_elsewhere(run.pk)]


def sync_run_interrupt(*, merchant, run, resumed_at=None, now=None):
    """Close a run whose worker died, saying how far it got and whether Flyt started it again.
    Returns False when the run was no longer running (it finished meanwhile)."""
    ensure_owned(run, merchant=merchant)
    run.refresh_from_db()
    if run.outcome != SyncRun.Outcome.RUNNING:
        return False
    progress = (gettext("at %(done)s of %(total)s products") % {"done": formats.number_format(run.processed,
                                                                                         force_grouping=True),
                                                                 "total": formats.number_format(run.total,
                                                                                                force_grouping=True)}
                if run.total else gettext("after %(done)s items") % {
                    "done": formats.number_format(run.processed, force_grouping=True)})
    if resumed_at is not None:
        message = gettext("Interrupted: the sync stopped unexpectedly %(progress)s; Flyt started it again "
                          "automatically at %(time)s.") % {
            "progress": progress, "time": timezone.localtime(resumed_at).strftime("%H:%M")}
    else:
        message = gettext("Interrupted: the sync stopped unexpectedly %(progress)s. Start it again with "
                          "Sync now.") % {"progress": progress}
    updated = SyncRun.objects.filter(pk=run.pk, outcome=SyncRun.Outcome.RUNNING).update(
        outcome=SyncRun.Outcome.INTERRUPTED, summary=message[:500], finished_at=now or timezone.now())
    return bool(updated)


def sync_entry_add(*, merchant, run, message, action=SyncEntry.Action.NOTE, level=None, object_type="",
                   object_ref="", detail=None):
    """Record one item's outcome in the merchant's words and count it on the run."""
    ensure_owned(run, merchant=merchant)
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
    ensure_owned(run, merchant=merchant)
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
    ensure_owned(run, merchant=merchant)
    run.refresh_from_db()
    if run.outcome == SyncRun.Outcome.INTERRUPTED:
        # taken for dead while it was still going; it did finish: say so, keep its counts
        run.summary = ""
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
