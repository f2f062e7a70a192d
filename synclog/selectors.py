from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from merchants.tenancy import get_for_merchant_or_404, scoped
from synclog.models import SyncEntry, SyncRun


def sync_run_list(*, merchant, connection=None):
    runs = scoped(SyncRun, merchant=merchant).select_related("connection")
    if connection is not None:
        runs = runs.filter(connection=connection)
    return runs


def sync_run_get(*, merchant, run_id):
    return get_for_merchant_or_404(SyncRun.objects.select_related("connection"), merchant=merchant, pk=run_id)


def sync_entry_list(*, merchant, run, level=None):
    entries = scoped(SyncEntry, merchant=merchant).filter(run=run)
    if level:
        entries = entries.filter(level=level)
    return entries


def sync_run_last(*, merchant, connection):
    return scoped(SyncRun, merchant=merchant).filter(connection=connection).order_by("-started_at", "-pk").first()


def run_lease():
    """How long a running pass may stay silent before it is taken as dead."""
    return timedelta(seconds=settings.SYNC_RUN_LEASE_S)


def sync_run_live(*, merchant, connection, now=None):
    """The whole pass of ``connection`` that is running and alive (heartbeat within the lease), or
    None. A run whose heartbeat ran out is dead, whatever it still says."""
    now = now or timezone.now()
    return (scoped(SyncRun, merchant=merchant)
            .filter(connection=connection, resource="products", outcome=SyncRun.Outcome.RUNNING, dry_run=False,
                    heartbeat_at__gte=now - run_lease())
            .exclude(trigger=SyncRun.Trigger.WEBHOOK).order_by("-started_at", "-pk").first())
