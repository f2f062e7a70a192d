"""The sweeper for sync passes whose worker died: within minutes of the death the run says
"Interrupted" in the merchant's words and the integration's pass starts again. The engine resumes
a killed pass without duplicates (bindings saved after each write, lost ones found again by SKU or
barcode), so starting it again is safe."""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import Connection, Integration
from merchants.tenancy import scoped
from synclog.models import SyncRun
from synclog.services import sync_run_interrupt, sync_runs_dead

logger = logging.getLogger("flyt.sync")


def _integration_of(run):
    """The finished integration whose home base ran ``run``, when its pass can be started again."""
    if run.connection is None or run.resource != "products":
        return None
    integration = scoped(Integration, merchant=run.merchant).filter(
        Q(bigcommerce=run.connection) | Q(zettle=run.connection), completed_at__isnull=False).first()
    if integration is None or integration.home != run.connection:
        return None
    usable = (Connection.Status.ACTIVE, Connection.Status.ERROR)
    if any(c is None or c.status not in usable for c in (integration.bigcommerce, integration.zettle)):
        return None
    return integration


def sync_runs_sweep(*, now=None):
    """Mark dead runs interrupted and start their integration's pass again. Returns their ids."""
    from integrations.tasks import integration_sync_task

    now = now or timezone.now()
    swept = []
    for run in sync_runs_dead(now=now):
        integration = _integration_of(run)
        # a webhook's pass is done again by the inbox (its events' claims run out); a whole pass is queued
        restart = integration is not None and run.trigger != SyncRun.Trigger.WEBHOOK
        resumed = integration is not None
        with transaction.atomic():
            if not sync_run_interrupt(merchant=run.merchant, run=run, resumed_at=now if resumed else None, now=now):
                continue
            if restart:
                integration_id = integration.pk
                transaction.on_commit(lambda pk=integration_id: integration_sync_task.delay(
                    pk, SyncRun.Trigger.SCHEDULE, False), robust=True)
        logger.warning("sync run=%s merchant=%s interrupted (worker gone since %s); restarted=%s", run.pk,
                       run.merchant_id, run.heartbeat_at.isoformat(), restart)
        swept.append(run.pk)
    return swept
