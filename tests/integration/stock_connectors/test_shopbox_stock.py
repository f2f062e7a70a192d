"""The Shopbox stock connector against the in-process Shopbox sandbox: branches, reads after a sale,
paging with SKUs, read-compare-set writes (a sale between read and write gives a conflict, never an
overwrite), refusals, batch sizes and polling (Shopbox sends no webhooks)."""

import pytest

from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.sandbox.seed import catalog
from integrations.shopbox.stock import ShopboxStock
from tests.integration.stock_connectors.conftest import SandboxAccount, account_fixture

pytestmark = pytest.mark.django_db


class Till(SandboxAccount):
    platform = "shopbox"

    def __init__(self, merchant, sandbox, *, products=3, variants=2, branches=("Main store", "Airport")):
        super().__init__(merchant, sandbox, sandbox.create_account(branches=list(branches), rate_per_minute=100_000),
                         products and catalog(products, variants=variants, prefix="SBX"))

    def branch(self, n=0):
        return str(list(self.account["branches"].values())[n]["id"])

    def variant(self, sku):
        return self.sandbox.variant_by_sku(self.account, sku)

    def ref(self, sku, branch="", with_product=True):
        product, variant = self.variant(sku)
        return StockRef(variant_id=str(variant["id"]), location_id=branch,
                        product_id=str(product["id"]) if with_product else "")

    def stock(self, sku, n=0):
        return self.sandbox.stock_of(self.key, sku, branch=int(self.branch(n)))

    def inventory_posts(self):
        return self.sandbox.calls("POST", "/product-inventories")


till = account_fixture("till", Till, "shopbox")


def test_the_registry_gives_the_shopbox_stock_connector(till):
    connector = till.connector()
    assert isinstance(connector, ShopboxStock)
    assert connector.adjust_batch_size == 100 and not connector.relative_writes


def test_branches_are_the_locations_with_one_default(till):
    locations = till.connector().locations()
    assert [(loc.external_id, loc.name, loc.is_default) for loc in locations] == [
        (till.branch(0), "Main store", True), (till.branch(1), "Airport", False)]


def test_read_levels_after_a_sale(till):
    sku, other = till.skus()[:2]
    till.sandbox.admin_set_stock(till.key, sku, 10)
    till.sandbox.admin_set_stock(till.key, sku, 4, branch=int(till.branch(1)))
    till.sandbox.admin_set_stock(till.key, other, 6)
    till.sandbox.sell(till.key, sku, 3)
    levels = till.connector().read_levels(refs=[till.ref(sku), till.ref(other, till.branch(0)),
                                                StockRef(variant_id="999999", location_id=till.branch(0))])
    assert {(lv.sku, lv.location_id): lv.quantity for lv in levels} == {
        (sku, till.branch(0)): 7, (sku, till.branch(1)): 4, (other, till.branch(0)): 6}
    level = next(lv for lv in levels if lv.sku == sku)
    assert level.barcode == till.variant(sku)[1]["barcode"] and level.product_id == till.ref(sku).product_id
    assert level.tracked


def test_a_read_stops_paging_once_every_item_is_found(merchant_a, shopbox):
    till = Till(merchant_a, shopbox, products=150, variants=1, branches=("Main store",))
    first = till.skus()[0]
    connector = till.connector()
    connector.locations()
    before = len(till.sandbox.calls("GET", "/product-inventories"))
    levels = connector.read_levels(refs=[till.ref(first, till.branch(), with_product=False)])
    assert [lv.quantity for lv in levels] == [till.stock(first)]
    assert len(till.sandbox.calls("GET", "/product-inventories")) == before + 1  # page 1 of 2 only


def test_iter_levels_pages_with_skus_and_gives_zero_where_no_record_exists(merchant_a, shopbox):
    till = Till(merchant_a, shopbox, products=120, variants=1, branches=("Main store",))
    with till.sandbox.lock:
        till.sandbox.save_product(till.account, {"name": "New mug", "sku": "NEW-MUG", "price": "10.00"})
    levels = list(till.connector().iter_levels())
    assert sorted(lv.sku for lv in levels) == till.skus()
    assert {lv.sku: lv.quantity for lv in levels}["NEW-MUG"] == 0
    assert all(lv.barcode for lv in levels if lv.sku != "NEW-MUG")
    assert len(till.sandbox.calls("GET", "/product-inventories")) == 2  # 100 + 20
    assert len(till.sandbox.calls("GET", "/products")) == 2


def test_adjust_reads_compares_and_sets_and_a_sale_in_between_is_a_conflict(till):
    sku, other = till.skus()[:2]
    till.sandbox.admin_set_stock(till.key, sku, 10)
    till.sandbox.admin_set_stock(till.key, other, 5)
    connector = till.connector()
    read = {lv.sku: lv.quantity for lv in connector.read_levels(refs=[till.ref(sku, till.branch()),
                                                                     till.ref(other, till.branch())])}
    till.sandbox.sell(till.key, sku, 1)  # lands between Flyt's read and Flyt's write
    results = connector.adjust(changes=[
        StockAdjustment(variant_id=till.ref(sku).variant_id, location_id=till.branch(), delta=-3, expected=read[sku]),
        StockAdjustment(variant_id=till.ref(other).variant_id, location_id="", delta=2, expected=read[other])])
    assert results[0].conflict and not results[0].ok and results[0].quantity == 9
    assert results[1].ok and results[1].quantity == 7
    assert till.stock(sku) == 9 and till.stock(other) == 7  # the sale stands
    posts = till.inventory_posts()
    assert len(posts) == 1 and posts[0].json() == [{"variant_id": int(till.ref(other).variant_id),
                                                    "branch_id": int(till.branch()), "quantity": 7}]
    again = connector.adjust(changes=[StockAdjustment(variant_id=till.ref(sku).variant_id,
                                                      location_id=till.branch(), delta=-3, expected=9)])
    assert again[0].ok and till.stock(sku) == 6


def test_adjust_without_expected_applies_the_delta_to_the_current_level(till):
    sku = till.skus()[0]
    till.sandbox.admin_set_stock(till.key, sku, 4, branch=int(till.branch(1)))
    results = till.connector().adjust(changes=[StockAdjustment(variant_id=till.ref(sku).variant_id,
                                                               location_id=till.branch(1), delta=3)])
    assert results[0].ok and till.stock(sku, 1) == 7


def test_a_refused_record_gets_a_message_and_the_rest_is_set(till):
    sku = till.skus()[0]
    till.sandbox.admin_set_stock(till.key, sku, 2)
    results = till.connector().adjust(changes=[
        StockAdjustment(variant_id="424242", location_id=till.branch(), delta=1, expected=0),
        StockAdjustment(variant_id=till.ref(sku).variant_id, location_id=till.branch(), delta=1, expected=2)])
    assert not results[0].ok and not results[0].conflict and not results[0].retryable
    assert results[0].error.startswith("Stock for Shopbox variant 424242 not written to Shopbox")
    assert results[1].ok and till.stock(sku) == 3


def test_a_batch_is_one_write_of_up_to_100_records(merchant_a, shopbox):
    till = Till(merchant_a, shopbox, products=100, variants=1, branches=("Main store",))
    connector = till.connector()
    levels = list(connector.iter_levels())
    changes = [StockAdjustment(variant_id=lv.variant_id, location_id=lv.location_id, delta=1, expected=lv.quantity)
               for lv in levels]
    assert all(r.ok for r in connector.adjust(changes=changes))
    posts = till.inventory_posts()
    assert len(posts) == 1 and len(posts[0].json()) == 100
    with pytest.raises(ValueError):
        connector.adjust(changes=changes + changes[:1])


def test_shopbox_has_no_webhooks(till):
    connector = till.connector()
    assert connector.register_webhooks(url="https://flyt.example/x/", secret="s") == []
    assert connector.missing_webhooks(url="https://flyt.example/x/") == []


def test_polling_names_the_items_of_a_sale_and_of_a_return(till):
    sku = till.skus()[0]
    connector = till.connector()
    first, mark = connector.poll_changes(watermark=None)
    assert first and {c.kind for c in first} == {"stock"}  # the first poll reads levels, not old receipts
    till.sandbox.clock.advance(5)
    till.sandbox.admin_set_stock(till.key, sku, 8)
    till.sandbox.clock.advance(5)
    till.sandbox.sell(till.key, sku, 2, branch=int(till.branch()))
    changes, mark2 = connector.poll_changes(watermark=mark)
    assert {c.kind for c in changes} == {"stock", "order"} and mark2 > mark
    # the filter is inclusive: records stamped at the old watermark come again (reading them is harmless)
    assert till.ref(sku, till.branch()) in connector.refs_for_changes(changes=changes)
    order = next(c for c in changes if c.kind == "order")
    refs = connector.refs_for_changes(changes=[order])  # a receipt names its items at its branch
    assert refs == [till.ref(sku, till.branch())]
    assert [lv.quantity for lv in connector.read_levels(refs=refs)] == [6]
    till.sandbox.clock.advance(5)
    till.sandbox.refund(till.key, sku, 1)
    changes, _ = connector.poll_changes(watermark=mark2)
    assert connector.refs_for_changes(changes=[c for c in changes if c.kind == "order"]) == refs
    assert [lv.quantity for lv in connector.read_levels(refs=refs)] == [7]
