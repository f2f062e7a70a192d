"""Small pure helpers of the Shopbox product connector: labels and refusals in merchants' words, variant
keys, call counts."""

import json
import re

from django.utils.translation import gettext as _

from integrations.contracts.products import product_label as label  # noqa: F401 - the connectors' name
from integrations.contracts.products import variant_key  # noqa: F401
from integrations.errors import ConnectorError
from integrations.shopbox.client import AUTH_PATH

CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raised, not reported per product
_POSITION = re.compile(r"^(\d+)\.(.*)$")
_VARIANT_FIELD = re.compile(r"^variants\.(\d+)\.(.*)$")
_FIELD_WORDS = {"name": "name", "description": "description", "price": "price", "cost_price": "cost price",
                "sku": "SKU", "barcode": "barcode", "images": "images", "variants": "variants", "id": "Shopbox id",
                "options": "option values", "tags": "categories"}




def _errors(exc: ConnectorError) -> dict:
    """Shopbox's validation errors ``{"<position>.<field>": [message]}`` of a refused ``create-or-update``."""
    try:
        body = json.loads((exc.detail or {}).get("body") or "{}")
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, dict) else {}


def refused_positions(exc: ConnectorError) -> dict:
    """{position in the request: {field: [messages]}} for the items Shopbox named in its refusal."""
    found = {}
    for key, messages in _errors(exc).items():
        match = _POSITION.match(str(key))
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = \
                messages if isinstance(messages, list) else [messages]
    return found


def refusal_reason(product, problems: dict) -> str:
    """What Shopbox refused about ``product`` ({field: [messages]}), in words: which value, of which variant."""
    parts = []
    for field, messages in problems.items():
        variant = _VARIANT_FIELD.match(field)
        if variant:
            index, name = int(variant.group(1)), variant.group(2)
            row = product.variants[index] if index < len(product.variants) else None
            which = row.sku if row is not None and row.sku else str(index + 1)
            what = _("the %(field)s of variant %(variant)s") % {"field": _FIELD_WORDS.get(name, name),
                                                                 "variant": which}
        else:
            what = _("its %(field)s") % {"field": _FIELD_WORDS.get(field, field)}
        parts.append(f"{what} ({' '.join(str(m) for m in messages)})")
    return "; ".join(parts)


def call_stats(stats) -> dict:
    """{"read", "write", "auth", "retries", "rate_limit_wait_s"}: the login is counted as auth, not a write."""
    reads = writes = auth = 0
    for key, count in stats.by_path.items():
        method, _sep, url = key.partition(" ")
        path = url.split("?", 1)[0]
        if path.endswith(AUTH_PATH):
            auth += count
        elif method in ("GET", "HEAD"):
            reads += count
        else:
            writes += count
    return {"read": reads, "write": writes, "auth": auth, "retries": stats.retries,
            "rate_limit_wait_s": round(stats.rate_limit_wait_s, 3)}
