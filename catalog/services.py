"""Writes to the hub catalog. Keyword-only; the merchant is always explicit."""

import hashlib
import json
from decimal import Decimal

from django.db import transaction

from catalog.models import Category, Image, PriceList, Product, Variant, VariantPrice
from merchants.tenancy import scoped


class CatalogError(Exception):
    """A catalog change that cannot be made; the message is for people."""


def _same_merchant(merchant, *objects):
    for obj in objects:
        if obj is not None and obj.merchant_id != merchant.pk:
            raise CatalogError(f"{obj._meta.verbose_name.capitalize()} {obj.pk} belongs to another shop.")


def product_content_hash(*, merchant, product):
    """A stable hash of everything a platform could be sent about ``product``."""
    _same_merchant(merchant, product)
    variants = [
        {
            "sku": v.sku,
            "barcode": v.barcode,
            "options": v.option_values,
            "cost": str(v.cost_price) if v.cost_price is not None else None,
            "weight": v.weight_grams,
            "track": v.track_stock,
            "active": v.active,
            "prices": sorted((p.price_list_id, str(p.amount)) for p in v.prices.all()),
        }
        for v in product.variants.all().order_by("position", "pk")
    ]
    doc = {
        "title": product.title,
        "description": product.description,
        "type": product.product_type,
        "brand": product.brand,
        "status": product.status,
        "options": product.options,
        "categories": sorted(product.categories.values_list("pk", flat=True)),
        "images": list(product.images.order_by("position", "pk").values_list("source_url", "alt")),
        "variants": variants,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


@transaction.atomic
def product_create(*, merchant, title, description="", product_type="", brand="", status=Product.Status.ACTIVE,
                   options=None, categories=(), variants=(), images=()):
    """Create a product with its variants (dicts of Variant fields plus optional ``price``)."""
    _same_merchant(merchant, *categories)
    product = Product(merchant=merchant, title=title, description=description, product_type=product_type,
                      brand=brand, status=status, options=options or [])
    product.full_clean(exclude=["merchant"])
    product.save()
    product.categories.set(categories)
    for position, data in enumerate(variants or [{}]):
        data = dict(data)
        price = data.pop("price", None)
        variant = variant_create(merchant=merchant, product=product, position=position, **data)
        if price is not None:
            variant_price_set(merchant=merchant, variant=variant, amount=price)
    for position, image in enumerate(images):
        Image.objects.create(merchant=merchant, product=product, position=position, **image)
    product_refresh_hash(merchant=merchant, product=product)
    return product


@transaction.atomic
def product_update(*, merchant, product, **fields):
    """Change the given product fields; returns True when anything changed."""
    _same_merchant(merchant, product)
    allowed = {"title", "description", "product_type", "brand", "status", "options"}
    unknown = set(fields) - allowed
    if unknown:
        raise CatalogError(f"Unknown product fields: {', '.join(sorted(unknown))}.")
    changed = [name for name, value in fields.items() if getattr(product, name) != value]
    for name in changed:
        setattr(product, name, fields[name])
    if changed:
        product.full_clean(exclude=["merchant"])
        product.save(update_fields=[*changed, "updated_at"])
        product_refresh_hash(merchant=merchant, product=product)
    return bool(changed)


def product_refresh_hash(*, merchant, product):
    digest = product_content_hash(merchant=merchant, product=product)
    if digest != product.content_hash:
        product.content_hash = digest
        Product.objects.filter(pk=product.pk).update(content_hash=digest)
    return digest


def variant_create(*, merchant, product, sku="", barcode="", option_values=None, cost_price=None,
                   weight_grams=None, track_stock=True, active=True, position=0):
    _same_merchant(merchant, product)
    sku = sku.strip()
    if sku and scoped(Variant, merchant=merchant).filter(sku=sku).exists():
        raise CatalogError(f"SKU {sku} is already used by another variant in this shop.")
    variant = Variant(merchant=merchant, product=product, sku=sku, barcode=barcode.strip(),
                      option_values=option_values or {}, cost_price=cost_price, weight_grams=weight_grams,
                      track_stock=track_stock, active=active, position=position)
    variant.full_clean(exclude=["merchant", "product"])
    variant.save()
    return variant


def price_list_get_default(*, merchant):
    """The merchant's default price list, created in its currency on first use."""
    price_list = scoped(PriceList, merchant=merchant).filter(is_default=True).first()
    if price_list is None:
        price_list = PriceList.objects.create(merchant=merchant, name="Default", currency=merchant.default_currency,
                                              is_default=True)
    return price_list


def variant_price_set(*, merchant, variant, amount, price_list=None):
    price_list = price_list or price_list_get_default(merchant=merchant)
    _same_merchant(merchant, variant, price_list)
    amount = Decimal(str(amount))
    if amount < 0:
        raise CatalogError("A price cannot be negative.")
    price, _ = VariantPrice.objects.update_or_create(
        price_list=price_list, variant=variant, defaults={"amount": amount, "merchant": merchant}
    )
    return price


def category_ensure_path(*, merchant, path):
    """The category at ``path`` (e.g. ["Clothes", "Shirts"]), creating missing levels."""
    parent = None
    for name in path:
        parent, _ = Category.objects.get_or_create(merchant=merchant, parent=parent, name=name.strip())
    return parent
