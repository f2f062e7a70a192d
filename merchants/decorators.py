from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def merchant_required(view):
    """Login required, and a current merchant; a user without a shop sees why, not an error."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.merchant is None:
            return render(request, "merchants/no_merchant.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
