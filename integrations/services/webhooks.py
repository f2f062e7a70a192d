"""The webhook inbox: verify, store, answer; process later in a task.

Intake does as little as possible before answering 2xx: size cap, signature check, one INSERT
with the delivery id unique per connection (a duplicate delivery is answered 2xx and dropped),
commit, enqueue. Processing reads the platform's current state through the sync engine.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.errors import WebhookRejected
from integrations.models import Connection, WebhookEvent

logger = logging.getLogger("flyt.webhooks")

KEPT_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-shopify-topic",
                "x-shopify-webhook-id", "x-shopify-shop-domain", "x-shopify-event-id", "x-shopify-triggered-at",
                "rackbeat-webhook-event", "rackbeat-account-id")


def _verify_bigcommerce(connection, headers, body):
    from integrations.bigcommerce.webhooks import verify_for_connection

    verify_for_connection(connection=connection, headers=headers, body=body)


def _verify_zettle(connection, headers, body):
    from integrations.zettle.webhooks import verify

    # Zettle retries the same signed envelope for ~73 hours: replays are stopped by the unique
    # messageUuid, not by the timestamp.
    verify(headers=headers, body=body, secrets=list(connection.platform_webhook_secrets or []), tolerance_s=None)


VERIFIERS = {"bigcommerce": _verify_bigcommerce, "zettle": _verify_zettle}


def webhook_event_receive(*, platform, public_id, headers, body):
    """Store a verified delivery; returns (event or None for a duplicate). Raises WebhookRejected."""
    connection = Connection.objects.filter(public_id=public_id, platform=platform).select_related("merchant").first()
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        raise WebhookRejected("unknown connection")
    verifier = VERIFIERS.get(platform)
    if verifier is None:
        raise WebhookRejected("this platform's webhooks are not accepted")
    verifier(connection, headers, body)
    module = import_string(f"integrations.{platform}.webhooks")
    delivery = module.delivery_id(headers=headers, body=body)
    topic = module.topic(headers=headers, body=body)
    kept = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(merchant=connection.merchant, connection=connection,
                                                delivery_id=delivery, topic=topic, headers=kept, body=body)
    except IntegrityError:
        logger.info("duplicate webhook connection=%s delivery=%s", connection.pk, delivery)
        return None
    from integrations.tasks import webhook_event_process_task

    transaction.on_commit(lambda: webhook_event_process_task.delay(event.pk))
    return event


def webhook_event_process(*, merchant, event):
    """Turn a stored delivery into a sync of what it names."""
    from integrations.engine.events import changes_apply

    if event.merchant_id != merchant.pk:
        raise ValueError("The event belongs to another merchant.")
    claimed = WebhookEvent.objects.filter(pk=event.pk, status__in=[WebhookEvent.Status.PENDING,
                                                                  WebhookEvent.Status.FAILED]) \
        .update(status=WebhookEvent.Status.PROCESSING, attempts=event.attempts + 1)
    if not claimed:
        return event
    module = import_string(f"integrations.{event.connection.platform}.webhooks")
    headers = dict(event.headers)
    try:
        changes = module.parse(headers=headers, body=bytes(event.body))
        handled = changes_apply(merchant=merchant, connection=event.connection, changes=changes)
    except Exception as exc:
        WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.FAILED, error=str(exc)[:2000])
        raise
    WebhookEvent.objects.filter(pk=event.pk).update(
        status=WebhookEvent.Status.DONE if handled else WebhookEvent.Status.IGNORED, processed_at=timezone.now(),
        error="")
    event.refresh_from_db()
    return event
