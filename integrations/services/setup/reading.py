"""What the setup wizard and the integration pages read: steps, currencies, products' sync state."""

import logging

from django.http import Http404
from django.utils.translation import gettext

from catalog.models import Product
from integrations.engine.setup import account_currency
from integrations.errors import ConnectorError
from integrations.kinds import kind_for
from integrations.models import Binding, Integration, Listing
from merchants.tenancy import ensure_owned, get_for_merchant_or_404, scoped

logger = logging.getLogger("flyt.setup")

DONE, ENDED = "done", "disconnected"


def integration_list(*, merchant):
    return scoped(Integration, merchant=merchant).prefetch_related("members__connection").order_by(
        "-created_at", "-pk")


def integration_get(*, merchant, integration_id):
    return get_for_merchant_or_404(Integration.objects.all(), merchant=merchant, pk=integration_id)


def integration_dashboard(*, merchant):
    """The integrations for the dashboard, each with its open wizard step while being set up."""
    integrations = list(integration_list(merchant=merchant))
    for integration in integrations:
        integration.open_step = setup_step_open(integration)
        integration.open_step_label = setup_step_label(integration, integration.open_step)
        integration.ended = integration_is_ended(integration)
        integration.incomplete = integration.completed_at is None and not integration.ended
    return {"integrations": integrations}


def integration_is_ended(integration):
    return integration.setup_step == ENDED


def setup_steps(integration):
    """The wizard's step keys for this integration, from its kind (e.g. Zettle ↔ BigCommerce asks which
    products to sync only with Zettle as home base)."""
    return [step.key for step in kind_for(integration).steps_for(integration)]


def setup_step_keys(integration):
    """Every step the integration's kind can have (whether or not it applies now)."""
    return [step.key for step in kind_for(integration).steps]


def setup_step_label(integration, step):
    return next((str(s.label) for s in kind_for(integration).steps if s.key == step), "")


def setup_step_open(integration):
    """The step the merchant has to do next ("done" once finished, "disconnected" once ended)."""
    return integration.setup_step or setup_step_keys(integration)[0]


def setup_step_reachable(integration, step):
    """A step can be opened once every step before it has been saved."""
    if integration.completed_at is not None or integration_is_ended(integration):
        return False
    steps, every = setup_steps(integration), setup_step_keys(integration)
    if step not in steps:
        return False
    current = setup_step_open(integration)
    if current not in steps:  # e.g. "scope" after the home base changed to BigCommerce
        current = next((s for s in steps if every.index(s) >= every.index(current)), steps[-1])
    return steps.index(step) <= steps.index(current)


def setup_prices_choice(*, merchant, integration):
    """What the prices step may offer: every member's currency, read from the platforms."""
    ensure_owned(integration, merchant=merchant)
    currencies, problem = {}, ""
    members = integration.connections
    if len(members) < 2:
        problem = gettext("Connect both platforms first.")
    for connection in members:
        label = connection.platform_info.label
        try:
            currencies[label] = (account_currency(connection=connection) or "").upper()
        except ConnectorError as exc:
            problem = gettext("Flyt could not read the currency of your %(platform)s account: %(reason)s") % {
                "platform": label, "reason": exc.message}
        except Exception:  # a platform without a currency reader must not break the page
            logger.exception("account_currency failed integration=%s platform=%s", integration.pk,
                             connection.platform)
            problem = gettext("Flyt could not read the currency of your %(platform)s account.") % {
                "platform": label}
    same = not problem and len(currencies) >= 2 and all(currencies.values()) and len(set(currencies.values())) == 1
    if not problem and not same:
        unknown = gettext("an unknown currency")
        (first, first_currency), *rest = currencies.items()
        second, second_currency = rest[0] if rest else ("", "")
        problem = gettext("%(first)s uses %(first_currency)s and %(second)s %(second_currency)s, so prices cannot "
                          "be synced.") % {"first": first, "first_currency": first_currency or unknown,
                                           "second": second, "second_currency": second_currency or unknown}
    currency = next(iter(currencies.values()), "") if same else ""
    return {"currencies": currencies, "currency": currency, "same_currency": same, "problem": problem}


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
