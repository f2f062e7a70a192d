"""One validation for every product write: a product one at a time (``product_apply``,
``product_create``) and a page of new products at once (``products_create_many``) check their specs
here, before anything is written, so the same bad values get the same ``CatalogError`` either way.

Cheap on purpose (no ``full_clean``: a page of a first sync is thousands of products): it checks
what the database would refuse, field by field from the models' own definitions — required values
present, text that fits its column, counts that are whole numbers of zero or more, amounts that fit
their digits — and SKUs unique within the specs and in the shop.
"""

from collections import Counter
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Image, Product, Variant, VariantPrice
from catalog.services.common import CatalogError
from merchants.tenancy import scoped

_VARIANT_FIELDS = ("sku", "barcode", "option_values", "cost_price", "weight_grams", "low_stock_level", "track_stock",
                   "active", "position")

_INT_MAX = 2147483647  # PositiveIntegerField's upper bound on PostgreSQL

# names of fields in merchants' words where the model's own name would not do
_LABELS = {"title": gettext_lazy("the name"), "sku": gettext_lazy("the SKU"),
           "weight_grams": gettext_lazy("the weight in grams"), "seo_title": gettext_lazy("the SEO title"),
           "cost_price": gettext_lazy("the cost price"), "low_stock_level": gettext_lazy("the low-stock level"),
           "source_url": gettext_lazy("an image address"), "alt": gettext_lazy("an image's description")}


def product_values(spec):
    """The product's own fields that a spec describes, as every write path stores them."""
    return {"title": spec.get("title"), "description": spec.get("description") or "",
            "product_type": spec.get("product_type") or "", "brand": spec.get("brand") or "",
            "options": spec.get("options") or [], "seo_title": (spec.get("seo_title") or "")[:255],
            "seo_description": spec.get("seo_description") or "", "videos": list(spec.get("videos") or [])}


def variant_values(data, position):
    """The Variant fields a variant spec gives (others keep their defaults or current values)."""
    values = {k: data[k] for k in _VARIANT_FIELDS if k in data}
    values.setdefault("position", position)
    values["sku"], values["barcode"] = (values.get("sku") or "").strip(), (values.get("barcode") or "").strip()
    return values


def products_check(*, merchant, specs, products=None):
    """Raise ``CatalogError`` naming the first problem in ``specs`` (dicts of ``product_apply``'s
    arguments: product fields, ``variants`` — dicts of Variant fields plus ``price`` and, for an
    existing variant, ``variant`` —, ``images``); ``products``: the existing product each spec
    describes, or None for a new one (their own variants do not count as taking a SKU)."""
    for spec in specs:
        problem = _spec_problem(spec)
        if problem:
            raise CatalogError(_("Product '%(title)s': %(problem)s.")
                               % {"title": str(spec.get("title") or "")[:80], "problem": problem})
    counts = Counter(variant_values(data, 0)["sku"] for spec in specs for data in spec.get("variants", ()))
    counts.pop("", None)
    repeated = sorted(sku for sku, n in counts.items() if n > 1)
    if repeated:
        raise CatalogError(_("SKU %(skus)s is given to more than one variant.") % {"skus": ", ".join(repeated)})
    if not counts:
        return
    taken = scoped(Variant, merchant=merchant).filter(sku__any=list(counts))
    own = [p.pk for p in products or () if p is not None and p.pk is not None]
    if own:
        taken = taken.exclude(product_id__any=own)
    updated = [d["variant"].pk for spec in specs for d in spec.get("variants", ()) if d.get("variant") is not None]
    if updated:
        taken = taken.exclude(pk__any=updated)
    taken = set(taken.values_list("sku", flat=True))
    if taken:
        raise CatalogError(_("SKU %(skus)s is already used by another product in this shop.")
                           % {"skus": ", ".join(sorted(taken))})


def _spec_problem(spec):
    problem = _fits(Product, product_values(spec))
    for position, data in enumerate(spec.get("variants", ())):
        problem = problem or _fits(Variant, variant_values(data, position)) or _price_problem(data.get("price"))
    for image in spec.get("images", ()):
        problem = problem or _fits(Image, {"source_url": image.get("source_url"), "alt": image.get("alt", "") or ""})
    return problem


def _price_problem(amount):
    if amount is None:
        return None
    try:
        amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return _("a price is not a number")
    if not amount.is_finite() or amount < 0 or abs(amount) >= _PRICE_LIMIT:
        return _("a price is negative or too large")
    return None


def _limits(model):
    """(attname, label, null, max_length, blank, positive, whole digits) of ``model``'s checked fields."""
    out = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        decimal = isinstance(field, models.DecimalField)
        out.append((field.attname, _LABELS.get(field.attname, field.verbose_name), field.null,
                    getattr(field, "max_length", None) if isinstance(field, models.CharField) else None, field.blank,
                    isinstance(field, models.PositiveIntegerField),
                    field.max_digits - field.decimal_places if decimal else None))
    return out


def _fits(model, values):
    """The first value of ``values`` (by attname) the database would refuse for ``model``, in words."""
    for attname, label, null, max_length, blank, positive, whole_digits in _LIMITS[model]:
        if attname not in values:
            continue
        value = values[attname]
        if value is None:
            if not null:
                return _("%(field)s is missing") % {"field": label}
            continue
        if max_length is not None and isinstance(value, str):
            if len(value) > max_length:
                return _("%(field)s is longer than %(max)s characters") % {"field": label, "max": max_length}
            if not blank and not value:
                return _("%(field)s is empty") % {"field": label}
        if positive:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                return _("%(field)s is not a whole number of zero or more") % {"field": label}
            if value > _INT_MAX:
                return _("%(field)s is too large") % {"field": label}
        if whole_digits is not None:
            try:
                number = value if isinstance(value, Decimal) else Decimal(str(value))
            except InvalidOperation:
                return _("%(field)s is not a number") % {"field": label}
            if not number.is_finite() or abs(number) >= Decimal(10) ** whole_digits:
                return _("%(field)s is too large") % {"field": label}
    return None


_LIMITS = {model: _limits(model) for model in (Product, Variant, Image)}
_amount = VariantPrice._meta.get_field("amount")
_PRICE_LIMIT = Decimal(10) ** (_amount.max_digits - _amount.decimal_places)
