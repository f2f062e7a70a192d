"""The sync engine's entry point for one connection (the dispatcher's and "Sync now"'s unit)."""

import logging

from integrations.engine.connections import connection_record_run
from integrations.engine.runner import integration_sync
from integrations.services.integrations import integrations_of_connection
from synclog.models import SyncEntry
from synclog.services import sync_entry_add, sync_run_finish, sync_run_start

logger = logging.getLogger("flyt.sync")


def connection_sync(*, merchant, connection, trigger, full=False, dry_run=False):
    """Run the integration this connection belongs to; returns the SyncRun."""
    found = list(integrations_of_connection(merchant=merchant, connection=connection).order_by("pk"))
    # the one whose home base it is first (the dispatcher schedules home bases)
    integration = next((i for i in found if i.home == connection), found[0] if found else None)
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
