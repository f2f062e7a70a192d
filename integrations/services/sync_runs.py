"""The sweeper for sync passes whose worker died: within minutes of the death the run says
"Interrupted" in the merchant's words and the integration's pass starts again. The engine resumes
a killed pass without duplicates (bindings saved after each write, lost ones found again by SKU or
barcode), so starting it again is safe."""

import logging

from django.db import transaction
from django.utils import timezone

from integrations.services.integrations import integration_usable, integrations_of_connection
from integrations.tasking import INTEGRATION_SYNC, enqueue_on_commit
from synclog.models import SyncRun
from synclog.services import sync_run_interrupt, sync_runs_dead

logger = logging.getLogger("flyt.sync")


def _integration_of(run):
    """The finished integration whose home base ran ``run``, when its pass can be started again."""
    if run.connection is None or run.resource != "products":
        return None
    for integration in integrations_of_connection(merchant=run.merchant, connection=run.connection):
        if integration.home == run.connection and integration_usable(integration):
            return integration
    return None


def sync_runs_sweep(*, now=None):
    """Mark dead runs interrupted and start their integration's pass again. Returns their ids."""
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
                enqueue_on_commit(INTEGRATION_SYNC, integration.pk, SyncRun.Trigger.SCHEDULE, False, robust=True)
        logger.warning("sync run=%s merchant=%s interrupted (worker gone since %s); restarted=%s", run.pk,
                       run.merchant_id, run.heartbeat_at.isoformat(), restart)
        swept.append(run.pk)
    return swept
