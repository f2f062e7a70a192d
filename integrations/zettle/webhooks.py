"""Zettle Pusher deliveries: verify, identify, parse.

A delivery is a JSON envelope ``{organizationUuid, messageUuid, eventName, messageId, payload,
timestamp}`` whose ``payload`` is itself JSON *in a string*. The header ``X-iZettle-Signature`` is
the lowercase hex HMAC-SHA256, keyed by the subscription's ``signingKey``, of
``"<timestamp>.<payload>"`` (the two envelope fields exactly as sent).

Two things to know:
- The ``TestMessage`` Zettle posts when a subscription is created carries no timestamp and an object
  payload; Zettle does not sign it. ``verify`` lets exactly that shape through unsigned (it parses to
  a ``test`` change carrying nothing) so that creating a subscription succeeds; every other event
  must be signed.
- ``timestamp`` is when the message was made, and retries resend the same envelope (Zettle retries
  for about 73 hours). A tolerance of 300 s therefore refuses late retries; pass ``tolerance_s=None``
  to rely on ``messageUuid`` de-duplication alone for replays.
"""

import hashlib
import hmac
import json
import time

from integrations.dto import ExternalChange
from integrations.errors import WebhookRejected
from integrations.zettle.mapping import parse_quantity, parse_time

SIGNATURE_HEADER = "x-izettle-signature"


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _envelope(body):
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected("body is not JSON") from exc
    if not isinstance(envelope, dict) or "eventName" not in envelope:
        raise WebhookRejected("not a Zettle envelope")
    return envelope


def _is_test_message(envelope):
    return envelope.get("eventName") == "TestMessage" and not isinstance(envelope.get("payload"), str) \
        and not envelope.get("timestamp")


def sign(*, signing_key: str, timestamp: str, payload: str) -> str:
    return hmac.new(signing_key.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()


def verify(*, headers, body, secrets, now=None, tolerance_s=300):
    """Accept the delivery or raise ``WebhookRejected``. ``secrets``: the signing keys to accept
    (current and, during a rotation, previous)."""
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
    if tolerance_s is not None:
        try:
            sent = parse_time(timestamp).timestamp()
        except ValueError as exc:
            raise WebhookRejected("unreadable timestamp") from exc
        if abs((time.time() if now is None else now) - sent) > tolerance_s:
            raise WebhookRejected("stale timestamp")


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
