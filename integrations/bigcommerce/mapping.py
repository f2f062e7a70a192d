"""BigCommerce JSON <-> hub DTOs, pure functions.

BigCommerce V3 money is a JSON number in major units (we go through ``str`` to a Decimal so 89.1
stays 89.1); V2 money is a string with four decimals (``"67.5000"``). V3 dates are ISO-8601, V2
dates RFC-2822. A product without options has one base variant (``base_variant_id``) and is
tracked ``by product``; one with options is tracked ``by variant``. Variant prices may be null,
meaning "the product's price". Weights are in the store's unit (kg assumed; pass ``weight_unit``).
There is no ``status`` field: ``is_visible`` and ``availability`` stand for it.
"""

import re
from decimal import Decimal
from email.utils import parsedate_to_datetime

from integrations.dto import (
    ExternalImage,
    ExternalOrder,
    ExternalOrderLine,
    ExternalProduct,
    ExternalStockLevel,
    ExternalVariant,
    decimal_or_none,
    iso_time_or_none,
)

GRAMS_PER_UNIT = {"kg": Decimal(1000), "g": Decimal(1), "lb": Decimal("453.59237"), "oz": Decimal("28.349523125"),
                  "t": Decimal(1000000)}
# the store's weight unit as BigCommerce names it (Store Information ``weight_units``, Settings API
# ``weight_measurement``)
WEIGHT_UNITS = {"KGS": "kg", "Grams": "g", "LBS": "lb", "Ounces": "oz", "Tonnes": "t"}


_YOUTUBE = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|v/)|youtu\.be/)"
                      r"(?P<id>[A-Za-z0-9_-]{11})(?:[?&#/].*)?$")


def youtube_id(url):
    """The YouTube video id of ``url`` ("" when it is not a YouTube video: BigCommerce takes no other)."""
    match = _YOUTUBE.match(str(url or "").strip())
    return match["id"] if match else ""


def weight_unit(name):
    """"kg", "g", "lb", "oz" or "t" for BigCommerce's name of a weight unit ("" when unknown)."""
    return WEIGHT_UNITS.get(str(name or "").strip(), "")
# the statuses of a paid order (loyalty points are earned on these, not on creation)
PAID_STATUS_IDS = frozenset({2, 3, 8, 9, 10, 11})
REFUND_STATUS_IDS = frozenset({4, 14})


def money_out(value):
    """A Decimal as BigCommerce V3 wants it (a JSON number), None stays None."""
    return None if value is None else float(value)


def parse_date(value):
    """V3 ISO-8601 or V2 RFC-2822 to an aware datetime (None when empty or unreadable)."""
    if not value:
        return None
    parsed = iso_time_or_none(value)
    if parsed is not None:
        return parsed
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def grams(weight, weight_unit="kg"):
    value = decimal_or_none(weight)
    return None if value is None else int((value * GRAMS_PER_UNIT[weight_unit]).to_integral_value())


def weight_out(weight_grams, weight_unit="kg"):
    return None if weight_grams is None else float(Decimal(weight_grams) / GRAMS_PER_UNIT[weight_unit])


# --- products -----------------------------------------------------------------------------------------
def variant_from_bc(variant, *, product, weight_unit="kg"):
    price = variant.get("price")
    cost = variant.get("cost_price")
    weight = variant.get("weight")
    return ExternalVariant(
        external_id=str(variant["id"]),
        external_parent_id=str(variant.get("product_id") or product["id"]),
        sku=variant.get("sku") or "",
        barcode=variant.get("gtin") or variant.get("upc") or "",
        price=decimal_or_none(price if price is not None else product.get("price")),
        cost_price=decimal_or_none(cost if cost is not None else product.get("cost_price")),
        weight_grams=grams(weight if weight is not None else product.get("weight"), weight_unit),
        option_values={ov["option_display_name"]: ov["label"] for ov in variant.get("option_values") or []},
        track_stock=product.get("inventory_tracking", "product") != "none",
        stock=variant.get("inventory_level"),
        low_stock_level=_warning_level(variant, product),
    )


def _warning_level(variant, product):
    """The low-stock level BigCommerce warns at: the variant's when tracked by variant, else the product's
    (0 means no warning: None)."""
    source = variant if product.get("inventory_tracking") == "variant" else product
    return source.get("inventory_warning_level") or variant.get("inventory_warning_level") or None


def product_from_bc(product, *, weight_unit="kg", currency=None):
    variants = [variant_from_bc(v, product=product, weight_unit=weight_unit) for v in product.get("variants") or []]
    if not variants:  # listed without include=variants: the product itself is the one variant
        variants = [variant_from_bc({"id": product.get("base_variant_id") or product["id"], "sku": product.get("sku"),
                                     "product_id": product["id"], "inventory_level": product.get("inventory_level"),
                                     "upc": product.get("upc"), "gtin": product.get("gtin")},
                                    product=product, weight_unit=weight_unit)]
    options = {}
    for variant in variants:
        for name, value in variant.option_values.items():
            values = options.setdefault(name, [])
            if value not in values:
                values.append(value)
    images = sorted(product.get("images") or [], key=lambda i: (not i.get("is_thumbnail"), i.get("sort_order", 0)))
    visible = product.get("is_visible")
    status = "archived" if product.get("availability") == "disabled" else ("active" if visible is not False else
                                                                            "draft")
    return ExternalProduct(
        external_id=str(product["id"]),
        title=product.get("name") or "",
        description=product.get("description") or "",
        brand=product.get("brand_name") or "",
        status=status,
        visible=visible,
        options=[{"name": name, "values": values} for name, values in options.items()],
        categories=[str(c) for c in product.get("categories") or []],
        images=[ExternalImage(url=i.get("url_zoom") or i.get("url_standard") or "", position=index,
                              alt=i.get("description") or "", external_id=str(i.get("id", "")))
                for index, i in enumerate(images)],
        variants=variants,
        currency=currency,
        updated_at=parse_date(product.get("date_modified")),
        seo={"title": product.get("page_title") or "", "description": product.get("meta_description") or ""},
        extra={"inventory_tracking": product.get("inventory_tracking"),
               "base_variant_id": product.get("base_variant_id"), "type": product.get("type")},
    )


def product_to_bc(product, *, category_ids=(), weight_unit="kg", visible=None):
    """The body of ``POST /v3/catalog/products`` for a hub product, its variants included."""
    first = product.variants[0] if product.variants else ExternalVariant(external_id="")
    body = {
        "name": product.title[:250], "type": "physical", "description": product.description,
        "price": money_out(first.price or Decimal(0)), "weight": weight_out(first.weight_grams or 0, weight_unit),
        "categories": [int(c) for c in category_ids],
        "is_visible": product.visible if visible is None else visible,
    }
    if body["is_visible"] is None:
        body["is_visible"] = product.status == "active"
    if product.brand:
        body["brand_name"] = product.brand
    if first.cost_price is not None:
        body["cost_price"] = money_out(first.cost_price)
    if product.seo.get("title"):
        body["page_title"] = product.seo["title"]
    if product.images:
        body["images"] = [{"image_url": i.url, "is_thumbnail": n == 0, "sort_order": n, "description": i.alt}
                          for n, i in enumerate(product.images)]
    if any(v.option_values for v in product.variants):
        body["inventory_tracking"] = "variant"
        body["variants"] = [variant_to_bc(v, weight_unit=weight_unit, with_options=True) for v in product.variants]
    else:
        body.update({"sku": first.sku, "inventory_tracking": "product" if first.track_stock else "none"})
        if first.barcode:
            body.update(_barcode(first.barcode))
    return body


def _barcode(barcode):
    return {"upc": barcode[:14], "gtin": barcode[:14]} if len(barcode) <= 14 else {"mpn": barcode}


def variant_to_bc(variant, *, weight_unit="kg", with_options=False, external_id=None):
    """A variant for a product create (``with_options``) or for ``PUT /v3/catalog/variants`` (``external_id``)."""
    body = {"sku": variant.sku, "price": money_out(variant.price), "cost_price": money_out(variant.cost_price)}
    if variant.weight_grams is not None:
        body["weight"] = weight_out(variant.weight_grams, weight_unit)
    if variant.barcode:
        body.update(_barcode(variant.barcode))
    if with_options:
        body["option_values"] = [{"option_display_name": name, "label": value}
                                 for name, value in variant.option_values.items()]
    if external_id is not None:
        body["id"] = int(external_id)
    return body


def product_update_to_bc(product, *, external_id, fields=None, weight_unit="kg"):
    """One item of the batch ``PUT /v3/catalog/products``; ``fields`` limits it to an integration's field table."""
    full = product_to_bc(product, weight_unit=weight_unit)
    full.pop("images", None)
    full.pop("variants", None)
    full.pop("categories", None)
    if fields is not None:
        full = {k: v for k, v in full.items() if k in set(fields)}
    return {"id": int(external_id), **full}


# --- writing only an integration's fields (the product connector) ----------------------------------------
def variant_writes(variant, *, fields, weight_unit="kg"):
    """The variant-level values of ``fields`` (sku, price, cost_price, weight, barcode, low_stock)."""
    body = {}
    if "sku" in fields:
        body["sku"] = variant.sku
    if "price" in fields:
        body["price"] = money_out(variant.price)
    if "cost_price" in fields and variant.cost_price is not None:
        body["cost_price"] = money_out(variant.cost_price)
    if "weight" in fields:  # no weight on the home base is none here too (BigCommerce's 0)
        body["weight"] = weight_out(variant.weight_grams or 0, weight_unit)
    if "barcode" in fields:
        body.update(_barcode(variant.barcode) if variant.barcode else {"upc": "", "gtin": ""})
    if "low_stock" in fields and variant.low_stock_level is not None:
        body["inventory_warning_level"] = max(0, int(variant.low_stock_level))
    return body


def has_options(product):
    return any(v.option_values for v in product.variants)


def product_writes(product, *, fields, simple, weight_unit="kg"):
    """The product-level values of ``fields``. ``simple``: a product without options, whose one variant's
    values live on the product itself; with options only the first variant's price and weight are the
    product's defaults. SEO is written only where the hub has a value (empty means "not known")."""
    body = {}
    if "name" in fields:
        body["name"] = product.title[:250]
    if "description" in fields:
        body["description"] = product.description or ""
    if "seo" in fields:
        if (product.seo or {}).get("title"):
            body["page_title"] = product.seo["title"]
        if (product.seo or {}).get("description"):
            body["meta_description"] = product.seo["description"]
    if not product.variants:
        return body
    if "stock" in fields:  # the home base's tracking: a product it does not track is not tracked here either
        tracked = any(v.track_stock for v in product.variants)
        body["inventory_tracking"] = ("product" if simple else "variant") if tracked else "none"
    first = product.variants[0]
    if simple:
        body.update(variant_writes(first, fields=fields, weight_unit=weight_unit))
    else:
        body.update(variant_writes(first, fields=fields & {"price", "weight"}, weight_unit=weight_unit))
    if body.get("price", 0) is None:  # a product's price cannot be empty, only a variant's
        body["price"] = 0.0
    return body


def option_values_out(variant):
    return [{"option_display_name": name, "label": value} for name, value in variant.option_values.items()]


def new_variant_to_bc(variant, *, fields, weight_unit="kg"):
    """A variant to add to a product with options (create, or ``POST .../variants``)."""
    body = variant_writes(variant, fields=fields, weight_unit=weight_unit)
    body["option_values"] = option_values_out(variant)
    if "stock" in fields and variant.track_stock and variant.stock is not None:
        body["inventory_level"] = max(0, int(variant.stock))
    return body


def product_create_to_bc(product, *, fields, category_ids=(), visible=None, weight_unit="kg"):
    """``POST /v3/catalog/products`` writing ``fields`` plus what BigCommerce requires (name, type
    physical, price, weight) and the create-time placement (categories, visibility)."""
    simple = not has_options(product)
    body = product_writes(product, fields=fields | {"name"}, simple=simple, weight_unit=weight_unit)
    first = product.variants[0] if product.variants else ExternalVariant(external_id="")
    body["type"] = "physical"
    if body.get("price") is None:
        body["price"] = money_out(first.price or Decimal(0))
    if body.get("weight") is None:
        body["weight"] = weight_out(first.weight_grams or 0, weight_unit)
    if category_ids:
        body["categories"] = [int(c) for c in category_ids]
    if visible is not None:
        body["is_visible"] = bool(visible)
    if "images" in fields and product.images:
        images = sorted(product.images, key=lambda i: i.position)
        body["images"] = [{"image_url": i.url, "is_thumbnail": n == 0, "sort_order": n, "description": i.alt}
                          for n, i in enumerate(images)]
    tracked = any(v.track_stock for v in product.variants) if product.variants else False
    if simple:
        body["inventory_tracking"] = "product" if tracked else "none"
        if "stock" in fields and tracked and first.stock is not None:
            body["inventory_level"] = max(0, int(first.stock))
    else:
        body["inventory_tracking"] = "variant" if tracked else "none"
        body["variants"] = [new_variant_to_bc(v, fields=fields, weight_unit=weight_unit) for v in product.variants]
    return body


def same_barcode(a, b):
    """EAN-13 ``5701234000011`` and GTIN-14 ``05701234000011`` are one barcode."""
    return bool(a) and bool(b) and str(a).lstrip("0") == str(b).lstrip("0")


def match_variants(wanted, existing):
    """Pair hub variants with the platform's (raw V3 variants): by id, then SKU, then option values, then,
    for one variant on each side, with each other. Returns ({index in wanted: raw variant}, unmatched raw)."""
    left = list(existing)
    pairs = {}

    def take(index, predicate):
        found = next((raw for raw in left if predicate(raw)), None)
        if found is not None:
            pairs[index] = found
            left.remove(found)

    for index, variant in enumerate(wanted):
        if variant.external_id:
            take(index, lambda raw, v=variant: str(raw["id"]) == str(v.external_id))
    for index, variant in enumerate(wanted):
        if index not in pairs and variant.sku:
            take(index, lambda raw, v=variant: raw.get("sku") == v.sku)
    for index, variant in enumerate(wanted):
        if index not in pairs and variant.option_values:
            take(index, lambda raw, v=variant: {o["option_display_name"]: o["label"]
                                                for o in raw.get("option_values") or []} == v.option_values)
    if len(wanted) == 1 and len(existing) == 1 and not pairs:
        pairs[0] = left.pop()
    return pairs, left


# --- stock ---------------------------------------------------------------------------------------------
def stock_levels_from_inventory_items(items):
    """``GET /v3/inventory/items`` -> one level per variant and location (``available_to_sell``)."""
    levels = []
    for item in items:
        identity = item.get("identity") or {}
        for location in item.get("locations") or []:
            levels.append(ExternalStockLevel(
                external_variant_id=str(identity.get("variant_id", "")), quantity=int(location["available_to_sell"]),
                external_location_id=str(location["location_id"]), sku=identity.get("sku") or "",
                external_product_id=str(identity.get("product_id", ""))))
    return levels


def stock_item(*, location_id, quantity, variant_id=None, sku=None, product_id=None):
    """One inventory adjustment item with exactly one identifier (BigCommerce refuses more)."""
    given = {k: v for k, v in (("variant_id", variant_id), ("sku", sku), ("product_id", product_id)) if v}
    if len(given) != 1:
        raise ValueError("An inventory item needs exactly one of variant_id, sku or product_id.")
    key, value = next(iter(given.items()))
    return {"location_id": int(location_id), key: value if key == "sku" else int(value), "quantity": int(quantity)}


def stock_identifier(product, variant_id):
    """Which identifier an adjustment must use: ``product_id`` for products tracked by product."""
    if product.get("inventory_tracking") == "variant":
        return {"variant_id": int(variant_id)}
    return {"product_id": int(product["id"])}


# --- orders ---------------------------------------------------------------------------------------------
def order_from_bc(order, products=()):
    """A V2 order (+ its ``/products``) -> ExternalOrder; money strings become Decimals."""
    return ExternalOrder(
        external_id=str(order["id"]),
        status=str(order.get("status_id", "")),
        currency=order.get("currency_code") or "",
        total=decimal_or_none(order.get("total_inc_tax")),
        lines=[ExternalOrderLine(external_id=str(line["id"]), quantity=int(line.get("quantity") or 0),
                                 sku=line.get("sku") or "", external_variant_id=str(line.get("variant_id") or ""),
                                 external_product_id=str(line.get("product_id") or ""),
                                 unit_price=decimal_or_none(line.get("price_inc_tax")))
               for line in products],
        customer_email=(order.get("billing_address") or {}).get("email") or "",
        created_at=parse_date(order.get("date_created")),
        refunded_total=decimal_or_none(order.get("refunded_amount")),
    )


def is_paid(order):
    return int(order.get("status_id", 0)) in PAID_STATUS_IDS


def refund_total(refunds):
    return sum((Decimal(str(r.get("total_amount") or 0)) for r in refunds), Decimal(0))
