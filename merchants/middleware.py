from django.contrib import messages
from django.core.handlers.exception import response_for_exception
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone as dj_timezone
from django.utils.http import url_has_allowed_host_and_scheme

from merchants.errors import FlytError, NotOwned
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


class FlytErrorMiddleware:
    """Turns an application error a view lets through into an answer, in one place.

    ``NotOwned`` (another merchant's object) answers 404, like any other id of another tenant.
    Any other ``FlytError`` is something the merchant can act on: after a form posted from one of
    Flyt's pages, its message is shown on that page (a redirect back); otherwise a 400 page says
    it. A view catches one itself only to answer otherwise (e.g. re-render its form with the message).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotOwned):
            return response_for_exception(request, Http404(str(exception)))
        if not isinstance(exception, FlytError):
            return None
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = ""
        if request.method == "POST" and back:
            messages.error(request, str(exception), fail_silently=True)
            return redirect(back)
        return render(request, "problem.html", {"problem": str(exception), "back": back}, status=400)
