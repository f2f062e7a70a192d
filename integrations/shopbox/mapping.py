"""Shopbox JSON <-> hub DTOs. Pure functions.

Shopbox's field-level bodies are not publicly documented (reference §2.2); the field names used
here are the sandbox's assumptions, collected in ``PRODUCT_KEYS`` / ``VARIANT_KEYS`` so one place
changes when real traffic is recorded. Money is assumed to be decimal major units (strings like
``"249.00"``); ``MONEY_IN_MINOR_UNITS`` switches to integer minor units if Shopbox turns out to use
them (one third-party script guesses minor units for baskets).
"""

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

MONEY_IN_MINOR_UNITS = False
PRODUCT_KEYS = {"title": "name", "description": "description", "sku": "sku", "barcode": "barcode",
                "price": "price", "cost_price": "cost_price", "active": "active", "categories": "tags"}
VARIANT_KEYS = {"sku": "sku", "barcode": "barcode", "price": "price", "cost_price": "cost_price",
                "options": "options", "name": "name"}
_CENT = Decimal("0.01")


def money_in(value) -> Decimal | None:
    """A Shopbox amount as Decimal major units."""
    amount = decimal_or_none(value)
    if amount is None:
        return None
    if MONEY_IN_MINOR_UNITS:
        amount = amount / 100
    return amount.quantize(_CENT)


def money_out(amount):
    """A hub Decimal as Shopbox expects it."""
    if amount is None:
        return None
    amount = Decimal(amount)
    if MONEY_IN_MINOR_UNITS:
        return int((amount * 100).to_integral_value())
    return f"{amount.quantize(_CENT)}"


def variant_to_external(variant: dict, *, product: dict) -> ExternalVariant:
    k = VARIANT_KEYS
    return ExternalVariant(
        external_id=str(variant["id"]),
        sku=variant.get(k["sku"]) or "",
        barcode=variant.get(k["barcode"]) or "",
        price=money_in(variant.get(k["price"]) if variant.get(k["price"]) is not None else product.get("price")),
        cost_price=money_in(variant.get(k["cost_price"])),
        option_values=dict(variant.get(k["options"]) or {}),
        external_parent_id=str(product["id"]),
    )


def product_to_external(product: dict, *, currency: str | None = None) -> ExternalProduct:
    k = PRODUCT_KEYS
    variants = [variant_to_external(v, product=product) for v in product.get("variants") or []]
    option_names = []
    for variant in variants:
        for name in variant.option_values:
            if name not in option_names:
                option_names.append(name)
    options = [{"name": name, "values": list(dict.fromkeys(v.option_values[name] for v in variants
                                                            if name in v.option_values))}
               for name in option_names]
    images = [ExternalImage(url=img["url"], position=img.get("position", n), external_id=str(img.get("id", "")))
              for n, img in enumerate(product.get("images") or []) if img.get("url")]
    return ExternalProduct(
        external_id=str(product["id"]),
        title=product.get(k["title"]) or "",
        description=product.get(k["description"]) or "",
        status="active" if product.get(k["active"], True) else "archived",
        options=options,
        categories=list(product.get(k["categories"]) or []),
        images=images,
        variants=variants,
        currency=currency,
        updated_at=parse_time(product.get("updated_at")),
        extra={"uid": product.get("uid", ""), "sku": product.get(k["sku"], ""),
               "variance_type_ids": list(product.get("variance_type_ids") or [])},
    )


def product_from_external(product: ExternalProduct, *, shopbox_id=None) -> dict:
    """The body of one ``create-or-update`` item; ``shopbox_id`` updates instead of creating."""
    k, vk = PRODUCT_KEYS, VARIANT_KEYS
    first = product.variants[0] if product.variants else None
    body = {
        k["title"]: product.title,
        k["description"]: product.description,
        k["active"]: product.status == "active",
        k["sku"]: product.extra.get("sku") or (first.sku if first and len(product.variants) == 1 else ""),
        k["price"]: money_out(first.price) if first else None,
        "images": [img.url for img in sorted(product.images, key=lambda i: i.position)],
        "variants": [],
    }
    if product.categories:
        body[k["categories"]] = [str(c) for c in product.categories]
    if shopbox_id is not None:
        body["id"] = int(shopbox_id)
    for variant in product.variants:
        item = {vk["sku"]: variant.sku, vk["barcode"]: variant.barcode, vk["price"]: money_out(variant.price),
                vk["options"]: dict(variant.option_values),
                vk["name"]: " / ".join(variant.option_values.values()) or product.title}
        if variant.cost_price is not None:
            item[vk["cost_price"]] = money_out(variant.cost_price)
        if variant.external_id:
            item["id"] = int(variant.external_id) if str(variant.external_id).isdigit() else variant.external_id
        body["variants"].append(item)
    return body


def inventory_to_stock(record: dict) -> ExternalStockLevel:
    return ExternalStockLevel(external_variant_id=str(record["variant_id"]), quantity=int(record["quantity"]),
                              external_location_id=str(record["branch_id"]),
                              external_product_id=str(record.get("product_id", "")))


def stock_to_inventory(level: ExternalStockLevel) -> dict:
    return {"variant_id": int(level.external_variant_id), "branch_id": int(level.external_location_id),
            "quantity": int(level.quantity)}


def basket_to_order(basket: dict) -> ExternalOrder:
    lines = [ExternalOrderLine(external_id=str(line["id"]), quantity=int(line["quantity"]), sku=line.get("sku") or "",
                               external_variant_id=str(line.get("variant_id") or ""),
                               external_product_id=str(line.get("product_id") or ""),
                               unit_price=money_in(line.get("unit_price")))
             for line in basket.get("lines") or []]
    return ExternalOrder(
        external_id=str(basket["uid"]),
        status="cancelled" if basket.get("canceled") else "completed",
        currency=basket.get("currency") or "",
        total=money_in(basket.get("total")),
        lines=lines,
        created_at=parse_time(basket.get("created_at")),
        external_location_id=str(basket.get("branch_id") or ""),
    )


# --- field-restricted write bodies (the product connector) ---------------------------------------------

def id_out(value):
    """A Shopbox id as the API takes it: an integer when it is one."""
    text = str(value)
    return int(text) if text.isdigit() else text


def variant_name(variant: ExternalVariant, *, title: str) -> str:
    """The name the till shows for a variant: its option values ("M / Blue"), else the product's name."""
    return " / ".join(str(v) for v in variant.option_values.values()) or title


def variant_write_item(variant: ExternalVariant, *, fields, title: str) -> dict | None:
    """One item of a product body's ``variants``, restricted to ``fields``; None when it cannot be matched
    to a Shopbox variant (no id, no SKU) and the variant list itself is not written."""
    vk = VARIANT_KEYS
    item = {}
    if variant.external_id:
        item["id"] = id_out(variant.external_id)
    elif variant.sku:
        item[vk["sku"]] = variant.sku  # Shopbox matches a product's variants on id, then SKU
    elif "variants" not in fields:
        return None
    if "sku" in fields:
        item[vk["sku"]] = variant.sku
    if "barcode" in fields:
        item[vk["barcode"]] = variant.barcode
    if "price" in fields:
        item[vk["price"]] = money_out(variant.price)
    if "cost_price" in fields:
        item[vk["cost_price"]] = money_out(variant.cost_price)
    if "variants" in fields:
        item[vk["options"]] = {str(k): str(v) for k, v in variant.option_values.items()}
    if "variants" in fields or not variant.external_id:
        item[vk["name"]] = variant_name(variant, title=product_title(title))
    return item


def product_title(title) -> str:
    return (title or "").strip()


def product_write_body(product: ExternalProduct, *, fields, shopbox_id=None, tags=None,
                       variance_type_ids=None) -> dict:
    """The ``create-or-update`` item for ``product`` writing only ``fields``: ``shopbox_id`` updates that
    product, without it a new, active product is made (its name is always written: Shopbox requires one).
    Product-level SKU and barcode mirror a single-variant product's; the product price is the first
    variant's (what the till shows for the product)."""
    k = PRODUCT_KEYS
    fields = frozenset(fields)
    first = product.variants[0] if product.variants else None
    single = len(product.variants) == 1
    body = {}
    if shopbox_id is not None:
        body["id"] = id_out(shopbox_id)
    else:
        body[k["active"]] = True
        if tags:
            body[k["categories"]] = [str(t) for t in tags]
    if "name" in fields or shopbox_id is None:
        body[k["title"]] = product_title(product.title)
    if "description" in fields:
        body[k["description"]] = product.description or ""
    if first is not None:
        if "sku" in fields and single:
            body[k["sku"]] = first.sku
        if "barcode" in fields and single:
            body[k["barcode"]] = first.barcode
        if "price" in fields:
            body[k["price"]] = money_out(first.price)
        if "cost_price" in fields:
            body[k["cost_price"]] = money_out(first.cost_price)
    if "images" in fields:
        body["images"] = [img.url for img in sorted(product.images, key=lambda i: i.position) if img.url]
    if "variants" in fields and variance_type_ids is not None:
        body["variance_type_ids"] = list(variance_type_ids)
    items = [variant_write_item(v, fields=fields, title=product.title) for v in product.variants]
    body["variants"] = [item for item in items if item is not None]
    return body


def option_names(product: ExternalProduct) -> list:
    """The product's option names in order: its ``options``, then any other name its variants use."""
    names = [str(o.get("name")) for o in product.options or [] if o.get("name")]
    for variant in product.variants:
        names.extend(str(name) for name in variant.option_values if str(name) not in names)
    return list(dict.fromkeys(names))
