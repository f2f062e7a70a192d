import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from merchants.errors import FlytError, NotOwned
from merchants.models import LoginThrottle, Membership, Merchant

SESSION_KEY = "flyt_merchant_id"


class MerchantError(FlytError):
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
        raise NotOwned(gettext("You are not a member of that shop."))  # answered 404, like another shop's id
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


# --- sign-in throttling ---------------------------------------------------------------------------
# Failed sign-ins are counted per account name and per client address in the database (so every
# web process, and the embedded SQLite mode, see the same counts). LOGIN_FAILURES_PER_ACCOUNT
# failures within LOGIN_FAILURE_WINDOW_S lock that account name for LOGIN_LOCKOUT_S, whether the
# account exists or not; LOGIN_FAILURES_PER_ADDRESS failures from one address, across names, lock
# the address. A successful sign-in clears its account's count (not the address's).


def _throttle_key(kind, value):
    return salted_hmac("flyt.merchants.login-throttle", f"{kind}:{value}", algorithm="sha256").hexdigest()


def _throttle_keys(username, address):
    keys = {LoginThrottle.Scope.ACCOUNT: _throttle_key("account", (username or "").strip().casefold())}
    if address:
        keys[LoginThrottle.Scope.ADDRESS] = _throttle_key("address", address)
    return keys


def login_throttle_keys(*, username, address):
    """{scope: key} under which failures for this account name and this client address are counted."""
    return {str(scope): key for scope, key in _throttle_keys(username, address).items()}


def login_client_address(*, request):
    """The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies that each append
    the address they saw to X-Forwarded-For, the entry the outermost trusted proxy appended.
    Entries a client wrote itself are never trusted."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address[:64]


def login_lockout_get(*, username, address):
    """"account" or "address" when sign-ins for this name, or from this address, are locked now."""
    keys = _throttle_keys(username, address)
    locked = set(LoginThrottle.objects.filter(
        Q(*[Q(scope=scope, key=key) for scope, key in keys.items()], _connector=Q.OR),
        locked_until__gt=timezone.now()).values_list("scope", flat=True))
    for scope in (LoginThrottle.Scope.ACCOUNT, LoginThrottle.Scope.ADDRESS):
        if scope in locked:
            return str(scope)
    return None


def login_lockout_message(*, scope):
    """What the sign-in page says about a lock: the same whether or not the account exists."""
    minutes = max(1, round(settings.LOGIN_LOCKOUT_S / 60))
    if scope == LoginThrottle.Scope.ADDRESS:
        return ngettext("Too many failed sign-ins from your network. Try again in %(minutes)d minute.",
                        "Too many failed sign-ins from your network. Try again in %(minutes)d minutes.",
                        minutes) % {"minutes": minutes}
    # Flyt has no self-service password reset: support can lift the lock (admin: Login throttles)
    return ngettext("Too many failed sign-ins for this account. Try again in %(minutes)d minute, or ask Flyt "
                    "support to unlock it.",
                    "Too many failed sign-ins for this account. Try again in %(minutes)d minutes, or ask Flyt "
                    "support to unlock it.", minutes) % {"minutes": minutes}


def login_failure_record(*, username, address):
    """Count one failed sign-in for the name and the address; lock whichever reaches its limit."""
    now = timezone.now()
    limits = {LoginThrottle.Scope.ACCOUNT: settings.LOGIN_FAILURES_PER_ACCOUNT,
              LoginThrottle.Scope.ADDRESS: settings.LOGIN_FAILURES_PER_ADDRESS}
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)
    for scope, key in _throttle_keys(username, address).items():
        with transaction.atomic():
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(
                scope=scope, key=key, defaults={"window_started_at": now})
            if row.locked_until is not None and row.locked_until > now:
                continue  # already locked: the lock is not extended
            if row.window_started_at <= now - window or row.locked_until is not None:
                row.failures, row.window_started_at, row.locked_until = 0, now, None
            row.failures += 1
            if row.failures >= limits[scope]:
                row.locked_until = now + timedelta(seconds=settings.LOGIN_LOCKOUT_S)
            row.save(update_fields=["failures", "window_started_at", "locked_until"])


def login_success_record(*, username):
    """A successful sign-in clears the account's count of failures."""
    LoginThrottle.objects.filter(scope=LoginThrottle.Scope.ACCOUNT,
                                 key=_throttle_keys(username, "")[LoginThrottle.Scope.ACCOUNT]).delete()
