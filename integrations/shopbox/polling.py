"""What Flyt polls Shopbox for, since Shopbox sends no webhooks (reference §2.5: none found).

``changes_since(client=..., watermark=...)`` reads the products, per-branch stock records and
baskets (sales) that changed at or after ``watermark`` and returns them as ``ExternalChange``
objects plus the next watermark (the newest ``updated_at`` seen). The filter is inclusive, so a
change stamped exactly at the watermark is returned again by the next poll: the engine's ledgers
are idempotent (basket ``uid``; stock is read as the current level), so repeats change nothing,
while a strict filter could lose changes made within the same instant as the poll.

Assumption: the lists accept ``updated_since`` (ISO-8601). If real Shopbox ignores it, the poll
still works, only reads more (the engine compares against what it has).
"""

from datetime import datetime

from integrations.dto import ExternalChange

from .mapping import parse_time

POLL_TOPICS = ("products", "stock", "baskets")


def _newest(current, value):
    stamp = parse_time(value)
    if stamp is None:
        return current
    return stamp if current is None or stamp > current else current


def _stock_lines(basket):
    """What a basket took from (or, cancelled, gave back to) stock: ``[{variant_id, product_id, quantity}]``."""
    return [{"variant_id": str(line.get("variant_id") or ""), "product_id": str(line.get("product_id") or ""),
             "quantity": line.get("quantity")} for line in basket.get("lines") or [] if line.get("variant_id")]


def changes_since(*, client, watermark: datetime | None, branch_id=None, topics=POLL_TOPICS):
    """Returns ``(changes, next_watermark)``; pass ``next_watermark`` to the next poll."""
    changes, newest = [], watermark
    if "products" in topics:
        for product in client.iter_products(updated_since=watermark):
            newest = _newest(newest, product.get("updated_at"))
            action = "created" if product.get("created_at") == product.get("updated_at") else "updated"
            changes.append(ExternalChange(kind="product", action=action, external_id=str(product["id"]),
                                          topic="poll/products", occurred_at=parse_time(product.get("updated_at")),
                                          data={"uid": product.get("uid"), "updated_at": product.get("updated_at")}))
    if "stock" in topics:
        for record in client.iter_inventories(branch_id=branch_id, updated_since=watermark):
            newest = _newest(newest, record.get("updated_at"))
            changes.append(ExternalChange(kind="stock", action="updated", external_id=str(record["variant_id"]),
                                          external_parent_id=str(record.get("product_id", "")),
                                          topic="poll/product-inventories",
                                          occurred_at=parse_time(record.get("updated_at")),
                                          data={"branch_id": record.get("branch_id"),
                                                "quantity": record.get("quantity"),
                                                "updated_at": record.get("updated_at")}))
    if "baskets" in topics:
        for basket in client.iter_baskets(updated_since=watermark, branch_id=branch_id):
            newest = _newest(newest, basket.get("updated_at"))
            fresh = basket.get("created_at") == basket.get("updated_at") and not basket.get("canceled")
            changes.append(ExternalChange(kind="order", action="created" if fresh else "updated",
                                          external_id=str(basket["uid"]), topic="poll/baskets",
                                          occurred_at=parse_time(basket.get("updated_at")),
                                          data={"id": basket.get("id"), "canceled": bool(basket.get("canceled")),
                                                "branch_id": basket.get("branch_id"),
                                                "updated_at": basket.get("updated_at"),
                                                "lines": _stock_lines(basket)}))
    return changes, newest


def change_key(change: ExternalChange) -> str:
    """A stable dedupe key for a polled change (the poll's equivalent of a webhook delivery id)."""
    data = change.data
    return f"shopbox:{change.topic}:{change.external_id}:{data.get('branch_id', '')}:{data.get('updated_at')}"
