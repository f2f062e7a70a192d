"""Rackbeat JSON <-> hub DTOs. Pure functions.

Rackbeat has no documented variant model (reference §3.7): every sellable variant is its own
product ``number``. A Rackbeat product therefore maps to a hub product with exactly one variant
whose ``external_id`` and ``sku`` are the number; pushing a hub product with N variants writes N
Rackbeat products named "<title> - <option values>". Prices are decimal major units.
"""

from decimal import Decimal

from integrations.dto import (
    ExternalImage,
    ExternalOrder,
    ExternalOrderLine,
    ExternalProduct,
    ExternalStockLevel,
    ExternalVariant,
)
from integrations.dto import (
    iso_time_or_none as parse_time,
)

_CENT = Decimal("0.01")


def money_in(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(_CENT)


def money_out(amount):
    """Decimal -> a JSON number Rackbeat accepts (shortest float repr keeps two decimals exact)."""
    return None if amount is None else float(Decimal(amount).quantize(_CENT))


def quantity_in(value) -> int:
    return int(Decimal(str(value or 0)))


def product_to_external(product: dict) -> ExternalProduct:
    number = str(product["number"])
    cost = product.get("cost_price") or product.get("recommended_cost_price")
    variant = ExternalVariant(
        external_id=number, sku=number, barcode=product.get("barcode") or "",
        price=money_in(product.get("sales_price")), cost_price=money_in(cost),
        track_stock=bool(product.get("inventory_enabled", True)),
        stock=quantity_in(product["available_quantity"]) if "available_quantity" in product else None,
        low_stock_level=quantity_in(product["min_stock"]) if product.get("min_stock") else None,
        external_parent_id=number,
    )
    group = product.get("group") or {}
    return ExternalProduct(
        external_id=number, title=product.get("name") or "", description=product.get("description") or "",
        status="archived" if product.get("is_barred") else "active",
        categories=[str(group["number"])] if group.get("number") is not None else [],
        images=[ExternalImage(url=product["picture_url"])] if product.get("picture_url") else [],
        variants=[variant], updated_at=parse_time(product.get("updated_at")),
        extra={"id": product.get("id"), "group": group.get("number"), "variation_id": product.get("variation_id")},
    )


def products_from_external(product: ExternalProduct, *, group) -> list[dict]:
    """Rackbeat product bodies for a hub product: one per variant, keyed by the variant's SKU."""
    bodies = []
    for variant in product.variants:
        suffix = " / ".join(str(v) for v in variant.option_values.values())
        body = {"number": variant.sku, "name": f"{product.title} - {suffix}" if suffix else product.title,
                "group": int(group), "description": product.description, "barcode": variant.barcode,
                "sales_price": money_out(variant.price), "is_barred": product.status != "active"}
        if variant.cost_price is not None:
            body["recommended_cost_price"] = money_out(variant.cost_price)
        bodies.append({k: v for k, v in body.items() if v is not None})
    return bodies


def location_stock(number: str, row: dict) -> ExternalStockLevel:
    """A row of ``/products/{number}/locations`` as the hub's stock level at that location."""
    return ExternalStockLevel(external_variant_id=str(number), sku=str(number),
                              quantity=quantity_in(row.get("stock_quantity")),
                              external_location_id=str((row.get("location") or {}).get("number", "")),
                              external_product_id=str(number))


def adjustment_lines(*, number, location, current, target) -> list[dict]:
    """The relative change that takes ``current`` to ``target`` (none when equal)."""
    delta = int(target) - int(current)
    return [{"number": number, "location": str(location), "quantity": delta}] if delta else []


def order_to_external(order: dict) -> ExternalOrder:
    lines = [ExternalOrderLine(external_id=str(line.get("id", n)), quantity=quantity_in(line.get("quantity")),
                               sku=str((line.get("item") or {}).get("number", "")),
                               external_variant_id=str((line.get("item") or {}).get("number", "")),
                               external_product_id=str((line.get("item") or {}).get("number", "")),
                               unit_price=money_in(line.get("line_price")))
             for n, line in enumerate(order.get("lines") or [])]
    if order.get("is_cancelled"):
        status = "cancelled"
    elif order.get("is_shipped"):
        status = "shipped"
    elif order.get("is_booked"):
        status = "booked"
    else:
        status = "draft"
    location = next((str((li.get("location") or {}).get("number")) for li in order.get("lines") or []
                     if li.get("location")), "")
    return ExternalOrder(external_id=str(order["number"]), status=status, currency=order.get("currency") or "",
                         total=money_in(order.get("total")), lines=lines,
                         created_at=parse_time(order.get("created_at")), external_location_id=location)
