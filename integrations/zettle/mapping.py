"""Zettle JSON <-> hub DTOs. Pure functions (apart from minting uuids for new variants).

Zettle money is integer minor units with a ``currencyId``; the hub wants Decimal major units.
Quantities arrive as strings (purchases, balance reads) or numbers (balance updates).

The online fields of a product (Product Library ``online``, in Zettle's published OpenAPI
``products.izettle.com/openapi.json``, schema ``OnlineProperties``: ``status`` ACTIVE|HIDDEN (required),
``title``, ``description``, ``presentation {displayImageUrl, additionalImageUrls (≤25), mediaUrls (≤8)}``,
``seo {title, metaDescription, slug}``, ``shipping {shippingPricingModel, weight, weightInGrams}``) carry
the weight, the SEO texts and the images after the first. Zettle's POS product (``presentation.imageUrl``)
shows one image.
"""

import copy
import html
import re
import secrets
import uuid as uuidlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from integrations.dto import (
    ExternalImage,
    ExternalOrder,
    ExternalOrderLine,
    ExternalProduct,
    ExternalStockLevel,
    ExternalVariant,
)

# ISO 4217 exponents that are not 2 (Zettle's markets all use 2; kept for safety)
_EXPONENTS = {"ISK": 0, "JPY": 0, "KRW": 0, "CLP": 0, "HUF": 2}


def new_uuid1() -> str:
    """A version-1 UUID (what Zettle's examples use for client-supplied ids), without our MAC address."""
    return str(uuidlib.uuid1(node=secrets.randbits(48) | 0x010000000000))


# --- money and quantities ---------------------------------------------------------------------------
def money_from_minor(amount, currency="") -> Decimal | None:
    if amount is None:
        return None
    exponent = _EXPONENTS.get((currency or "").upper(), 2)
    return (Decimal(int(amount)) / (Decimal(10) ** exponent)).quantize(Decimal(1).scaleb(-exponent))


def money_to_minor(amount, currency="") -> int | None:
    if amount is None:
        return None
    exponent = _EXPONENTS.get((currency or "").upper(), 2)
    return int((Decimal(str(amount)) * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_quantity(value) -> int:
    """"12", "-1", "1.000", 12 → int (partial units round half up; Zettle allows decimal quantities)."""
    if value is None or value == "":
        return 0
    try:
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:
        raise ValueError(f"Zettle sent a quantity Flyt cannot read: {value!r}") from exc


def parse_time(value) -> datetime | None:
    """Zettle timestamps: '2024-05-02T10:15:30.140+0000', '...Z', or epoch milliseconds."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


def format_time(epoch_s: float) -> str:
    """The form Zettle uses in entities: 2024-05-02T10:15:30.140+0000."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


# --- products ---------------------------------------------------------------------------------------
ONLINE_IMAGES_MAX = 25  # additionalImageUrls: maxItems 25 (OnlineProperties.presentation)
SEO_TITLE_MAX, SEO_DESCRIPTION_MAX = 256, 320  # SearchEngineOptimization title / metaDescription maxLength


def product_from_zettle(product: dict, *, tracked=None) -> ExternalProduct:
    """``tracked``: the uuids of the products whose stock Zettle tracks (Inventory API), when known; a
    product outside it has untracked variants (its stock is not synced)."""
    variants = [variant_from_zettle(v, product_uuid=product["uuid"]) for v in product.get("variants") or []]
    online = product.get("online") or {}
    weight = (online.get("shipping") or {}).get("weightInGrams")
    for variant in variants:
        if weight is not None:
            variant.weight_grams = int(weight)
        if tracked is not None:
            variant.track_stock = product["uuid"] in tracked
    currency = next(((v.get("price") or {}).get("currencyId") for v in product.get("variants") or []
                     if (v.get("price") or {}).get("currencyId")), None)
    definitions = (product.get("variantOptionDefinitions") or {}).get("definitions") or []
    options = [{"name": d["name"], "values": [p["value"] for p in d.get("properties") or []]} for d in definitions]
    category = product.get("category") or {}
    categories = [category["name"]] if category.get("name") else list(product.get("categories") or [])
    images = []
    image_url = (product.get("presentation") or {}).get("imageUrl")
    keys = product.get("imageLookupKeys") or []
    if image_url:
        images.append(ExternalImage(url=image_url, position=0, external_id=keys[0] if keys else ""))
    for position, key in enumerate(keys[1:], start=1):
        images.append(ExternalImage(url=f"https://image.izettle.com/productimage/o/{key}", position=position,
                                    external_id=key))
    online_images = (online.get("presentation") or {})
    seen = {i.url for i in images}
    for url in [online_images.get("displayImageUrl"), *(online_images.get("additionalImageUrls") or [])]:
        if url and url not in seen:
            seen.add(url)
            images.append(ExternalImage(url=url, position=len(images)))
    seo = online.get("seo") or {}
    return ExternalProduct(
        external_id=product["uuid"],
        title=product.get("name") or "",
        description=product.get("description") or "",
        options=options,
        categories=categories,
        images=images,
        variants=variants,
        currency=currency,
        updated_at=parse_time(product.get("updated")),
        seo={k: v for k, v in (("title", seo.get("title") or ""), ("description", seo.get("metaDescription") or ""))
             if v},
        videos=[url for url in online_images.get("mediaUrls") or [] if url],
        extra={key: product[key] for key in ("etag", "vatPercentage", "externalReference", "imageLookupKeys",
                                             "unitName", "taxCode", "category") if product.get(key) is not None},
    )


def variant_from_zettle(variant: dict, *, product_uuid: str) -> ExternalVariant:
    price, cost = variant.get("price") or {}, variant.get("costPrice") or {}
    return ExternalVariant(
        external_id=variant["uuid"],
        sku=variant.get("sku") or "",
        barcode=variant.get("barcode") or "",
        price=money_from_minor(price.get("amount"), price.get("currencyId")),
        cost_price=money_from_minor(cost.get("amount"), cost.get("currencyId")),
        option_values={o["name"]: o["value"] for o in variant.get("options") or []},
        external_parent_id=product_uuid,
    )


def product_to_zettle(product: ExternalProduct, *, currency: str, vat_percentage: str = "",
                      product_uuid: str | None = None) -> dict:
    """A Product Library body (create or full merge-patch). New variants get fresh v1 uuids; the
    caller stores them (the returned body's variants keep the input order)."""
    body = {
        "uuid": product_uuid or product.external_id or new_uuid1(),
        "name": product.title,
        "description": product.description or "",
        "variants": [variant_to_zettle(v, currency=currency) for v in product.variants],
    }
    vat = product.extra.get("vatPercentage", vat_percentage)  # Zettle's own, or the organization's default
    if vat not in (None, ""):
        body["vatPercentage"] = str(vat)
    if product.options:
        body["variantOptionDefinitions"] = {"definitions": [
            {"name": o["name"], "properties": [{"value": value} for value in o.get("values") or []]}
            for o in product.options]}
    images = sorted(product.images, key=lambda i: i.position)
    if images:
        body["presentation"] = {"imageUrl": images[0].url}
        keys = [i.external_id for i in images if i.external_id]
        if keys:
            body["imageLookupKeys"] = keys
    if product.extra.get("externalReference"):
        body["externalReference"] = product.extra["externalReference"]
    return body


def variant_to_zettle(variant: ExternalVariant, *, currency: str) -> dict:
    body = {
        "uuid": variant.external_id or new_uuid1(),
        "sku": variant.sku or None,
        "barcode": variant.barcode or None,
        "options": [{"name": name, "value": value} for name, value in variant.option_values.items()],
    }
    if variant.option_values:
        body["name"] = " / ".join(str(v) for v in variant.option_values.values())
    if variant.price is not None:
        body["price"] = {"amount": money_to_minor(variant.price, currency), "currencyId": currency}
    if variant.cost_price is not None:
        body["costPrice"] = {"amount": money_to_minor(variant.cost_price, currency), "currencyId": currency}
    return body


# --- field-restricted writes (the product connector) -------------------------------------------------
VARIANT_LEVEL_FIELDS = frozenset({"sku", "barcode", "price", "cost_price", "variants"})


def plain_text(text) -> str:
    """Zettle descriptions are plain text shown at the POS: tags dropped, entities decoded."""
    text = re.sub(r"<(br|/p|/div|/li)\s*/?>", "\n", text or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def _money(amount, currency):
    return {"amount": money_to_minor(amount, currency), "currencyId": currency}


def variant_written(variant: ExternalVariant, *, fields, currency: str, base: dict | None = None) -> dict:
    """``base`` (the variant as Zettle has it; None for a new one) with the hub's values for ``fields``
    and nothing else. A new variant always gets its options and a price (the DTO's, 0 when prices are
    not included); an existing one keeps every key ``fields`` does not name."""
    new = base is None
    body = copy.deepcopy(base) if base else {"uuid": variant.external_id or new_uuid1()}

    def put(key, value):
        if value in (None, ""):
            body.pop(key, None)
        else:
            body[key] = value

    if "sku" in fields:
        put("sku", variant.sku)
    if "barcode" in fields:
        put("barcode", variant.barcode)
    if new or ("price" in fields and variant.price is not None):
        body["price"] = _money(variant.price or 0, currency)
    if "cost_price" in fields and variant.cost_price is not None:
        body["costPrice"] = _money(variant.cost_price, currency)
    if new or "variants" in fields:
        body["options"] = [{"name": str(k), "value": str(v)} for k, v in variant.option_values.items()]
        put("name", " / ".join(str(v) for v in variant.option_values.values()))
    return body


def option_definitions(product: ExternalProduct) -> dict | None:
    """``variantOptionDefinitions`` from the product's options (or, lacking them, its variants')."""
    options = [o for o in product.options or [] if o.get("values")]
    if not options:
        names = list(dict.fromkeys(k for v in product.variants for k in v.option_values))
        options = [{"name": n, "values": list(dict.fromkeys(v.option_values[n] for v in product.variants
                                                           if n in v.option_values))} for n in names]
    if not options:
        return None
    return {"definitions": [{"name": str(o["name"]), "properties": [{"value": str(v)} for v in o["values"]]}
                            for o in options]}


def images_written(images) -> dict:
    """The POS shows one image per product: the first image's URL as ``presentation.imageUrl``; image
    lookup keys only for images that came from Zettle (``external_id``). Every image also goes to the
    product's online presentation (the first as ``displayImageUrl``, up to 25 more as
    ``additionalImageUrls``). None values remove."""
    ordered = [i for i in sorted(images or [], key=lambda i: i.position) if i.url]
    if not ordered:
        return {"presentation": {"imageUrl": None}, "imageLookupKeys": None,
                "online": {"presentation": {"displayImageUrl": None, "additionalImageUrls": None}}}
    keys = [i.external_id for i in ordered if i.external_id]
    rest = [i.url for i in ordered[1:ONLINE_IMAGES_MAX + 1]]
    return {"presentation": {"imageUrl": ordered[0].url}, "imageLookupKeys": keys or None,
            "online": {"presentation": {"displayImageUrl": ordered[0].url, "additionalImageUrls": rest or None}}}


def online_written(product: ExternalProduct, *, fields, current=None) -> dict:
    """The ``online`` keys for ``fields`` (weight: the first variant's, as ``shipping.weightInGrams``; Zettle
    has one weight per product). ``online.status`` is required: a product without online properties gets
    HIDDEN (Flyt never publishes a product in Zettle's online store)."""
    online = {}
    if "weight" in fields:
        weight = next((v.weight_grams for v in product.variants if v.weight_grams is not None), None)
        online["shipping"] = {"weightInGrams": int(weight) if weight is not None else None}
    # the POS image carries a single image: online images only for more, or to keep what Zettle shows online
    if "images" in fields and (len([i for i in product.images if i.url]) > 1 or (current or {}).get("presentation")):
        online.update(images_written(product.images).get("online") or {})
    if online and not (current or {}).get("status"):
        online["status"] = "HIDDEN"
    return online


def product_create_body(product: ExternalProduct, *, fields, currency: str, vat_percentage="") -> dict:
    """A new Product Library body with a fresh client-chosen uuid (variants too), writing only ``fields``
    (plus the name and variants Zettle needs). No category, folder or tax code; VAT is the organization's
    default rate (``vat_percentage``, from its merchant information), or, for an organization without VAT,
    Zettle's own default tax (``createWithDefaultTax``)."""
    variants = product.variants or [ExternalVariant(external_id="")]
    body = {"uuid": new_uuid1(), "name": product.title.strip(),
            "variants": [variant_written(replace_id(v), fields=fields, currency=currency) for v in variants]}
    if vat_percentage not in (None, ""):
        body["vatPercentage"] = str(vat_percentage)
    else:
        body["createWithDefaultTax"] = True
    if "description" in fields and plain_text(product.description):
        body["description"] = plain_text(product.description)
    definitions = option_definitions(product)
    if definitions:
        body["variantOptionDefinitions"] = definitions
    if "images" in fields and product.images:
        body.update({k: v for k, v in images_written(product.images).items() if v is not None and k != "online"})
    online = _without_none(online_written(product, fields=fields))
    if online.keys() - {"status"}:
        body["online"] = online
    return body


def _without_none(value):
    """A body for a create: None (which removes in a merge patch) left out, at every depth."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None and _without_none(v) != {}}
    return value


def replace_id(variant: ExternalVariant) -> ExternalVariant:
    """The variant with a fresh Zettle uuid (hub DTOs may carry another platform's id)."""
    return ExternalVariant(**{**variant.__dict__, "external_id": new_uuid1()})


def merged_variants(current: list, variants: list, *, fields, currency: str):
    """The variant list to PUT (merge patch replaces lists whole): Zettle's variants with the hub's values
    for ``fields``, matched by uuid then SKU. With "variants" in ``fields`` the list follows the hub (new
    ones added with fresh uuids, missing ones removed); without, it keeps Zettle's variants as they are.
    Returns (list, {index in ``variants``: uuid})."""
    by_uuid = {v.get("uuid"): v for v in current}
    by_sku = {v.get("sku"): v for v in current if v.get("sku")}
    written, ids, used = [], {}, set()
    for index, variant in enumerate(variants):
        base = by_uuid.get(variant.external_id) or (by_sku.get(variant.sku) if variant.sku else None)
        if base is not None and base.get("uuid") in used:
            base = None
        if base is None and "variants" not in fields:
            continue
        body = variant_written(variant if base is not None else replace_id(variant), fields=fields,
                               currency=currency, base=base)
        used.add(body["uuid"])
        ids[index] = body["uuid"]
        written.append(body)
    if "variants" not in fields:
        updated = {v["uuid"]: v for v in written}
        written = [updated.get(v.get("uuid"), v) for v in current]
    return written, ids


def _online_patch(have: dict, online: dict) -> dict:
    """The part of ``online`` that changes ``have`` (one level down: merge patch merges nested objects)."""
    patch = {}
    for key, value in online.items():
        if isinstance(value, dict):
            now = have.get(key) or {}
            sub = {k: v for k, v in value.items() if now.get(k) != v and not (v is None and k not in now)}
            if sub:
                patch[key] = sub
        elif have.get(key) != value and not (value is None and key not in have):
            patch[key] = value
    return patch


def product_patch(current: dict, product: ExternalProduct, *, fields, currency: str):
    """The merge patch that makes ``current`` (a Zettle product) show the hub's ``fields`` and changes
    nothing else (VAT, category, tax code, unit stay Zettle's); only keys that differ are in it.
    Returns (patch, {index in product.variants: variant uuid})."""
    wanted = {}
    if "name" in fields:
        wanted["name"] = product.title.strip()
    if "description" in fields:
        wanted["description"] = plain_text(product.description) or None
    if "images" in fields:
        wanted.update({k: v for k, v in images_written(product.images).items() if k != "online"})
    online = _online_patch(current.get("online") or {}, online_written(product, fields=fields,
                                                                      current=current.get("online")))
    if online:
        wanted["online"] = online
    variants, ids = merged_variants(current.get("variants") or [], product.variants, fields=fields,
                                    currency=currency)
    if fields & VARIANT_LEVEL_FIELDS:
        wanted["variants"] = variants
    if "variants" in fields:
        wanted["variantOptionDefinitions"] = option_definitions(product)
    patch = {}
    for key, value in wanted.items():
        have = current.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            value = {k: v for k, v in value.items() if have.get(k) != v}
            if value:
                patch[key] = value
        elif have != value and not (value is None and key not in current):
            patch[key] = value
    return patch, ids


# --- stock ------------------------------------------------------------------------------------------
def stock_level_from_zettle(row: dict) -> ExternalStockLevel:
    return ExternalStockLevel(external_variant_id=row["variantUuid"], quantity=parse_quantity(row.get("balance")),
                              external_location_id=row.get("locationUuid") or "",
                              external_product_id=row.get("productUuid") or "")


# --- purchases --------------------------------------------------------------------------------------
def purchase_uuid(purchase: dict) -> str:
    return purchase.get("purchaseUUID1") or purchase.get("purchaseUuid1") or purchase.get("purchaseUuid") \
        or purchase.get("purchaseUUID") or ""


def order_from_purchase(purchase: dict) -> ExternalOrder:
    """A purchase as a hub order. Refunds are their own (negative) purchases: status ``refund``."""
    currency = purchase.get("currency") or ""
    lines = []
    for index, line in enumerate(purchase.get("products") or []):
        lines.append(ExternalOrderLine(
            external_id=f"{purchase_uuid(purchase)}:{index}",
            quantity=parse_quantity(line.get("quantity")),
            sku=line.get("sku") or "",
            external_variant_id=line.get("variantUuid") or "",
            external_product_id=line.get("productUuid") or "",
            unit_price=money_from_minor(line.get("unitPrice"), currency),
        ))
    refund = bool(purchase.get("refund"))
    return ExternalOrder(
        external_id=purchase_uuid(purchase),
        status="refund" if refund else ("refunded" if purchase.get("refunded") else "completed"),
        currency=currency,
        total=money_from_minor(purchase.get("amount"), currency),
        lines=lines,
        created_at=parse_time(purchase.get("timestamp") or purchase.get("created")),
    )
