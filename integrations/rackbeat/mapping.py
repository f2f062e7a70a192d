"""Rackbeat JSON <-> hub DTOs. Pure functions.

Rackbeat has no documented variant model (reference §3.7): every sellable variant is its own
product ``number`` (the SKU), named "<title> - <option values>". ``product_to_external`` maps one
such product to a hub product with one variant (the stock code's view). The product connector groups
them: a hub product with N variants is N Rackbeat products that share the value of the custom product
field "Flyt product" (``GROUP_FIELD``: the number of the product's first variant, its ``external_id``)
and carry their options in "Flyt variant options" (``OPTIONS_FIELD``, JSON ``{"Size": "M"}``), the way
Rackbeat's own Shopbox app keeps Shopbox's product and variation ids in two custom product fields
(help page ht-09002). A product without a group value is a product of its own, keyed by its number.
Prices are decimal major units; weights ``physical.weight`` in ``weight_unit`` (written in grams).
"""

import json
from decimal import Decimal

from integrations.dto import (
    ExternalImage,
    ExternalOrder,
    ExternalOrderLine,
    ExternalProduct,
    ExternalStockLevel,
    ExternalVariant,
    decimal_or_none,
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


# --- the product connector's grouping of variants --------------------------------------------------
GROUP_FIELD = {"name": "Flyt product", "slug": "flyt-product"}
OPTIONS_FIELD = {"name": "Flyt variant options", "slug": "flyt-variant-options"}
_GRAMS = {"g": 1, "kg": 1000, "mg": Decimal("0.001"), "lb": Decimal("453.59237"), "oz": Decimal("28.349523125")}


def field_value(row: dict, field_id) -> str:
    """The value of custom field ``field_id`` in a product expanded with ``field_values`` ("" when unset)."""
    if field_id is None:
        return ""
    for item in row.get("field_values") or []:
        if str(item.get("field_id")) == str(field_id):
            return "" if item.get("value") is None else str(item["value"])
    return ""


def options_in(text: str) -> dict:
    """The option values a variant's "Flyt variant options" holds ({} when empty or not ours)."""
    try:
        values = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def options_out(values: dict) -> str:
    return json.dumps({str(k): str(v) for k, v in (values or {}).items()}, ensure_ascii=False,
                      separators=(",", ":")) if values else ""


def variant_name(title: str, values: dict) -> str:
    """Rackbeat's name for one variant: "<title> - <value> / <value>" (the title alone without options)."""
    suffix = " / ".join(str(v) for v in (values or {}).values())
    return f"{title} - {suffix}" if suffix else title


def title_in(name: str, values: dict) -> str:
    suffix = variant_name("", values)
    return name[:-len(suffix)] if values and name.endswith(suffix) else name


def weight_in(physical) -> int | None:
    """``physical`` as grams (None when Rackbeat holds no weight)."""
    physical = physical or {}
    weight = decimal_or_none(physical.get("weight"))
    if not weight:
        return None
    return int((weight * Decimal(_GRAMS.get(str(physical.get("weight_unit") or "kg").lower(), 1000)))
               .to_integral_value())


def group_key(row: dict, group_field_id) -> str:
    """The hub product a Rackbeat product belongs to: its "Flyt product" value, else its own number."""
    return field_value(row, group_field_id) or str(row["number"])


def variant_in(row: dict, field_ids: dict) -> ExternalVariant:
    number = str(row["number"])
    cost = money_in(row.get("recommended_cost_price")) or money_in(row.get("cost_price")) or None
    return ExternalVariant(
        external_id=number, sku=number, barcode=row.get("barcode") or "", price=money_in(row.get("sales_price")),
        cost_price=cost, weight_grams=weight_in(row.get("physical")),
        option_values=options_in(field_value(row, field_ids.get("options"))),
        track_stock=bool(row.get("inventory_enabled", True)),
        stock=quantity_in(row["available_quantity"]) if "available_quantity" in row else None,
        low_stock_level=quantity_in(row["min_stock"]) if row.get("min_stock") else None,
    )


def product_from_rows(key: str, rows: list[dict], field_ids: dict, *, currency=None) -> ExternalProduct:
    """One hub product from the Rackbeat products of one group (in the order Rackbeat created them)."""
    rows = sorted(rows, key=lambda r: (r.get("id") or 0, str(r["number"])))
    variants = [variant_in(row, field_ids) for row in rows]
    for variant in variants:
        variant.external_parent_id = key
    first = rows[0]
    options = {}
    for variant in variants:
        for name, value in variant.option_values.items():
            values = options.setdefault(name, [])
            if value not in values:
                values.append(value)
    group = first.get("group") or {}
    stamps = [t for t in (parse_time(r.get("updated_at")) for r in rows) if t is not None]
    return ExternalProduct(
        external_id=key, title=title_in(first.get("name") or "", variants[0].option_values),
        description=first.get("description") or "",
        status="archived" if all(r.get("is_barred") for r in rows) else "active",
        options=[{"name": name, "values": values} for name, values in options.items()],
        categories=[str(group["number"])] if group.get("number") is not None else [],
        images=[ExternalImage(url=first["picture_url"])] if first.get("picture_url") else [],
        variants=variants, currency=currency, updated_at=max(stamps) if stamps else None,
        extra={"group": group.get("number"), "numbers": [str(r["number"]) for r in rows]},
    )


def products_from_rows(rows, field_ids: dict, *, currency=None) -> list[ExternalProduct]:
    """Hub products from Rackbeat products read together, grouped by ``group_key`` (first seen first)."""
    groups = {}
    for row in rows:
        groups.setdefault(group_key(row, field_ids.get("group")), []).append(row)
    return [product_from_rows(key, members, field_ids, currency=currency) for key, members in groups.items()]


def variant_body(product: ExternalProduct, variant: ExternalVariant, *, fields) -> dict:
    """The Rackbeat keys of one variant's product that ``fields`` cover (nothing else)."""
    body = {}
    if "name" in fields:
        body["name"] = variant_name(product.title.strip(), variant.option_values if "variants" in fields else {})
    if "description" in fields:
        body["description"] = product.description or ""
    if "price" in fields:
        body["sales_price"] = money_out(variant.price or 0)
    if "cost_price" in fields:
        body["recommended_cost_price"] = money_out(variant.cost_price or 0)
    if "barcode" in fields:
        body["barcode"] = variant.barcode or ""
    if "weight" in fields:
        body["physical"] = {"weight": int(variant.weight_grams or 0), "weight_unit": "g"}
    if "low_stock" in fields:
        body["min_stock"] = int(variant.low_stock_level or 0)
    if "stock" in fields:
        body["inventory_enabled"] = bool(variant.track_stock)
    return body


def variant_changes(row: dict, body: dict) -> dict:
    """The keys of ``body`` whose value differs from the Rackbeat product ``row`` (an unchanged product
    needs no write); ``physical`` keeps the dimensions Rackbeat holds."""
    changes = {}
    for key, wanted in body.items():
        current = row.get(key)
        if key in ("sales_price", "recommended_cost_price"):
            same = (money_in(current) or Decimal(0)) == Decimal(str(wanted)).quantize(_CENT)
        elif key == "physical":
            same = (weight_in(current) or 0) == wanted["weight"]
            wanted = {**{k: float(v) if isinstance(v, Decimal) else v for k, v in (current or {}).items()}, **wanted}
        elif key == "min_stock":
            same = quantity_in(current) == wanted
        elif key == "inventory_enabled":
            same = bool(current if current is not None else True) == wanted
        else:
            same = (current or "") == wanted
        if not same:
            changes[key] = wanted
    return changes
