"""Turning a product's stock tracking back on sets every platform Flyt writes stock to to Flyt's level,
through the normal push, with a sync log entry per platform. While it was off Flyt neither read nor
wrote the product's stock, so what the platforms did meanwhile is not counted into Flyt's level."""

import pytest
from django.urls import reverse

from catalog.models import Variant
from inventory.selectors import stock_quantity
from synclog.models import SyncEntry
from tests.integration.stock.conftest import bc, clock, stock_shop, zettle  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_turning_tracking_back_on_sets_every_platform_to_flyts_level(stock_shop, client_a,  # noqa: F811
                                                                      django_capture_on_commit_callbacks):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    url = reverse("integration-product-stock-tracking", args=[shop.integration_obj.pk, variant.product_id])
    level = stock_quantity(merchant=shop.merchant, variant=variant)
    assert level >= 3 and shop.zettle.store_balance(shop.org, sku) == level == shop.bc.stock_of(shop.store, sku)

    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.post(url, {}).status_code == 302  # tracking off
    shop.zettle.sell(shop.org, sku, 2)  # meanwhile, on the platforms
    shop.bc.admin_set_stock(shop.store, sku, level + 5)
    shop.deliver()
    assert stock_quantity(merchant=shop.merchant, variant=variant) == level  # not read while off
    assert shop.zettle.store_balance(shop.org, sku) == level - 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(url, {"track_stock": "1"})
    assert response.status_code == 302
    shop.deliver()

    assert shop.zettle.store_balance(shop.org, sku) == level == shop.bc.stock_of(shop.store, sku)
    assert stock_quantity(merchant=shop.merchant, variant=variant) == level
    assert "Every platform Flyt writes stock to is being set to Flyt&#x27;s level" in \
        client_a.get(response.url).content.decode()
    for connection, platform, showed in ((shop.zettle_connection, "Zettle", level - 2),
                                         (shop.bc_connection, "BigCommerce", level + 5)):
        entry = SyncEntry.objects.get(run__connection=connection, message__contains="Stock tracking turned on")
        assert f"{platform} showed {showed}" in entry.message and f"Flyt's level {level}" in entry.message
        assert SyncEntry.objects.filter(run__connection=connection,
                                        message__contains=f"set from {showed} to {level}").exists()
