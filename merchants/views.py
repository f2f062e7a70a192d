from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from merchants.services import MerchantError, merchant_switch


@login_required
@require_POST
def switch(request):
    try:
        merchant = merchant_switch(request=request, slug=request.POST.get("merchant", ""))
    except MerchantError as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, f"You are now working in {merchant.name}.")
    return redirect("dashboard")
