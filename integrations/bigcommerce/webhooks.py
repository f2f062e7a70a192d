"""BigCommerce webhooks in: verify, dedupe id, topic, parse.

Two secrets guard a BigCommerce callback, and they are different things:

* the **signature** (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">``) is keyed by the
  **app's client secret** (kept in the connection's credentials as ``client_secret``). BigCommerce's
  docs pass ``base64(client_secret)`` to a Standard Webhooks library, which decodes it again, so the
  HMAC key is the raw client-secret bytes. A ``whsec_<base64>`` secret (the spec's own format, used by
  its published test vector) is decoded as the spec says. These go in ``secrets``.
* the **custom header** Flyt sets on every hook it registers (``X-Flyt-Webhook-Token`` by default)
  carries ``Connection.webhook_secret`` (or ``previous_webhook_secret`` during a rotation). These go in
  ``header_tokens``. When ``header_tokens`` is given, the header must be present and match, so a
  delivery with a valid signature but a wrong (or missing) token is rejected too.

``verify_for_connection`` picks both from a Connection. The payload is thin
(``{scope, store_id, data{type, id, ...}, hash, created_at, producer}``): the engine reads the current
state from the API after. Duplicates carry the same ``webhook-id`` and the same ``hash``. Channel-scoped
callbacks name their object differently: ``store/channel/{id}/product/assigned|unassigned`` carry
``data.product_id`` and channel order callbacks ``data.order_id`` (bigcommerce/docs
``docs/integrations/webhooks/events/channels.mdx``); product callbacks keep ``data.id`` (webhooks.v3.yml).
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime

from integrations.dto import ExternalChange
from integrations.errors import WebhookMalformed, WebhookRejected, WebhookStale

HEADER_NAME = "X-Flyt-Webhook-Token"
# the scopes Flyt registers when it connects a store
DEFAULT_SCOPES = (
    "store/product/created", "store/product/updated", "store/product/deleted",
    "store/product/inventory/updated", "store/product/inventory/order/updated",
    "store/sku/created", "store/sku/updated", "store/sku/deleted",
    "store/sku/inventory/updated", "store/sku/inventory/order/updated",
    "store/order/created", "store/order/statusUpdated", "store/order/refund/created",
    "store/customer/created", "store/customer/updated",
    "store/channel/*/product/assigned", "store/channel/*/product/unassigned",
    "store/app/uninstalled",
)


def _header(headers, name):
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted:
            return value
    return None


def _key(secret):
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except (binascii.Error, ValueError):
            return secret.encode()
    return secret.encode()


def signature(*, secret, msg_id, timestamp, body):
    """``v1,<base64>`` for one message, as a Standard Webhooks sender computes it."""
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(*, headers, body, secrets, now=None, tolerance_s=300, header_name=HEADER_NAME, header_tokens=None):
    """Accept a delivery or raise ``WebhookRejected``; ``body`` is the raw bytes as received."""
    if isinstance(body, str):
        body = body.encode()
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookRejected("unsigned: webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise WebhookMalformed("malformed webhook-timestamp") from exc
    keys = [s for s in (secrets or []) if s]
    if not keys:
        raise WebhookRejected("no signing secret configured for this connection")
    offered = [part.strip() for part in signatures.split(" ") if part.strip().startswith("v1,")]
    valid = False
    for secret in keys:
        expected = signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
        for candidate in offered:
            valid |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not valid:
        raise WebhookRejected("bad signature")
    # after the signature, so a forged delivery is told "bad signature" whatever its timestamp
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance_s:
        raise WebhookStale("stale: webhook-timestamp is outside the accepted window")
    if header_tokens is not None:
        token = _header(headers, header_name)
        tokens = [t for t in header_tokens if t]
        if token is None:
            raise WebhookRejected(f"missing {header_name} header")
        if not any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens):
            raise WebhookRejected(f"wrong {header_name} header")
    return True


def verify_for_connection(*, connection, headers, body, now=None, tolerance_s=300, header_name=HEADER_NAME):
    """``verify`` with a Connection's secrets: signature by ``credentials.client_secret``, the custom
    header by ``webhook_secret`` / ``previous_webhook_secret``."""
    credentials = connection.credentials or {}
    signing = [credentials.get("client_secret"), credentials.get("previous_client_secret")]
    tokens = [connection.webhook_secret, connection.previous_webhook_secret]
    return verify(headers=headers, body=body, secrets=[s for s in signing if s], now=now, tolerance_s=tolerance_s,
                  header_name=header_name, header_tokens=[t for t in tokens if t])


def _payload(body):
    try:
        payload = json.loads(body)
    except (TypeError, ValueError, RecursionError) as exc:
        raise WebhookMalformed("body is not JSON") from exc
    if not isinstance(payload, dict) or "scope" not in payload:
        raise WebhookMalformed("body is not a BigCommerce callback")
    return payload


def signed_content(*, headers, body):
    """The de-duplication key: ``"{webhook-id}." + body``, what the signature covers less
    ``webhook-timestamp``. Standard Webhooks keeps the id across retries and signs each attempt with
    its own timestamp (hence the 300 s ``tolerance_s``, the spec library's; BigCommerce's retries
    over ~48 h are each signed afresh), so a retry has the same key and a new id fails the signature."""
    raw = body if isinstance(body, bytes) else body.encode()
    return f"{_header(headers, 'webhook-id') or ''}.".encode() + raw


def delivery_id(*, headers, body):
    """The dedupe id: ``webhook-id`` (the same on retries and duplicates), else the payload ``hash``."""
    msg_id = _header(headers, "webhook-id")
    if msg_id:
        return msg_id
    payload = _payload(body)
    return str(payload.get("hash") or hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest())


def topic(*, headers, body):
    return str(_payload(body)["scope"])


_CHANNEL = re.compile(r"^store/channel/(?P<channel>\d+)/(?P<rest>.+)$")
_ACTIONS = {"created": "created", "updated": "updated", "deleted": "deleted", "archived": "updated",
            "statusUpdated": "updated", "assigned": "assigned", "unassigned": "unassigned",
            "uninstalled": "uninstalled"}


def parse(*, headers, body):
    """A callback -> the changes it announces (empty for scopes Flyt does not use)."""
    payload = _payload(body)
    scope, data = payload["scope"], payload.get("data") or {}
    occurred = datetime.fromtimestamp(int(payload["created_at"]), UTC) if payload.get("created_at") else None
    common = {"topic": scope, "occurred_at": occurred, "data": data}
    parts = scope.split("/")
    action = _ACTIONS.get(parts[-1], "updated")
    channel = _CHANNEL.match(scope)
    if channel:
        rest = channel["rest"]
        data = {**data, "channel_id": int(channel["channel"])}
        common["data"] = data
        if rest.startswith("product/"):  # assigned / unassigned: ``data.product_id`` (no ``data.id``)
            product_id = data.get("product_id", data.get("id", ""))
            return [ExternalChange(kind="product", action=action, external_id=str(product_id), **common)]
        if rest.startswith("inventory/product/"):
            return [ExternalChange(kind="stock", action="updated", external_id=str(data.get("variant_id", "")),
                                   external_parent_id=str(data.get("product_id", "")), **common)]
        if rest.startswith("order/"):  # ``data.order_id`` in the channel order callbacks
            order_id = data.get("order_id", data.get("id", ""))
            return [ExternalChange(kind="order", action=action, external_id=str(order_id), **common)]
        return []
    inventory = data.get("inventory") or {}
    if scope.startswith("store/product/inventory/"):
        return [ExternalChange(kind="stock", action="updated", external_id=str(inventory.get("product_id") or
                                                                                data.get("id", "")),
                               external_parent_id=str(inventory.get("product_id") or data.get("id", "")), **common)]
    if scope.startswith("store/sku/inventory/"):
        return [ExternalChange(kind="stock", action="updated", external_id=str(inventory.get("variant_id", "")),
                               external_parent_id=str(inventory.get("product_id", "")), **common)]
    if scope.startswith("store/sku/"):
        sku = data.get("sku") or {}
        return [ExternalChange(kind="variant", action=action, external_id=str(sku.get("variant_id") or
                                                                             data.get("id", "")),
                               external_parent_id=str(sku.get("product_id", "")), **common)]
    if scope.startswith("store/order/refund/"):
        refund = data.get("refund") or {}
        return [ExternalChange(kind="refund", action="created", external_id=str(refund.get("refund_id", "")),
                               external_parent_id=str(data.get("id", "")), **common)]
    simple = {"store/product/": "product", "store/order/": "order", "store/customer/": "customer",
              "store/category/": "category", "store/inventory/location/": "location", "store/app/": "app"}
    for prefix, kind in simple.items():
        if scope.startswith(prefix) and "address" not in scope and "payment_instrument" not in scope:
            return [ExternalChange(kind=kind, action=action, external_id=str(data.get("id", "")), **common)]
    return []
