"""The sync engine's entry point: one pass for one connection, always logged as a SyncRun."""

import logging

from integrations.registry import connector_for
from integrations.services.connections import connection_record_run
from synclog.models import SyncEntry
from synclog.services import sync_entry_add, sync_run_finish, sync_run_start

logger = logging.getLogger("flyt.sync")


def connection_sync(*, merchant, connection, trigger, full=False, dry_run=False):
    """Run one sync pass for ``connection`` and return its SyncRun."""
    run = sync_run_start(merchant=merchant, connection=connection, trigger=trigger, dry_run=dry_run)
    logger.info("sync run=%s connection=%s merchant=%s trigger=%s", run.pk, connection.pk, merchant.pk, trigger)
    connector = connector_for(connection)
    if connector is None:
        sync_entry_add(
            merchant=merchant, run=run, action=SyncEntry.Action.FAILED, object_type="connection",
            object_ref=str(connection.public_id),
            message=(f"{connection.platform_info.label} cannot be synced by this version of Flyt. Nothing was "
                     "changed; contact support if you expected it to sync."),
        )
        connection_record_run(merchant=merchant, connection=connection)
        return sync_run_finish(merchant=merchant, run=run, failed=True,
                               summary=f"No connector for {connection.platform_info.label}.")
    result = connector.sync(merchant=merchant, connection=connection, run=run, full=full, dry_run=dry_run)
    connection_record_run(merchant=merchant, connection=connection)
    return sync_run_finish(merchant=merchant, run=run, summary=str(result or ""))

