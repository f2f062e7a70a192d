"""Stock both ways between Zettle and BigCommerce, through the platforms' own webhooks.

Each test sells, refunds or adjusts on a sandbox, delivers the sandbox's signed webhooks to our
intake, and asserts on the other sandbox's state and on the hub's ledger.
"""

import pytest

from catalog.models import Variant
from integrations.models import RemoteStock
from integrations.sandbox.seed import catalog
from integrations.services.stock import (
    location_map,
    product_separate_stock_off,
    product_separate_stock_on,
    product_stock_tracking_set,
    stock_connection_reconcile,
)
from integrations.zettle.api_inventory import is_read_by_post
from inventory.models import StockMovement
from inventory.selectors import stock_quantity
from synclog.models import SyncEntry

pytestmark = pytest.mark.django_db


def hub(shop, sku):
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    return stock_quantity(merchant=shop.merchant, variant=variant)


def writes(sandbox):
    """Stock writes (Zettle reads balances and tracking of many products with a POST: not writes)."""
    return [r for r in sandbox.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")
            and "inventory" in r.path and not is_read_by_post(r.path)]


def test_a_sale_on_zettle_reaches_bigcommerce_and_is_counted_once(stock_shop):
    shop = stock_shop(bc_products=2, variants=2).start()
    sku = shop.skus()[0]
    before = shop.bc.stock_of(shop.store, sku)
    assert shop.zettle.store_balance(shop.org, sku) == before == hub(shop, sku)

    shop.zettle.webhooks.duplicate_rate = 1.0  # every notification arrives twice
    shop.zettle.sell(shop.org, sku, 2)
    shop.deliver()

    assert shop.bc.stock_of(shop.store, sku) == before - 2
    assert hub(shop, sku) == before - 2
    sales = StockMovement.objects.filter(merchant=shop.merchant, variant__sku=sku,
                                         source_connection=shop.zettle_connection)
    assert [m.delta for m in sales] == [-2]


def test_a_sale_and_a_refund_on_bigcommerce_reach_zettle(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    before = shop.zettle.store_balance(shop.org, sku)
    order = shop.bc.sell(shop.store, sku, 3)
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == before - 3
    shop.bc.admin_set_stock(shop.store, sku, before - 1)  # the merchant puts two back on the shelf
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == before - 1 == hub(shop, sku)
    assert order["id"]


def test_a_manual_change_on_either_side_propagates(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    shop.zettle.admin_set_stock(shop.org, sku, 40)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == 40
    shop.bc.admin_set_stock(shop.store, sku, 12)
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == 12 == hub(shop, sku)


def test_our_own_writes_coming_back_cause_no_further_writes(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    bc_before, zettle_before = len(writes(shop.bc)), len(writes(shop.zettle))
    shop.zettle.sell(shop.org, sku, 1)
    shop.deliver()
    # one write to BigCommerce; its echo (and Zettle's own notification) write nothing more
    assert len(writes(shop.bc)) - bc_before == 1
    assert len(writes(shop.zettle)) - zettle_before == 0


def test_with_stock_tracking_off_nothing_is_read_or_written(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    product_stock_tracking_set(merchant=shop.merchant, product=variant.product, enabled=False)
    before_bc, hub_before = shop.bc.stock_of(shop.store, sku), hub(shop, sku)
    shop.zettle.sell(shop.org, sku, 1)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == before_bc
    assert hub(shop, sku) == hub_before


def test_separate_stock_keeps_each_platforms_share_and_merges_back_when_turned_off(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    level = hub(shop, sku)
    assert level >= 5
    with shop.capture(execute=True):
        product_separate_stock_on(merchant=shop.merchant, product=variant.product,
                                  shares={(variant.pk, shop.bc_connection.pk): 3,
                                          (variant.pk, shop.zettle_connection.pk): 2})
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == 3
    assert shop.zettle.store_balance(shop.org, sku) == 2
    assert hub(shop, sku) == level  # the shares split the level on hand; the rest is unallocated

    shop.zettle.sell(shop.org, sku, 1)
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == 1
    assert shop.bc.stock_of(shop.store, sku) == 3  # nothing propagates
    assert hub(shop, sku) == level - 1

    with shop.capture(execute=True):
        merged = product_separate_stock_off(merchant=shop.merchant, product=variant.product)
    shop.deliver()
    assert merged == {variant.pk: level - 1}
    assert shop.bc.stock_of(shop.store, sku) == level - 1 == shop.zettle.store_balance(shop.org, sku)
    assert SyncEntry.objects.filter(merchant=shop.merchant,
                                    message__contains=f"merged into one shared level of {level - 1}").exists()


def test_stock_at_an_unmapped_location_is_refused_and_logged(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    row = RemoteStock.objects.get(connection=shop.bc_connection, variant__sku=sku)
    with shop.capture(execute=True):
        location_map(merchant=shop.merchant, connection=shop.bc_connection,
                     external_location_id=row.external_location_id, location=None)
    zettle_before = shop.zettle.store_balance(shop.org, sku)
    shop.bc.sell(shop.store, sku, 1)
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == zettle_before
    assert SyncEntry.objects.filter(merchant=shop.merchant, message__contains="not mapped").exists()


def test_reconcile_picks_up_a_dropped_notification_and_counts_the_drift(stock_shop):
    shop = stock_shop(bc_products=2).start()
    sku = shop.skus()[0]
    before = shop.bc.stock_of(shop.store, sku)
    shop.zettle.webhooks.drop_rate = 1.0
    shop.zettle.sell(shop.org, sku, 1)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == before  # nobody told us
    with shop.capture(execute=True):
        outcome = stock_connection_reconcile(merchant=shop.merchant, connection=shop.zettle_connection,
                                             trigger="manual")
    shop.zettle.webhooks.drop_rate = 0.0
    shop.deliver()
    assert outcome.drift == 1
    assert shop.bc.stock_of(shop.store, sku) == before - 1 == hub(shop, sku)
    shop.zettle_connection.refresh_from_db()
    assert shop.zettle_connection.stock_drift_count == 1
    assert SyncEntry.objects.filter(merchant=shop.merchant, message__startswith="Corrected").exists()


def test_reconcile_rewrites_a_level_changed_behind_our_back_when_the_platform_only_receives(stock_shop):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    shop.zettle_connection.stock_direction = "push"
    shop.zettle_connection.save(update_fields=["stock_direction"])
    expected = hub(shop, sku)
    shop.zettle.webhooks.drop_rate = 1.0
    shop.zettle.admin_set_stock(shop.org, sku, expected + 7)
    with shop.capture(execute=True):
        outcome = stock_connection_reconcile(merchant=shop.merchant, connection=shop.zettle_connection)
    assert outcome.drift == 1
    assert shop.zettle.store_balance(shop.org, sku) == expected == hub(shop, sku)
    assert SyncEntry.objects.filter(merchant=shop.merchant, message__contains=f"from {expected + 7} to {expected}") \
        .exists()


def test_a_product_created_after_setup_has_its_first_sale_counted(stock_shop):
    shop = stock_shop(bc_products=1).start()
    # the merchant adds a product in BigCommerce and assigns it to the "PayPal Zettle" channel
    shop.bc.seed(shop.store, catalog(1, variants=1, seed=99, prefix="NEW"))
    new = next(p for p in shop.bc_products() if p.variants[0].sku.startswith("NEW"))
    shop.bc_client().assign_products_to_channel(product_ids=[new.external_id],
                                                channel_id=shop.bc_connection.settings["channel_id"])
    shop.deliver()  # the assignment syncs it to Zettle within seconds, with its stock
    sku = new.variants[0].sku
    level = shop.bc.stock_of(shop.store, sku)
    assert shop.zettle.store_balance(shop.org, sku) == level
    assert RemoteStock.objects.filter(variant__sku=sku).count() == 2  # linked on both platforms at once

    shop.bc.sell(shop.store, sku, 1)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == level - 1  # the sale was not overwritten
    assert shop.zettle.store_balance(shop.org, sku) == level - 1 == hub(shop, sku)
