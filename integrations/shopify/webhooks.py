"""Shopify webhook deliveries: verify, dedupe id, topic, parse.

Shopify signs the raw body: ``X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(app client secret, body))``.
There is no signed timestamp. Staleness is judged from ``X-Shopify-Triggered-At`` (when given):
Shopify retries a failed delivery with its original headers for up to 4 hours, so a delivery is
stale when it was triggered more than ``RETRY_WINDOW_S + tolerance_s`` ago (or more than
``tolerance_s`` in the future); a younger retry is legitimate and accepted.
Deliveries are deduplicated on ``X-Shopify-Webhook-Id`` (stable across retries) and on the SHA-256
of the raw body (``signed_content``): the signature covers the body alone, so neither the webhook
id, the topic nor ``X-Shopify-Triggered-At`` is authenticated, and a captured delivery replayed with
new headers would otherwise be stored again. Two deliveries with byte-identical bodies carry the
same information (Shopify's own duplicates, one delivery per subscription to a topic); the second
is dropped. The staleness check above is therefore a courtesy to honest senders; the body hash is
what stops replays (for as long as the inbox keeps the event).
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import UTC

from integrations.dto import ExternalChange, iso_time_or_none
from integrations.errors import WebhookMalformed, WebhookRejected, WebhookStale

RETRY_WINDOW_S = 4 * 3600
_KINDS = {"products": "product", "inventory_levels": "stock", "inventory_items": "inventory_item",
          "orders": "order", "refunds": "refund", "customers": "customer", "app": "app", "locations": "location",
          "collections": "collection"}
_ACTIONS = {"create": "created", "update": "updated", "updated": "updated", "delete": "deleted",
            "connect": "assigned", "disconnect": "unassigned", "uninstalled": "uninstalled", "paid": "updated",
            "cancelled": "updated", "fulfilled": "updated", "partially_fulfilled": "updated", "edited": "updated"}


def _header(headers, name):
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify(*, headers, body, secrets, now=None, tolerance_s=300):
    """Accept the delivery or raise WebhookRejected. ``body`` is the raw bytes as received."""
    signature = _header(headers, "X-Shopify-Hmac-Sha256")
    if not signature:
        raise WebhookRejected("unsigned: no X-Shopify-Hmac-Sha256 header")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookRejected("malformed signature") from exc
    raw = body if isinstance(body, bytes) else str(body).encode()
    keys = [s for s in secrets if s]
    if not keys:
        raise WebhookRejected("no secret configured for this connection")
    if not any(hmac.compare_digest(hmac.new(key.encode(), raw, hashlib.sha256).digest(), given) for key in keys):
        raise WebhookRejected("signature does not match")
    triggered = _header(headers, "X-Shopify-Triggered-At")
    if triggered and tolerance_s is not None:
        moment = iso_time_or_none(triggered)
        if moment is None:
            raise WebhookMalformed("unreadable X-Shopify-Triggered-At")
        current = time.time() if now is None else now
        age = current - moment.timestamp()
        if age > RETRY_WINDOW_S + tolerance_s or age < -tolerance_s:
            raise WebhookStale("stale delivery: triggered outside Shopify's retry window")


def signed_content(*, headers, body):
    """What ``X-Shopify-Hmac-Sha256`` covers: the raw body (the de-duplication key)."""
    return body if isinstance(body, bytes) else str(body).encode()


def delivery_id(*, headers, body):
    value = _header(headers, "X-Shopify-Webhook-Id") or _header(headers, "X-Shopify-Event-Id")
    if not value:
        raise WebhookMalformed("no X-Shopify-Webhook-Id header")
    return value


def topic(*, headers, body):
    value = _header(headers, "X-Shopify-Topic")
    if not value:
        raise WebhookMalformed("no X-Shopify-Topic header")
    return value


def sign(*, body, secret):
    """The header value Shopify would send for ``body`` (for tests and the sandbox)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def parse(*, headers, body):
    """What changed, as ExternalChange objects (one per delivery, or none for unknown topics)."""
    name = topic(headers=headers, body=body)
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise WebhookRejected("body is not JSON") from exc
    if not isinstance(data, dict):
        raise WebhookRejected("body is not a JSON object")
    resource, _, action = name.partition("/")
    kind = _KINDS.get(resource)
    if kind is None or action not in _ACTIONS:
        return []
    occurred = iso_time_or_none(_header(headers, "X-Shopify-Triggered-At") or "") or iso_time_or_none(
        data.get("updated_at") or "")
    if occurred is not None and occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    change = ExternalChange(kind=kind, action=_ACTIONS[action], topic=name, occurred_at=occurred, data=data)
    if resource == "inventory_levels":
        change.external_id = str(data.get("inventory_item_id") or "")
        change.external_parent_id = str(data.get("location_id") or "")
        change.data = {"inventory_item_id": str(data.get("inventory_item_id") or ""),
                       "location_id": str(data.get("location_id") or ""), "available": data.get("available"),
                       "updated_at": data.get("updated_at")}
    elif resource == "refunds":
        change.external_id = str(data.get("id") or "")
        change.external_parent_id = str(data.get("order_id") or "")
    elif resource == "app":
        change.external_id = str(data.get("myshopify_domain") or data.get("domain") or data.get("id") or "")
    else:
        change.external_id = str(data.get("id") or "")
    return [change]
