"""What a target platform should hold for a hub product, and how to compare two versions.

The hash covers only the fields an integration writes, so a change to anything else (or to
stock, which moves through the ledger, not product updates) never causes a product write.
"""

import hashlib
import json
from decimal import Decimal

from catalog.models import Product, VariantPrice
from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant

ZERO = Decimal("0")


def variant_key(variant, position):
    """How the engine and connectors name a variant across platforms: its SKU, else its position."""
    return variant.sku or f"#{position}"


def active_variants(product):
    """The product's active variants in order (from prefetched rows when there are any)."""
    return sorted((v for v in product.variants.all() if v.active), key=lambda v: (v.position, v.pk))


def desired_product(*, product: Product, prices_included: bool, price_list, prices=None, product_binding=None,
                    variant_bindings=None, stock=None) -> ExternalProduct:
    """The platform-neutral description of ``product`` to write to a target platform. ``prices``
    (variant id → amount on ``price_list``) is read when not given."""
    variant_bindings = variant_bindings or {}
    stock = stock or {}
    if prices is None:
        prices = dict(VariantPrice.objects.filter(variant__product=product, price_list=price_list)
                      .values_list("variant_id", "amount"))
    variants = []
    for variant in active_variants(product):
        price = prices.get(variant.pk)
        variants.append(ExternalVariant(
            external_id=variant_bindings.get(variant.pk, ""),
            sku=variant.sku,
            barcode=variant.barcode,
            price=(price if price is not None else ZERO) if prices_included else ZERO,
            cost_price=variant.cost_price if prices_included else None,
            weight_grams=variant.weight_grams,
            option_values=dict(variant.option_values),
            track_stock=variant.track_stock,
            stock=stock.get(variant.pk) if variant.track_stock else None,
        ))
    return ExternalProduct(
        external_id=product_binding or "",
        title=product.title,
        description=product.description,
        product_type=product.product_type,
        brand=product.brand,
        options=list(product.options),
        images=[ExternalImage(url=i.source_url, position=i.position, alt=i.alt)
                for i in sorted(product.images.all(), key=lambda i: (i.position, i.pk))],
        variants=variants,
        currency=price_list.currency,
    )


def _money(value):
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def product_hash(product: ExternalProduct, fields) -> str:
    """A hash of ``product`` restricted to ``fields`` (ids, stock and untouched fields excluded)."""
    doc = {}
    if "name" in fields:
        doc["name"] = product.title.strip()
    if "description" in fields:
        doc["description"] = (product.description or "").strip()
    if "images" in fields:
        doc["images"] = [image.url for image in sorted(product.images, key=lambda i: i.position)]
    if "seo" in fields:
        doc["seo"] = product.seo or {}
    variants = []
    for variant in product.variants:
        row = {}
        if "sku" in fields:
            row["sku"] = variant.sku
        if "barcode" in fields:
            row["barcode"] = variant.barcode
        if "price" in fields:
            row["price"] = _money(variant.price)
        if "cost_price" in fields:
            row["cost"] = _money(variant.cost_price)
        if "weight" in fields:
            row["weight"] = variant.weight_grams
        if "variants" in fields:
            row["options"] = {str(k): str(v) for k, v in (variant.option_values or {}).items()}
        variants.append(row)
    if "variants" in fields or any(variants):
        doc["variants"] = sorted(variants, key=lambda r: json.dumps(r, sort_keys=True))
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
