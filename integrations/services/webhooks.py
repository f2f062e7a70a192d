"""The webhook inbox: verify, store, answer; process later in a task.

Intake does as little as possible before answering 2xx: size cap, JSON check, signature check,
one INSERT with the delivery id and the hash of the signed content unique per connection (a
duplicate or replayed delivery is answered 2xx and dropped), commit, enqueue. Processing reads
the platform's current state through the sync engine.
"""

import hashlib
import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.engine.events import changes_apply, product_changes
from integrations.engine.stock.apply import STOCK_KINDS
from integrations.errors import WebhookUnknownConnection
from integrations.models import Connection, WebhookEvent
from integrations.platforms import load as platform_part
from integrations.platforms import webhooks_module
from integrations.services.stock import stock_event_apply
from integrations.tasking import WEBHOOK_EVENT_PROCESS, enqueue_on_commit
from integrations.webhook_json import json_object
from merchants.tenancy import ensure_owned

logger = logging.getLogger("flyt.webhooks")

KEPT_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-shopify-topic",
                "x-shopify-webhook-id", "x-shopify-shop-domain", "x-shopify-event-id", "x-shopify-triggered-at",
                "rackbeat-webhook-event", "rackbeat-account-id")


def webhook_event_receive(*, platform, public_id, headers, body):
    """Store a verified delivery; returns the event, or None for a duplicate or a test message.
    Raises ``WebhookRejected`` (a subclass names the kind, and so the HTTP status) and changes
    nothing then.

    Order: the connection (404), the body as one JSON object (400), a platform's test message
    (acknowledged, nothing stored), the signature and its age (401 / 400), then one INSERT. A
    delivery is a duplicate when its delivery id, or the hash of what its signature covers
    (``signed_content`` of the platform module), is already stored for the connection: a signed
    delivery replayed under a new delivery id is answered 2xx and not stored again.

    Once the INSERT is committed the answer is 2xx whatever happens after: neither the cache
    (which coalesces drains) nor the broker being down changes it; the sweeper
    (``webhook_events_requeue``) enqueues stored events once the broker is back."""
    connection = Connection.objects.filter(public_id=public_id, platform=platform).select_related("merchant").first()
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        raise WebhookUnknownConnection("unknown connection")
    module = webhooks_module(platform)
    verifier = platform_part(platform, "webhook_verifier") if module is not None else None
    if verifier is None:
        raise WebhookUnknownConnection("this platform's webhooks are not accepted")
    json_object(body)
    is_test_message = getattr(module, "is_test_message", None)
    if is_test_message is not None and is_test_message(headers=headers, body=body):
        logger.info("webhook test message acknowledged connection=%s", connection.pk)
        return None
    verifier(connection, headers, body)
    delivery = module.delivery_id(headers=headers, body=body)
    topic = module.topic(headers=headers, body=body)
    content_hash = hashlib.sha256(module.signed_content(headers=headers, body=body)).hexdigest()
    kept = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(merchant=connection.merchant, connection=connection,
                                                delivery_id=delivery, topic=topic, headers=kept, body=body,
                                                content_hash=content_hash)
    except IntegrityError:
        logger.info("duplicate webhook connection=%s delivery=%s", connection.pk, delivery)
        return None
    _drain_enqueue(connection=connection, event=event)
    return event


def _drain_enqueue(*, connection, event):
    """After the event is committed: queue a drain of the connection's inbox. Never raises."""
    # one drain per connection at a time: while one is queued and not started, it will take this
    # event too, so a burst of notifications is one task, not one per delivery. With the cache down
    # the flag is unknown: queue anyway (a second drain finds nothing left and costs one query).
    try:
        queue = cache.add(drain_flag(connection.pk), event.pk, timeout=DRAIN_FLAG_TTL_S)
    except Exception:  # any cache failure (Redis down, timeout): the event is stored already
        logger.warning("webhook drain flag unavailable connection=%s event=%s", connection.pk, event.pk,
                       exc_info=True)
        queue = True
    if queue:
        # robust: with the broker down the delivery is still answered 2xx (it is stored); the sweeper
        # enqueues it once the broker is back
        enqueue_on_commit(WEBHOOK_EVENT_PROCESS, event.pk, robust=True)


def _drain_flag_clear(connection_id):
    """A drain has started: deliveries from now on enqueue a new one. With the cache down there is
    nothing to clear (the next delivery queues a drain anyway)."""
    try:
        cache.delete(drain_flag(connection_id))
    except Exception:  # any cache failure; the drain goes on
        logger.warning("webhook drain flag not cleared connection=%s", connection_id, exc_info=True)


DRAIN_FLAG_TTL_S = 30  # if a queued drain is lost, the next delivery (or the sweeper) enqueues again


def drain_flag(connection_id):
    return f"inbox-drain-queued:{connection_id}"


BATCH = 200


def webhook_event_process(*, merchant, event):
    """Process ``event`` — and every other waiting event of its connection, in batches: one worker
    drains a connection's inbox at a time (an advisory lock), so a burst of notifications costs one
    read of the platform per batch, not one per delivery. Returns the event as it is now."""
    ensure_owned(event, merchant=merchant)
    connection = event.connection
    _drain_flag_clear(connection.pk)  # deliveries from now on enqueue a new drain
    while True:
        with connection_lock(f"inbox:{connection.pk}") as acquired:
            if not acquired:
                break  # a worker is draining this connection; it takes this event too
            while batch := _claim(connection=connection):
                _process_batch(merchant=merchant, connection=connection, events=batch)
        # an event stored while we were finishing found the lock taken: look once more
        if not acquired or not _claimable(connection=connection, now=timezone.now()).exists():
            break
    event.refresh_from_db()
    return event


def _claimable(*, connection, now):
    # a claim is a lease (``next_attempt_at`` of a processing event): a worker that died while
    # processing leaves the event claimable again once its lease has run out. A live worker renews
    # the lease of its batch as it goes, and holds the connection's inbox lock, so an expired claim
    # of a worker that is only slow is never processed twice.
    return WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.PENDING)
        | Q(status=WebhookEvent.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=WebhookEvent.Status.PROCESSING, next_attempt_at__lt=now), connection=connection)


def _claim(*, connection):
    now = timezone.now()
    with transaction.atomic():
        ids = list(_claimable(connection=connection, now=now).order_by("received_at", "pk")
                   .select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH])
        WebhookEvent.objects.filter(pk__in=ids).update(status=WebhookEvent.Status.PROCESSING,
                                                       attempts=F("attempts") + 1, next_attempt_at=now + lease())
    return list(WebhookEvent.objects.filter(pk__in=ids).order_by("received_at", "pk"))


def _fail(events, exc):
    for event in events:
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEvent.Status.FAILED, error=str(exc)[:2000],
            next_attempt_at=timezone.now() + retry_delay(event.attempts))


def _process_batch(*, merchant, connection, events):
    """Product changes event by event (each names its products); stock changes of the whole batch
    in one apply: the platform's levels are read once, after all these notifications arrived."""
    handled, parsed = {}, []
    lease_renew = _LeaseRenewal(events)
    for event in events:
        lease_renew()
        try:
            changes = webhooks_module(connection.platform).parse(headers=dict(event.headers), body=bytes(event.body))
            products = product_changes(changes)
            handled[event.pk] = bool(products) and changes_apply(merchant=merchant, connection=connection,
                                                                 changes=products)
        except Exception as exc:
            logger.exception("webhook event %s failed connection=%s", event.pk, connection.pk)
            _fail([event], exc)
            continue
        parsed.append((event, [c for c in changes if c.kind in STOCK_KINDS]))
    stock_events = [(event, changes) for event, changes in parsed if changes]
    _finish([event for event, changes in parsed if not changes], handled)
    if stock_events:
        changes = [c for _, batch in stock_events for c in batch]
        first = stock_events[0][0]
        reference = f"{connection.platform}:{first.delivery_id}" + (
            f" (+{len(stock_events) - 1} more)" if len(stock_events) > 1 else "")
        try:
            outcome = stock_event_apply(merchant=merchant, connection=connection, changes=changes,
                                        reference=reference)
        except Exception as exc:
            _fail([event for event, _ in stock_events], exc)
            raise  # the task's retry policy; the sweeper takes them again otherwise
        for event, _ in stock_events:
            handled[event.pk] = handled.get(event.pk) or outcome is not None
        _finish([event for event, _ in stock_events], handled)


class _LeaseRenewal:
    """Call it as a batch is processed: once half the lease has gone by, the claim of the batch's
    events still processing is moved on by a whole lease (one UPDATE)."""

    def __init__(self, events):
        self.ids = [event.pk for event in events]
        self.renewed = timezone.now()

    def __call__(self):
        now = timezone.now()
        if now - self.renewed < lease() / 2:
            return
        self.renewed = now
        WebhookEvent.objects.filter(pk__in=self.ids, status=WebhookEvent.Status.PROCESSING).update(
            next_attempt_at=now + lease())


def _finish(events, handled):
    now = timezone.now()
    for status, done in ((WebhookEvent.Status.DONE, True), (WebhookEvent.Status.IGNORED, False)):
        ids = [event.pk for event in events if bool(handled.get(event.pk)) == done]
        if ids:
            WebhookEvent.objects.filter(pk__in=ids, status=WebhookEvent.Status.PROCESSING).update(
                status=status, processed_at=now, error="", next_attempt_at=None)


@contextmanager
def connection_lock(name):
    """A lock per name across workers (PostgreSQL advisory lock, held by this session); yields
    whether it was acquired. Other databases (the single-process embedded default) always acquire."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        yield True
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with db.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def lease():
    """How long a claimed event is left to its worker before the sweeper hands it out again
    (renewed while its batch is processed): short, so a dead worker's events wait minutes, not
    the length of a task."""
    return timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE_S)


def retry_delay(attempts):
    """When the sweeper tries a failed event again (the task's own retries come first)."""
    return timedelta(minutes=min(60, 2 ** min(attempts, 6)))


def webhook_events_requeue(*, now=None, stale_after=timedelta(minutes=1), limit=500):
    """The sweeper: enqueue events that no worker is processing — stored while the broker was down,
    failed and due again, or claimed by a worker that died. Returns their ids. Enqueuing one twice is
    harmless: only one worker can claim it."""
    now = now or timezone.now()
    due = WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.PENDING, received_at__lt=now - stale_after)
        | Q(status=WebhookEvent.Status.FAILED, next_attempt_at__lte=now,
            attempts__lt=settings.TASK_MAX_DELIVERIES * 3)
        | Q(status=WebhookEvent.Status.PROCESSING, next_attempt_at__lt=now)).order_by("received_at")
    rows = list(due.values_list("pk", "connection_id")[:limit])
    # one drain per connection takes all of that connection's waiting events
    for event_id in {connection_id: pk for pk, connection_id in reversed(rows)}.values():
        enqueue_on_commit(WEBHOOK_EVENT_PROCESS, event_id, robust=True)
    return [pk for pk, _ in rows]


def webhook_events_replay(*, events):
    """Support's "Replay": set these inbox events back to pending and process each again after
    commit. Processing is idempotent (ledger keys, last-known levels): an event whose effect is
    already in changes nothing."""
    ids = list(events.values_list("pk", flat=True))
    with transaction.atomic():
        WebhookEvent.objects.filter(pk__in=ids).update(status=WebhookEvent.Status.PENDING, next_attempt_at=None,
                                                       error="")
        for event_id in ids:
            enqueue_on_commit(WEBHOOK_EVENT_PROCESS, event_id)
    return len(ids)
