"""Choosing the products an integration syncs (Zettle home base): the product list with its
checkboxes, "Assign channels" → BigCommerce → "Update products", and "Unassign products"; on a
product's page its stock: "Enable stock tracking" and "Separate stock for <platform>"."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.selectors import product_stock
from integrations.services import setup as services
from integrations.services.connections import ConnectionProblem
from integrations.services.stock import (
    StockProblem,
    product_separate_stock_off,
    product_separate_stock_on,
    product_stock_tracking_set,
)
from integrations.views.stock import merged_preview, shares_from_post
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


def _product(request, integration_id, product_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    row = services.integration_product(merchant=request.merchant, integration=integration, product_id=product_id)
    return integration, row


def _product_page(request, integration, row, *, stock=None, problems=(), status=200):
    stock = stock or product_stock(merchant=request.merchant, product=row["product"], home=integration.home)
    return render(request, "integrations/product_detail.html", {
        "integration": integration, **row, "selectable": _selectable(integration), "stock": stock,
        "stock_problems": list(problems)}, status=status)


@merchant_required
def product_detail(request, integration_id, product_id):
    integration, row = _product(request, integration_id, product_id)
    return _product_page(request, integration, row)


def _to_product(integration, product):
    return redirect("integration-product", integration_id=integration.pk, product_id=product.pk)


@merchant_required
@require_POST
def product_stock_tracking(request, integration_id, product_id):
    """"Enable stock tracking" ticked or not."""
    integration, row = _product(request, integration_id, product_id)
    product = row["product"]
    enabled = request.POST.get("track_stock") in ("1", "on", "true")
    try:
        product_stock_tracking_set(merchant=request.merchant, product=product, enabled=enabled)
    except StockProblem as exc:
        return _product_page(request, integration, row, problems=[str(exc)], status=400)
    if enabled:
        messages.success(request, gettext("Stock tracking is on for '%(title)s'. Every platform Flyt writes stock "
                                          "to is being set to Flyt's level; the sync log shows each platform.")
                         % {"title": product.title})
    else:
        messages.success(request, f"Stock tracking is off for '{product.title}'. Flyt no longer reads or writes "
                                  "its stock on any platform.")
    return _to_product(integration, product)


@merchant_required
@require_POST
def product_separate_stock(request, integration_id, product_id):
    """"Use separate stock": each platform gets the units entered for it."""
    integration, row = _product(request, integration_id, product_id)
    product = row["product"]
    stock = product_stock(merchant=request.merchant, product=product, home=integration.home)
    shares, problems = shares_from_post(request.POST, stock)
    if not stock["can_separate"]:
        problems.append("This product is not linked to any platform's stock yet, so there is nothing to share "
                        "out. Link it by syncing first.")
    if problems:
        return _product_page(request, integration, row, stock=stock, problems=problems, status=400)
    was_on = product.separate_stock
    try:
        product_separate_stock_on(merchant=request.merchant, product=product, shares=shares)
    except StockProblem as exc:
        return _product_page(request, integration, row, stock=stock, problems=[str(exc)], status=400)
    messages.success(request, f"Separate stock {'saved' if was_on else 'is on'} for '{product.title}': each "
                              "platform sells only its own share, and a sale on one does not change the others.")
    return _to_product(integration, product)


@merchant_required
def product_separate_stock_off_confirm(request, integration_id, product_id):
    """"Turn off separate stock": a confirmation page, then merge the shares into one shared level."""
    integration, row = _product(request, integration_id, product_id)
    product = row["product"]
    if not product.separate_stock:
        messages.info(request, f"'{product.title}' already shares one stock level across platforms.")
        return _to_product(integration, product)
    if request.method == "POST":
        try:
            merged = product_separate_stock_off(merchant=request.merchant, product=product)
        except StockProblem as exc:
            messages.error(request, str(exc))
            return _to_product(integration, product)
        messages.success(request, _merged_message(product, merged))
        return _to_product(integration, product)
    stock = product_stock(merchant=request.merchant, product=product)
    return render(request, "integrations/product_separate_off.html", {
        "integration": integration, "product": product, "preview": merged_preview(stock)})


def _merged_message(product, merged):
    text = f"Separate stock is off for '{product.title}'. The shares were merged into one shared level"
    if len(merged) == 1:
        return f"{text} of {next(iter(merged.values()))}."
    skus = dict(product.variants.values_list("pk", "sku"))
    levels = ", ".join(f"{skus.get(pk) or pk}: {level}" for pk, level in merged.items())
    return f"{text} per variant: {levels}."


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


def _unassign_confirmation(request, integration):
    """"Update products" with BigCommerce unticked: ask "Unassign products" for those that sync now."""
    products = services.products_for_selection(merchant=request.merchant, product_ids=request.POST.getlist("product"))
    context = {"integration": integration, "products": products, "next": request.POST.get("next", "")}
    try:
        context["products"] = services.products_unassign_preview(merchant=request.merchant, integration=integration,
                                                                 products=products)
    except ConnectionProblem as exc:
        context["problem"] = str(exc)
        return render(request, "integrations/products_assign.html", context, status=400)
    return render(request, "integrations/products_unassign.html", context)


@merchant_required
def products_assign(request, integration_id):
    integration = services.integration_get(merchant=request.merchant, integration_id=integration_id)
    if request.method == "POST" and "bigcommerce" not in request.POST.getlist("channel"):
        return _unassign_confirmation(request, integration)
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
