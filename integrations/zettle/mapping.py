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
