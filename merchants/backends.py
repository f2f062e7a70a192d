"""The sign-in backend: Django's model backend behind the sign-in throttle.

While an account name or a client address is locked (``merchants.services.login_lockout_get``)
no password is checked, not even the right one; the request is marked so the sign-in page can say
why. Failures and successes are counted by the auth signals (``merchants.signals``), so every
sign-in form (Flyt's and the admin's) is throttled alike.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from merchants.services import login_client_address, login_lockout_get


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        lockout = login_lockout_get(username=username, address=login_client_address(request=request))
        if lockout:
            if request is not None:
                request.login_lockout = lockout
            raise PermissionDenied(lockout)  # authenticate() stops here and reports a failed sign-in
        return super().authenticate(request, username=username, password=password, **kwargs)
