from merchants.selectors import merchant_list_for_user


def merchant(request):
    current = getattr(request, "merchant", None)
    user = getattr(request, "user", None)
    others = merchant_list_for_user(user=user) if user is not None and current is not None else []
    return {"current_merchant": current, "user_merchants": others}
