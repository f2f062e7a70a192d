"""Home base BigCommerce: products in the channel "PayPal Zettle" appear in Zettle's library."""

from decimal import Decimal

import pytest

from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from synclog.models import SyncEntry, SyncRun

pytestmark = pytest.mark.django_db


def channel_ids(shop):
    return [c["id"] for c in shop.bc_client().iter_channels() if c["name"] == "PayPal Zettle"]


def assign(shop, products):
    shop.assign_to_channel(products)


def sync(shop, integration, **options):
    shop.bc_connection.refresh_from_db()
    return integration_sync(merchant=shop.merchant, integration=integration, trigger=SyncRun.Trigger.MANUAL,
                            **options)


def by_sku(products):
    return {v.sku: (p, v) for p in products for v in p.variants}


def test_setup_creates_the_channel_once_and_only_channel_products_sync(shop_factory):
    shop = shop_factory(bc_products=3, variants=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    assert len(channel_ids(shop)) == 1
    assert shop.zettle_products() == []  # nothing is in the channel yet

    bc_products = shop.bc_products()
    assign(shop, bc_products[:2])
    run = sync(shop, integration)
    assert run.outcome == SyncRun.Outcome.SUCCESS and run.created_count == 2

    zettle = by_sku(shop.zettle_products())
    for product in bc_products[:2]:
        for variant in product.variants:
            copy, copy_variant = zettle[variant.sku]
            assert copy.title == product.title
            assert copy_variant.price == variant.price
    assert not any(v.sku in zettle for v in bc_products[2].variants)

    sync(shop, integration, full=True)
    assert len(channel_ids(shop)) == 1  # never a second channel


def test_unassigning_from_the_channel_stops_the_sync_and_keeps_the_copy(shop_factory):
    shop = shop_factory(bc_products=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    first, second = shop.bc_products()
    assign(shop, [first, second])
    sync(shop, integration)

    shop.bc_client().unassign_products_from_channel(product_ids=[first.external_id],
                                                    channel_id=shop.bc_connection.settings["channel_id"])
    run = sync(shop, integration, full=True)
    assert run.entries.filter(message__contains="no longer assigned to the channel PayPal Zettle").exists()

    shop.bc.admin_update_product(shop.store, int(first.external_id), name="Renamed in BigCommerce")
    sync(shop, integration, full=True)
    titles = {p.title for p in shop.zettle_products()}
    assert first.title in titles and "Renamed in BigCommerce" not in titles  # the copy stays, unsynced


def test_prices_not_included_sync_as_zero_and_are_never_written(shop_factory):
    shop = shop_factory(bc_products=1)
    integration = shop.integration(home="bigcommerce", prices_included=False)
    integration_activate(merchant=shop.merchant, integration=integration)
    product = shop.bc_products()[0]
    assign(shop, [product])
    sync(shop, integration)
    copy = shop.zettle_products()[0]
    assert all(v.price in (None, Decimal("0")) for v in copy.variants)

    shop.bc.admin_update_product(shop.store, int(product.external_id), price=555, name="New name")
    sync(shop, integration)
    copy = shop.zettle_products()[0]
    assert copy.title == "New name"
    assert all(v.price in (None, Decimal("0")) for v in copy.variants)


def test_changes_made_on_zettle_are_overwritten_and_the_log_says_so(shop_factory):
    shop = shop_factory(bc_products=1, variants=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    product = shop.bc_products()[0]
    assign(shop, [product])
    sync(shop, integration)
    sync(shop, integration)  # the copy as Zettle holds it is noted
    copy = shop.zettle_products()[0]
    shop.zettle.admin_update_product(shop.org, copy.external_id, {"name": "Edited in Zettle"})

    run = sync(shop, integration, full=True)
    assert shop.zettle_products()[0].title == product.title
    entry = run.entries.get(action=SyncEntry.Action.UPDATED)
    assert "changed on Zettle" in entry.message and "home base" in entry.message


def test_a_sync_log_line_per_product(shop_factory):
    shop = shop_factory(bc_products=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    assign(shop, shop.bc_products())
    run = sync(shop, integration)
    created = run.entries.filter(action=SyncEntry.Action.CREATED)
    assert created.count() == 2 and all("created on Zettle" in e.message for e in created)
    rerun = sync(shop, integration)
    assert rerun.unchanged_count == 2 and rerun.created_count == rerun.updated_count == 0


def test_a_variant_edited_on_zettle_is_overwritten_too(shop_factory):
    import copy

    shop = shop_factory(bc_products=1, variants=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    product = shop.bc_products()[0]
    assign(shop, [product])
    sync(shop, integration)
    sync(shop, integration)
    copy_uuid = shop.zettle_products()[0].external_id
    raw = shop.zettle.account(shop.org)["products"][copy_uuid]
    variants = copy.deepcopy(raw["variants"])
    variants[0]["price"]["amount"] = 100  # 1.00 in the shop's currency
    shop.zettle.admin_update_product(shop.org, copy_uuid, {"variants": variants})
    assert Decimal("1.00") in {v.price for v in shop.zettle_products()[0].variants}

    run = sync(shop, integration, full=True)
    prices = {v.sku: v.price for v in shop.zettle_products()[0].variants}
    assert prices == {v.sku: v.price for v in product.variants}
    assert "changed on Zettle" in run.entries.get(action=SyncEntry.Action.UPDATED).message
