"""The Zettle stock connector against the in-process Zettle sandbox: the STORE location, reads after a
POS sale, library paging, movements (a sale between read and write is kept), refusals, batch sizes,
the shared Pusher subscription."""

import json

import pytest

from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.zettle import webhooks
from integrations.zettle.connector import WEBHOOK_EVENTS
from integrations.zettle.stock import STOCK_EVENTS, ZettleStock
from tests.integration.stock_connectors.conftest import SandboxAccount, account_fixture, deliveries

URL = "https://flyt.example/webhooks/zettle/abc/"


class Org(SandboxAccount):
    platform = "zettle"

    def __init__(self, merchant, sandbox, *, products=4, variants=2, **options):
        account = sandbox.create_account(limits={"inventory_per_s": 0, **(options.pop("limits", {}))}, **options)
        sandbox.sender = sandbox.sender or (lambda url, headers, body: 200)  # URL's receiver is up
        super().__init__(merchant, sandbox, account, products and catalog(products, variants=variants, prefix="ZT"))

    @property
    def store(self):
        return self.account["locations"]["STORE"]

    def ref(self, sku, location=""):
        product, variant = self.sandbox.find_variant(self.account, sku)
        return StockRef(variant_id=variant["uuid"], location_id=location, product_id=product["uuid"])

    def change(self, sku, delta, *, expected=None, reason="sync"):
        ref = self.ref(sku)
        return StockAdjustment(variant_id=ref.variant_id, location_id=self.store, product_id=ref.product_id,
                               delta=delta, expected=expected, reason=reason)

    def balance(self, sku, kind="STORE"):
        _, variant = self.sandbox.find_variant(self.account, sku)
        return self.account["balances"][kind].get(variant["uuid"], 0)

    def movement_calls(self):
        return self.sandbox.calls("POST", "/inventory/v3/movements")


org = account_fixture("org", Org, "zettle")


def test_registry_builds_the_connector(org):
    assert isinstance(org.connector(), ZettleStock)


def test_locations_store_alone_and_default(org):
    [location] = org.connector().locations()
    assert location.external_id == org.store and location.is_default


def test_read_levels_after_a_pos_sale(org):
    sku = org.skus()[0]
    before = org.balance(sku)
    org.sandbox.sell(org.key, sku, 2)
    [level] = org.connector().read_levels(refs=[org.ref(sku)])
    assert (level.quantity, level.location_id, level.tracked) == (before - 2, org.store, True)
    assert level.product_id == org.ref(sku).product_id
    assert len(org.sandbox.calls("POST", f"/inventory/v3/stock/{org.store}/products")) == 1
    assert all(r.path.startswith("/inventory/v3/") for r in org.sandbox.calls(path_contains="/inventory/"))


def test_read_levels_untracked_flagged_unknown_absent_other_location_absent(org):
    skus = org.skus()
    untracked = org.ref(skus[2])
    org.connector().client.stop_tracking(product_uuid=untracked.product_id)
    refs = [org.ref(skus[0]), untracked, StockRef(variant_id="nope", product_id=org.ref(skus[0]).product_id),
            org.ref(skus[1], location=org.account["locations"]["BIN"])]
    levels = {lv.variant_id: lv for lv in org.connector().read_levels(refs=refs)}
    assert set(levels) == {refs[0].variant_id, untracked.variant_id}
    assert levels[untracked.variant_id].tracked is False and levels[untracked.variant_id].sku == skus[2]
    # without product uuids: the whole STORE in one read
    [level] = org.connector().read_levels(refs=[StockRef(variant_id=refs[0].variant_id)])
    assert level.quantity == org.balance(skus[0])


def test_iter_levels_pages_the_library_with_skus(merchant_a, zettle):
    big = Org(merchant_a, zettle, products=25, variants=1, limits={"library_page": 10})
    levels = list(big.connector().iter_levels())
    assert sorted(lv.sku for lv in levels) == big.skus()
    assert all(lv.barcode and lv.tracked and lv.location_id == big.store for lv in levels)
    assert {lv.sku: lv.quantity for lv in levels} == {sku: big.balance(sku) for sku in big.skus()}
    assert len(zettle.calls("GET", "/library")) == 3
    assert list(big.connector().iter_levels(location_ids=["elsewhere"])) == []


def test_adjust_moves_relatively_a_sale_between_read_and_write_is_kept(org):
    skus = org.skus()
    connector = org.connector()
    [level] = connector.read_levels(refs=[org.ref(skus[0])])
    org.sandbox.sell(org.key, skus[0], 1)  # lands between our read and our write
    results = connector.adjust(changes=[
        org.change(skus[0], -3, expected=level.quantity, reason="sale"),
        org.change(skus[1], 4),
        org.change(skus[2], -2, reason="adjustment"),
        org.change(skus[3], 1, reason="refund"),
    ])
    assert all(r.ok for r in results)
    assert org.balance(skus[0]) == level.quantity - 1 - 3
    assert org.balance(skus[0], "SOLD") == 1 + 3  # a sale goes STORE→SOLD
    assert org.balance(skus[2], "BIN") == 2  # a negative adjustment STORE→BIN
    assert org.balance(skus[3], "SOLD") == -1  # a refund comes back SOLD→STORE
    [call] = org.movement_calls()  # every change in one call, one movement per variant
    moves = call.json()["movements"]
    assert len(moves) == 4 and all(m["productUuid"] for m in moves)
    locations = org.account["locations"]
    assert {(m["from"], m["to"], m["change"]) for m in moves} == {
        (locations["STORE"], locations["SOLD"], 3), (locations["SUPPLIER"], locations["STORE"], 4),
        (locations["STORE"], locations["BIN"], 2), (locations["SOLD"], locations["STORE"], 1)}


def test_adjust_refusals_are_isolated_with_messages(org):
    skus = org.skus()
    untracked = org.ref(skus[2])
    org.connector().client.stop_tracking(product_uuid=untracked.product_id)
    before = {sku: org.balance(sku) for sku in skus}
    results = org.connector().adjust(changes=[org.change(skus[0], -1), org.change(skus[2], -1),
                                              org.change(skus[4], 2),
                                              StockAdjustment(variant_id="x", location_id="", product_id="", delta=1)])
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[1].error.startswith(f"Stock for SKU {skus[2]} not written: stock tracking is off")
    assert not results[1].retryable
    assert "Zettle product" in results[3].error
    assert org.balance(skus[0]) == before[skus[0]] - 1 and org.balance(skus[4]) == before[skus[4]] + 2
    assert org.balance(skus[2]) == before[skus[2]]
    assert len(org.movement_calls()) == 2


def test_adjust_batches_five_hundred_movements_in_one_call(merchant_a, zettle):
    big = Org(merchant_a, zettle, products=250, variants=2)
    connector = big.connector()
    assert connector.adjust_batch_size == 500
    results = connector.adjust(changes=[big.change(sku, 1) for sku in big.skus()])
    assert all(r.ok for r in results)
    [call] = big.movement_calls()
    assert len(call.json()["movements"]) == 500
    with pytest.raises(ValueError):
        connector.adjust(changes=[big.change(sku, 1) for sku in big.skus()] * 2)


def test_zettle_down_before_anything_was_written_raises_retryable(org):
    org.sandbox.faults.fail_next(20, status=503, path_contains="/v3/movements")
    with pytest.raises(ConnectorError) as caught:
        org.connector().adjust(changes=[org.change(org.skus()[0], -1)])
    assert caught.value.retryable


def test_register_webhooks_shares_the_subscription_idempotent_and_missing(org):
    connector = org.connector()
    assert connector.missing_webhooks(url=URL) == list(STOCK_EVENTS)
    key = connector.register_webhooks(url=URL, secret="")
    [subscription] = org.account["subscriptions"].values()
    assert key == subscription["signingKey"] and subscription["eventNames"] == list(STOCK_EVENTS)
    writes = len(org.sandbox.calls("POST", "/subscriptions")) + len(org.sandbox.calls("PUT", "/subscriptions"))
    assert connector.register_webhooks(url=URL, secret="") == key
    assert connector.missing_webhooks(url=URL) == []
    assert len(org.sandbox.calls("POST", "/subscriptions")) + len(org.sandbox.calls("PUT", "/subscriptions")) == writes
    # the product connector's events on the same subscription: merged, one subscription, same key
    subscription["eventNames"] = [e for e in WEBHOOK_EVENTS if e not in STOCK_EVENTS]
    assert connector.missing_webhooks(url=URL) == list(STOCK_EVENTS)
    assert connector.register_webhooks(url=URL, secret="") == key
    assert set(subscription["eventNames"]) == set(WEBHOOK_EVENTS) | set(STOCK_EVENTS)
    # Zettle deletes a subscription after days of failed deliveries: missing, made again with a new key
    org.account["subscriptions"].clear()
    assert connector.missing_webhooks(url=URL) == list(STOCK_EVENTS)
    new_key = connector.register_webhooks(url=URL, secret="")
    assert new_key and new_key != key


def test_unregister_keeps_what_the_product_sync_uses(org):
    connector = org.connector()
    connector.register_webhooks(url=URL, secret="")
    [subscription] = org.account["subscriptions"].values()
    subscription["eventNames"] = list(dict.fromkeys([*WEBHOOK_EVENTS, *STOCK_EVENTS]))
    org.connection.products_direction = "push"
    connector.unregister_webhooks(url=URL)
    assert subscription["eventNames"] == list(WEBHOOK_EVENTS)
    org.connection.products_direction = "off"
    subscription["eventNames"] = list(STOCK_EVENTS)
    connector.unregister_webhooks(url=URL)
    assert org.account["subscriptions"] == {}


def test_refs_for_changes_on_the_sandboxs_own_webhooks(org):
    connector = org.connector()
    connector.register_webhooks(url=URL, secret="")
    skus = org.skus()
    org.sandbox.sell(org.key, skus[0], 1)
    purchase = org.sandbox.sell(org.key, skus[1], 2)
    org.sandbox.refund(org.key, purchase["purchaseUUID1"])
    org.sandbox.admin_set_stock(org.key, skus[3], 50)
    changes = deliveries(org.sandbox, webhooks.parse)
    assert "InventoryBalanceChanged" in {c.topic for c in changes}
    refs = connector.refs_for_changes(changes=changes)
    assert {r.variant_id for r in refs} == {org.ref(s).variant_id for s in (skus[0], skus[1], skus[3])}
    assert all(r.location_id == org.store and r.product_id for r in refs)
    levels = {lv.variant_id: lv.quantity for lv in connector.read_levels(refs=refs)}
    assert levels == {org.ref(s).variant_id: org.balance(s) for s in (skus[0], skus[1], skus[3])}


def test_refs_for_tracking_started_name_every_variant_of_the_product(org):
    connector = org.connector()
    ref = org.ref(org.skus()[0])
    connector.client.stop_tracking(product_uuid=ref.product_id)
    connector.register_webhooks(url=URL, secret="")
    org.sandbox.webhooks.clear()
    org.sandbox.start_tracking_of(org.account, ref.product_id)
    changes = deliveries(org.sandbox, webhooks.parse)
    assert [c.topic for c in changes] == ["InventoryTrackingStarted"]
    refs = connector.refs_for_changes(changes=changes)
    product = org.account["products"][ref.product_id]
    assert {r.variant_id for r in refs} == {v["uuid"] for v in product["variants"]}


def test_our_own_movement_comes_back_as_the_level_flyt_expects(org):
    connector = org.connector()
    connector.register_webhooks(url=URL, secret="")
    org.sandbox.webhooks.clear()
    sku = org.skus()[0]
    [level] = connector.read_levels(refs=[org.ref(sku)])
    connector.adjust(changes=[org.change(sku, -2, expected=level.quantity)])
    changes = deliveries(org.sandbox, webhooks.parse)
    [echo] = connector.read_levels(refs=connector.refs_for_changes(changes=changes))
    assert echo.quantity == level.quantity - 2
    assert json.loads(org.movement_calls()[0].body)["movements"][0]["from"] == org.store


def test_call_stats(org):
    connector = org.connector()
    connector.read_levels(refs=[org.ref(org.skus()[0])])
    stats = connector.call_stats()
    assert stats["read"] >= 1 and stats["write"] == 0
