"""Price lists and variant prices."""

from decimal import Decimal

from django.db import transaction

from catalog.models import PriceList, VariantPrice
from catalog.services.common import CatalogError
from merchants.tenancy import ensure_owned, scoped


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
    ensure_owned(variant, price_list, merchant=merchant)
    amount = Decimal(str(amount))
    if amount < 0:
        raise CatalogError("A price cannot be negative.")
    price, _ = VariantPrice.objects.update_or_create(
        price_list=price_list, variant=variant, defaults={"amount": amount, "merchant": merchant}
    )
    return price


def _prices_apply(*, merchant, price_list, pairs):
    """Set each (variant, amount) on ``price_list`` with one read and at most two writes."""
    if not pairs:
        return
    ensure_owned(price_list, merchant=merchant)
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
