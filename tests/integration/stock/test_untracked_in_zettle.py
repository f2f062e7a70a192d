"""Stock syncs only for the products Zettle tracks when Zettle is the home base (help pages: "stock level
only if tracked in Zettle"): a product whose tracking is off in Zettle is neither read nor written, and Flyt
never switches its tracking on."""

import pytest

from catalog.models import Variant
from inventory.models import StockMovement

pytestmark = pytest.mark.django_db


def test_a_product_zettle_does_not_track_gets_no_stock_sync(stock_shop):
    shop = stock_shop(zettle_products=2)
    tracked, untracked = list(shop.zettle_client().iter_products())
    shop.zettle_client().stop_tracking(product_uuid=untracked["uuid"])
    shop.start(home="zettle")
    tracked_sku, untracked_sku = tracked["variants"][0]["sku"], untracked["variants"][0]["sku"]
    variant = Variant.objects.get(merchant=shop.merchant, sku=untracked_sku)
    moved = StockMovement.objects.filter(merchant=shop.merchant, variant=variant).count()

    # the merchant counts the untracked product in BigCommerce: nothing comes back to Flyt or Zettle
    shop.bc.admin_set_stock(shop.store, untracked_sku, 9)
    shop.deliver()
    assert StockMovement.objects.filter(merchant=shop.merchant, variant=variant).count() == moved
    assert untracked["uuid"] not in shop.zettle_client().tracking_status(product_uuids=[untracked["uuid"]])

    # a tracked product still syncs
    shop.zettle.admin_set_stock(shop.org, tracked_sku, 21)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, tracked_sku) == 21
