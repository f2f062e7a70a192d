"""Choosing the products an integration syncs (Zettle home base): the product list with its
checkboxes, "Assign channels" → BigCommerce → "Update products", and "Unassign products"."""

from django.contrib import messages
from django.shortcuts import redirect, render

from integrations.services import setup as services
from integrations.services.connections import ConnectionProblem
from merchants.decorators import merchant_required


def _selectable(integration):
    return (integration.home_platform == "zettle" and integration.completed_at is not None
            and not services.integration_is_ended(integration))


@merchant_required
def product_list(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    rows = services.integration_products(merchant=request.merchant, integration=integration)
    return render(request, "integrations/products.html", {"integration": integration, "rows": rows,
                                                          "selectable": _selectable(integration)})


@merchant_required
def product_detail(request, integration_id, product_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    row = services.integration_product(merchant=request.merchant, integration=integration, product_id=product_id)
    return render(request, "integrations/product_detail.html", {"integration": integration, **row,
                                                                "selectable": _selectable(integration)})


def _back(request, integration, products):
    if request.POST.get("next") == "product" and len(products) == 1:
        return redirect("integration-product", integration_id=integration.pk, product_id=products[0].pk)
    return redirect("integration-products", integration_id=integration.pk)


def _selection(request, integration, template, action):
    """GET shows the dialog for the ticked products; POST carries them and the merchant's answer."""
    data = request.POST if request.method == "POST" else request.GET
    products = services.products_for_selection(merchant=request.merchant, product_ids=data.getlist("product"))
    context = {"integration": integration, "products": products, "next": data.get("next", "")}
    if request.method == "POST":
        try:
            count = action(products, request.POST.getlist("channel"))
        except ConnectionProblem as exc:
            context["problem"] = str(exc)
            return render(request, template, context, status=400)
        return count, _back(request, integration, products)
    return render(request, template, context)


@merchant_required
def products_assign(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    outcome = _selection(request, integration, "integrations/products_assign.html", lambda products, channels:
                         services.products_assign(merchant=request.merchant, integration=integration,
                                                  products=products, channels=channels))
    if not isinstance(outcome, tuple):
        return outcome
    count, response = outcome
    messages.success(request, f"{count} product(s) will be synced to BigCommerce. They appear there after the sync.")
    return response


@merchant_required
def products_unassign(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    outcome = _selection(request, integration, "integrations/products_unassign.html", lambda products, channels:
                         services.products_unassign(merchant=request.merchant, integration=integration,
                                                    products=products))
    if not isinstance(outcome, tuple):
        return outcome
    count, response = outcome
    messages.success(request, f"{count} product(s) no longer sync to BigCommerce. Their copies there stay as they "
                              "are.")
    return response
