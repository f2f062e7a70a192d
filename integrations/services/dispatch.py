"""The minute dispatcher: claim connections whose scheduled sync is due and enqueue them.

This is the one place that reads across merchants on purpose: it only claims rows and hands
each connection's id to a task, which loads it again with its merchant.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.engine.cursors import cursor_claim_poll
from integrations.models import Connection, SyncCursor
from integrations.platforms import platforms_with, spec_for
from integrations.tasking import CONNECTION_SYNC, STOCK_CONNECTION_START, STOCK_POLL, STOCK_RECONCILE, enqueue_on_commit


def connections_claim_due(*, now=None, limit=200):
    """Claim up to ``limit`` due connections and move their next run on. Returns their ids.

    Rows are locked with ``FOR UPDATE SKIP LOCKED``, so two dispatchers running at once never
    claim the same connection; each claimed connection is enqueued once, after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Connection.objects.filter(status=Connection.Status.ACTIVE, next_run_at__lte=now)
            .order_by("next_run_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "sync_interval_minutes", "next_run_at")[:limit]
        )
        for connection in due:
            interval = connection.sync_interval_minutes
            connection.next_run_at = now + timedelta(minutes=interval) if interval else None
            Connection.objects.filter(pk=connection.pk).update(next_run_at=connection.next_run_at)
        claimed = [connection.pk for connection in due]
        for pk in claimed:
            enqueue_on_commit(CONNECTION_SYNC, pk, "schedule", False)
    return claimed


# platforms that send no webhooks (their spec's ``poll_interval_s``): their stock is polled
POLLED_PLATFORMS = platforms_with(polled=True, stock=True)
BEAT_SLACK = timedelta(seconds=5)  # a poll due at the next beat tick is claimed at it, not one tick later


def stock_reconcile_due(*, now=None, limit=200):
    """Claim connections whose periodic stock reconciliation is due and enqueue it. Returns their ids."""
    now = now or timezone.now()
    claimed = []
    with transaction.atomic():
        candidates = list(Connection.objects.filter(status=Connection.Status.ACTIVE, stock_reconcile_hours__gt=0)
                      .exclude(stock_direction="off").order_by("stock_reconciled_at", "pk")
                      .select_for_update(skip_locked=True, of=("self",))
                      .only("pk", "stock_reconcile_hours", "stock_reconciled_at")[:limit])
        for connection in candidates:
            last = connection.stock_reconciled_at
            if last is not None and last > now - timedelta(hours=connection.stock_reconcile_hours):
                continue
            Connection.objects.filter(pk=connection.pk).update(stock_reconciled_at=now)
            claimed.append(connection.pk)
        first = {c.pk for c in candidates if c.stock_reconciled_at is None}
        for pk in claimed:
            # never reconciled: start stock sync (map the default location, register webhooks, link)
            if pk in first:
                enqueue_on_commit(STOCK_CONNECTION_START, pk)
            else:
                enqueue_on_commit(STOCK_RECONCILE, pk, "schedule")
    return claimed


def stock_poll_due(*, now=None):
    """Enqueue a stock poll for each polled connection whose interval (the merchant's
    ``settings["poll_interval_seconds"]``, else the platform's ``poll_interval_s``) has passed.
    Returns their ids.

    Each connection's poll is claimed on its stock cursor (``cursor_claim_poll``), so two
    dispatchers running at once enqueue it once; it is enqueued after its claim commits."""
    now = now or timezone.now()
    claimed = []
    candidates = (Connection.objects.filter(status=Connection.Status.ACTIVE, platform__in=POLLED_PLATFORMS)
                  .exclude(stock_direction="off").select_related("merchant").order_by("pk"))
    for connection in candidates:
        chosen = (connection.settings or {}).get("poll_interval_seconds")
        interval = timedelta(seconds=int(chosen or spec_for(connection.platform).poll_interval_s))
        with transaction.atomic():
            if cursor_claim_poll(merchant=connection.merchant, connection=connection,
                                 resource=SyncCursor.Resource.STOCK, every=interval - BEAT_SLACK, now=now):
                claimed.append(connection.pk)
                enqueue_on_commit(STOCK_POLL, connection.pk)
    return claimed
