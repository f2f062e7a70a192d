"""Failed and successful sign-ins feed the sign-in throttle (see ``merchants.backends``)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from merchants.services import login_client_address, login_failure_record, login_success_record


@receiver(user_login_failed, dispatch_uid="flyt-login-failed")
def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "login_lockout", None):
        return  # refused because locked: not counted again
    username = credentials.get("username", credentials.get(get_user_model().USERNAME_FIELD))
    if username is None:
        return
    login_failure_record(username=str(username), address=login_client_address(request=request))


@receiver(user_logged_in, dispatch_uid="flyt-logged-in")
def clear_failed_sign_ins(sender, request, user, **kwargs):
    login_success_record(username=user.get_username())
