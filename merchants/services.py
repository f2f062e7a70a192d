from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from merchants.models import Membership, Merchant

SESSION_KEY = "flyt_merchant_id"


class MerchantError(Exception):
    """A request about merchants that cannot be carried out; the message is for people."""


@transaction.atomic
def merchant_create(*, name, owner, slug=None, default_currency="DKK", timezone="Europe/Copenhagen", language="en"):
    """Create a merchant and make ``owner`` its owner."""
    base = slug or slugify(name) or "merchant"
    candidate, n = base, 1
    while Merchant.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    merchant = Merchant(
        name=name, slug=candidate, default_currency=default_currency.upper(), timezone=timezone, language=language
    )
    merchant.full_clean()
    merchant.save()
    Membership.objects.create(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    return merchant


def membership_add(*, merchant, user, role=Membership.Role.STAFF):
    membership, _ = Membership.objects.update_or_create(user=user, merchant=merchant, defaults={"role": role})
    return membership


def merchant_switch(*, request, slug):
    """Make the merchant with ``slug`` the current one for this session; only a member may."""
    merchant = Merchant.objects.filter(slug=slug, memberships__user=request.user).first()
    if merchant is None:
        raise MerchantError("You are not a member of that shop.")
    request.session[SESSION_KEY] = merchant.pk
    request.merchant = merchant
    return merchant


def user_create(*, email, password, is_staff=False):
    User = get_user_model()
    user = User(username=email, email=email, is_staff=is_staff)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
