"""What a target platform should hold for a hub product, and how to compare two versions.

The hash covers only the fields an integration writes, so a change to anything else (or to
stock, which moves through the ledger, not product updates) never causes a product write.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.models import Image, Product, Variant, VariantPrice
from integrations.contracts.products import variant_key  # noqa: F401 - the engine's name for it
from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from merchants.tenancy import scoped

ZERO = Decimal("0")


@dataclass(slots=True)
class HubVariant:
    pk: int
    sku: str
    barcode: str
    option_values: dict
    cost_price: Decimal | None
    weight_grams: int | None
    track_stock: bool
    active: bool
    position: int
    low_stock_level: int | None = None


@dataclass(slots=True)
class HubImage:
    pk: int
    source_url: str
    alt: str
    position: int


@dataclass(slots=True)
class HubProduct:
    """What a push reads of a hub product: plain rows, not model instances (a fraction of the cost
    for a page of a catalog). ``variants`` and ``images`` are lists."""

    pk: int
    title: str
    description: str
    product_type: str
    brand: str
    options: list
    seo_title: str = ""
    seo_description: str = ""
    videos: list = field(default_factory=list)
    variants: list = field(default_factory=list)
    images: list = field(default_factory=list)


_VARIANT_COLUMNS = ("product_id", "pk", "sku", "barcode", "option_values", "cost_price", "weight_grams", "track_stock",
                    "active", "position", "low_stock_level")


def hub_products(*, merchant, product_ids):
    """Hub id -> HubProduct for the merchant's products among ``product_ids``, in three queries."""
    products = {row[0]: HubProduct(*row) for row in scoped(Product, merchant=merchant).filter(pk__any=product_ids)
                .order_by().values_list("pk", "title", "description", "product_type", "brand", "options",
                                        "seo_title", "seo_description", "videos")}
    for product_id, *row in Variant.objects.filter(product_id__any=list(products)).values_list(*_VARIANT_COLUMNS):
        products[product_id].variants.append(HubVariant(*row))
    for product_id, *row in Image.objects.filter(product_id__any=list(products)) \
            .values_list("product_id", "pk", "source_url", "alt", "position"):
        products[product_id].images.append(HubImage(*row))
    return products


def rows_of(related):
    """The rows of a product's ``variants`` or ``images``: a HubProduct's list, or a model's manager."""
    return related if isinstance(related, list) else related.all()


def active_variants(product):
    """The product's active variants in order (from prefetched rows when there are any)."""
    return sorted((v for v in rows_of(product.variants) if v.active), key=lambda v: (v.position, v.pk))


def desired_product(*, product: Product | HubProduct, prices_included: bool, price_list, prices=None,
                    product_binding=None, variant_bindings=None, stock=None) -> ExternalProduct:
    """The platform-neutral description of ``product`` to write to a target platform. ``prices``
    (variant id → amount on ``price_list``) is read when not given."""
    variant_bindings = variant_bindings or {}
    stock = stock or {}
    if prices is None:
        prices = dict(VariantPrice.objects.filter(variant__product_id=product.pk, price_list=price_list)
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
            low_stock_level=variant.low_stock_level,
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
                for i in sorted(rows_of(product.images), key=lambda i: (i.position, i.pk))],
        variants=variants,
        currency=price_list.currency,
        seo={"title": product.seo_title, "description": product.seo_description}
        if product.seo_title or product.seo_description else {},
        videos=list(product.videos or []),
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
    if "seo" in fields:  # an empty SEO text is no SEO text, however the platform spells it
        doc["seo"] = {key: value for key, value in (product.seo or {}).items() if value}
    if "videos" in fields and product.videos:
        doc["videos"] = list(product.videos)
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
        if "low_stock" in fields and variant.low_stock_level is not None:
            row["low_stock"] = variant.low_stock_level
        if "stock" in fields and not variant.track_stock:
            row["untracked"] = True  # the home base does not track it: the other side must not either
        if "variants" in fields:
            row["options"] = {str(k): str(v) for k, v in (variant.option_values or {}).items()}
        variants.append(row)
    if "variants" in fields or any(variants):
        doc["variants"] = sorted(variants, key=lambda r: json.dumps(r, sort_keys=True))
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
