"""Products one at a time: create, update, apply a platform's description, archive; variants and categories."""

from django.db import transaction
from django.utils import timezone

from catalog.models import Category, Image, Product, Variant
from catalog.services.common import CatalogError
from catalog.services.hashing import product_refresh_hash
from catalog.services.prices import _prices_apply, price_list_get_default, variant_price_set
from catalog.services.validation import product_values, products_check, variant_values
from merchants.tenancy import ensure_owned, scoped


@transaction.atomic
def product_create(*, merchant, title, description="", product_type="", brand="", status=Product.Status.ACTIVE,
                   options=None, categories=(), variants=(), images=()):
    """Create a product with its variants (dicts of Variant fields plus optional ``price``)."""
    ensure_owned(*categories, merchant=merchant)
    products_check(merchant=merchant, specs=[{"title": title, "description": description, "product_type": product_type,
                                              "brand": brand, "options": options, "variants": variants,
                                              "images": images}])
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
    ensure_owned(product, merchant=merchant)
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


def variant_create(*, merchant, product, sku="", barcode="", option_values=None, cost_price=None,
                   weight_grams=None, track_stock=True, active=True, position=0):
    ensure_owned(product, merchant=merchant)
    sku = sku.strip()
    if sku and scoped(Variant, merchant=merchant).filter(sku=sku).exists():
        raise CatalogError(f"SKU {sku} is already used by another variant in this shop.")
    variant = Variant(merchant=merchant, product=product, sku=sku, barcode=barcode.strip(),
                      option_values=option_values or {}, cost_price=cost_price, weight_grams=weight_grams,
                      track_stock=track_stock, active=active, position=position)
    variant.full_clean(exclude=["merchant", "product"])
    variant.save()
    return variant


def category_ensure_path(*, merchant, path):
    """The category at ``path`` (e.g. ["Clothes", "Shirts"]), creating missing levels."""
    parent = None
    for name in path:
        parent, _ = Category.objects.get_or_create(merchant=merchant, parent=parent, name=name.strip())
    return parent


@transaction.atomic
def product_apply(*, merchant, product=None, title, description="", product_type="", brand="", options=None,
                  images=(), variants=(), price_list=None, seo_title="", seo_description="", videos=None):
    """Make the hub product look like the given description: create it when ``product`` is None.

    ``variants``: dicts of Variant fields plus ``price`` and optionally ``variant`` (the existing
    hub Variant it describes). Variants of the product that are not described are deactivated
    (never deleted: the stock ledger refers to them). ``images``: dicts with ``source_url`` and
    ``alt``. Returns ``(product, variants in the given order, changed)``. Set-based: a handful of
    queries per product whatever its number of variants. The values are checked by
    ``products_check``, as ``products_create_many`` checks them: ``CatalogError`` before anything is written.
    """
    created = product is None
    if created:
        product = Product(merchant=merchant)
    ensure_owned(product, merchant=merchant)
    before = product.content_hash
    specs = [dict(data, position=data.get("position", position)) for position, data in enumerate(variants)]
    spec = {"title": title, "description": description, "product_type": product_type, "brand": brand,
            "options": options, "seo_title": seo_title, "seo_description": seo_description, "videos": videos,
            "images": images, "variants": specs}
    products_check(merchant=merchant, specs=[spec], products=[product])
    fields = product_values(spec)
    changed_fields = [name for name, value in fields.items() if getattr(product, name) != value]
    for name in changed_fields:
        setattr(product, name, fields[name])
    if created or changed_fields:
        product.save()
    result, to_create, to_update, update_fields = [], [], [], set()
    for data in specs:
        variant = data.get("variant")
        values = variant_values(data, data["position"])
        if variant is None:
            variant = Variant(merchant=merchant, product=product, **values)
            to_create.append(variant)
        else:
            ensure_owned(variant, merchant=merchant)
            changed = [k for k, v in values.items() if getattr(variant, k) != v]
            for k in changed:
                setattr(variant, k, values[k])
            if variant.product_id != product.pk:
                variant.product = product
                changed.append("product")
            if changed:
                to_update.append(variant)
                update_fields.update(changed)
        result.append(variant)
    Variant.objects.bulk_create(to_create)
    if to_update:
        for variant in to_update:
            variant.updated_at = timezone.now()
        Variant.objects.bulk_update(to_update, [*update_fields, "updated_at"])
    _prices_apply(merchant=merchant, price_list=price_list or price_list_get_default(merchant=merchant),
                  pairs=[(v, d.get("price")) for v, d in zip(result, specs, strict=True) if d.get("price") is not None])
    if variants:
        product.variants.exclude(pk__in=[v.pk for v in result]).filter(active=True).update(active=False)
    wanted = [(i.get("source_url"), i.get("alt", "") or "") for i in images]
    have = [] if created else list(product.images.order_by("position", "pk").values_list("source_url", "alt"))
    if wanted != have:
        if not created:
            product.images.all().delete()
        Image.objects.bulk_create([Image(merchant=merchant, product=product, source_url=url, alt=alt, position=n)
                                   for n, (url, alt) in enumerate(wanted)])
    digest = product_refresh_hash(merchant=merchant, product=product)
    return product, result, created or digest != before


def product_archive(*, merchant, product):
    """Mark a product archived (it was deleted on its home platform); its history stays."""
    ensure_owned(product, merchant=merchant)
    if product.status != Product.Status.ARCHIVED:
        product.status = Product.Status.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        product_refresh_hash(merchant=merchant, product=product)
