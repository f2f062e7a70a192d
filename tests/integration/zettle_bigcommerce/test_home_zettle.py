"""Home base Zettle: all (or the selected) Zettle products sync to BigCommerce, into the category
"PayPal Zettle", not visible until the merchant says so — and later syncs leave that alone."""

import pytest

from catalog.models import Product
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.models import Integration
from integrations.services.listings import listings_assign, listings_unassign
from synclog.models import SyncRun

pytestmark = pytest.mark.django_db


def sync(shop, integration, **options):
    for connection in (shop.bc_connection, shop.zettle_connection):
        connection.refresh_from_db()
    return integration_sync(merchant=shop.merchant, integration=integration, trigger=SyncRun.Trigger.MANUAL,
                            **options)


def raw_bc(shop):
    client = shop.bc_client()
    return [client.get_product(product_id=p.external_id) for p in shop.bc_products()]


def category_id(shop, name):
    found = shop.bc_client().ensure_category(name=name)
    return found.get("category_id", found.get("id"))


def test_all_products_land_hidden_in_the_paypal_zettle_category(shop_factory):
    shop = shop_factory(zettle_products=3, variants=2)
    integration = shop.integration(home="zettle")
    run = integration_activate(merchant=shop.merchant, integration=integration)
    assert run.created_count == 3 and run.trigger == SyncRun.Trigger.SETUP
    category = category_id(shop, "PayPal Zettle")
    products = raw_bc(shop)
    assert len(products) == 3
    assert all(p["is_visible"] is False and p["categories"] == [category] for p in products)
    zettle_skus = {v.sku for p in shop.zettle_products() for v in p.variants}
    assert {v["sku"] for p in products for v in p["variants"]} == zettle_skus
    barcodes = {v.barcode for p in shop.zettle_products() for v in p.variants}
    assert {v["upc"] or v.get("gtin") for p in products for v in p["variants"]} <= barcodes | {""}


def test_later_syncs_never_move_products_back_hide_them_or_touch_tax(shop_factory):
    shop = shop_factory(zettle_products=1)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    product = raw_bc(shop)[0]
    client = shop.bc_client()
    shelf = category_id(shop, "Kitchen")  # the merchant moves it to a storefront category
    client.update_product(product_id=product["id"], fields={"is_visible": True, "categories": [shelf],
                                                            "tax_class_id": 2})
    zettle_product = shop.zettle_products()[0]
    shop.zettle.admin_update_product(shop.org, zettle_product.external_id, {"name": "Renamed in Zettle"})
    sync(shop, integration, full=True)
    after = client.get_product(product_id=product["id"])
    assert after["name"] == "Renamed in Zettle"
    assert (after["is_visible"], after["categories"], after["tax_class_id"]) == (True, [shelf], 2)


def test_selected_products_only_then_new_ones_automatically_and_unassigning_keeps_the_copy(
        shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(zettle_products=3)
    integration = shop.integration(home="zettle", scope=Integration.Scope.SELECTED)
    integration_activate(merchant=shop.merchant, integration=integration)
    assert shop.bc_products() == []  # "select products": nothing until chosen
    chosen = list(Product.objects.filter(merchant=shop.merchant).order_by("title")[:2])

    with django_capture_on_commit_callbacks(execute=True):
        listings_assign(merchant=shop.merchant, integration=integration, products=chosen)
    assert sorted(p.title for p in shop.bc_products()) == sorted(p.title for p in chosen)

    from integrations.sandbox.seed import catalog

    shop.zettle.seed(shop.org, catalog(1, seed=99, prefix="NEW", start=500))  # created in Zettle after setup
    sync(shop, integration)
    assert len(shop.bc_products()) == 3

    listings_unassign(merchant=shop.merchant, integration=integration, products=[chosen[0]])
    zettle_copy = next(p for p in shop.zettle_products() if p.title == chosen[0].title)
    shop.zettle.admin_update_product(shop.org, zettle_copy.external_id, {"name": "Changed after unassign"})
    sync(shop, integration, full=True)
    titles = {p.title for p in shop.bc_products()}
    assert chosen[0].title in titles and "Changed after unassign" not in titles


def test_prices_are_only_offered_in_the_same_currency_and_zero_when_not_included(shop_factory):
    shop = shop_factory(zettle_products=1)
    integration = shop.integration(home="zettle", prices_included=False)
    integration_activate(merchant=shop.merchant, integration=integration)
    assert all(float(p["price"]) == 0 for p in raw_bc(shop))
