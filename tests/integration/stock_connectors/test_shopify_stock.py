"""The Shopify stock connector against the in-process Shopify sandbox: locations, reads after a sale,
paging with SKUs, compare-and-set writes (a sale between read and write is never overwritten),
refusals, batch sizes, webhook subscriptions and the sandbox's own stock webhooks."""

import pytest

from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.shopify import webhooks
from integrations.shopify.stock import ShopifyStock
from tests.integration.stock_connectors.conftest import SandboxAccount, account_fixture

pytestmark = pytest.mark.django_db
URL = "https://flyt.example/webhooks/shopify/abc/"


class Shop(SandboxAccount):
    platform = "shopify"

    def __init__(self, merchant, sandbox, *, products=3, variants=2, locations=("Main warehouse", "Outlet")):
        super().__init__(merchant, sandbox, sandbox.create_account(locations=locations),
                         products and catalog(products, variants=variants, prefix="SHP"))
        sandbox.webhooks.clear()

    def item(self, sku):
        return str(self.sandbox.variant_by_sku(self.account, sku)[1]["inventory_item_id"])

    def location(self, n=0):
        return str(sorted(self.account["locations"].values(), key=lambda loc: loc["id"])[n]["id"])

    def set(self, sku, quantity, n=0):
        self.sandbox.admin_set_stock(self.key, sku, quantity, location_id=self.location(n))
        self.sandbox.webhooks.clear()

    def mutations(self, name):
        return [r for r in self.sandbox.calls("POST", "graphql.json") if name in (r.json() or {}).get("query", "")]


shop = account_fixture("shop", Shop, "shopify")


def test_the_registry_gives_the_shopify_stock_connector(shop):
    connector = shop.connector()
    assert isinstance(connector, ShopifyStock)
    assert connector.adjust_batch_size == 250 and connector.relative_writes


def test_locations_are_the_shops_active_locations_with_one_default(shop):
    shop.account["locations"][shop.location(1)]["active"] = False
    locations = shop.connector().locations()
    assert [loc.external_id for loc in locations] == [shop.location(0)]
    assert [loc.is_default for loc in locations] == [True]


def test_two_locations_one_default(shop):
    locations = shop.connector().locations()
    assert [loc.name for loc in locations] == ["Main warehouse", "Outlet"]
    assert sum(loc.is_default for loc in locations) == 1 and locations[0].is_default


def test_read_levels_after_a_sale_in_one_request(shop):
    sku, other = shop.skus()[:2]
    shop.set(sku, 10)
    shop.set(sku, 4, n=1)
    shop.set(other, 6)
    shop.sandbox.sell(shop.key, sku, 2)
    connector = shop.connector()
    connector.locations()
    before = len(shop.sandbox.calls("POST", "graphql.json"))
    levels = connector.read_levels(refs=[StockRef(variant_id=shop.item(sku)),  # every location
                                         StockRef(variant_id=shop.item(other), location_id=shop.location(0)),
                                         StockRef(variant_id="987654321")])  # unknown: absent
    assert len(shop.sandbox.calls("POST", "graphql.json")) == before + 1
    got = {(lv.sku, lv.location_id): lv.quantity for lv in levels}
    assert got == {(sku, shop.location(0)): 8, (sku, shop.location(1)): 4, (other, shop.location(0)): 6}
    level = next(lv for lv in levels if lv.sku == sku)
    variant = shop.sandbox.variant_by_sku(shop.account, sku)[1]
    assert level.variant_id == shop.item(sku) and level.product_id == str(variant["product_id"])
    assert level.barcode == variant["barcode"] and level.tracked


def test_an_untracked_item_is_read_as_untracked(shop):
    sku = shop.skus()[0]
    shop.account["inventory_items"][shop.item(sku)]["tracked"] = False
    levels = shop.connector().read_levels(refs=[StockRef(variant_id=shop.item(sku), location_id=shop.location(0))])
    assert [lv.tracked for lv in levels] == [False]


def test_iter_levels_pages_with_skus_and_barcodes(merchant_a, shopify):
    shop = Shop(merchant_a, shopify, products=260, variants=1, locations=("Main warehouse",))
    connector = shop.connector()
    levels = list(connector.iter_levels())
    assert len(levels) == 260
    assert sorted(lv.sku for lv in levels) == shop.skus()
    assert all(lv.barcode and lv.product_id and lv.location_id == shop.location(0) for lv in levels)
    assert len(shop.mutations("FlytStockLocationLevels")) == 2  # 250 + 10
    only = list(connector.iter_levels(location_ids=[shop.location(0)]))
    assert len(only) == 260


def test_adjust_is_compare_and_set_and_a_sale_in_between_is_not_overwritten(shop):
    sku, other = shop.skus()[:2]
    shop.set(sku, 10)
    shop.set(other, 5)
    connector = shop.connector()
    read = {lv.sku: lv.quantity for lv in connector.read_levels(refs=[StockRef(shop.item(sku), shop.location()),
                                                                     StockRef(shop.item(other), shop.location())])}
    shop.sandbox.sell(shop.key, sku, 1)  # lands between Flyt's read and Flyt's write
    results = connector.adjust(changes=[
        StockAdjustment(variant_id=shop.item(sku), location_id=shop.location(), delta=-3, expected=read[sku]),
        StockAdjustment(variant_id=shop.item(other), location_id=shop.location(), delta=-2, expected=read[other])])
    assert results[0].conflict and not results[0].ok
    assert results[1].ok and results[1].quantity == 3
    assert shop.sandbox.stock_of(shop.key, sku) == 9  # the sale stands; nothing was overwritten
    assert shop.sandbox.stock_of(shop.key, other) == 3
    sent = [r.json()["variables"]["input"] for r in shop.mutations("inventorySetQuantities")]
    assert sent[0]["quantities"][0]["changeFromQuantity"] == 10 and sent[0]["quantities"][0]["quantity"] == 7
    assert "ignoreCompareQuantity" not in sent[0] and "compareQuantity" not in sent[0]["quantities"][0]
    # read again (the engine does so after a conflict), then the write goes through
    now = connector.read_levels(refs=[StockRef(shop.item(sku), shop.location())])[0].quantity
    again = connector.adjust(changes=[StockAdjustment(variant_id=shop.item(sku), location_id=shop.location(),
                                                      delta=-3, expected=now)])
    assert again[0].ok and again[0].quantity == 6 and shop.sandbox.stock_of(shop.key, sku) == 6


def test_adjust_without_expected_is_a_relative_adjustment(shop):
    sku = shop.skus()[0]
    shop.set(sku, 10)
    shop.sandbox.sell(shop.key, sku, 1)
    results = shop.connector().adjust(changes=[StockAdjustment(variant_id=shop.item(sku), location_id=shop.location(),
                                                               delta=+4, reason="refund")])
    assert results[0].ok and shop.sandbox.stock_of(shop.key, sku) == 13
    sent = shop.mutations("inventoryAdjustQuantities")[-1].json()["variables"]["input"]
    assert sent["changes"][0]["delta"] == 4 and sent["reason"] == "restock"


def test_a_refused_item_gets_a_message_for_people_and_the_rest_is_written(shop):
    sku, other = shop.skus()[:2]
    shop.set(other, 5)
    outlet = shop.location(1)
    for key in [k for k in shop.account["levels"] if k.endswith(f":{outlet}")]:
        del shop.account["levels"][key]
    del shop.account["locations"][str(outlet)]  # the outlet was closed in Shopify
    results = shop.connector().adjust(changes=[
        StockAdjustment(variant_id=shop.item(sku), location_id=outlet, delta=1, expected=0),
        StockAdjustment(variant_id=shop.item(other), location_id=shop.location(), delta=1, expected=5)])
    assert not results[0].ok and not results[0].conflict and not results[0].retryable
    assert results[0].error.startswith(f"Stock for SKU {sku} not written to Shopify")
    assert f"Shopify location {outlet} no longer exists" in results[0].error
    assert results[1].ok and shop.sandbox.stock_of(shop.key, other) == 6


def test_stock_written_where_the_item_is_not_stocked_yet_stocks_it_there(shop):
    """From 2026-10 Shopify takes inventory at any location (ITEM_NOT_STOCKED_AT_LOCATION is gone)."""
    sku = shop.skus()[0]
    outlet = shop.location(1)
    shop.account["levels"].pop(f"{shop.item(sku)}:{outlet}", None)
    results = shop.connector().adjust(changes=[
        StockAdjustment(variant_id=shop.item(sku), location_id=outlet, delta=3, expected=0)])
    assert results[0].ok and results[0].quantity == 3
    assert shop.sandbox.level(shop.account, int(shop.item(sku)), int(outlet))["available"] == 3


def test_a_batch_is_one_mutation_of_up_to_250(merchant_a, shopify):
    shop = Shop(merchant_a, shopify, products=250, variants=1, locations=("Main warehouse",))
    connector = shop.connector()
    levels = list(connector.iter_levels())
    changes = [StockAdjustment(variant_id=lv.variant_id, location_id=lv.location_id, delta=1, expected=lv.quantity)
               for lv in levels]
    results = connector.adjust(changes=changes)
    assert all(r.ok for r in results)
    sent = shop.mutations("inventorySetQuantities")
    assert len(sent) == 1 and len(sent[0].json()["variables"]["input"]["quantities"]) == 250
    with pytest.raises(ValueError):
        connector.adjust(changes=changes + changes[:1])


def test_webhook_registration_is_idempotent_and_a_lost_one_is_found(shop):
    connector = shop.connector()
    assert sorted(connector.missing_webhooks(url=URL)) == ["inventory_levels/connect", "inventory_levels/update"]
    connector.register_webhooks(url=URL, secret="ignored")
    connector.register_webhooks(url=URL, secret="ignored")
    hooks = shop.account["webhooks"]
    assert sorted(h["topic"] for h in hooks.values()) == ["inventory_levels/connect", "inventory_levels/update"]
    assert connector.missing_webhooks(url=URL) == []
    created = len(shop.mutations("webhookSubscriptionCreate"))
    lost = next(k for k, h in hooks.items() if h["topic"] == "inventory_levels/update")
    del hooks[lost]  # Shopify deletes a subscription whose deliveries kept failing
    assert connector.missing_webhooks(url=URL) == ["inventory_levels/update"]
    connector.register_webhooks(url=URL, secret="ignored")
    assert len(shop.mutations("webhookSubscriptionCreate")) == created + 1
    assert connector.missing_webhooks(url=URL) == []
    # unregistering removes only our stock topics at that address
    shop.connector().client.subscribe(topic="products/update", address=URL)
    connector.unregister_webhooks(url=URL)
    assert [h["topic"] for h in hooks.values()] == ["products/update"]


def test_refs_for_changes_on_the_sandboxs_own_webhook_after_a_sale(shop):
    sku = shop.skus()[0]
    shop.set(sku, 7)
    connector = shop.connector()
    connector.register_webhooks(url=URL, secret="")
    shop.sandbox.sell(shop.key, sku, 2)
    received = []
    shop.sandbox.webhooks.run_until_idle(lambda url, headers, body: received.append((headers, body)) or 200)
    changes = [c for headers, body in received for c in webhooks.parse(headers=headers, body=body)]
    assert {c.topic for c in changes} == {"inventory_levels/update"}  # the order topics are not subscribed
    refs = connector.refs_for_changes(changes=changes)
    assert refs == [StockRef(variant_id=shop.item(sku), location_id=shop.location())]
    assert [lv.quantity for lv in connector.read_levels(refs=refs)] == [5]
    # a restocking refund is announced the same way
    order_id = max(shop.account["orders"], key=int)
    shop.sandbox.refund(shop.key, order_id)
    received.clear()
    shop.sandbox.webhooks.run_until_idle(lambda url, headers, body: received.append((headers, body)) or 200)
    changes = [c for headers, body in received for c in webhooks.parse(headers=headers, body=body)]
    assert connector.refs_for_changes(changes=changes) == refs
    assert [lv.quantity for lv in connector.read_levels(refs=refs)] == [7]


def test_call_stats_count_reads_and_writes(shop):
    connector = shop.connector()
    sku = shop.skus()[0]
    level = connector.read_levels(refs=[StockRef(shop.item(sku), shop.location())])[0]
    connector.adjust(changes=[StockAdjustment(variant_id=level.variant_id, location_id=level.location_id, delta=1,
                                              expected=level.quantity)])
    stats = connector.call_stats()
    assert stats["read"] >= 2 and stats["write"] == 1


def test_after_part_is_written_a_failure_is_answered_per_item_not_raised(shop, monkeypatch):
    sku, other = shop.skus()[:2]
    shop.set(sku, 5)
    shop.set(other, 5)
    connector = shop.connector()

    def down(**kwargs):
        raise ConnectorError("Shopify did not answer.", retryable=True, status=503, platform="shopify")

    monkeypatch.setattr(connector.client, "adjust_stock", down)
    results = connector.adjust(changes=[
        StockAdjustment(variant_id=shop.item(sku), location_id=shop.location(), delta=-1, expected=5),
        StockAdjustment(variant_id=shop.item(other), location_id=shop.location(), delta=-1)])
    assert results[0].ok and shop.sandbox.stock_of(shop.key, sku) == 4
    assert not results[1].ok and results[1].retryable and shop.sandbox.stock_of(shop.key, other) == 5
    with pytest.raises(ConnectorError):  # nothing written: raised, so the engine keeps every item
        connector.adjust(changes=[StockAdjustment(variant_id=shop.item(other), location_id=shop.location(),
                                                  delta=-1)])
