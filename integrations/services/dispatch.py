"""The minute dispatcher: claim connections whose scheduled sync is due and enqueue them.

This is the one place that reads across merchants on purpose: it only claims rows and hands
each connection's id to a task, which loads it again with its merchant.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection


def connections_claim_due(*, now=None, limit=200):
    """Claim up to ``limit`` due connections and move their next run on. Returns their ids.

    Rows are locked with ``FOR UPDATE SKIP LOCKED``, so two dispatchers running at once never
    claim the same connection; each claimed connection is enqueued once, after commit.
    """
    from integrations.tasks import connection_sync_task

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
            transaction.on_commit(lambda pk=pk: connection_sync_task.delay(pk, "schedule", False))
    return claimed
