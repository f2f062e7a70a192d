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
