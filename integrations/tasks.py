"""Thin tasks: ids in, one service call, the shared retry policy from ``flyt_task``."""

from django.core.cache import cache

from integrations.engine.runner import integration_sync
from integrations.engine.stock.common import push_flag
from integrations.models import Connection, Integration, WebhookEvent
from integrations.services.dispatch import connections_claim_due, stock_poll_due, stock_reconcile_due
from integrations.services.stock import (
    stock_connection_poll,
    stock_connection_push,
    stock_connection_reconcile,
    stock_connection_start,
)
from integrations.services.sync import connection_sync
from integrations.services.sync_runs import sync_runs_sweep
from integrations.services.webhooks import webhook_event_process, webhook_events_requeue
from integrations.tasking import flyt_task
from merchants.models import Merchant
from synclog.services import sync_runs_prune


@flyt_task(queue="default", max_retries=0)
def connections_dispatch_due_task():
    return len(connections_claim_due())


@flyt_task(queue="sync")
def connection_sync_task(connection_id, trigger="schedule", full=False):
    connection = Connection.objects.select_related("merchant").filter(pk=connection_id).first()
    if connection is None or connection.status not in (Connection.Status.ACTIVE, Connection.Status.ERROR):
        return None
    run = connection_sync(merchant=connection.merchant, connection=connection, trigger=trigger, full=full)
    return run.pk


@flyt_task(queue="default", max_retries=0)
def synclog_prune_task():
    return sum(sync_runs_prune(merchant=merchant) for merchant in Merchant.objects.all())


@flyt_task(queue="sync")
def integration_sync_task(integration_id, trigger="manual", full=False, product_ids=None):
    integration = Integration.objects.select_related("merchant").filter(pk=integration_id).first()
    if integration is None or integration.completed_at is None:
        return None
    return integration_sync(merchant=integration.merchant, integration=integration, trigger=trigger, full=full,
                            product_ids=product_ids).pk


@flyt_task(queue="webhooks")
def webhook_event_process_task(event_id):
    event = WebhookEvent.objects.select_related("merchant", "connection").filter(pk=event_id).first()
    if event is None:
        return None
    return webhook_event_process(merchant=event.merchant, event=event).status


# --- stock ---------------------------------------------------------------------------------------

def _stock_connection(connection_id):
    return Connection.objects.select_related("merchant").filter(pk=connection_id,
                                                               status=Connection.Status.ACTIVE).first()


def _on_stock_connection(connection_id, service, result, **kwargs):
    """Load an active connection with its merchant and call ``service`` on it; None when it is gone."""
    connection = _stock_connection(connection_id)
    if connection is None:
        return None
    outcome = service(merchant=connection.merchant, connection=connection, **kwargs)
    return result(outcome) if outcome is not None else None


@flyt_task(queue="webhooks")
def stock_push_task(connection_id):
    cache.delete(push_flag(connection_id))  # changes from now on queue the next push

    return _on_stock_connection(connection_id, stock_connection_push, lambda o: o.movements)


@flyt_task(queue="sync")
def stock_reconcile_task(connection_id, trigger="schedule"):
    return _on_stock_connection(connection_id, stock_connection_reconcile, lambda o: o.drift, trigger=trigger)


@flyt_task(queue="sync")
def stock_connection_start_task(connection_id):
    return _on_stock_connection(connection_id, stock_connection_start, lambda o: o.drift)


@flyt_task(queue="default", max_retries=0)
def stock_reconcile_due_task():
    return stock_reconcile_due()


@flyt_task(queue="default", max_retries=0)
def stock_poll_due_task():
    return stock_poll_due()


@flyt_task(queue="webhooks")
def stock_poll_task(connection_id):
    return _on_stock_connection(connection_id, stock_connection_poll, lambda o: o.movements)


@flyt_task(queue="default", max_retries=0)
def sync_runs_sweep_task():
    return len(sync_runs_sweep())


@flyt_task(queue="default", max_retries=0)
def webhook_events_requeue_task():
    return len(webhook_events_requeue())
