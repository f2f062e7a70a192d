"""Small helpers of the Rackbeat product connector: labels and refusals in merchants' words, variant keys,
webhook subscriptions."""

import json

from django.utils.translation import gettext as _

from integrations.contracts.products import product_label as label  # noqa: F401 - the connectors' name
from integrations.contracts.products import variant_key  # noqa: F401
from integrations.errors import ConnectorError
from integrations.rackbeat.stock import known_tokens

CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raised, not reported per product




def refusal_reason(exc: ConnectorError) -> str:
    """Rackbeat's validation answer (``{"message", "errors": {field: [...]}}``) in plain words."""
    try:
        body = json.loads((exc.detail or {}).get("body") or "{}")
    except ValueError:
        body = {}
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict) and errors:
        return " ".join(str(m) for msgs in errors.values() for m in (msgs if isinstance(msgs, list) else [msgs]))
    return (body.get("message") if isinstance(body, dict) else "") or exc.message


def local_problem(product) -> str:
    """What Rackbeat would refuse about ``product``, found before sending anything ("" when fine)."""
    if not (product.title or "").strip():
        return _("it has no name. Give it a name in Flyt.")
    if not product.variants:
        return _("it has no variants.")
    if any(not v.sku for v in product.variants):
        return _("Rackbeat identifies each product by its number, which is the SKU. Give every variant a SKU in "
                 "Flyt.")
    skus = [v.sku for v in product.variants]
    if len(set(skus)) != len(skus):
        return _("two of its variants have the same SKU; Rackbeat needs a different number for each.")
    return ""


def subscribe(client, connection, *, url, events) -> str:
    """Subscribe ``url`` to ``events`` (an inactive subscription is turned on again; one whose token Flyt
    does not hold is re-created to learn one). Returns the tokens issued now with the ones Flyt keeps,
    space-separated, or "" when none was issued."""
    known = known_tokens(connection)
    hooks = {h["event"]: h for h in client.list_webhooks() if h.get("url") == url}
    issued = []
    for event in events:
        hook = hooks.get(event)
        if hook is not None and not known:
            client.delete_webhook(webhook_id=hook["id"])  # its token is lost: a new one is needed
            hook = None
        if hook is not None and hook.get("is_active"):
            continue
        created = client.create_webhook(event=event, url=url)  # re-activates an inactive one
        if created.get("token"):
            issued.append(created["token"])
    if not issued:
        return ""
    current = str((getattr(connection, "platform_webhook_secrets", None) or [""])[0]).split()
    return " ".join(dict.fromkeys([*issued, *current]))


def unsubscribe(client, *, url, events):
    for hook in client.list_webhooks():
        if hook.get("url") == url and hook.get("event") in events:
            client.delete_webhook(webhook_id=hook["id"])
