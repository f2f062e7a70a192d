from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from merchants.services import login_lockout_message, merchant_switch


@login_required
@require_POST
def switch(request):
    merchant = merchant_switch(request=request, slug=request.POST.get("merchant", ""))  # not a member: 404
    messages.success(request, f"You are now working in {merchant.name}.")
    return redirect("dashboard")


class SignInForm(AuthenticationForm):
    """Django's sign-in form; a sign-in refused because of the throttle says so plainly."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            lockout = getattr(self.request, "login_lockout", None)
            if lockout:
                raise ValidationError(login_lockout_message(scope=lockout), code="locked") from None
            raise


class SignInView(LoginView):
    """The sign-in page. A locked account or address is answered 429 with the reason on the page."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        locked = form.has_error("__all__", "locked")
        response = self.render_to_response(self.get_context_data(
            form=form, locked=form.non_field_errors()[0] if locked else ""))
        if locked:
            response.status_code = 429
        return response
