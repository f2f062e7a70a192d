"""Many new products at once, in a few queries (a page of a first sync)."""

from decimal import Decimal

from django.db import router, transaction

from catalog.models import Image, Product, Variant, VariantPrice
from catalog.services.hashing import _digest
from catalog.services.prices import price_list_get_default
from catalog.services.validation import product_values, products_check, variant_values
from dbtools.bulk import rows_insert
from merchants.tenancy import ensure_owned


@transaction.atomic
def products_create_many(*, merchant, specs, price_list=None):
    """Create many new products in a few queries (a page of a first sync). ``specs``: dicts of
    ``product_apply``'s arguments without ``product``; their SKUs must be new to this shop. The values
    are checked by ``products_check``, as ``product_apply`` checks them: ``CatalogError`` naming the
    first problem, and nothing is created. Returns [(product, [variants])]: saved instances with their
    primary keys."""
    price_list = price_list or price_list_get_default(merchant=merchant)
    ensure_owned(price_list, merchant=merchant)
    products_check(merchant=merchant, specs=specs)
    out = []
    for spec in specs:
        product = Product(merchant=merchant, **product_values(spec))
        made = []
        for position, data in enumerate(spec.get("variants", ())):
            values = variant_values(data, position)
            values.setdefault("option_values", {})
            variant = Variant(merchant=merchant, product=product, **values)
            amount = data.get("price")
            if amount is not None:
                amount = Decimal(str(amount))
            made.append((variant, amount))
        product_images = [(i["source_url"], i.get("alt", "") or "") for i in spec.get("images", ())]
        # the hash reads no ids: it is known before anything is written
        product.content_hash = _digest(
            product, [(v, [(price_list.pk, a)] if a is not None else []) for v, a in made], product_images, [])
        out.append((product, made, product_images))
    product_ids = rows_insert(Product, pks=True, common={"merchant_id": merchant.pk},
                              columns=("title", "description", "product_type", "brand", "options", "seo_title",
                                       "seo_description", "videos", "content_hash"),
                              rows=[(p.title, p.description, p.product_type, p.brand, p.options, p.seo_title,
                                     p.seo_description, p.videos, p.content_hash) for p, _, _ in out])
    variant_rows, image_rows = [], []
    for (product, made, product_images), pk in zip(out, product_ids, strict=True):
        _saved(product, pk)
        variant_rows.extend((pk, v.sku, v.barcode, v.option_values, v.cost_price, v.weight_grams, v.low_stock_level,
                             v.track_stock, v.active, v.position) for v, _ in made)
        image_rows.extend((pk, url, alt, n) for n, (url, alt) in enumerate(product_images))
    variant_ids = rows_insert(Variant, pks=True, common={"merchant_id": merchant.pk}, rows=variant_rows,
                              columns=("product_id", "sku", "barcode", "option_values", "cost_price", "weight_grams",
                                       "low_stock_level", "track_stock", "active", "position"))
    variants = [v for _, made, _ in out for v, _ in made]
    for variant, pk in zip(variants, variant_ids, strict=True):
        variant.product_id = variant.product.pk
        _saved(variant, pk)
    rows_insert(VariantPrice, common={"merchant_id": merchant.pk, "price_list_id": price_list.pk},
                columns=("variant_id", "amount"),
                rows=[(v.pk, a) for _, made, _ in out for v, a in made if a is not None])
    rows_insert(Image, common={"merchant_id": merchant.pk}, columns=("product_id", "source_url", "alt", "position"),
                rows=image_rows)
    return [(product, [v for v, _ in made]) for product, made, _ in out]


def _saved(instance, pk):
    """Mark an instance built here as the saved row ``pk`` (what ``save`` would have left)."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = router.db_for_write(type(instance))
