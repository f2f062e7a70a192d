"""Sync cursors: where each connection's incremental read of each resource resumes.

One row per connection and resource (``SyncCursor``). Each subsystem reads and writes only its own
resource's row, each write one statement, so the product pull, the stock poll and the dispatcher
never overwrite each other's state.
"""

from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from integrations.models import SyncCursor
from merchants.tenancy import ensure_owned, scoped

Resource = SyncCursor.Resource


def _resource(resource):
    return Resource(resource)  # ValueError for a resource Flyt keeps no cursor for


def cursor_since(*, merchant, connection, resource) -> datetime | None:
    """The watermark of ``connection``'s ``resource`` (on the platform's clock), or None before the
    first completed read."""
    ensure_owned(connection, merchant=merchant)
    return (scoped(SyncCursor, merchant=merchant)
            .filter(connection=connection, resource=_resource(resource))
            .values_list("since", flat=True).first())


def cursor_advance(*, merchant, connection, resource, since: datetime | None) -> None:
    """Record that ``connection``'s ``resource`` has been read up to ``since`` (the platform's clock):
    the next read asks for what changed since then. ``None`` forgets the watermark (the next read is
    a full one). A naive ``since`` is taken as UTC. Only this row's watermark is written, in one
    statement (insert or update)."""
    ensure_owned(connection, merchant=merchant)
    if since is not None and timezone.is_naive(since):
        since = since.replace(tzinfo=UTC)
    SyncCursor.objects.bulk_create(
        [SyncCursor(merchant=merchant, connection=connection, resource=_resource(resource), since=since)],
        update_conflicts=True, unique_fields=["connection", "resource"], update_fields=["since", "updated_at"])


def cursor_claim_poll(*, merchant, connection, resource, every: timedelta, now: datetime | None = None) -> bool:
    """Claim the next poll of ``connection``'s ``resource`` if the last one was claimed ``every`` ago
    or more (or never): True, and the poll time is now, when claimed; False when not due.

    The claim is one conditional UPDATE: when two dispatchers claim at once, the second waits for the
    first's row lock, then finds the poll time moved on and claims nothing."""
    ensure_owned(connection, merchant=merchant)
    resource = _resource(resource)
    now = now or timezone.now()
    cursor = scoped(SyncCursor, merchant=merchant).filter(connection=connection, resource=resource)
    if not cursor.exists():  # the first poll: the row (a concurrent insert makes this one a no-op)
        SyncCursor.objects.bulk_create([SyncCursor(merchant=merchant, connection=connection, resource=resource)],
                                       ignore_conflicts=True)
    claimed = (cursor.filter(Q(polled_at__isnull=True) | Q(polled_at__lte=now - every))
               .update(polled_at=now, updated_at=timezone.now()))
    return claimed == 1


def cursor_polled_at(*, merchant, connection, resource) -> datetime | None:
    """When the last poll of ``connection``'s ``resource`` was claimed, or None."""
    ensure_owned(connection, merchant=merchant)
    return (scoped(SyncCursor, merchant=merchant)
            .filter(connection=connection, resource=_resource(resource))
            .values_list("polled_at", flat=True).first())
