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


_VARIANT_FIELDS = ("sku", "barcode", "option_values", "cost_price", "weight_grams", "track_stock", "active", "position")


@transaction.atomic
def product_apply(*, merchant, product=None, title, description="", product_type="", brand="", options=None,
                  images=(), variants=(), price_list=None):
    """Make the hub product look like the given description: create it when ``product`` is None.

    ``variants``: dicts of Variant fields plus ``price`` and optionally ``variant`` (the existing
    hub Variant it describes). Variants of the product that are not described are deactivated
    (never deleted: the stock ledger refers to them). ``images``: dicts with ``source_url`` and
    ``alt``. Returns ``(product, variants in the given order, changed)``.
    """
    created = product is None
    if created:
        product = Product(merchant=merchant)
    _same_merchant(merchant, product)
    before = product.content_hash
    for name, value in (("title", title), ("description", description), ("product_type", product_type),
                        ("brand", brand), ("options", options or [])):
        setattr(product, name, value)
    product.full_clean(exclude=["merchant", "content_hash"])
    product.save()
    result, kept = [], set()
    for position, data in enumerate(variants):
        data = dict(data)
        variant, price = data.pop("variant", None), data.pop("price", None)
        data.setdefault("position", position)
        sku = (data.get("sku") or "").strip()
        if variant is None:
            if sku and scoped(Variant, merchant=merchant).filter(sku=sku).exclude(product=product).exists():
                raise CatalogError(f"SKU {sku} is already used by another product in this shop.")
            variant = variant_create(merchant=merchant, product=product, **{k: data[k] for k in data
                                                                             if k in _VARIANT_FIELDS})
        else:
            _same_merchant(merchant, variant)
            changed = [k for k in _VARIANT_FIELDS if k in data and getattr(variant, k) != data[k]]
            for k in changed:
                setattr(variant, k, data[k])
            if variant.product_id != product.pk:
                variant.product = product
                changed.append("product")
            if changed:
                variant.save(update_fields=[*changed, "updated_at"])
        if price is not None:
            current = variant.prices.filter(price_list=price_list or price_list_get_default(merchant=merchant)).first()
            if current is None or current.amount != Decimal(str(price)):
                variant_price_set(merchant=merchant, variant=variant, amount=price, price_list=price_list)
        kept.add(variant.pk)
        result.append(variant)
    if variants:
        product.variants.exclude(pk__in=kept).filter(active=True).update(active=False)
    wanted = [(i.get("source_url"), i.get("alt", "")) for i in images]
    have = list(product.images.order_by("position", "pk").values_list("source_url", "alt"))
    if wanted != have:
        product.images.all().delete()
        for position, (url, alt) in enumerate(wanted):
            Image.objects.create(merchant=merchant, product=product, source_url=url, alt=alt or "", position=position)
    digest = product_refresh_hash(merchant=merchant, product=product)
    return product, result, created or digest != before


def product_archive(*, merchant, product):
    """Mark a product archived (it was deleted on its home platform); its history stays."""
    _same_merchant(merchant, product)
    if product.status != Product.Status.ARCHIVED:
        product.status = Product.Status.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        product_refresh_hash(merchant=merchant, product=product)
