from django.utils import timezone as dj_timezone

from merchants.selectors import merchant_list_for_user
from merchants.services import SESSION_KEY


def _resolve(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    merchants = merchant_list_for_user(user=user)
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        merchant = merchants.filter(pk=chosen).first()
        if merchant is not None:
            return merchant
    return merchants.first()


class MerchantMiddleware:
    """Sets ``request.merchant`` from the logged-in user's membership (or None).

    A user who belongs to several merchants switches with ``merchants:switch``; the choice is kept
    in the session and re-checked against the memberships on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        merchant = _resolve(request)
        request.merchant = merchant
        if merchant is not None:
            dj_timezone.activate(merchant.timezone)
        try:
            return self.get_response(request)
        finally:
            dj_timezone.deactivate()
