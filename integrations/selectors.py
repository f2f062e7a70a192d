from django.db.models import OuterRef, Subquery

from integrations.models import Connection, WebhookEvent
from merchants.tenancy import get_for_merchant_or_404, scoped
from synclog.models import SyncRun


def connection_list(*, merchant, include_disconnected=False):
    """The merchant's connections, each annotated with its last run's outcome and finish time."""
    last_runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at", "-pk")
    connections = scoped(Connection, merchant=merchant).annotate(
        last_run_id=Subquery(last_runs.values("pk")[:1]),
        last_run_outcome=Subquery(last_runs.values("outcome")[:1]),
        last_run_started_at=Subquery(last_runs.values("started_at")[:1]),
    )
    if not include_disconnected:
        connections = connections.exclude(status=Connection.Status.DISCONNECTED)
    return connections.order_by("name", "pk")


def connection_get(*, merchant, connection_id):
    return get_for_merchant_or_404(Connection, merchant=merchant, pk=connection_id)


def webhook_event_list(*, merchant, connection=None):
    events = scoped(WebhookEvent, merchant=merchant).defer("body")
    if connection is not None:
        events = events.filter(connection=connection)
    return events
