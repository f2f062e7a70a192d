"""Small pure helpers of the BigCommerce product connector: filters, variant keys, merchant messages."""

import json
from datetime import UTC

ZETTLE_CATEGORY = "PayPal Zettle"
FILTER_CHARS = 1800  # keep ``sku:in`` query strings well inside URL limits
FILTER_VALUES = 250


def variant_key(variant, index):
    """The engine's key of a variant in ``WriteResult.variant_ids``: its SKU, else ``#<index>``."""
    return variant.sku or f"#{index}"


def since_filter(value):
    """``date_modified:min`` in BigCommerce's own format, floored to the second (more is allowed)."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sku_chunks(skus):
    """SKUs in groups that keep a ``sku:in`` filter short enough for a URL."""
    chunk, size = [], 0
    for sku in sorted(skus):
        if chunk and (len(chunk) >= FILTER_VALUES or size + len(sku) + 1 > FILTER_CHARS):
            yield chunk
            chunk, size = [], 0
        chunk.append(sku)
        size += len(sku) + 1
    if chunk:
        yield chunk


def label(product):
    skus = [v.sku for v in product.variants if v.sku]
    return f"'{product.title}'" + (f" (SKU {skus[0]})" if len(skus) == 1 else "")


def refusal_errors(exc):
    """The ``errors`` map of a BigCommerce V3 error body ({} when there is none)."""
    try:
        body = json.loads((exc.detail or {}).get("body") or "{}")
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, dict) else {}


def refusal_reason(exc):
    """Why BigCommerce refused a product, and what the merchant can do, in words."""
    errors = refusal_errors(exc)
    detail = "; ".join(str(v) for v in errors.values())
    if exc.status == 409 and "name" in errors:
        return "the name is already used by another product. Rename one of them."
    if exc.status == 409 and "sku" in errors:
        return f"the SKU is already used by another product ({detail}). Give each product its own SKU."
    if exc.status == 409 and "categories" in errors:
        return (f"the category '{ZETTLE_CATEGORY}' no longer exists. Flyt creates it again and retries at the "
                "next sync.")
    if exc.status in (413, 422):
        return f"the data is not valid there ({detail or exc.message}). Correct the product and sync again."
    if exc.status == 404:
        return "it no longer exists there. Flyt creates it again at the next sync."
    if exc.retryable:
        return "BigCommerce did not answer in time. Flyt tries again at the next sync."
    return exc.message
