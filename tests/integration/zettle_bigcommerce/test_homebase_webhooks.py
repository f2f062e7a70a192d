"""Home-base changes arrive by themselves: a product created, edited, deleted, assigned to or unassigned
from the channel on the home base reaches the other platform through the platform's own signed
webhooks (intake → inbox → worker → a pass for just that product), with no "Sync now". A duplicate
delivery changes nothing more, and our own writes coming back as webhooks cause no further writes."""

import uuid

import pytest

from integrations.engine.setup import integration_activate
from integrations.models import Binding, Integration, Listing, WebhookEvent
from synclog.models import SyncEntry, SyncRun
from tests.integration.zettle_bigcommerce.conftest import deliver

pytestmark = pytest.mark.django_db

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def writes(sandbox, *, since=0):
    return [(r.method, r.path) for r in sandbox.requests[since:] if r.method in WRITES and "/hooks" not in r.path
            and "/subscriptions" not in r.path]


def no_manual_runs(merchant):
    return not SyncRun.objects.filter(merchant=merchant, trigger=SyncRun.Trigger.MANUAL).exists()


# --- BigCommerce home base -----------------------------------------------------------------------------------

@pytest.fixture
def bc_home(shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(bc_products=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.channel_id = shop.assign_to_channel()
    deliver(shop.bc, django_capture_on_commit_callbacks)
    deliver(shop.zettle, django_capture_on_commit_callbacks)  # Zettle's notices of our writes: echoes
    shop.integration_row = integration
    return shop


def zettle_titles(shop):
    return sorted(p.title for p in shop.zettle_products())


def test_bigcommerce_products_assigned_to_the_channel_arrive_in_zettle(bc_home):
    assert len(bc_home.zettle_products()) == 2
    assert sorted(p.title for p in bc_home.bc_products()) == zettle_titles(bc_home)
    assert no_manual_runs(bc_home.merchant)


def test_a_product_created_in_bigcommerce_in_the_channel_arrives_in_zettle(bc_home,
                                                                           django_capture_on_commit_callbacks):
    raw = bc_home.bc_client().create_product(product={
        "name": "New lamp", "type": "physical", "weight": 1, "price": 30, "sku": "LAMP-1"})
    bc_home.bc_client().assign_products_to_channel(product_ids=[raw["id"]], channel_id=bc_home.channel_id)
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert "New lamp" in zettle_titles(bc_home)
    assert no_manual_runs(bc_home.merchant)


def test_a_product_created_outside_the_channel_stays_out_of_zettle(bc_home, django_capture_on_commit_callbacks):
    bc_home.bc_client().create_product(product={
        "name": "Web only", "type": "physical", "weight": 1, "price": 30, "sku": "WEB-1"})
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert "Web only" not in zettle_titles(bc_home)


def test_a_product_edited_in_bigcommerce_changes_in_zettle_once_whatever_the_deliveries(
        bc_home, django_capture_on_commit_callbacks):
    product = bc_home.bc_products()[0]
    bc_home.bc.webhooks.duplicate_rate = 1.0  # every delivery comes twice
    bc_home.bc.admin_update_product(bc_home.store, int(product.external_id), name="Renamed lamp")
    before = len(bc_home.zettle.requests)
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert "Renamed lamp" in zettle_titles(bc_home)
    assert len(writes(bc_home.zettle, since=before)) == 1  # one write, not one per delivery
    ids = list(WebhookEvent.objects.filter(connection=bc_home.bc_connection).values_list("delivery_id", flat=True))
    assert len(ids) == len(set(ids))

    # the same notification again (a late retry) changes nothing more
    bc_home.bc.webhooks.duplicate_rate = 0.0
    before = len(bc_home.zettle.requests)
    WebhookEvent.objects.filter(connection=bc_home.bc_connection).update(status=WebhookEvent.Status.PENDING)
    from integrations.services.webhooks import webhook_event_process

    event = WebhookEvent.objects.filter(connection=bc_home.bc_connection).first()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_process(merchant=bc_home.merchant, event=event)
    assert writes(bc_home.zettle, since=before) == []


def test_our_writes_to_zettle_coming_back_as_webhooks_write_nothing(bc_home, django_capture_on_commit_callbacks):
    product = bc_home.bc_products()[0]
    bc_home.bc.admin_update_product(bc_home.store, int(product.external_id), name="Echo test")
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert bc_home.zettle.webhooks.pending  # Zettle announces the update Flyt made
    bc_before, zettle_before = len(bc_home.bc.requests), len(bc_home.zettle.requests)
    deliver(bc_home.zettle, django_capture_on_commit_callbacks)
    assert writes(bc_home.bc, since=bc_before) == [] and writes(bc_home.zettle, since=zettle_before) == []
    assert not bc_home.bc.webhooks.pending


def test_a_product_unassigned_from_the_channel_stops_syncing_and_its_copy_stays(
        bc_home, django_capture_on_commit_callbacks):
    product = bc_home.bc_products()[0]
    before = zettle_titles(bc_home)
    bc_home.bc_client().unassign_products_from_channel(product_ids=[product.external_id],
                                                       channel_id=bc_home.channel_id)
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert zettle_titles(bc_home) == before  # Flyt stops syncing it; nothing is deleted
    hub_id = Binding.objects.get(connection=bc_home.bc_connection, kind=Binding.Kind.PRODUCT,
                                 external_id=product.external_id).hub_id
    listing = Listing.objects.get(integration=bc_home.integration_row, product_id=hub_id)
    assert not listing.active
    bc_home.bc.admin_update_product(bc_home.store, int(product.external_id), name="Edited after unassigning")
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert "Edited after unassigning" not in zettle_titles(bc_home)

    # assigned again: it syncs again
    bc_home.bc_client().assign_products_to_channel(product_ids=[product.external_id], channel_id=bc_home.channel_id)
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert "Edited after unassigning" in zettle_titles(bc_home)
    assert len(bc_home.zettle_products()) == 2


def test_a_product_deleted_in_bigcommerce_is_deleted_from_zettle(bc_home, django_capture_on_commit_callbacks):
    product = bc_home.bc_products()[0]
    bc_home.bc.admin_delete_product(bc_home.store, int(product.external_id))
    deliver(bc_home.bc, django_capture_on_commit_callbacks)
    assert product.title not in zettle_titles(bc_home)  # Flyt created that copy in Zettle
    assert len(bc_home.zettle_products()) == 1
    assert no_manual_runs(bc_home.merchant)


# --- Zettle home base ----------------------------------------------------------------------------------------

@pytest.fixture
def zettle_home(shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(zettle_products=2)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle_connection.refresh_from_db()
    deliver(shop.zettle, django_capture_on_commit_callbacks)
    deliver(shop.bc, django_capture_on_commit_callbacks)  # BigCommerce's notices of our writes: echoes
    shop.integration_row = integration
    return shop


def bc_titles(shop):
    return sorted(p.title for p in shop.bc_products())


def test_a_product_created_in_zettle_arrives_in_bigcommerce(zettle_home, django_capture_on_commit_callbacks):
    zettle_home.zettle_client().create_product(product={
        "uuid": str(uuid.uuid1()), "name": "Zettle lamp",
        "variants": [{"uuid": str(uuid.uuid1()), "sku": "ZLAMP-1", "price": {"amount": 3000, "currencyId": "DKK"}}]})
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert "Zettle lamp" in bc_titles(zettle_home)
    assert no_manual_runs(zettle_home.merchant)


def test_a_product_edited_in_zettle_changes_in_bigcommerce_once(zettle_home, django_capture_on_commit_callbacks):
    product = zettle_home.zettle_products()[0]
    zettle_home.zettle.webhooks.duplicate_rate = 1.0
    zettle_home.zettle.admin_update_product(zettle_home.org, product.external_id, {"name": "Renamed in Zettle"})
    before = len(zettle_home.bc.requests)
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert "Renamed in Zettle" in bc_titles(zettle_home)
    assert len([w for w in writes(zettle_home.bc, since=before) if "/catalog/products" in w[1]]) == 1


def test_our_writes_to_bigcommerce_coming_back_as_webhooks_write_nothing(zettle_home,
                                                                          django_capture_on_commit_callbacks):
    product = zettle_home.zettle_products()[0]
    zettle_home.zettle.admin_update_product(zettle_home.org, product.external_id, {"name": "Echo in BigCommerce"})
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert zettle_home.bc.webhooks.pending  # BigCommerce announces the update Flyt made
    bc_before, zettle_before = len(zettle_home.bc.requests), len(zettle_home.zettle.requests)
    deliver(zettle_home.bc, django_capture_on_commit_callbacks)
    assert writes(zettle_home.bc, since=bc_before) == [] and writes(zettle_home.zettle, since=zettle_before) == []


def test_a_product_deleted_in_zettle_is_deleted_from_bigcommerce(zettle_home, django_capture_on_commit_callbacks):
    product = zettle_home.zettle_products()[0]
    zettle_home.zettle.webhooks.duplicate_rate = 1.0
    zettle_home.zettle.admin_delete_product(zettle_home.org, product.external_id)
    before = len(zettle_home.bc.requests)
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert product.title not in bc_titles(zettle_home)  # Flyt created that copy in BigCommerce
    assert len(zettle_home.bc_products()) == 1
    assert len([w for w in writes(zettle_home.bc, since=before) if w[0] == "DELETE"]) == 1  # once, not twice
    assert no_manual_runs(zettle_home.merchant)


def test_tracking_switched_in_zettle_reaches_bigcommerce_by_itself(zettle_home, django_capture_on_commit_callbacks):
    """The help pages: stock syncs only for what Zettle tracks. Switching tracking off, then on again, in
    Zettle changes BigCommerce's inventory tracking within seconds, with no pass asked for."""
    from catalog.models import Variant

    product = zettle_home.zettle_products()[0]
    sku = product.variants[0].sku

    def bc_tracking():
        client = zettle_home.bc_client()
        return next(client.get_product(product_id=p.external_id)["inventory_tracking"]
                    for p in zettle_home.bc_products() if p.variants[0].sku == sku)

    assert bc_tracking() == "product"
    zettle_home.zettle_client().stop_tracking(product_uuid=product.external_id)
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert bc_tracking() == "none"
    assert Variant.objects.get(merchant=zettle_home.merchant, sku=sku).track_stock is False
    zettle_home.zettle_client().start_tracking(product_uuid=product.external_id)
    deliver(zettle_home.zettle, django_capture_on_commit_callbacks)
    assert bc_tracking() == "product"
    assert Variant.objects.get(merchant=zettle_home.merchant, sku=sku).track_stock is True
    assert no_manual_runs(zettle_home.merchant)


def test_a_product_created_in_zettle_after_setup_syncs_even_when_products_are_selected(
        shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(zettle_products=2)
    integration = shop.integration(home="zettle", scope=Integration.Scope.SELECTED)
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle_connection.refresh_from_db()
    deliver(shop.zettle, django_capture_on_commit_callbacks)
    assert shop.bc_products() == []  # nothing selected yet
    shop.zettle_client().create_product(product={
        "uuid": str(uuid.uuid1()), "name": "Brand new vase",
        "variants": [{"uuid": str(uuid.uuid1()), "sku": "VASE-1", "price": {"amount": 9900, "currencyId": "DKK"}}]})
    deliver(shop.zettle, django_capture_on_commit_callbacks)
    assert bc_titles(shop) == ["Brand new vase"]


def test_a_product_deleted_in_zettle_whose_bigcommerce_product_was_there_before_is_only_unlinked(
        shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(zettle_products=1)
    zettle_product = shop.zettle_products()[0]
    sku = zettle_product.variants[0].sku
    shop.bc_client().create_product(product={"name": "Merchant's own", "type": "physical", "weight": 1,
                                             "price": 10, "sku": sku})
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle_connection.refresh_from_db()
    deliver(shop.zettle, django_capture_on_commit_callbacks)
    assert len(shop.bc_products()) == 1  # linked by SKU, not duplicated

    shop.zettle.admin_delete_product(shop.org, zettle_product.external_id)
    deliver(shop.zettle, django_capture_on_commit_callbacks)
    assert len(shop.bc_products()) == 1  # Flyt did not create it: it stays
    assert not Binding.objects.filter(connection=shop.bc_connection, kind=Binding.Kind.PRODUCT).exists()
    entry = SyncEntry.objects.filter(run__merchant=shop.merchant, run__trigger=SyncRun.Trigger.WEBHOOK,
                                     message__contains="before Flyt linked it").first()
    assert entry is not None


# --- the subscriptions: registered at setup, re-registered by the daily reconcile -----------------------------

def bc_hook_scopes(shop):
    return {h["scope"] for h in shop.bc.state["accounts"][shop.store]["hooks"].values() if h["is_active"]}


def zettle_events(shop):
    subscriptions = shop.zettle.state["accounts"][shop.org]["subscriptions"].values()
    return {e for s in subscriptions for e in s["eventNames"]}


def reconcile(shop, connection):
    from integrations.services.stock import stock_connection_reconcile

    connection.refresh_from_db()
    return stock_connection_reconcile(merchant=shop.merchant, connection=connection)


def test_bigcommerce_product_notifications_are_registered_and_come_back_when_lost(bc_home):
    channel = bc_home.channel_id
    product_scopes = {"store/product/created", "store/product/updated", "store/product/deleted",
                      f"store/channel/{channel}/product/assigned", f"store/channel/{channel}/product/unassigned"}
    assert product_scopes <= bc_hook_scopes(bc_home)
    hooks = bc_home.bc.state["accounts"][bc_home.store]["hooks"]
    for key in [k for k, h in hooks.items() if h["scope"] in product_scopes]:
        if hooks[key]["scope"].endswith("assigned"):
            hooks.pop(key)  # deleted by the merchant
        else:
            hooks[key]["is_active"] = False  # switched off by BigCommerce after failed deliveries
    assert not product_scopes & bc_hook_scopes(bc_home)

    outcome = reconcile(bc_home, bc_home.bc_connection)
    assert product_scopes <= bc_hook_scopes(bc_home)
    assert any("Re-registered" in e["message"] for e in outcome.entries)
    before = len(bc_home.bc.requests)
    reconcile(bc_home, bc_home.bc_connection)  # nothing missing: nothing written
    assert [r for r in bc_home.bc.requests[before:] if "/hooks" in r.path and r.method != "GET"] == []


def test_zettle_product_notifications_are_registered_and_come_back_when_lost(zettle_home):
    product_events = {"ProductCreated", "ProductUpdated", "ProductDeleted"}
    assert product_events <= zettle_events(zettle_home)
    for subscription in zettle_home.zettle.state["accounts"][zettle_home.org]["subscriptions"].values():
        subscription["eventNames"] = [e for e in subscription["eventNames"] if e not in product_events]

    reconcile(zettle_home, zettle_home.zettle_connection)
    assert product_events <= zettle_events(zettle_home)
