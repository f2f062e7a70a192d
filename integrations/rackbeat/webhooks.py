"""Rackbeat webhooks in: verify, dedupe id, topic, parse.

Rackbeat does not sign deliveries (reference §3.5): each carries ``Rackbeat-Webhook-Token``, the
32-character token shown once when the webhook was created, plus ``Rackbeat-Webhook-Event`` and
``Rackbeat-Account-Id``. ``verify`` compares the token with each of ``secrets`` in constant time
(pass the tokens of every subscription of the connection, and the previous ones during a
rotation). There is **no timestamp**, so stale deliveries cannot be recognised (``now`` and
``tolerance_s`` are accepted for a uniform interface and ignored), and a body changed in transit
cannot be detected: only TLS protects it. That is why the engine treats a delivery as a hint and
reads the current state from Rackbeat. A delivery whose header event disagrees with its body, or
whose body is not a Rackbeat envelope, is rejected.

Rackbeat sends no delivery id either. ``delivery_id`` derives one from the event, the key and a
SHA-256 of the raw body: a redelivery of the same notification gets the same id; a later change
carries a new ``data`` (e.g. ``updated_at``), so it gets a new one.
"""

import hashlib
import hmac
import json

from integrations.dto import ExternalChange
from integrations.errors import WebhookMalformed, WebhookRejected

TOKEN_HEADER = "Rackbeat-Webhook-Token"
EVENT_HEADER = "Rackbeat-Webhook-Event"
ACCOUNT_HEADER = "Rackbeat-Account-Id"
STOCK_FIELDS = {"stock_quantity", "available_quantity", "in_order_quantity"}


def _header(headers, name):
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _envelope(body) -> dict:
    try:
        data = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        raise WebhookMalformed("body is not JSON") from None
    if not isinstance(data, dict) or not data.get("event") or "key" not in data:
        raise WebhookMalformed("body is not a Rackbeat webhook envelope")
    return data


def verify(*, headers, body, secrets, now=None, tolerance_s=300):
    """Accept the delivery or raise ``WebhookRejected``. No timestamp exists to check."""
    token = _header(headers, TOKEN_HEADER)
    if not token:
        raise WebhookRejected("missing Rackbeat-Webhook-Token header")
    presented = token.strip().encode()
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(presented, str(secret).encode()):
            matched = True
    if not matched:
        raise WebhookRejected("Rackbeat-Webhook-Token does not match")
    envelope = _envelope(body)
    event = _header(headers, EVENT_HEADER)
    if event and event != envelope["event"]:
        raise WebhookRejected("event header and body disagree")


def topic(*, headers, body) -> str:
    return _header(headers, EVENT_HEADER) or _envelope(body)["event"]


def signed_content(*, headers, body) -> bytes:
    """The de-duplication key: the raw body (nothing is signed; the token only says who sent it)."""
    return body if isinstance(body, bytes) else str(body).encode()


def delivery_id(*, headers, body) -> str:
    raw = body if isinstance(body, bytes) else str(body).encode()
    envelope = _envelope(raw)
    digest = hashlib.sha256(f"{envelope['event']}\0{envelope['key']}\0".encode() + raw).hexdigest()
    return f"rackbeat-{digest[:40]}"


def parse(*, headers, body) -> list[ExternalChange]:
    envelope = _envelope(body)
    event = envelope["event"]
    entity, _, action = event.partition(".")
    key = str(envelope.get("new_key", envelope["key"]))
    data = envelope.get("data") or {}
    changed = list(envelope.get("changed") or [])
    extra = {"key_name": envelope.get("key_name"), "changed": changed, "account_id": _header(headers, ACCOUNT_HEADER),
             **({"old_key": str(envelope["old_key"])} if "old_key" in envelope else {})}
    if entity in ("product", "products", "lot", "lots"):
        if action == "deleted" and data.get("converted_to_lot"):
            extra["converted_to_lot"] = True
        changes = []
        if action != "updated" or set(changed) - STOCK_FIELDS:
            changes.append(ExternalChange(kind="product", action=action, external_id=key, topic=event, data=extra))
        if action == "updated" and STOCK_FIELDS & set(changed):
            changes.append(ExternalChange(kind="stock", action="updated", external_id=key, topic=event, data=extra))
        return changes
    if entity in ("order", "orders"):
        return [ExternalChange(kind="order", action=action if action == "created" else "updated", external_id=key,
                               topic=event, data={**extra, "event_action": action})]
    return [ExternalChange(kind=entity, action=action, external_id=key, topic=event, data=extra)]
