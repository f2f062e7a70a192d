from merchants.models import Membership, Merchant


def merchant_list_for_user(*, user):
    """The merchants ``user`` is a member of, by name."""
    if not user.is_authenticated:
        return Merchant.objects.none()
    return Merchant.objects.filter(memberships__user=user).order_by("name")


def membership_get(*, user, merchant):
    return Membership.objects.filter(user=user, merchant=merchant).first()
