"""Many new products at once, in a few queries (a page of a first sync)."""

from decimal import Decimal

from django.db import models, router, transaction

from catalog.models import Image, Product, Variant, VariantPrice
from catalog.services.common import CatalogError, _same_merchant
from catalog.services.hashing import _digest
from catalog.services.prices import price_list_get_default
from catalog.services.products import _VARIANT_FIELDS
from dbtools.bulk import rows_insert
from merchants.tenancy import scoped


def _limits(model):
    """(attname, max_length, blank, positive, decimal places and digits) of ``model``'s checked fields."""
    out = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField | models.DecimalField | models.PositiveIntegerField):
            out.append((field.attname, getattr(field, "max_length", None), field.blank,
                        isinstance(field, models.PositiveIntegerField),
                        (field.max_digits, field.decimal_places) if isinstance(field, models.DecimalField) else None))
    return out


def _fits(model, values):
    """A cheap stand-in for ``full_clean`` on values built from a platform's mapping: lengths, required
    text, non-negative counts, decimal sizes. The first problem found, in words, or None."""
    for attname, max_length, blank, positive, decimal in _LIMITS[model]:
        if attname not in values:
            continue
        value = values[attname]
        if value is None:
            continue
        if max_length is not None and isinstance(value, str):
            if len(value) > max_length:
                return f"{attname} is longer than {max_length} characters"
            if not blank and not value:
                return f"{attname} is empty"
        if positive and (not isinstance(value, int) or value < 0):
            return f"{attname} is not a whole number of zero or more"
        if decimal is not None:
            digits, places = decimal
            if abs(Decimal(value)) >= Decimal(10) ** (digits - places):
                return f"{attname} is too large"
    return None


_LIMITS = {model: _limits(model) for model in (Product, Variant, Image)}


@transaction.atomic
def products_create_many(*, merchant, specs, price_list=None):
    """Create many new products in a few queries (a page of a first sync). ``specs``: dicts of
    ``product_apply``'s arguments without ``product``; their SKUs must be new to this shop and their
    values valid (``CatalogError`` otherwise, and nothing is created: ``product_apply`` one product at
    a time says which). Returns [(product, [variants])]: saved instances with their primary keys."""
    price_list = price_list or price_list_get_default(merchant=merchant)
    _same_merchant(merchant, price_list)
    skus = [(v.get("sku") or "").strip() for spec in specs for v in spec.get("variants", ())]
    skus = [s for s in skus if s]
    clash = {s for s in skus if skus.count(s) > 1} if len(set(skus)) != len(skus) else set()
    clash |= set(scoped(Variant, merchant=merchant).filter(sku__any=skus).values_list("sku", flat=True))
    if clash:
        raise CatalogError(f"SKU {', '.join(sorted(clash))} is already used by another product in this shop.")
    out = []
    for spec in specs:
        fields = {"title": spec["title"], "description": spec.get("description", "") or "",
                  "product_type": spec.get("product_type", "") or "", "brand": spec.get("brand", "") or "",
                  "options": spec.get("options") or [], "seo_title": (spec.get("seo_title") or "")[:255],
                  "seo_description": spec.get("seo_description") or "", "videos": list(spec.get("videos") or [])}
        problem = _fits(Product, fields)
        product = Product(merchant=merchant, **fields)
        made = []
        for position, data in enumerate(spec.get("variants", ())):
            values = {k: data[k] for k in _VARIANT_FIELDS if k in data}
            values.setdefault("position", position)
            values["sku"], values["barcode"] = (values.get("sku") or "").strip(), (values.get("barcode") or "").strip()
            values.setdefault("option_values", {})
            problem = problem or _fits(Variant, values)
            variant = Variant(merchant=merchant, product=product, **values)
            amount = data.get("price")
            if amount is not None:
                amount = Decimal(str(amount))
                if amount < 0 or abs(amount) >= Decimal(10) ** 10:
                    problem = problem or "a price is negative or too large"
            made.append((variant, amount))
        product_images = [(i["source_url"], i.get("alt", "") or "") for i in spec.get("images", ())]
        for url, alt in product_images:
            problem = problem or _fits(Image, {"source_url": url, "alt": alt})
        if problem:
            raise CatalogError(f"Product '{spec['title'][:80]}': {problem}.")
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
