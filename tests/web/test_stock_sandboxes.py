"""The stock pages over HTTP with the in-process BigCommerce and Zettle sandboxes behind them: the
merchant gives each platform its share, sells on one, merges the shares back; support replays
events that are already in."""

import pytest
from django.urls import reverse

from catalog.models import Variant
from integrations.models import WebhookEvent
from inventory.models import StockMovement
from inventory.selectors import stock_quantity
from tests.integration.stock.conftest import bc, clock, stock_shop, zettle  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def test_separate_stock_then_turning_it_off_over_http(stock_shop, client_a,  # noqa: F811
                                                      django_capture_on_commit_callbacks):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
    url = reverse("integration-product", args=[shop.integration_obj.pk, variant.product_id])
    level = stock_quantity(merchant=shop.merchant, variant=variant)
    page = html(client_a.get(url))
    share = {c: f"share-{variant.pk}-{c.pk}" for c in (shop.bc_connection, shop.zettle_connection)}
    proposed = {share[c]: page.split(f'name="{share[c]}" value="', 1)[1].split('"', 1)[0]
                for c in (shop.bc_connection, shop.zettle_connection)}
    assert sum(int(v) for v in proposed.values()) == level  # the level on hand, split: nothing made up
    assert level >= 8

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(url + "stock/separate/", {share[shop.bc_connection]: 5,
                                                          share[shop.zettle_connection]: 3})
    assert response.status_code == 302, html(response)
    shop.deliver()
    assert shop.bc.stock_of(shop.store, sku) == 5 and shop.zettle.store_balance(shop.org, sku) == 3

    shop.zettle.sell(shop.org, sku, 1)
    shop.deliver()
    assert shop.zettle.store_balance(shop.org, sku) == 2
    assert shop.bc.stock_of(shop.store, sku) == 5  # a sale reduces only the selling platform's share

    # the units left unallocated were never sold, so merging gives back the level less the one sale
    merged = level - 1
    confirm = html(client_a.get(url + "stock/separate/off/"))
    assert "Turn off separate stock" in confirm and f"<strong>{merged}</strong>" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(url + "stock/separate/off/")
    shop.deliver()
    assert f"merged into one shared level of {merged}." in html(client_a.get(response.url))
    assert shop.bc.stock_of(shop.store, sku) == merged == shop.zettle.store_balance(shop.org, sku)
    assert stock_quantity(merchant=shop.merchant, variant=variant) == merged


def test_replaying_events_already_in_changes_nothing(stock_shop, staff_client,  # noqa: F811
                                                     django_capture_on_commit_callbacks):
    shop = stock_shop(bc_products=1).start()
    sku = shop.skus()[0]
    shop.zettle.sell(shop.org, sku, 2)
    shop.bc.sell(shop.store, sku, 1)
    shop.deliver()
    levels = (shop.bc.stock_of(shop.store, sku), shop.zettle.store_balance(shop.org, sku))
    movements = StockMovement.objects.filter(merchant=shop.merchant).count()
    events = list(WebhookEvent.objects.filter(merchant=shop.merchant))
    assert events

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:integrations_webhookevent_changelist"),
                                     {"action": "replay", "_selected_action": [e.pk for e in events]}, follow=True)
    shop.deliver()

    assert f"{len(events)} event(s) queued" in html(response)
    assert StockMovement.objects.filter(merchant=shop.merchant).count() == movements
    assert (shop.bc.stock_of(shop.store, sku), shop.zettle.store_balance(shop.org, sku)) == levels
    assert not WebhookEvent.objects.filter(merchant=shop.merchant, status__in=["pending", "failed"]).exists()
