"""Small pure helpers of the Zettle product connector: labels and refusals in merchants' words, variant
keys, call counts."""

import json

from integrations.contracts.products import product_label as label  # noqa: F401 - the connectors' name
from integrations.contracts.products import variant_key  # noqa: F401
from integrations.errors import ConnectorError
from integrations.zettle.api_inventory import is_read_by_post

_HINTS = (
    ("currencyId", "its prices are not in the Zettle account's currency. Set the Zettle connection's currency to "
                   "the one your Zettle account sells in."),
    ("ITEM_ALREADY_EXIST", "a product with the same id already exists in Zettle. Sync again to link it."),
    ("variants", "one of its variants was refused ({detail}). Check its variants in Flyt."),
)


def refusal_reason(exc: ConnectorError) -> str:
    """Zettle's refusal (``{developerMessage, errorType, violations}``) as a sentence for the merchant."""
    try:
        body = json.loads((exc.detail or {}).get("body") or "{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    detail = "; ".join(f"{v.get('propertyName', '?')} {v.get('developerMessage', '')}".strip()
                       for v in body.get("violations") or []) or body.get("developerMessage") or exc.message
    text = f"{detail} {body.get('errorType') or ''}"
    for needle, hint in _HINTS:
        if needle in text:
            return hint.format(detail=detail)
    return f"{detail}. Correct it in Flyt and sync again." if not exc.retryable else f"{detail}."


def call_stats(stats) -> dict:
    """{"read", "write", "auth", "retries", "rate_limit_wait_s"}: balance and tracking-status reads (POST
    /v3/stock/{inventory}/products, /v3/products/status) count as reads, token requests as auth, not as writes."""
    reads = writes = auth = 0
    for key, count in stats.by_path.items():
        method, _, url = key.partition(" ")
        path = url.split("?", 1)[0]
        if path.endswith("/token") and "oauth" in path:  # oauth.zettle.com/token, or <sandbox>/oauth/token
            auth += count
        elif method in ("GET", "HEAD") or (method == "POST" and is_read_by_post(path)):
            reads += count
        else:
            writes += count
    return {"read": reads, "write": writes, "auth": auth, "retries": stats.retries,
            "rate_limit_wait_s": round(stats.rate_limit_wait_s, 3)}


def subscription_for(client, *, url, events, contact_email, drop_extra=False) -> dict:
    """The one Pusher subscription to ``url`` with ``events`` in it: found (the events it lacks added;
    ``[]`` means every event already; with ``drop_extra`` other subscriptions to ``url`` deleted) or
    created. Only what is missing is written. Its ``signingKey`` is the one Zettle signs with."""
    mine = [s for s in client.list_subscriptions() if s.get("destination") == url]
    if not mine:
        return client.create_subscription(destination=url, event_names=events, contact_email=contact_email)
    keep, extra = mine[0], mine[1:]
    have = list(keep.get("eventNames") or [])
    if have and any(e not in have for e in events):
        client.update_subscription(uuid=keep["uuid"], changes={"eventNames": list(dict.fromkeys([*have, *events]))})
    if drop_extra:
        for duplicate in extra:  # one delivery per event, signed with the key we return
            client.delete_subscription(uuid=duplicate["uuid"])
    return keep
