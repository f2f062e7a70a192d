from django.db.models import Prefetch

from catalog.models import Product, Variant
from merchants.tenancy import get_for_merchant_or_404, scoped


def product_list(*, merchant, search=""):
    queryset = scoped(Product, merchant=merchant).prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "pk"))
    )
    if search:
        queryset = queryset.filter(title__icontains=search) | queryset.filter(variants__sku__iexact=search)
    return queryset.distinct().order_by("title", "pk")


def product_get(*, merchant, product_id):
    return get_for_merchant_or_404(Product, merchant=merchant, pk=product_id)


def variant_get_by_sku(*, merchant, sku):
    return scoped(Variant, merchant=merchant).filter(sku=sku).select_related("product").first()
