"""The Zettle ↔ BigCommerce setup wizard, the integration page, "Sync now" and "Disconnect".

Thin views: parse the form, call one service, render. Credentials are never rendered back
(password inputs do not re-render their values)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integrations.kinds import KIND_CHOICES
from integrations.models import Integration
from integrations.platforms import PLATFORMS
from integrations.services import setup as services
from integrations.services.connections import ConnectionProblem
from merchants.decorators import merchant_required
from synclog.selectors import sync_run_list


class _CredentialsForm(forms.Form):
    """A connect step's fields, each checked by the wizard's rules for what a person may type
    (``setup_credential_check``, ``setup_address_check``): a problem is a form error, never a 500."""

    platform = ""

    def _checked(self, name, check):
        try:
            return check(self.cleaned_data.get(name, ""))
        except ConnectionProblem as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def clean_base_url(self):
        return self._checked("base_url", lambda value: services.setup_address_check(platform=self.platform,
                                                                                   base_url=value))


def _credential_clean(name):
    def clean(self):
        return self._checked(name, lambda value: services.setup_credential_check(field=name, value=value,
                                                                                  platform=self.platform))
    return clean


class BigCommerceForm(_CredentialsForm):
    platform = "bigcommerce"
    store_hash = forms.CharField(required=False, label=gettext_lazy("Store hash"),
                                 help_text=gettext_lazy("The part after /stores/ in your API path, e.g. abc123xyz"))
    access_token = forms.CharField(required=False, label=gettext_lazy("Access token"), widget=forms.PasswordInput)
    client_secret = forms.CharField(required=False, label=gettext_lazy("Client secret"), widget=forms.PasswordInput)
    base_url = forms.CharField(required=False, label=gettext_lazy("API address (sandbox only)"))
    clean_store_hash = _credential_clean("store_hash")
    clean_access_token = _credential_clean("access_token")
    clean_client_secret = _credential_clean("client_secret")


class ZettleForm(_CredentialsForm):
    platform = "zettle"
    api_key = forms.CharField(required=False, label=gettext_lazy("API key"), widget=forms.PasswordInput)
    client_id = forms.CharField(required=False, label=gettext_lazy("Client id"))
    base_url = forms.CharField(required=False, label=gettext_lazy("API address (sandbox only)"))
    clean_api_key = _credential_clean("api_key")
    clean_client_id = _credential_clean("client_id")


class HomeForm(forms.Form):
    home_platform = forms.ChoiceField(choices=[
        ("bigcommerce", "BigCommerce: I manage my products in BigCommerce"),
        ("zettle", "Zettle: I manage my products in Zettle"),
    ], widget=forms.RadioSelect, label="Home base")


class ScopeForm(forms.Form):
    scope = forms.ChoiceField(choices=[
        (Integration.Scope.ALL, "Sync all products now (only possible during set-up)"),
        (Integration.Scope.SELECTED, "Select products afterwards"),
    ], widget=forms.RadioSelect, label="Products")


def _go_to_step(integration):
    step = services.setup_step_open(integration)
    if step in services.setup_step_keys(integration):
        return redirect("integration-setup", integration_id=integration.pk, step=step)
    return redirect("integration-detail", integration_id=integration.pk)


@merchant_required
@require_POST
def integration_new(request):
    kind = request.POST.get("kind") or "zettle_bigcommerce"
    if kind not in dict(KIND_CHOICES):
        raise Http404("No such kind of integration.")
    integration = services.integration_start(merchant=request.merchant, kind=kind)
    return _go_to_step(integration)


@merchant_required
def setup_step(request, integration_id, step):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    if step not in services.setup_step_keys(integration) or step not in _STEP_HANDLERS:
        raise Http404("No such step.")
    if not services.setup_step_reachable(integration, step):
        return _go_to_step(integration)
    handler = _STEP_HANDLERS[step]
    context = {"integration": integration, "step": step, "step_label": services.setup_step_label(integration, step),
               "steps": [(s, services.setup_step_label(integration, s), services.setup_step_reachable(integration, s))
                         for s in services.setup_steps(integration)],
               "sandbox_enabled": settings.SANDBOX_ENABLED}
    try:
        done = handler(request, integration, context)
    except ConnectionProblem as exc:
        context["problem"] = str(exc)
        done = None
    if done is not None:
        return done
    template = "member" if step in ("connect_home", "connect_target") else step
    return render(request, f"integrations/setup/{template}.html", context,
                  status=400 if (context.get("problem") or context.get("refused")) and request.method == "POST"
                  else 200)


def _connect_step(request, integration, context, *, platform, form_class, service):
    form = form_class(request.POST or None)
    context["form"] = form
    context["connection"] = integration.connection_for(platform)
    if request.method != "POST":
        return None
    if "sandbox" in request.POST:  # a new sandbox account: nothing typed is used, not even an address
        service(merchant=request.merchant, integration=integration, use_sandbox=True)
    elif form.is_valid():
        service(merchant=request.merchant, integration=integration, **form.cleaned_data)
    else:
        context["refused"] = True  # answered 400, like a problem the platform reports
        return None
    messages.success(request, f"{PLATFORMS[platform].label} is connected.")
    return _go_to_step(integration)


def _step_bigcommerce(request, integration, context):
    return _connect_step(request, integration, context, platform="bigcommerce", form_class=BigCommerceForm,
                         service=services.setup_connect_bigcommerce)


def _step_zettle(request, integration, context):
    return _connect_step(request, integration, context, platform="zettle", form_class=ZettleForm,
                         service=services.setup_connect_zettle)


def _step_home(request, integration, context):
    form = HomeForm(request.POST or None, initial={"home_platform": integration.home_platform or None})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        services.setup_choose_home(merchant=request.merchant, integration=integration,
                                   home_platform=form.cleaned_data["home_platform"])
        return _go_to_step(integration)
    return None


def _step_prices(request, integration, context):
    if request.method == "POST":
        try:
            services.setup_set_prices(merchant=request.merchant, integration=integration,
                                      include=request.POST.get("prices_included") == "yes")
        except ConnectionProblem:
            context["choice"] = services.setup_prices_choice(merchant=request.merchant, integration=integration)
            raise
        return _go_to_step(integration)
    context["choice"] = services.setup_prices_choice(merchant=request.merchant, integration=integration)
    return None


def _step_scope(request, integration, context):
    form = ScopeForm(request.POST or None, initial={"scope": integration.initial_scope})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        services.setup_set_scope(merchant=request.merchant, integration=integration, scope=form.cleaned_data["scope"])
        return _go_to_step(integration)
    return None


def _step_finish(request, integration, context):
    if request.method == "POST":
        run = services.setup_finish(merchant=request.merchant, integration=integration)
        if run is not None and run.outcome == "failed":
            messages.error(request, f"The integration is set up, but its first sync failed: {run.summary} "
                                    "The sync log shows the details.")
        else:
            messages.success(request, "The integration is set up and its first sync has run.")
        for notice in getattr(run, "setup_notices", ()):  # e.g. a platform that could not reach Flyt's address
            messages.warning(request, notice)
        if integration.kind == "zettle_bigcommerce" and integration.home_platform == "zettle" and \
                integration.initial_scope == Integration.Scope.SELECTED:
            messages.info(request, "Now select the products to sync to BigCommerce.")
            return redirect("integration-products", integration_id=integration.pk)
        return redirect("integration-detail", integration_id=integration.pk)
    return None


class MemberForm(forms.Form):
    """A product sync's connect step: the platform, then its credentials and account settings (from the
    platform's spec), each checked by the wizard's rules for what a person may type."""

    name = forms.CharField(required=False, max_length=200, label=gettext_lazy("Name (optional)"))

    def __init__(self, *args, platform=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform
        spec = PLATFORMS.get(platform) if platform else None
        self.spec = spec
        if spec is None:
            return
        for credential in spec.credentials:
            self.fields[f"credential_{credential.name}"] = forms.CharField(
                required=False, label=str(credential.label).capitalize(), max_length=credential.max_length,
                widget=forms.PasswordInput if "secret" in credential.name or "password" in credential.name
                or "token" in credential.name or "key" in credential.name else forms.TextInput)
        for key in spec.settings_schema.get("required") or []:
            self.fields[f"setting_{key}"] = forms.CharField(required=False, label=key.replace("_", " ").capitalize(),
                                                            max_length=255)

    def credentials(self):
        return {k.removeprefix("credential_"): v for k, v in self.cleaned_data.items() if k.startswith("credential_")}

    def account_settings(self):
        return {k.removeprefix("setting_"): v for k, v in self.cleaned_data.items() if k.startswith("setting_")}


def _step_member(request, integration, context):
    step = context["step"]
    choices = services.setup_platform_choices(step=step)
    platform = request.POST.get("platform") or request.GET.get("platform") or ""
    if platform not in dict(choices):
        platform = ""
    form = MemberForm(request.POST or None, platform=platform or None)
    context.update(form=form, platform=platform, platform_choices=choices,
                   connection=integration.home if step == "connect_home" else integration.target)
    if request.method != "POST" or not platform:
        if request.method == "POST":
            context["refused"] = True
            context["problem"] = str(gettext_lazy("Choose a platform."))
        return None
    if "sandbox" in request.POST:
        services.setup_connect_member(merchant=request.merchant, integration=integration, step=step,
                                      platform=platform, use_sandbox=True)
    elif form.is_valid():
        services.setup_connect_member(merchant=request.merchant, integration=integration, step=step,
                                      platform=platform, credentials=form.credentials(),
                                      settings_=form.account_settings(), name=form.cleaned_data.get("name", ""))
    else:
        context["refused"] = True
        return None
    messages.success(request, f"{PLATFORMS[platform].label} is connected.")
    return _go_to_step(integration)


_STEP_HANDLERS = {
    "connect_home": _step_member,
    "connect_target": _step_member,
    "bigcommerce": _step_bigcommerce,
    "zettle": _step_zettle,
    "home": _step_home,
    "prices": _step_prices,
    "scope": _step_scope,
    "finish": _step_finish,
}


@merchant_required
def integration_detail(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    connections = integration.connections
    runs = sync_run_list(merchant=request.merchant).filter(connection__in=connections)[:20] if connections else []
    return render(request, "integrations/integration_detail.html", {
        "integration": integration, "runs": runs, "ended": services.integration_is_ended(integration),
        "open_step": services.setup_step_open(integration),
        "open_step_label": services.setup_step_label(integration, services.setup_step_open(integration)),
        "sides": [(c.platform, c.platform_info.label, c) for c in integration.connections],
    })


@merchant_required
@require_POST
def integration_sync_now(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    services.integration_request_sync(merchant=request.merchant, integration=integration)
    messages.success(request, "The sync has started. The list below shows its progress.")
    return redirect("integration-detail", integration_id=integration.pk)


@merchant_required
def integration_disconnect(request, integration_id, platform):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    connection = integration.connection_for(platform)
    if connection is None:
        raise Http404("No such platform.")
    label = connection.platform_info.label
    others = [c.platform_info.label for c in integration.connections if c != connection]
    context = {"integration": integration, "platform": platform, "label": label, "connection": connection,
               "other_label": " / ".join(others),
               "is_target": connection in integration.targets,
               "removal": services.integration_disconnect_preview(merchant=request.merchant,
                                                                  integration=integration, platform=platform)}
    if request.method == "POST":
        try:
            services.integration_disconnect_platform(merchant=request.merchant, integration=integration,
                                                     platform=platform,
                                                     remove_products=request.POST.get("remove_products") == "yes")
        except ConnectionProblem as exc:
            context["problem"] = str(exc)
            return render(request, "integrations/disconnect.html", context, status=400)
        messages.success(request, f"{label} is disconnected. To connect it again, or to change the home base, "
                                  "set up the integration again.")
        return redirect("integration-detail", integration_id=integration.pk)
    return render(request, "integrations/disconnect.html", context)
