"""Row-level tenancy: every tenant-owned row carries its merchant; every query is scoped.

Domain apps import only this module and ``merchants.errors`` from the tenancy layer. Querysets are built with
``Model.objects.for_merchant(merchant)``; a lookup by id from a URL goes through
``get_for_merchant_or_404`` so another tenant's id answers 404, never 403 (which would leak
that the object exists). A service handed objects checks them with ``ensure_owned``, the one
tenant check: another tenant's object raises ``NotOwned``, which views answer with 404.
"""

from django.db import models
from django.http import Http404
from django.utils.translation import gettext

from merchants.errors import NotOwned


class MerchantQuerySet(models.QuerySet):
    def for_merchant(self, merchant):
        if merchant is None or getattr(merchant, "pk", None) is None:
            raise ValueError("A merchant is required to scope this query.")
        return self.filter(merchant=merchant)


class MerchantOwnedModel(models.Model):
    """Abstract base for every row that belongs to one merchant."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+", db_index=True)

    objects = MerchantQuerySet.as_manager()

    class Meta:
        abstract = True


def scoped(model_or_queryset, *, merchant):
    """The queryset of ``model_or_queryset`` limited to ``merchant``."""
    queryset = model_or_queryset if isinstance(model_or_queryset, models.QuerySet) else model_or_queryset.objects
    return queryset.for_merchant(merchant)


def ensure_owned(*objects, merchant):
    """Refuse with ``NotOwned`` unless every object (``None`` is skipped) belongs to ``merchant``.
    The one tenant check of every service handed an object rather than an id."""
    if merchant is None or getattr(merchant, "pk", None) is None:
        raise ValueError("A merchant is required to check ownership.")
    for obj in objects:
        if obj is not None and obj.merchant_id != merchant.pk:
            raise NotOwned(gettext("That %(what)s belongs to another shop.") % {"what": obj._meta.verbose_name})


def get_for_merchant_or_404(model_or_queryset, *, merchant, **lookup):
    """One object of ``merchant``'s, or 404 — also when the id belongs to another merchant."""
    try:
        return scoped(model_or_queryset, merchant=merchant).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc
