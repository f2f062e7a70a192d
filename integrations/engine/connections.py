"""A connection's state as the engine moves it: activated, marked as needing attention, a pass recorded,
disconnected; and ``ConnectionProblem``, the error a merchant can fix. The services build the rest of a
connection's life (create, configure, pause, ask for a sync) on top of these."""

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection
from merchants.errors import FlytError
from merchants.tenancy import ensure_owned


class ConnectionProblem(FlytError):
    """A connection change that cannot be made; the message is for people."""


def connection_activate(*, merchant, connection, now=None):
    ensure_owned(connection, merchant=merchant)
    now = now or timezone.now()
    connection.status = Connection.Status.ACTIVE
    connection.status_message = ""
    connection.next_run_at = now if connection.sync_interval_minutes else None
    connection.save(update_fields=["status", "status_message", "next_run_at", "updated_at"])
    return connection


def connection_mark_error(*, merchant, connection, message):
    """Put the connection in 'needs attention' with a message that says what to do."""
    ensure_owned(connection, merchant=merchant)
    connection.status = Connection.Status.ERROR
    connection.status_message = message[:500]
    connection.save(update_fields=["status", "status_message", "updated_at"])
    return connection


@transaction.atomic
def connection_disconnect(*, merchant, connection):
    """Stop syncing and forget the credentials; the sync log stays."""
    ensure_owned(connection, merchant=merchant)
    connection.status = Connection.Status.DISCONNECTED
    connection.credentials = {}
    connection.previous_webhook_secret = ""
    connection.platform_webhook_secrets = []
    connection.next_run_at = None
    connection.save()
    return connection


def connection_record_run(*, merchant, connection, now=None):
    """Note that a sync pass ran; the next scheduled one was set when the dispatcher claimed it."""
    ensure_owned(connection, merchant=merchant)
    connection.last_run_at = now or timezone.now()
    connection.save(update_fields=["last_run_at", "updated_at"])
    return connection
