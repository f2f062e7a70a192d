"""The content hash of a product: everything a platform could be sent about it, in one digest."""

import hashlib
import json
from decimal import Decimal

from django.db.models import Prefetch

from catalog.models import Product, VariantPrice
from merchants.tenancy import ensure_owned

CENT = Decimal("0.01")


def _cents(amount):
    return None if amount is None else str(Decimal(amount).quantize(CENT))


def _digest(product, variants, images, category_ids):
    """``variants``: [(variant, [(price_list_id, amount)])] in position order; ``images``:
    [(source_url, alt)] in position order."""
    doc = {
        "title": product.title,
        "description": product.description,
        "type": product.product_type,
        "brand": product.brand,
        "status": product.status,
        "options": product.options,
        "categories": sorted(category_ids),
        "images": [list(i) for i in images],
        **({"seo": [product.seo_title, product.seo_description]}
           if getattr(product, "seo_title", "") or getattr(product, "seo_description", "") else {}),
        **({"videos": list(product.videos)} if getattr(product, "videos", None) else {}),
        "variants": [{
            "sku": v.sku,
            "barcode": v.barcode,
            "options": v.option_values,
            "cost": _cents(v.cost_price),
            "weight": v.weight_grams,
            "track": v.track_stock,
            "active": v.active,
            "prices": sorted((list_id, _cents(amount)) for list_id, amount in prices),
            **({"low": v.low_stock_level} if getattr(v, "low_stock_level", None) is not None else {}),
        } for v, prices in variants],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def product_content_hash(*, merchant, product):
    """A stable hash of everything a platform could be sent about ``product``."""
    ensure_owned(product, merchant=merchant)
    variants = product.variants.order_by("position", "pk").prefetch_related(
        Prefetch("prices", queryset=VariantPrice.objects.only("variant_id", "price_list_id", "amount")))
    return _digest(product, [(v, [(p.price_list_id, p.amount) for p in v.prices.all()]) for v in variants],
                   list(product.images.order_by("position", "pk").values_list("source_url", "alt")),
                   product.categories.values_list("pk", flat=True))


def product_refresh_hash(*, merchant, product):
    digest = product_content_hash(merchant=merchant, product=product)
    if digest != product.content_hash:
        product.content_hash = digest
        Product.objects.filter(pk=product.pk).update(content_hash=digest)
    return digest
