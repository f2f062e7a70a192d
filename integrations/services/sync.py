"""The sync engine's entry point for one connection (the dispatcher's and "Sync now"'s unit)."""

import logging

from django.db.models import Q

from integrations.models import Integration
from integrations.services.connections import connection_record_run
from merchants.tenancy import scoped
from synclog.models import SyncEntry
from synclog.services import sync_entry_add, sync_run_finish, sync_run_start

logger = logging.getLogger("flyt.sync")


def connection_sync(*, merchant, connection, trigger, full=False, dry_run=False):
    """Run the integration this connection belongs to; returns the SyncRun."""
    from integrations.engine.runner import integration_sync

    integration = scoped(Integration, merchant=merchant).filter(
        Q(bigcommerce=connection) | Q(zettle=connection), completed_at__isnull=False).first()
    if integration is not None:
        return integration_sync(merchant=merchant, integration=integration, trigger=trigger, full=full,
                                dry_run=dry_run)
    run = sync_run_start(merchant=merchant, connection=connection, trigger=trigger, dry_run=dry_run)
    sync_entry_add(
        merchant=merchant, run=run, action=SyncEntry.Action.FAILED, object_type="connection",
        object_ref=str(connection.public_id),
        message=(f"{connection.name} is not part of a finished integration, so there is nothing to sync yet. "
                 "Finish its setup first."),
    )
    connection_record_run(merchant=merchant, connection=connection)
    return sync_run_finish(merchant=merchant, run=run, failed=True, summary="Not part of a finished integration.")
