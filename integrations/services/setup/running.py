"""Running the integration: "Sync now", choosing products (Zettle home base), disconnecting."""

from django.db import transaction
from django.utils.translation import gettext

from catalog.models import Product
from integrations.engine.connections import ConnectionProblem, connection_disconnect
from integrations.engine.setup import integration_disconnect
from integrations.errors import ConnectorError
from integrations.kinds import kind_for
from integrations.models import Binding, Connection, Listing
from integrations.platforms import PLATFORMS
from integrations.services.listings import listings_assign, listings_unassign
from integrations.services.setup.reading import ENDED, integration_is_ended
from integrations.tasking import INTEGRATION_SYNC, enqueue_on_commit
from merchants.tenancy import ensure_owned, scoped
from synclog.models import SyncRun


def _check_running(integration):
    if integration_is_ended(integration):
        raise ConnectionProblem("This integration was disconnected.")
    if integration.completed_at is None:
        raise ConnectionProblem("Finish setting up the integration first.")


def integration_request_sync(*, merchant, integration, full=False):
    """"Sync now": runs in a worker once this transaction commits."""
    ensure_owned(integration, merchant=merchant)
    _check_running(integration)
    if not integration.connections:
        raise ConnectionProblem("Connect the platforms first.")
    for connection in integration.connections:
        if connection.status not in (Connection.Status.ACTIVE, Connection.Status.ERROR):
            state = connection.get_status_display().lower()
            raise ConnectionProblem(f"{connection.name} is {state}: resume it before syncing.")
    enqueue_on_commit(INTEGRATION_SYNC, integration.pk, SyncRun.Trigger.MANUAL, full)


def _check_selection(merchant, integration, channels):
    ensure_owned(integration, merchant=merchant)
    _check_running(integration)
    if not kind_for(integration).selectable(integration):
        raise ConnectionProblem("With BigCommerce as home base, choose products by assigning them to the channel "
                                "'PayPal Zettle' in BigCommerce.")
    if channels is not None and not {c.platform for c in integration.targets} & set(channels):
        labels = " or ".join(c.platform_info.label for c in integration.targets)
        raise ConnectionProblem(f"Tick {labels} to choose where the products go.")


def products_assign(*, merchant, integration, products, channels):
    """"Assign channels" → BigCommerce → "Update products". Returns how many products."""
    _check_selection(merchant, integration, channels)
    if not products:
        raise ConnectionProblem("Select at least one product.")
    return listings_assign(merchant=merchant, integration=integration, products=products)


def products_unassign_preview(*, merchant, integration, products):
    """"Assign channels" with BigCommerce unticked → "Update products": the ticked products that sync to
    BigCommerce now, for the "Unassign products" confirmation. None of them syncs: nothing to confirm."""
    _check_selection(merchant, integration, None)
    if not products:
        raise ConnectionProblem(gettext("Select at least one product."))
    synced = set(Listing.objects.filter(integration=integration, product__in=products, active=True)
                 .values_list("product_id", flat=True))
    if not synced:
        raise ConnectionProblem(gettext("None of these products syncs to BigCommerce. Tick BigCommerce to sync "
                                        "them."))
    return [product for product in products if product.pk in synced]


def products_unassign(*, merchant, integration, products):
    """Stop syncing these products; their copies on BigCommerce stay, no longer synced."""
    _check_selection(merchant, integration, None)
    if not products:
        raise ConnectionProblem("Select at least one product.")
    try:
        return listings_unassign(merchant=merchant, integration=integration, products=products)
    except ConnectorError as exc:
        raise ConnectionProblem(f"The products could not be unassigned: {exc.message}") from exc


DISCONNECT_LISTED = 50  # names shown per list on the confirmation page; the counts are always complete


def integration_disconnect_preview(*, merchant, integration, platform):
    """What "remove the products Flyt synced" would do on ``platform``: the products Flyt created
    there (deleted) and the ones that were there already and Flyt only linked (unlinked, left as
    they are). Returns {"deleted": n, "unlinked": n, "deleted_items": [...], "unlinked_items": [...]},
    each item {"title", "skus"}; at most ``DISCONNECT_LISTED`` items per list."""
    ensure_owned(integration, merchant=merchant)
    connection = integration.connection_for(platform)
    empty = {"deleted": 0, "unlinked": 0, "deleted_items": [], "unlinked_items": []}
    if connection is None or connection not in integration.targets:
        return empty  # the home base: Flyt removes nothing there
    bindings = scoped(Binding, merchant=merchant).filter(connection=connection, kind=Binding.Kind.PRODUCT)
    created = bindings.filter(origin=Binding.Origin.CREATED)
    linked = bindings.exclude(origin=Binding.Origin.CREATED)
    return {"deleted": created.count(), "unlinked": linked.count(),
            "deleted_items": _described(merchant, created), "unlinked_items": _described(merchant, linked)}


def _described(merchant, bindings):
    hub_ids = list(bindings.order_by("hub_id").values_list("hub_id", flat=True)[:DISCONNECT_LISTED])
    products = scoped(Product, merchant=merchant).filter(pk__in=hub_ids).prefetch_related("variants").order_by("title")
    return [{"title": p.title, "skus": [v.sku for v in p.variants.all() if v.sku]} for p in products]


def integration_disconnect_platform(*, merchant, integration, platform, remove_products):
    """Disconnect one side; optionally remove the products Flyt synced to it."""
    ensure_owned(integration, merchant=merchant)
    connection = integration.connection_for(platform)
    if connection is None and platform not in PLATFORMS:
        raise ConnectionProblem("Choose a platform of this integration to disconnect.")
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        raise ConnectionProblem(f"{PLATFORMS[platform].label} is not connected.")
    if integration.completed_at is None:
        # never activated: nothing was synced or registered, just forget the credentials
        with transaction.atomic():
            connection_disconnect(merchant=merchant, connection=connection)
            integration.setup_step = ENDED
            integration.save(update_fields=["setup_step"])
        return
    try:
        integration_disconnect(merchant=merchant, integration=integration, connection=connection,
                               remove_products=bool(remove_products))
    except ConnectorError as exc:
        raise ConnectionProblem(f"{PLATFORMS[platform].label} could not be disconnected: {exc.message} "
                                "Try again.") from exc
