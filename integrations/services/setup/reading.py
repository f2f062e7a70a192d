"""What the setup wizard and the integration pages read: steps, currencies, products' sync state."""

import logging

from django.http import Http404
from django.utils.translation import gettext

from catalog.models import Product
from integrations.errors import ConnectorError
from integrations.models import Binding, Integration, Listing
from integrations.platforms import PLATFORMS
from merchants.tenancy import ensure_owned, get_for_merchant_or_404, scoped

logger = logging.getLogger("flyt.setup")

PAIR = ("bigcommerce", "zettle")
STEPS = ("bigcommerce", "zettle", "home", "prices", "scope", "finish")
STEP_LABELS = {
    "bigcommerce": "Connect BigCommerce",
    "zettle": "Connect Zettle",
    "home": "Choose the home base",
    "prices": "Prices",
    "scope": "Products to sync",
    "finish": "Finish",
}
DONE, ENDED = "done", "disconnected"


def integration_list(*, merchant):
    return scoped(Integration, merchant=merchant).select_related("bigcommerce", "zettle").order_by("-created_at", "-pk")


def integration_get(*, merchant, integration_id):
    return get_for_merchant_or_404(Integration.objects.select_related("bigcommerce", "zettle"), merchant=merchant,
                                   pk=integration_id)


def integration_dashboard(*, merchant):
    """The integrations for the dashboard, each with its open wizard step while being set up."""
    integrations = list(integration_list(merchant=merchant))
    for integration in integrations:
        integration.open_step = setup_step_open(integration)
        integration.open_step_label = STEP_LABELS.get(integration.open_step, "")
        integration.ended = integration_is_ended(integration)
        integration.incomplete = integration.completed_at is None and not integration.ended
    return {"integrations": integrations}


def integration_is_ended(integration):
    return integration.setup_step == ENDED


def setup_steps(integration):
    """The wizard's steps for this integration (the product scope only with Zettle as home base)."""
    return [s for s in STEPS if s != "scope" or integration.home_platform != "bigcommerce"]


def setup_step_open(integration):
    """The step the merchant has to do next ("done" once finished, "disconnected" once ended)."""
    return integration.setup_step or STEPS[0]


def setup_step_reachable(integration, step):
    """A step can be opened once every step before it has been saved."""
    if integration.completed_at is not None or integration_is_ended(integration):
        return False
    steps = setup_steps(integration)
    if step not in steps:
        return False
    current = setup_step_open(integration)
    if current not in steps:  # e.g. "scope" after the home base changed to BigCommerce
        current = next((s for s in steps if STEPS.index(s) >= STEPS.index(current)), steps[-1])
    return steps.index(step) <= steps.index(current)


def setup_prices_choice(*, merchant, integration):
    """What the prices step may offer: both currencies, read from the platforms."""
    ensure_owned(integration, merchant=merchant)
    currencies, problem = {}, ""
    from integrations.engine.setup import account_currency

    for platform in PAIR:
        connection = getattr(integration, platform)
        if connection is None:
            problem = gettext("Connect %(platform)s first.") % {"platform": PLATFORMS[platform].label}
            continue
        try:
            currencies[platform] = (account_currency(connection=connection) or "").upper()
        except ConnectorError as exc:
            problem = gettext("Flyt could not read the currency of your %(platform)s account: %(reason)s") % {
                "platform": PLATFORMS[platform].label, "reason": exc.message}
        except Exception:  # a platform without a currency reader must not break the page
            logger.exception("account_currency failed integration=%s platform=%s", integration.pk, platform)
            problem = gettext("Flyt could not read the currency of your %(platform)s account.") % {
                "platform": PLATFORMS[platform].label}
    same = not problem and len(currencies) == 2 and all(currencies.values()) and \
        currencies["bigcommerce"] == currencies["zettle"]
    if not problem and not same:
        unknown = gettext("an unknown currency")
        problem = gettext("BigCommerce uses %(bigcommerce)s and Zettle %(zettle)s, so prices cannot be synced.") % {
            "bigcommerce": currencies.get("bigcommerce") or unknown, "zettle": currencies.get("zettle") or unknown}
    return {"currencies": currencies, "same_currency": same, "problem": problem}


def integration_products(*, merchant, integration):
    """The hub products with whether each one syncs to the target, and whether it is there yet."""
    ensure_owned(integration, merchant=merchant)
    listings = dict(scoped(Listing, merchant=merchant).filter(integration=integration)
                    .values_list("product_id", "active"))
    target = integration.target
    bound = set()
    if target is not None:
        bound = set(scoped(Binding, merchant=merchant).filter(connection=target, kind=Binding.Kind.PRODUCT)
                    .values_list("hub_id", flat=True))
    rows = []
    for product in scoped(Product, merchant=merchant).prefetch_related("variants").order_by("title", "pk"):
        rows.append({"product": product, **_sync_state(listings.get(product.pk), product.pk in bound)})
    return rows


def integration_product(*, merchant, integration, product_id):
    ensure_owned(integration, merchant=merchant)
    product = get_for_merchant_or_404(Product, merchant=merchant, pk=product_id)
    listing = scoped(Listing, merchant=merchant).filter(integration=integration, product=product).first()
    bound = integration.target is not None and scoped(Binding, merchant=merchant).filter(
        connection=integration.target, kind=Binding.Kind.PRODUCT, hub_id=product.pk).exists()
    return {"product": product, "listing": listing, **_sync_state(listing.active if listing else None, bound)}


def _sync_state(active, bound):
    if active and bound:
        return {"assigned": True, "state": "synced", "state_label": "Synced"}
    if active:
        return {"assigned": True, "state": "running", "state_label": "Waiting for the next sync"}
    return {"assigned": False, "state": "info", "state_label": "Not synced"}


def products_for_selection(*, merchant, product_ids):
    """The merchant's products with these ids; an id that is not the merchant's answers 404."""
    try:
        ids = {int(pk) for pk in product_ids}
    except (TypeError, ValueError):
        ids = None
    products = list(scoped(Product, merchant=merchant).filter(pk__in=ids or []).order_by("title", "pk"))
    if ids is None or len(products) != len(ids):
        raise Http404("Not found.")
    return products
