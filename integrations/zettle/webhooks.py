"""Zettle Pusher deliveries: verify, identify, parse.

A delivery is a JSON envelope ``{organizationUuid, messageUuid, eventName, messageId, payload,
timestamp}`` whose ``payload`` is itself JSON *in a string*. The header ``X-iZettle-Signature`` is
the lowercase hex HMAC-SHA256, keyed by the subscription's ``signingKey``, of
``"<timestamp>.<payload>"`` (the two envelope fields exactly as sent).

Three things to know:
- The ``TestMessage`` Zettle posts when a subscription is created (``{"eventName":"TestMessage",
  "organizationUuid", "messageId", "payload":{"data":"payload"}}``, Zettle's create-subscriptions
  page) carries no timestamp and an object payload; Zettle does not sign it (SwagPayPal's
  ``WebhookController`` skips the check for it). Intake acknowledges every ``TestMessage``
  (``is_test_message``), signed or not, and stores nothing: it announces no change. ``verify`` still
  lets exactly the unsigned shape through for callers that verify alone.
- ``timestamp`` is when the message was made, and retries resend the same envelope. Zettle retries
  every 60 s ten times, every 600 s nine times, then hourly for 70 hours, then deletes the
  subscription (Zettle pusher-api overview/troubleshooting pages): about 71.7 hours after the first
  attempt. ``RETRY_WINDOW_S`` (73 h) bounds the age intake accepts (``max_age_s``), so the last
  retry is taken and nothing older; a tolerance of 300 s would refuse legitimate retries.
- The signature covers ``timestamp`` and ``payload`` only, not ``messageUuid``: ``signed_content``
  is what de-duplicates, so a signed delivery replayed under a new ``messageUuid`` is a duplicate.
"""

import hashlib
import hmac
import json
import time

from integrations.dto import ExternalChange
from integrations.errors import WebhookMalformed, WebhookRejected, WebhookStale
from integrations.zettle.mapping import parse_quantity, parse_time

SIGNATURE_HEADER = "x-izettle-signature"
RETRY_WINDOW_S = 73 * 3600
CLOCK_SKEW_S = 300  # a timestamp this far in the future is still a clock difference, not a forgery


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _envelope(body):
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebhookMalformed("body is not JSON") from exc
    if not isinstance(envelope, dict) or "eventName" not in envelope:
        raise WebhookMalformed("not a Zettle envelope")
    return envelope


def _is_test_message(envelope):
    return envelope.get("eventName") == "TestMessage" and not isinstance(envelope.get("payload"), str) \
        and not envelope.get("timestamp")


def sign(*, signing_key: str, timestamp: str, payload: str) -> str:
    return hmac.new(signing_key.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()


def is_test_message(*, headers, body) -> bool:
    """Zettle's subscription test: acknowledged, never stored (it announces no change)."""
    return _envelope(body).get("eventName") == "TestMessage"


def signed_content(*, headers, body) -> bytes:
    """What ``X-iZettle-Signature`` covers: ``"<timestamp>.<payload>"`` (the de-duplication key)."""
    envelope = _envelope(body)
    return f"{envelope.get('timestamp')}.{envelope.get('payload')}".encode()


def verify(*, headers, body, secrets, now=None, tolerance_s=300, max_age_s=None):
    """Accept the delivery or raise ``WebhookRejected``. ``secrets``: the signing keys to accept
    (current and, during a rotation, previous). ``tolerance_s``: the most the timestamp may differ
    from now either way (None: unchecked); ``max_age_s``: the most it may lie in the past (up to
    ``CLOCK_SKEW_S`` in the future), e.g. ``RETRY_WINDOW_S``."""
    envelope = _envelope(body)
    signature = (_header(headers, SIGNATURE_HEADER) or "").strip().lower()
    if not signature:
        if _is_test_message(envelope):
            return
        raise WebhookRejected("unsigned")
    timestamp, payload = envelope.get("timestamp"), envelope.get("payload")
    if not isinstance(timestamp, str) or not isinstance(payload, str):
        raise WebhookRejected("envelope lacks timestamp or payload")
    matched = False
    for secret in secrets or ():
        if secret and hmac.compare_digest(sign(signing_key=secret, timestamp=timestamp, payload=payload),
                                          signature):
            matched = True
    if not matched:
        raise WebhookRejected("bad signature")
    if tolerance_s is not None or max_age_s is not None:
        try:
            sent = parse_time(timestamp).timestamp()
        except (AttributeError, TypeError, ValueError) as exc:
            raise WebhookMalformed("unreadable timestamp") from exc
        age = (time.time() if now is None else now) - sent
        if tolerance_s is not None and abs(age) > tolerance_s:
            raise WebhookStale("stale timestamp")
        if max_age_s is not None and age > max_age_s:
            raise WebhookStale("older than Zettle retries a delivery")
        if max_age_s is not None and age < -CLOCK_SKEW_S:
            raise WebhookStale("timestamp in the future")


def delivery_id(*, headers, body) -> str:
    envelope = _envelope(body)
    return str(envelope.get("messageUuid") or envelope.get("messageId") or "")


def topic(*, headers, body) -> str:
    return str(_envelope(body).get("eventName") or "")


def _payload(envelope):
    payload = envelope.get("payload")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload) if payload else {}
        except ValueError as exc:
            raise WebhookRejected("payload is not JSON") from exc
    return payload if isinstance(payload, dict) else {}


def parse(*, headers, body) -> list[ExternalChange]:
    envelope = _envelope(body)
    event = envelope.get("eventName") or ""
    payload = _payload(envelope)
    when = parse_time(envelope.get("timestamp")) if envelope.get("timestamp") else None

    def change(kind, action, external_id="", parent="", **data):
        return ExternalChange(kind=kind, action=action, external_id=external_id or "", external_parent_id=parent or "",
                              topic=event, occurred_at=when, data=data)

    if event in ("ProductCreated", "ProductDeleted"):
        action = "created" if event == "ProductCreated" else "deleted"
        return [change("product", action, payload.get("uuid"), product=payload)]
    if event == "ProductUpdated":
        new = payload.get("newEntity") or {}
        return [change("product", "updated", new.get("uuid"), product=new, old=payload.get("oldEntity") or {})]
    if event == "InventoryBalanceChanged":
        before = {row.get("variantUuid"): parse_quantity(row.get("balance"))
                  for row in payload.get("balanceBefore") or []}
        return [change("stock", "updated", row.get("variantUuid"), row.get("productUuid"),
                       balance=parse_quantity(row.get("balance")), balance_before=before.get(row.get("variantUuid")),
                       location_uuid=row.get("locationUuid"), external_uuid=payload.get("externalUuid"))
                for row in payload.get("balanceAfter") or []]
    if event in ("InventoryTrackingStarted", "InventoryTrackingStopped"):
        started = event == "InventoryTrackingStarted"
        return [change("stock", "assigned" if started else "unassigned", "", payload.get("productUuid"),
                       tracking=started)]
    if event == "PurchaseCreated":
        purchase_uuid = payload.get("purchaseUuid") or payload.get("purchaseUUID1") or payload.get("purchaseUuid1")
        kind = "refund" if payload.get("refund") else "order"
        return [change(kind, "created", purchase_uuid, purchase=payload)]
    if event in ("ApplicationConnectionRemoved", "PersonalAssertionDeleted") \
            or payload.get("type") == "PersonalAssertionDeleted":
        return [change("app", "uninstalled", envelope.get("organizationUuid"), reason=payload.get("type") or event)]
    if event == "OrganizationUpdated":
        return [change("app", "updated", envelope.get("organizationUuid"), organization=payload)]
    if event == "TestMessage":
        return [change("test", "created", envelope.get("messageId"))]
    return []
