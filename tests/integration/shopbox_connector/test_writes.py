"""ShopboxConnector writes against the Shopbox sandbox: creates in batches (placement, initial stock, variance
types), updates of only the given fields, refusals named per product, deletes (made inactive), the round trip."""

from decimal import Decimal

import pytest

from integrations.contracts.products import PRODUCT_FIELDS
from integrations.dto import ExternalImage, ExternalVariant
from integrations.engine.desired import product_hash
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.shopbox.client import INVENTORY_BATCH, PRODUCT_BATCH
from integrations.shopbox.connector import FIELDS_READ, FIELDS_WRITE, ShopboxConnector
from integrations.shopbox.spec import SPEC
from tests.integration.shopbox_connector.conftest import (
    ALL_FIELDS,
    hub_product,
    make_connector,
    simple_product,
    stored,
    with_ids,
    writes,
)


def test_field_sets_are_named_from_the_engines_fields():
    assert FIELDS_READ <= FIELDS_WRITE <= PRODUCT_FIELDS
    assert not FIELDS_WRITE & {"weight", "low_stock", "seo", "videos"}  # Shopbox holds none of them
    assert ShopboxConnector.write_batch_size == PRODUCT_BATCH == 50
    # what the platform's spec declares is what the connector does
    assert (SPEC.product_fields_read, SPEC.product_fields_write) == (FIELDS_READ, FIELDS_WRITE)
    assert SPEC.batch_sizes["products"] == SPEC.batch_sizes["deletes"] == ShopboxConnector.write_batch_size


def test_create_writes_the_batch_in_one_call_with_placement_stock_and_variance_types(sandbox, connector, shop):
    products = [hub_product(1), hub_product(2, variants=2), simple_product(3)]
    results = connector.create_products(products=products, fields=ALL_FIELDS, placement={"category": "Flyt"})
    assert [r.ok for r in results] == [True, True, True] and all(not r.error for r in results)
    assert len(writes(sandbox, "/products/create-or-update")) == 1
    mug = stored(shop, results[0].external_id)
    assert mug["name"] == "Blue mug 1" and mug["active"] is True and mug["tags"] == ["Flyt"]
    assert [v["sku"] for v in mug["variants"]] == ["MUG-1-S", "MUG-1-M", "MUG-1-L"]
    assert [v["options"] for v in mug["variants"]] == [{"Size": "S"}, {"Size": "M"}, {"Size": "L"}]
    assert [v["name"] for v in mug["variants"]] == ["S", "M", "L"]
    assert [i["url"] for i in mug["images"]] == ["https://cdn.example.com/mug-1-0.jpg"]
    size = shop["variance_types"][str(mug["variance_type_ids"][0])]
    assert size["name"] == "Size" and set(size["values"]) == {"S", "M", "L"}
    assert len(writes(sandbox, "/variance-type")) == 1  # one type for the whole batch
    cup = stored(shop, results[2].external_id)
    assert cup["sku"] == "CUP-3" and cup["price"] == "49.50" and cup["barcode"] == products[2].variants[0].barcode
    assert results[0].variant_ids == {v["sku"]: str(v["id"]) for v in mug["variants"]}
    # the initial stock, in the first branch, one call for the batch
    assert [sandbox.stock_of(shop_key(shop), f"MUG-1-{s}") for s in "SML"] == [5, 6, 7]
    assert sandbox.stock_of(shop_key(shop), "CUP-3") == 7
    assert len(writes(sandbox, "/product-inventories")) == 1


def shop_key(shop):
    return str(shop["client_id"])


def test_create_without_stock_or_variants_fields_writes_neither(sandbox, connector, shop):
    fields = frozenset({"name", "price", "sku"})
    result, = connector.create_products(products=[hub_product(1, variants=2)], fields=fields)
    product = stored(shop, result.external_id)
    assert product["description"] == "" and product["images"] == []
    assert [v["options"] for v in product["variants"]] == [{}, {}]
    assert [v["price"] for v in product["variants"]] == ["99.00", "99.00"]
    assert shop["inventories"] == {} and shop["variance_types"] == {}
    assert writes(sandbox) == writes(sandbox, "/products/create-or-update")


def test_untracked_variants_get_no_stock(sandbox, connector, shop):
    product = hub_product(1, variants=2)
    product.variants[1].track_stock = False
    connector.create_products(products=[product], fields=ALL_FIELDS)
    assert [r["quantity"] for r in shop["inventories"].values()] == [5]


def test_creates_go_in_the_platforms_batch_sizes(sandbox, connector):
    products = [hub_product(n, variants=3) for n in range(2 * PRODUCT_BATCH + 7)]
    results = []
    for start in range(0, len(products), connector.write_batch_size):
        results += connector.create_products(products=products[start:start + connector.write_batch_size],
                                             fields=ALL_FIELDS)
    assert all(r.ok for r in results) and len({r.external_id for r in results}) == len(products)
    assert len(writes(sandbox, "/products/create-or-update")) == 3
    stock_records = 3 * len(products)
    # 150, 150 and 21 stock records, INVENTORY_BATCH (100) a call
    assert INVENTORY_BATCH == 100 and len(writes(sandbox, "/product-inventories")) == 2 + 2 + 1
    assert sum(len(r.json()) for r in writes(sandbox, "/product-inventories")) == stock_records
    assert connector.call_stats()["write"] == len(writes(sandbox))


def test_a_create_batch_larger_than_the_platforms_is_sent_in_several_calls(sandbox, connector):
    products = [simple_product(n) for n in range(PRODUCT_BATCH + 1)]
    results = connector.create_products(products=products, fields=ALL_FIELDS - {"stock"})
    assert all(r.ok for r in results)
    assert [len(r.json()) for r in writes(sandbox, "/products/create-or-update")] == [PRODUCT_BATCH, 1]


def test_variant_ids_are_keyed_by_sku_else_position(sandbox, connector, shop):
    product = hub_product(1, variants=2)
    product.variants[1].sku = ""
    result, = connector.create_products(products=[product], fields=ALL_FIELDS)
    variants = stored(shop, result.external_id)["variants"]
    assert result.variant_ids == {"MUG-1-S": str(variants[0]["id"]), "#1": str(variants[1]["id"])}


def test_update_writes_only_the_given_fields(sandbox, connector, shop, account):
    product = hub_product(1, variants=2)
    barcodes = [v.barcode for v in product.variants]
    result, = connector.create_products(products=[product], fields=ALL_FIELDS)
    product = with_ids(product, result)
    # the merchant's own edits in Shopbox's back office
    sandbox.admin_update_product(account["account"], "MUG-1-S", description="Written in Shopbox", vat_rate=12,
                                 tags=["Till button"])
    product.title, product.description = "Green mug 1", "Hub text"
    for variant in product.variants:
        variant.price, variant.barcode = Decimal("120.5"), "0000"
    results = connector.update_products(products=[product], fields=frozenset({"name", "price"}))
    assert results[0].ok and results[0].external_id == product.external_id
    assert results[0].variant_ids == {v.sku: v.external_id for v in product.variants}
    saved = stored(shop, product.external_id)
    assert saved["name"] == "Green mug 1" and saved["price"] == "120.50"
    assert [v["price"] for v in saved["variants"]] == ["120.50", "120.50"]
    assert saved["description"] == "Written in Shopbox" and saved["vat_rate"] == 12 and saved["tags"] == ["Till button"]
    assert [v["barcode"] for v in saved["variants"]] == barcodes
    assert [v["options"] for v in saved["variants"]] == [{"Size": "S"}, {"Size": "M"}]
    assert len(writes(sandbox, "/products/create-or-update")) == 2  # the create and one update call
    assert saved["active"] is True


def test_update_adds_a_new_variant_and_names_its_id(sandbox, connector, shop):
    product = hub_product(1, variants=2)
    result, = connector.create_products(products=[product], fields=ALL_FIELDS)
    product = with_ids(product, result)
    product.variants.append(ExternalVariant(external_id="", sku="MUG-1-L", price=Decimal("99.00"),
                                            option_values={"Size": "L"}))
    product.images.append(ExternalImage(url="https://cdn.example.com/new.jpg", position=5))
    updated, = connector.update_products(products=[product], fields=ALL_FIELDS)
    saved = stored(shop, product.external_id)
    assert updated.ok and updated.variant_ids["MUG-1-L"] == str(saved["variants"][2]["id"])
    assert [i["url"] for i in saved["images"]] == ["https://cdn.example.com/mug-1-0.jpg",
                                                    "https://cdn.example.com/new.jpg"]
    size = next(t for t in shop["variance_types"].values() if t["name"] == "Size")
    assert "L" in size["values"]


def test_a_refused_product_is_named_and_its_neighbours_are_written(sandbox, connector, shop):
    good, bad, also_good = hub_product(1), hub_product(2), simple_product(3)
    bad.variants[1].price = Decimal("-5")
    results = connector.create_products(products=[good, bad, also_good], fields=ALL_FIELDS)
    assert [r.ok for r in results] == [True, False, True]
    assert "Blue mug 2" in results[1].error and "MUG-2-M" in results[1].error and "price" in results[1].error
    assert "Correct it in Flyt" in results[1].error and not results[1].retryable
    assert {p["name"] for p in shop["products"].values()} == {"Blue mug 1", "Espresso cup 3"}
    assert len(writes(sandbox, "/products/create-or-update")) == 2  # refused whole, then the others


def test_a_product_without_a_name_is_refused_by_name_of_its_sku(sandbox, connector, shop):
    nameless = simple_product(1)
    nameless.title = "  "
    result, = connector.create_products(products=[nameless], fields=ALL_FIELDS)
    assert not result.ok and "CUP-1" in result.error and "name" in result.error
    assert shop["products"] == {}


def test_updating_a_product_shopbox_no_longer_has_says_so(sandbox, connector, shop, account):
    gone, kept = simple_product(1), simple_product(2)
    gone_result, kept_result = connector.create_products(products=[gone, kept], fields=ALL_FIELDS)
    gone, kept = with_ids(gone, gone_result), with_ids(kept, kept_result)
    sandbox.admin_delete_product(account["account"], gone.external_id)  # deleted in the back office
    gone.title = kept.title = "Renamed"
    results = connector.update_products(products=[gone, kept], fields=frozenset({"name"}))
    assert [r.ok for r in results] == [False, True]
    assert "no longer exists in Shopbox" in results[0].error and "Espresso cup 1" not in results[0].error
    assert "'Renamed' (SKU CUP-1)" in results[0].error
    assert stored(shop, kept.external_id)["name"] == "Renamed"


def test_an_unlinked_product_cannot_be_updated(connector, sandbox):
    result, = connector.update_products(products=[simple_product(1)], fields=ALL_FIELDS)
    assert not result.ok and "not linked" in result.error
    assert writes(sandbox) == []


def test_delete_makes_products_inactive_and_out_of_every_read(sandbox, connector, shop):
    results = connector.create_products(products=[simple_product(n) for n in range(3)], fields=ALL_FIELDS)
    ids = [r.external_id for r in results]
    connector.delete_products(external_ids=ids[:2])
    assert [stored(shop, i)["active"] for i in ids] == [False, False, True]
    assert [p.external_id for p in connector.iter_products()] == [ids[2]]
    assert [p.external_id for p in connector.get_products(external_ids=ids)] == [ids[2]]
    assert connector.existing_ids(external_ids=ids) == {ids[2]}
    assert connector.find_products(skus={"CUP-0"}, barcodes=set()) == []
    # already deleted, or never known to Shopbox: not an error
    connector.delete_products(external_ids=[ids[0], "999999"])
    assert stored(shop, ids[0])["active"] is False


def test_deletes_go_in_the_platforms_batch_sizes(sandbox, connector, shop):
    results = connector.create_products(products=[simple_product(n) for n in range(PRODUCT_BATCH)],
                                        fields=ALL_FIELDS - {"stock"})
    results += connector.create_products(products=[simple_product(n) for n in range(PRODUCT_BATCH, 60)],
                                         fields=ALL_FIELDS - {"stock"})
    before = len(writes(sandbox))
    connector.delete_products(external_ids=[r.external_id for r in results])
    assert len(writes(sandbox)) - before == 2
    assert not any(p["active"] for p in shop["products"].values())


def test_a_product_made_again_after_a_delete_brings_the_old_one_back(sandbox, connector, shop):
    first, = connector.create_products(products=[simple_product(1)], fields=ALL_FIELDS)
    connector.delete_products(external_ids=[first.external_id])
    again, = connector.create_products(products=[simple_product(1, price="55.00")], fields=ALL_FIELDS)
    assert again.ok and again.external_id == first.external_id
    assert stored(shop, first.external_id)["active"] is True and stored(shop, first.external_id)["price"] == "55.00"


@pytest.mark.parametrize("field", sorted(FIELDS_WRITE) + ["all"])
def test_round_trip_gives_back_what_was_written(sandbox, connector, field):
    fields = FIELDS_WRITE if field == "all" else frozenset({field})
    products = [hub_product(1, variants=3, images=2), simple_product(2), hub_product(3, variants=1, price="10.1")]
    products[2].variants[0].cost_price = None
    results = connector.create_products(products=products, fields=fields)
    back = {p.external_id: p for p in connector.get_products(external_ids=[r.external_id for r in results])}
    listed = {p.external_id: p for p in connector.iter_products()}
    for product, result in zip(products, results, strict=True):
        assert product_hash(back[result.external_id], fields) == product_hash(product, fields)
        assert product_hash(listed[result.external_id], fields) == product_hash(product, fields)
    # and after an update of every field
    for product, result in zip(products, results, strict=True):
        with_ids(product, result)
        product.title += " (new)"
        product.description = "Changed"
        product.images = [ExternalImage(url="https://cdn.example.com/other.jpg")]
        for variant in product.variants:
            variant.price, variant.cost_price = Decimal("77.7"), Decimal("30")
            variant.barcode += "9"
            variant.option_values = {"Size": "Huge"} if len(product.variants) == 1 else variant.option_values
    assert all(r.ok for r in connector.update_products(products=products, fields=fields))
    back = {p.external_id: p for p in connector.get_products(external_ids=[r.external_id for r in results])}
    for product in products:
        assert product_hash(back[product.external_id], fields) == product_hash(product, fields)


def test_a_seeded_shopbox_catalog_reads_back_into_the_same_writes(sandbox, clock, account, connector):
    """Shopbox as the home base: what Flyt reads, written to another Shopbox account, reads back the same."""
    sandbox.seed(account["account"], catalog(6, variants=2))
    home = list(connector.iter_products())
    target = make_connector(sandbox, clock, sandbox.create_account())
    copies = []
    for product in home:
        product.external_id = ""
        for variant in product.variants:
            variant.external_id = ""
        copies.append(product)
    results = target.create_products(products=copies, fields=FIELDS_WRITE)
    back = {p.external_id: p for p in target.iter_products()}
    for product, result in zip(copies, results, strict=True):
        assert product_hash(back[result.external_id], FIELDS_WRITE) == product_hash(product, FIELDS_WRITE)


def test_stock_refused_leaves_the_products_created_and_says_so(sandbox, connector, shop):
    connector.prepare(role="target")
    sandbox.faults.fail_next(1, status=422, body={"message": "The given data was invalid.", "status_code": 422},
                             path_contains="/product-inventories")
    result, = connector.create_products(products=[simple_product(1)], fields=ALL_FIELDS)
    assert result.ok and result.external_id in shop["products"]
    assert "'Espresso cup 1' (SKU CUP-1) was created in Shopbox but its stock could not be set" in result.error


def test_shopbox_unreachable_during_a_write_fails_the_whole_batch(sandbox, connector, shop):
    connector.prepare(role="target")
    sandbox.faults.fail_next(10, status=503, path_contains="/products/create-or-update")
    with pytest.raises(ConnectorError) as raised:
        connector.create_products(products=[simple_product(1), simple_product(2)], fields=ALL_FIELDS)
    assert raised.value.retryable
    assert shop["products"] == {}


def test_a_revoked_login_during_a_write_is_raised_not_reported_per_product(sandbox, connector, shop, account):
    connector.prepare(role="target")
    shop["password"] = "changed-in-shopbox"
    sandbox.expire_tokens(account["account"])
    with pytest.raises(ConnectorError) as raised:
        connector.update_products(products=[with_ids(simple_product(1), _fake_result())], fields=ALL_FIELDS)
    assert not raised.value.retryable and "Reconnect Shopbox" in raised.value.message


def _fake_result():
    class Result:
        external_id = "1"
        variant_ids = {"CUP-1": "2"}
    return Result()


def test_prices_in_another_currency_than_shopboxs_are_not_written(sandbox, clock, account, shop):
    connector = make_connector(sandbox, clock, account, currency="NOK")
    product = simple_product(1, price="49.50")  # DKK in Flyt
    result, = connector.create_products(products=[product], fields=ALL_FIELDS)
    assert result.ok and "currencies differ (DKK in Flyt vs NOK in Shopbox)" in result.error
    assert "'Espresso cup 1' (SKU CUP-1)" in result.error
    saved = stored(shop, result.external_id)
    assert saved["price"] == "0.00" and saved["name"] == "Espresso cup 1" and saved["cost_price"] is None
    product = with_ids(product, result)
    product.title = "Renamed cup"
    updated, = connector.update_products(products=[product], fields=ALL_FIELDS)
    assert updated.ok and "currencies differ" in updated.error
    saved = stored(shop, result.external_id)
    assert saved["name"] == "Renamed cup" and saved["variants"][0]["price"] == "0.00"


def test_prices_in_shopboxs_currency_are_written(sandbox, clock):
    connect = sandbox.create_account(currency="DKK")
    sandbox.seed(connect["account"], catalog(1))
    sandbox.sell(connect["account"], "FLY-000001", 1)  # the account's sales say DKK
    connector = make_connector(sandbox, clock, connect)
    result, = connector.create_products(products=[simple_product(1, price="49.50")], fields=ALL_FIELDS)
    assert result.ok and not result.error
    assert sandbox.account(connect["account"])["products"][result.external_id]["price"] == "49.50"


def test_initial_stock_goes_to_the_branch_in_the_settings(sandbox, clock):
    connect = sandbox.create_account(branches=["Main store", "Harbour shop"])
    shop = sandbox.account(connect["account"])
    harbour = next(b["id"] for b in shop["branches"].values() if b["name"] == "Harbour shop")
    connector = make_connector(sandbox, clock, connect, branch_id=harbour)
    connector.create_products(products=[simple_product(1, stock=4)], fields=ALL_FIELDS)
    assert sandbox.stock_of(connect["account"], "CUP-1", branch=harbour) == 4
    assert sandbox.stock_of(connect["account"], "CUP-1") == 0  # the first branch: untouched
    assert sandbox.calls("GET", "/branches") == []  # the branch was known
