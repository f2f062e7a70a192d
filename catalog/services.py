"""Writes to the hub catalog. Keyword-only; the merchant is always explicit."""

import hashlib
import json
from decimal import Decimal

from django.db import models, router, transaction
from django.db.models import Prefetch
from django.utils import timezone

from catalog.models import Category, Image, PriceList, Product, Variant, VariantPrice
from merchants.bulk import rows_insert
from merchants.tenancy import scoped

CENT = Decimal("0.01")


class CatalogError(Exception):
    """A catalog change that cannot be made; the message is for people."""


def _same_merchant(merchant, *objects):
    for obj in objects:
        if obj is not None and obj.merchant_id != merchant.pk:
            raise CatalogError(f"{obj._meta.verbose_name.capitalize()} {obj.pk} belongs to another shop.")


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
    _same_merchant(merchant, product)
    variants = product.variants.order_by("position", "pk").prefetch_related(
        Prefetch("prices", queryset=VariantPrice.objects.only("variant_id", "price_list_id", "amount")))
    return _digest(product, [(v, [(p.price_list_id, p.amount) for p in v.prices.all()]) for v in variants],
                   list(product.images.order_by("position", "pk").values_list("source_url", "alt")),
                   product.categories.values_list("pk", flat=True))


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


def price_list_for_currency(*, merchant, currency):
    """The merchant's price list in ``currency``: the default list when it is in that currency, otherwise
    one list per currency (named by it), created on first use. Prices read from a platform are kept in
    the platform's own currency, so they are never labelled with another one."""
    currency = (currency or "").strip().upper()
    default = price_list_get_default(merchant=merchant)
    if not currency or default.currency.upper() == currency:
        return default
    lists = scoped(PriceList, merchant=merchant)
    found = lists.filter(currency=currency).order_by("pk").first()
    if found is not None:
        return found
    with transaction.atomic():
        price_list, _ = PriceList.objects.get_or_create(merchant=merchant, name=currency,
                                                        defaults={"currency": currency})
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


_VARIANT_FIELDS = ("sku", "barcode", "option_values", "cost_price", "weight_grams", "low_stock_level", "track_stock",
                   "active", "position")


@transaction.atomic
def product_apply(*, merchant, product=None, title, description="", product_type="", brand="", options=None,
                  images=(), variants=(), price_list=None, seo_title="", seo_description="", videos=None):
    """Make the hub product look like the given description: create it when ``product`` is None.

    ``variants``: dicts of Variant fields plus ``price`` and optionally ``variant`` (the existing
    hub Variant it describes). Variants of the product that are not described are deactivated
    (never deleted: the stock ledger refers to them). ``images``: dicts with ``source_url`` and
    ``alt``. Returns ``(product, variants in the given order, changed)``. Set-based: a handful of
    queries per product whatever its number of variants.
    """
    created = product is None
    if created:
        product = Product(merchant=merchant)
    _same_merchant(merchant, product)
    before = product.content_hash
    fields = {"title": title, "description": description, "product_type": product_type, "brand": brand,
              "options": options or [], "seo_title": (seo_title or "")[:255], "seo_description": seo_description or "",
              "videos": list(videos or [])}
    changed_fields = [name for name, value in fields.items() if getattr(product, name) != value]
    for name in changed_fields:
        setattr(product, name, fields[name])
    if created or changed_fields:
        product.full_clean(exclude=["merchant", "content_hash"], validate_unique=False, validate_constraints=False)
        product.save()
    specs = [dict(data, position=data.get("position", position)) for position, data in enumerate(variants)]
    new_skus = {(d.get("sku") or "").strip() for d in specs if d.get("variant") is None} - {""}
    if new_skus:
        taken = set(scoped(Variant, merchant=merchant).filter(sku__any=new_skus).exclude(product=product)
                    .values_list("sku", flat=True))
        if taken:
            raise CatalogError(f"SKU {', '.join(sorted(taken))} is already used by another product in this shop.")
    result, to_create, to_update, update_fields = [], [], [], set()
    for data in specs:
        variant = data.get("variant")
        values = {k: data[k] for k in _VARIANT_FIELDS if k in data}
        values["sku"] = (values.get("sku") or "").strip()
        values["barcode"] = (values.get("barcode") or "").strip()
        if variant is None:
            variant = Variant(merchant=merchant, product=product, **values)
            variant.full_clean(exclude=["merchant", "product"], validate_unique=False, validate_constraints=False)
            to_create.append(variant)
        else:
            _same_merchant(merchant, variant)
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


def _prices_apply(*, merchant, price_list, pairs):
    """Set each (variant, amount) on ``price_list`` with one read and at most two writes."""
    if not pairs:
        return
    _same_merchant(merchant, price_list)
    current = {p.variant_id: p for p in VariantPrice.objects.filter(price_list=price_list,
                                                                    variant__in=[v for v, _ in pairs])}
    new, changed = [], []
    for variant, amount in pairs:
        amount = Decimal(str(amount))
        if amount < 0:
            raise CatalogError("A price cannot be negative.")
        price = current.get(variant.pk)
        if price is None:
            new.append(VariantPrice(merchant=merchant, price_list=price_list, variant=variant, amount=amount))
        elif price.amount != amount:
            price.amount = amount
            changed.append(price)
    VariantPrice.objects.bulk_create(new)
    VariantPrice.objects.bulk_update(changed, ["amount"])


def product_archive(*, merchant, product):
    """Mark a product archived (it was deleted on its home platform); its history stays."""
    _same_merchant(merchant, product)
    if product.status != Product.Status.ARCHIVED:
        product.status = Product.Status.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        product_refresh_hash(merchant=merchant, product=product)
