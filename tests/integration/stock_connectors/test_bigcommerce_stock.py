"""The BigCommerce stock connector against the in-process BigCommerce sandbox: locations, reads after a
sale, paging, relative writes (a sale between read and write is kept), refusals, batch sizes, webhooks."""

import json

import pytest

from integrations.bigcommerce import webhooks
from integrations.bigcommerce.stock import BigCommerceStock
from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.sandbox.seed import catalog
from tests.integration.stock_connectors.conftest import SandboxAccount, account_fixture, deliveries

URL = "https://flyt.example/webhooks/bigcommerce/abc/"


class Store(SandboxAccount):
    platform = "bigcommerce"

    def __init__(self, merchant, sandbox, *, products=3, variants=2, simple=2, **options):
        super().__init__(merchant, sandbox, sandbox.create_account(quota=100_000, **options),
                         products and catalog(products, variants=variants, prefix="VAR"),
                         simple and catalog(simple, variants=1, prefix="SIM", start=100))

    def variant(self, sku):
        return self.sandbox.variant_by_sku(self.account, sku)

    def ref(self, sku, location=""):
        variant = self.variant(sku)
        return StockRef(variant_id=str(variant["id"]), location_id=str(location), product_id=str(variant["product_id"]))

    def skus(self, prefix):
        return sorted(v["sku"] for v in self.account["variants"].values() if v["sku"].startswith(prefix))

    def relative_calls(self):
        return self.sandbox.calls("POST", "/inventory/adjustments/relative")


store = account_fixture("store", Store, "bc")


def test_registry_builds_the_connector_over_the_sandbox(store):
    assert isinstance(store.connector(), BigCommerceStock)
    assert store.connector().adjust_batch_size == 2000


def test_locations_one_default(store):
    store.sandbox.new_location(store.account, code="WAREHOUSE", label="Warehouse", now=0)
    locations = store.connector().locations()
    assert [(loc.name, loc.is_default) for loc in locations] == [("Default location", True), ("Warehouse", False)]


def test_read_levels_after_a_sale_variant_and_product_tracked(store):
    variant_sku, simple_sku = store.skus("VAR")[0], store.skus("SIM")[0]
    before = {sku: store.sandbox.stock_of(store.key, sku) for sku in (variant_sku, simple_sku)}
    store.sandbox.sell(store.key, variant_sku, 2)
    store.sandbox.sell(store.key, simple_sku, 1)
    levels = {lv.sku: lv for lv in store.connector().read_levels(refs=[store.ref(variant_sku), store.ref(simple_sku)])}
    assert levels[variant_sku].quantity == before[variant_sku] - 2
    assert levels[simple_sku].quantity == before[simple_sku] - 1
    assert levels[variant_sku].location_id == "1" and levels[variant_sku].tracked
    assert levels[simple_sku].barcode  # from the catalog
    assert len(store.sandbox.calls("GET", "/inventory/items")) == 1  # one batched read


def test_read_levels_every_location_unknown_absent_untracked_flagged(store):
    sku = store.skus("VAR")[0]
    warehouse = store.sandbox.new_location(store.account, code="WH", label="Warehouse", now=0)
    store.sandbox.set_on_hand(store.account, store.variant(sku)["id"], warehouse, 4, emit=False)
    connector = store.connector()
    levels = connector.read_levels(refs=[store.ref(sku), StockRef(variant_id="999999", product_id="999")])
    assert sorted((lv.location_id, lv.quantity) for lv in levels) == [
        ("1", store.sandbox.stock_of(store.key, sku, location_id=1)), (str(warehouse), 4)]
    only = connector.read_levels(refs=[store.ref(sku, warehouse)])
    assert [(lv.location_id, lv.quantity) for lv in only] == [(str(warehouse), 4)]
    simple = store.variant(store.skus("SIM")[0])
    store.account["products"][str(simple["product_id"])]["inventory_tracking"] = "none"
    untracked = store.connector().read_levels(refs=[store.ref(simple["sku"])])
    assert [lv.tracked for lv in untracked] == [False]


def test_iter_levels_pages_with_skus(merchant_a, bc):
    big = Store(merchant_a, bc, products=0, simple=260)
    levels = list(big.connector().iter_levels())
    assert len(levels) == 260
    assert all(lv.sku.startswith("SIM") and lv.barcode and lv.tracked and lv.location_id == "1" for lv in levels)
    assert len(bc.calls("GET", "/catalog/products")) == 2  # 250 a page
    assert list(big.connector().iter_levels(location_ids=["2"])) == []


def test_adjust_is_relative_a_sale_between_read_and_write_is_kept(store):
    sku, simple_sku = store.skus("VAR")[0], store.skus("SIM")[0]
    connector = store.connector()
    [level] = connector.read_levels(refs=[store.ref(sku)])
    [simple_level] = connector.read_levels(refs=[store.ref(simple_sku)])
    store.sandbox.sell(store.key, sku, 1)  # lands between our read and our write
    results = connector.adjust(changes=[
        StockAdjustment(variant_id=level.variant_id, location_id="1", product_id=level.product_id, delta=-3,
                        expected=level.quantity, reason="sale"),
        StockAdjustment(variant_id=simple_level.variant_id, location_id="1", product_id=simple_level.product_id,
                        delta=5, expected=simple_level.quantity)])
    assert [r.ok for r in results] == [True, True]
    assert store.sandbox.stock_of(store.key, sku) == level.quantity - 1 - 3
    assert store.sandbox.stock_of(store.key, simple_sku) == simple_level.quantity + 5
    [call] = store.relative_calls()
    items = call.json()["items"]
    assert items[0] == {"location_id": 1, "variant_id": int(level.variant_id), "quantity": -3}
    assert items[1] == {"location_id": 1, "product_id": int(simple_level.product_id), "quantity": 5}  # by product


def test_adjust_refusals_are_isolated_with_messages(store):
    skus = store.skus("VAR")
    connector = store.connector()
    refs = [store.ref(sku) for sku in skus[:3]]
    levels = {lv.sku: lv for lv in connector.read_levels(refs=refs)}
    store.account["stock"][str(store.variant(skus[1])["id"])]["1"]["safety_stock"] = levels[skus[1]].quantity
    simple = store.variant(store.skus("SIM")[0])
    store.account["products"][str(simple["product_id"])]["inventory_tracking"] = "none"
    changes = [StockAdjustment(variant_id=levels[sku].variant_id, location_id="1", product_id=levels[sku].product_id,
                               delta=-1, expected=levels[sku].quantity) for sku in skus[:3]]
    changes.append(StockAdjustment(variant_id=str(simple["id"]), location_id="1",
                                   product_id=str(simple["product_id"]), delta=2, expected=0))
    results = connector.adjust(changes=changes)
    assert [r.ok for r in results] == [True, False, True, False]
    assert f"Stock for SKU {skus[1]} not written" in results[1].error and "safety stock" in results[1].error
    assert not results[1].retryable
    assert f"SKU {simple['sku']}" in results[3].error and "does not track stock" in results[3].error
    assert store.sandbox.stock_of(store.key, skus[0]) == levels[skus[0]].quantity - 1
    assert store.sandbox.stock_of(store.key, skus[1]) == levels[skus[1]].quantity  # unchanged
    assert store.sandbox.stock_of(store.key, skus[2]) == levels[skus[2]].quantity - 1
    assert len(store.relative_calls()) == 2  # refused once, the rest sent again


def test_adjust_sets_an_item_with_no_level_at_that_location(store):
    sku = store.skus("VAR")[0]
    warehouse = store.sandbox.new_location(store.account, code="WH", label="Warehouse", now=0)
    variant = store.variant(sku)
    [result] = store.connector().adjust(changes=[StockAdjustment(
        variant_id=str(variant["id"]), location_id=str(warehouse), product_id=str(variant["product_id"]), delta=6,
        expected=0)])
    assert result.ok and result.quantity == 6
    assert store.sandbox.stock_of(store.key, sku, location_id=warehouse) == 6


def test_adjust_batches_2000_items_in_one_call(merchant_a, bc):
    big = Store(merchant_a, bc, products=400, variants=5, simple=0)
    variants = sorted(big.account["variants"].values(), key=lambda v: v["id"])
    changes = [StockAdjustment(variant_id=str(v["id"]), location_id="1", product_id=str(v["product_id"]), delta=1,
                               expected=None) for v in variants if v["sku"] in big.skus("VAR")]
    assert len(changes) == 2000
    connector = big.connector()
    assert all(r.ok for r in connector.adjust(changes=changes))
    [call] = big.relative_calls()
    assert len(call.json()["items"]) == 2000
    with pytest.raises(ValueError):
        connector.adjust(changes=changes + changes[:1])


def test_a_store_down_before_anything_was_written_raises_retryable(store):
    from integrations.errors import ConnectorError

    level = store.connector().read_levels(refs=[store.ref(store.skus("VAR")[0])])[0]
    store.sandbox.faults.fail_next(20, status=503, path_contains="/inventory/adjustments")
    with pytest.raises(ConnectorError) as caught:
        store.connector().adjust(changes=[StockAdjustment(variant_id=level.variant_id, location_id="1",
                                                          product_id=level.product_id, delta=-1)])
    assert caught.value.retryable


def test_register_webhooks_idempotent_and_missing_after_the_store_loses_one(store):
    connector = store.connector()
    assert connector.missing_webhooks(url=URL) == list(connector.scopes)
    assert connector.register_webhooks(url=URL, secret="s1") == list(connector.scopes)
    hooks = {h["scope"]: h for h in store.account["hooks"].values()}
    assert set(hooks) == set(connector.scopes) and all(h["headers"] == {webhooks.HEADER_NAME: "s1"}
                                                        for h in hooks.values())
    writes = len(store.sandbox.calls("POST", "/hooks")) + len(store.sandbox.calls("PUT", "/hooks"))
    connector.register_webhooks(url=URL, secret="s1")
    assert len(store.sandbox.calls("POST", "/hooks")) + len(store.sandbox.calls("PUT", "/hooks")) == writes
    assert connector.missing_webhooks(url=URL) == []
    lost = hooks["store/sku/inventory/order/updated"]
    store.account["hooks"].pop(str(lost["id"]))  # deleted
    hooks["store/product/inventory/updated"]["is_active"] = False  # switched off after failed deliveries
    assert sorted(connector.missing_webhooks(url=URL)) == ["store/product/inventory/updated",
                                                           "store/sku/inventory/order/updated"]
    connector.register_webhooks(url=URL, secret="s1")
    assert connector.missing_webhooks(url=URL) == []
    assert len(store.account["hooks"]) == len(connector.scopes)
    connector.unregister_webhooks(url=URL)
    assert store.account["hooks"] == {}


def test_refs_for_changes_on_the_stores_own_webhooks(store):
    connector = store.connector()
    connector.register_webhooks(url=URL, secret="s1")
    variant_sku, simple_sku = store.skus("VAR")[1], store.skus("SIM")[1]
    store.sandbox.sell(store.key, variant_sku, 1)
    store.sandbox.sell(store.key, simple_sku, 2)  # product-tracked: the hook names only the product
    store.sandbox.admin_set_stock(store.key, store.skus("VAR")[2], 40)
    changes = deliveries(store.sandbox, webhooks.parse)
    assert {c.topic for c in changes} == {"store/sku/inventory/order/updated", "store/product/inventory/order/updated",
                                          "store/sku/inventory/updated"}
    refs = store.connector().refs_for_changes(changes=changes)
    assert {r.variant_id for r in refs} == {str(store.variant(s)["id"]) for s in
                                            (variant_sku, simple_sku, store.skus("VAR")[2])}
    levels = {lv.sku: lv.quantity for lv in store.connector().read_levels(refs=refs)}
    assert levels == {sku: store.sandbox.stock_of(store.key, sku) for sku in
                      (variant_sku, simple_sku, store.skus("VAR")[2])}


def test_our_own_write_comes_back_as_the_same_level(store):
    connector = store.connector()
    connector.register_webhooks(url=URL, secret="s1")
    sku = store.skus("VAR")[0]
    [level] = connector.read_levels(refs=[store.ref(sku)])
    connector.adjust(changes=[StockAdjustment(variant_id=level.variant_id, location_id="1",
                                              product_id=level.product_id, delta=-2, expected=level.quantity)])
    changes = deliveries(store.sandbox, webhooks.parse)
    [echo] = connector.read_levels(refs=connector.refs_for_changes(changes=changes))
    assert echo.quantity == level.quantity - 2  # what Flyt now expects: no movement in the hub
    body = json.loads(store.relative_calls()[0].body)
    assert body["reason"] == "Flyt stock sync (sync)"


def test_call_stats(store):
    connector = store.connector()
    connector.locations()
    assert connector.call_stats()["read"] == 1
