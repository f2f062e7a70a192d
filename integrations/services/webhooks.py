"""The webhook inbox: verify, store, answer; process later in a task.

Intake does as little as possible before answering 2xx: size cap, signature check, one INSERT
with the delivery id unique per connection (a duplicate delivery is answered 2xx and dropped),
commit, enqueue. Processing reads the platform's current state through the sync engine.
"""

import logging
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.errors import WebhookRejected
from integrations.models import Connection, WebhookEvent
from integrations.services.webhook_verifiers import VERIFIERS

logger = logging.getLogger("flyt.webhooks")

KEPT_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-shopify-topic",
                "x-shopify-webhook-id", "x-shopify-shop-domain", "x-shopify-event-id", "x-shopify-triggered-at",
                "rackbeat-webhook-event", "rackbeat-account-id")




def webhook_event_receive(*, platform, public_id, headers, body):
    """Store a verified delivery; returns (event or None for a duplicate). Raises WebhookRejected."""
    connection = Connection.objects.filter(public_id=public_id, platform=platform).select_related("merchant").first()
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        raise WebhookRejected("unknown connection")
    verifier = VERIFIERS.get(platform)
    if verifier is None:
        raise WebhookRejected("this platform's webhooks are not accepted")
    verifier(connection, headers, body)
    module = import_module(f"integrations.{platform}.webhooks")
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

    # robust: with the broker down the delivery is still answered 2xx (it is stored); the sweeper
    # (``webhook_events_requeue``) enqueues it once the broker is back
    transaction.on_commit(lambda: webhook_event_process_task.delay(event.pk), robust=True)
    return event


def webhook_event_process(*, merchant, event):
    """Turn a stored delivery into a sync of what it names."""
    from integrations.engine.events import changes_apply
    from integrations.services.stock import stock_event_apply

    if event.merchant_id != merchant.pk:
        raise ValueError("The event belongs to another merchant.")
    now = timezone.now()
    # a claim is a lease: a worker that died while processing leaves the event claimable again
    # once the lease (longer than any task may run) has passed
    claimable = Q(status__in=[WebhookEvent.Status.PENDING, WebhookEvent.Status.FAILED]) \
        | Q(status=WebhookEvent.Status.PROCESSING, next_attempt_at__lt=now)
    claimed = WebhookEvent.objects.filter(claimable, pk=event.pk).update(
        status=WebhookEvent.Status.PROCESSING, attempts=F("attempts") + 1, next_attempt_at=now + lease())
    if not claimed:
        return event
    event.refresh_from_db(fields=["attempts"])
    module = import_module(f"integrations.{event.connection.platform}.webhooks")
    headers = dict(event.headers)
    try:
        changes = module.parse(headers=headers, body=bytes(event.body))
        handled = changes_apply(merchant=merchant, connection=event.connection, changes=changes)
        stock = stock_event_apply(merchant=merchant, connection=event.connection, changes=changes,
                                  reference=f"{event.connection.platform}:{event.delivery_id}")
        handled = handled or stock is not None
    except Exception as exc:
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.Status.FAILED, error=str(exc)[:2000],
            next_attempt_at=timezone.now() + retry_delay(event.attempts))
        raise
    WebhookEvent.objects.filter(pk=event.pk).update(
        status=WebhookEvent.Status.DONE if handled else WebhookEvent.Status.IGNORED, processed_at=timezone.now(),
        error="", next_attempt_at=None)
    event.refresh_from_db()
    return event


def lease():
    """How long a claimed event is left to its worker: longer than any task may run."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def retry_delay(attempts):
    """When the sweeper tries a failed event again (the task's own retries come first)."""
    return timedelta(minutes=min(60, 2 ** min(attempts, 6)))


def webhook_events_requeue(*, now=None, stale_after=timedelta(minutes=1), limit=500):
    """The sweeper: enqueue events that no worker is processing — stored while the broker was down,
    failed and due again, or claimed by a worker that died. Returns their ids. Enqueuing one twice is
    harmless: only one worker can claim it."""
    from integrations.tasks import webhook_event_process_task

    now = now or timezone.now()
    due = WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.PENDING, received_at__lt=now - stale_after)
        | Q(status=WebhookEvent.Status.FAILED, next_attempt_at__lte=now,
            attempts__lt=settings.TASK_MAX_DELIVERIES * 3)
        | Q(status=WebhookEvent.Status.PROCESSING, next_attempt_at__lt=now)).order_by("received_at")
    ids = list(due.values_list("pk", flat=True)[:limit])
    for event_id in ids:
        transaction.on_commit(lambda pk=event_id: webhook_event_process_task.delay(pk), robust=True)
    return ids


def webhook_events_replay(*, events):
    """Support's "Replay": set these inbox events back to pending and process each again after
    commit. Processing is idempotent (ledger keys, last-known levels): an event whose effect is
    already in changes nothing."""
    from integrations.tasks import webhook_event_process_task

    ids = list(events.values_list("pk", flat=True))
    with transaction.atomic():
        WebhookEvent.objects.filter(pk__in=ids).update(status=WebhookEvent.Status.PENDING, next_attempt_at=None,
                                                       error="")
        for event_id in ids:
            transaction.on_commit(lambda pk=event_id: webhook_event_process_task.delay(pk))
    return len(ids)
