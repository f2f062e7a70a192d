"""RackbeatConnector writes against the Rackbeat sandbox: create (batch, placement, stock), update within
fields, variants added and removed, delete, refusals; what Rackbeat holds is read from the sandbox's state."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal

import pytest

from integrations.contracts.products import PRODUCT_FIELDS
from integrations.dto import ExternalVariant
from integrations.engine.desired import product_hash
from integrations.errors import ConnectorError
from integrations.rackbeat.connector import FIELDS_READ, FIELDS_WRITE
from integrations.rackbeat.mapping import field_value
from tests.integration.rackbeat_connector.conftest import hub_product, make_connector, writes


def linked(product, result):
    """``product`` as the engine passes it for an update: with the ids the create returned."""
    return replace(product, external_id=result.external_id,
                   variants=[replace(v, external_id=result.variant_ids[v.sku]) for v in product.variants])


def grouping(sandbox, company, number):
    """("Flyt product", "Flyt variant options") as Rackbeat holds them for ``number``."""
    ids = {f["slug"]: fid for fid, f in company["fields"].items()}
    values = company["field_values"].get(number, {})
    return values.get(ids.get("flyt-product")), values.get(ids.get("flyt-variant-options"))


def test_fields_are_named_as_the_engine_names_them():
    assert FIELDS_WRITE <= FIELDS_READ <= PRODUCT_FIELDS
    assert not {"images", "seo", "videos"} & FIELDS_WRITE  # one picture, no SEO, no videos in Rackbeat


def test_create_a_batch_writes_a_rackbeat_product_per_variant(sandbox, company, connector):
    products = [hub_product(1, variants=1), hub_product(2, variants=3)]
    results = connector.create_products(products=products, fields=FIELDS_WRITE)
    assert all(r.ok and not r.error for r in results)
    assert results[0].external_id == "MUG-1" and results[0].variant_ids == {"MUG-1": "MUG-1"}
    assert results[1].external_id == "MUG-2-S"
    assert results[1].variant_ids == {"MUG-2-S": "MUG-2-S", "MUG-2-M": "MUG-2-M", "MUG-2-L": "MUG-2-L"}
    single = company["products"]["MUG-1"]
    assert single["name"] == "Blue mug 1" and single["description"] == "<p>Stoneware &amp; glaze</p>"
    assert (single["sales_price"], single["recommended_cost_price"]) == (99.5, 40.25)
    assert single["physical"]["weight"] == 350 and single["physical"]["weight_unit"] == "g"
    assert single["min_stock"] == 3 and single["group"]["number"] == 1 and single["barcode"] == "5700001000000"
    assert grouping(sandbox, company, "MUG-1") == (None, None)  # a product of its own needs no custom field
    assert [company["products"][n]["name"] for n in ("MUG-2-S", "MUG-2-M", "MUG-2-L")] == [
        "Blue mug 2 - S", "Blue mug 2 - M", "Blue mug 2 - L"]
    assert grouping(sandbox, company, "MUG-2-M") == ("MUG-2-S", '{"Size":"M"}')
    # the initial stock: one booked adjustment at the default location
    assert [sandbox.stock_of(str(company["id"]), n) for n in ("MUG-1", "MUG-2-S", "MUG-2-L")] == [5, 5, 7]
    adjustments = sandbox.calls("POST", "/inventory-adjustments")
    assert len(adjustments) == 2 and adjustments[1].path.endswith("/book")  # created, then booked


def test_create_counts_one_call_per_variant_and_one_for_its_fields(sandbox, connector):
    connector.create_products(products=[hub_product(n, variants=1) for n in range(1, 4)],
                              fields=FIELDS_WRITE - {"stock"})
    assert [(r.method, r.path) for r in writes(sandbox)] == [("POST", "/products")] * 3
    sandbox.requests.clear()
    connector.create_products(products=[hub_product(9, variants=3)], fields=FIELDS_WRITE - {"stock"})
    assert [(r.method, r.path) for r in writes(sandbox)] == [
        ("POST", "/fields"), ("POST", "/fields"),  # once per connection: the grouping fields
        ("POST", "/products"), ("PUT", "/products/MUG-9-S/fields"), ("POST", "/products"),
        ("PUT", "/products/MUG-9-M/fields"), ("POST", "/products"), ("PUT", "/products/MUG-9-L/fields")]


def test_create_places_new_products_in_the_group_asked_for(sandbox, company, clock, account):
    sandbox.add_group(company, number=7, name="Webshop")
    connector = make_connector(sandbox, clock, account)
    [result] = connector.create_products(products=[hub_product(1, variants=1)], fields={"name"},
                                         placement={"group": 7})
    assert result.ok and company["products"]["MUG-1"]["group"]["number"] == 7
    configured = make_connector(sandbox, clock, account, product_group=7)
    configured.create_products(products=[hub_product(2, variants=1)], fields={"name"})
    assert company["products"]["MUG-2"]["group"]["number"] == 7


def test_create_writes_only_the_fields_it_is_given(sandbox, company, connector):
    [result] = connector.create_products(products=[hub_product(1)], fields=frozenset({"name", "sku"}))
    assert result.ok
    saved = company["products"]["MUG-1-S"]
    assert saved["name"] == "Blue mug 1"  # without the options, which it was not given
    assert (saved["description"], saved["barcode"], saved["sales_price"], saved["min_stock"]) == ("", "", 0.0, 0)
    assert saved["physical"]["weight"] == 0 and saved["stock_quantity"] == 0
    assert grouping(sandbox, company, "MUG-1-M") == ("MUG-1-S", None)  # grouped all the same


@pytest.mark.parametrize("fields", [FIELDS_WRITE, FIELDS_WRITE - {"variants"}, frozenset({"name", "price"})])
def test_round_trip_reads_back_what_was_written(sandbox, clock, account, fields):
    connector = make_connector(sandbox, clock, account)
    products = [hub_product(1, variants=1), hub_product(2, variants=3), hub_product(3, variants=2)]
    products[2].variants[1] = replace(products[2].variants[1], track_stock=False, low_stock_level=None,
                                      weight_grams=None, cost_price=None, barcode="")
    results = connector.create_products(products=products, fields=fields)
    fresh = make_connector(sandbox, clock, account)  # nothing cached from the writes
    read = {p.external_id: p for p in fresh.get_products(external_ids=[r.external_id for r in results])}
    streamed = {p.external_id: p for p in fresh.iter_products()}
    for product, result in zip(products, results, strict=True):
        assert product_hash(read[result.external_id], fields) == product_hash(product, fields)
        assert product_hash(streamed[result.external_id], fields) == product_hash(product, fields)
    # the engine's rerun with nothing changed: no write at all
    sandbox.requests.clear()
    again = fresh.update_products(products=[linked(p, r) for p, r in zip(products, results, strict=True)],
                                  fields=fields)
    assert all(r.ok for r in again) and [r.variant_ids for r in again] == [r.variant_ids for r in results]
    assert writes(sandbox) == [] and fresh.call_stats()["write"] == 0


def test_round_trip_keeps_prices_to_the_cent(sandbox, clock, account, connector):
    product = hub_product(1, variants=1, price="1234.10")
    [result] = connector.create_products(products=[product], fields=FIELDS_WRITE)
    [back] = connector.get_products(external_ids=[result.external_id])
    assert back.variants[0].price == Decimal("1234.10") and back.variants[0].cost_price == Decimal("40.25")
    assert back.variants[0].weight_grams == 350 and back.variants[0].low_stock_level == 3


def test_update_writes_only_the_given_fields_and_only_what_differs(sandbox, company, connector):
    product = hub_product(1)
    [created] = connector.create_products(products=[product], fields=FIELDS_WRITE)
    sandbox.admin_update_product(str(company["id"]), "MUG-1-M", description="Edited in Rackbeat",
                                 barcode="999")
    sandbox.requests.clear()
    changed = linked(product, created)
    changed.variants[1] = replace(changed.variants[1], price=Decimal("120.00"))
    changed = replace(changed, description="<p>New words</p>")
    [result] = connector.update_products(products=[changed], fields=frozenset({"price"}))
    assert result.ok and result.external_id == "MUG-1-S"
    assert [(r.method, r.path, r.json()) for r in writes(sandbox)] == [
        ("PUT", "/products/MUG-1-M", {"sales_price": 120.0})]
    assert company["products"]["MUG-1-M"]["description"] == "Edited in Rackbeat"  # left as the merchant set it
    assert company["products"]["MUG-1-M"]["barcode"] == "999"


def test_update_adds_and_removes_variants_and_renames_skus(sandbox, company, connector):
    product = hub_product(1)
    [created] = connector.create_products(products=[product], fields=FIELDS_WRITE - {"stock"})
    sandbox.admin_adjust_stock(str(company["id"]), "MUG-1-L", 4)  # Rackbeat keeps products with stock
    changed = linked(product, created)
    xl = ExternalVariant(external_id="", sku="MUG-1-XL", price=Decimal("99.50"), option_values={"Size": "XL"})
    changed.variants = [changed.variants[0], replace(changed.variants[1], sku="MUG-1-MEDIUM"), xl]
    [result] = connector.update_products(products=[changed], fields=FIELDS_WRITE - {"stock"})
    assert result.ok and result.external_id == "MUG-1-S"
    assert result.variant_ids == {"MUG-1-S": "MUG-1-S", "MUG-1-MEDIUM": "MUG-1-MEDIUM", "MUG-1-XL": "MUG-1-XL"}
    assert "MUG-1-L" in result.error and "barred" in result.error
    assert company["products"]["MUG-1-L"]["is_barred"] and grouping(sandbox, company, "MUG-1-L") == ("", "")
    assert "MUG-1-M" not in company["products"]
    assert grouping(sandbox, company, "MUG-1-XL") == ("MUG-1-S", '{"Size":"XL"}')
    [back] = connector.get_products(external_ids=["MUG-1-S"])
    assert [v.sku for v in back.variants] == ["MUG-1-S", "MUG-1-MEDIUM", "MUG-1-XL"]
    assert product_hash(back, FIELDS_WRITE - {"stock"}) == product_hash(changed, FIELDS_WRITE - {"stock"})


def test_a_product_of_its_own_is_known_by_its_new_number_after_a_rename(sandbox, company, connector):
    product = hub_product(1, variants=1)
    [created] = connector.create_products(products=[product], fields=FIELDS_WRITE)
    renamed = linked(product, created)
    renamed.variants[0] = replace(renamed.variants[0], sku="MUG-ONE")
    [result] = connector.update_products(products=[renamed], fields=frozenset({"sku", "name"}))
    assert result.ok and result.external_id == "MUG-ONE" and result.variant_ids == {"MUG-ONE": "MUG-ONE"}
    assert "MUG-1" not in company["products"] and company["fields"] == {}  # no custom field needed


def test_update_of_a_product_gone_from_rackbeat_says_so(sandbox, connector):
    product = replace(hub_product(1, variants=1), external_id="GONE-1")
    [result] = connector.update_products(products=[product], fields=FIELDS_WRITE)
    assert not result.ok and "no longer exists in Rackbeat" in result.error and "'Blue mug 1'" in result.error


def test_delete_removes_every_variant_and_ignores_what_is_gone(sandbox, company, connector):
    results = connector.create_products(products=[hub_product(1), hub_product(2, variants=1)],
                                        fields=FIELDS_WRITE - {"stock"})
    connector.delete_products(external_ids=[r.external_id for r in results])
    assert company["products"] == {}
    connector.delete_products(external_ids=[r.external_id for r in results] + ["NEVER-THERE"])  # no error


def test_delete_bars_a_product_rackbeat_keeps_for_its_stock(sandbox, company, connector):
    [result] = connector.create_products(products=[hub_product(1, variants=1)], fields=FIELDS_WRITE)
    connector.delete_products(external_ids=[result.external_id])
    assert company["products"]["MUG-1"]["is_barred"]


def test_a_refused_product_is_named_and_the_others_are_written(sandbox, company, connector):
    taken = hub_product(1, variants=1)
    connector.create_products(products=[taken], fields={"name"})
    no_sku = hub_product(3, variants=1)
    no_sku.variants[0] = replace(no_sku.variants[0], sku="")
    slash = hub_product(4)
    slash.variants[2] = replace(slash.variants[2], sku="MUG/4/L")
    results = connector.create_products(products=[taken, hub_product(2, variants=1), no_sku, slash],
                                        fields=FIELDS_WRITE)
    assert [r.ok for r in results] == [False, True, False, False]
    assert "Rackbeat already has a product numbered MUG-1" in results[0].error and "SKU" in results[0].error
    assert "'Blue mug 3'" in results[2].error and "give every variant a sku" in results[2].error.lower()
    assert "'Blue mug 4'" in results[3].error and "MUG/4/L" in results[3].error
    assert "slash" in results[3].error and "Correct it in Flyt" in results[3].error
    assert not any(n.startswith("MUG-4") for n in company["products"])  # its other variants were removed again
    assert "MUG-2" in company["products"]


def test_a_revoked_key_fails_the_whole_batch(sandbox, company, connector):
    company["api_keys"] = ["another-key"]
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1, variants=1)], fields=FIELDS_WRITE)
    assert caught.value.status == 401


def test_rackbeat_down_fails_the_whole_batch_for_a_retry(sandbox, connector):
    connector.prepare(role="target")
    sandbox.faults.fail_next(10, status=502, path_contains="/products")
    with pytest.raises(ConnectorError) as caught:
        connector.update_products(products=[replace(hub_product(1, variants=1), external_id="MUG-1")],
                                  fields=FIELDS_WRITE)
    assert caught.value.retryable


def test_custom_fields_refused_is_the_products_error(sandbox, company, connector):
    sandbox.faults.fail_next(1, status=403, body={"message": "This feature requires Premium."},
                             path_contains="/fields")
    [result] = connector.create_products(products=[hub_product(1)], fields=FIELDS_WRITE)
    assert not result.ok and "Rackbeat Premium" in result.error and company["products"] == {}


def test_the_merchants_own_custom_field_values_are_kept(sandbox, company, connector):
    [created] = connector.create_products(products=[hub_product(1)], fields=FIELDS_WRITE - {"stock"})
    shelf = connector.client.create_field(name="Shelf")
    connector.client.set_product_fields(number="MUG-1-M", values={shelf["id"]: "B-12"})
    changed = linked(hub_product(1), created)
    changed.variants[1] = replace(changed.variants[1], option_values={"Size": "Medium"})
    [result] = connector.update_products(products=[changed], fields=FIELDS_WRITE - {"stock"})
    assert result.ok and grouping(sandbox, company, "MUG-1-M") == ("MUG-1-S", '{"Size":"Medium"}')
    assert company["field_values"]["MUG-1-M"][str(shelf["id"])] == "B-12"
    assert company["products"]["MUG-1-M"]["name"] == "Blue mug 1 - Medium"
    [back] = connector.get_products(external_ids=["MUG-1-S"])
    assert back.options == [{"name": "Size", "values": ["S", "Medium", "L"]}]
    assert field_value({"field_values": [{"field_id": shelf["id"], "value": "B-12"}]}, shelf["id"]) == "B-12"


def test_variants_the_merchant_made_in_rackbeat_are_taken_into_the_product(sandbox, company, connector):
    for size in "SML":  # three products of their own, as a merchant without Flyt's fields has them
        connector.client.create_product(body={"number": f"MUG-1-{size}", "name": f"Mug {size}", "group": 1})
    [found] = [p for p in connector.find_products(skus={"MUG-1-S"}, barcodes=set())]
    product = hub_product(1)
    product = replace(product, external_id=found.external_id,
                      variants=[replace(product.variants[0], external_id="MUG-1-S"), *product.variants[1:]])
    sandbox.requests.clear()
    [result] = connector.update_products(products=[product], fields=FIELDS_WRITE - {"stock"})
    assert result.ok and result.external_id == "MUG-1-S"
    assert sandbox.calls("POST", "/products") == []  # taken in, not created again
    assert [company["products"][f"MUG-1-{s}"]["name"] for s in "SML"] == [f"Blue mug 1 - {s}" for s in "SML"]
    [back] = connector.get_products(external_ids=["MUG-1-M"])
    assert back.external_id == "MUG-1-S" and [v.sku for v in back.variants] == ["MUG-1-S", "MUG-1-M", "MUG-1-L"]


def test_a_number_in_another_product_is_not_taken(sandbox, company, connector):
    [other] = connector.create_products(products=[hub_product(2)], fields=FIELDS_WRITE - {"stock"})
    product = hub_product(1)
    product.variants[1] = replace(product.variants[1], sku="MUG-2-M")
    [created] = connector.create_products(products=[hub_product(1, variants=1)], fields=FIELDS_WRITE - {"stock"})
    product = replace(product, external_id=created.external_id)
    [result] = connector.update_products(products=[product], fields=FIELDS_WRITE - {"stock"})
    assert not result.ok and "MUG-2-M" in result.error and "already has a product numbered" in result.error
    assert grouping(sandbox, company, "MUG-2-M") == (other.external_id, '{"Size":"M"}')


def test_a_new_weight_keeps_the_dimensions_the_merchant_set(sandbox, company, connector):
    product = hub_product(1, variants=1)
    [created] = connector.create_products(products=[product], fields=FIELDS_WRITE - {"stock"})
    sandbox.admin_update_product(str(company["id"]), "MUG-1", physical={
        "weight": 0.35, "weight_unit": "kg", "height": 12.5, "width": 9.0, "depth": 9.0, "size_unit": "cm"})
    [same] = connector.update_products(products=[linked(product, created)], fields=frozenset({"weight"}))
    assert same.ok and company["products"]["MUG-1"]["physical"]["weight_unit"] == "kg"  # 0.35 kg is 350 g
    heavier = linked(product, created)
    heavier.variants[0] = replace(heavier.variants[0], weight_grams=1200)
    [result] = connector.update_products(products=[heavier], fields=frozenset({"weight"}))
    assert result.ok and company["products"]["MUG-1"]["physical"] == {
        "weight": 1200, "weight_unit": "g", "height": 12.5, "width": 9.0, "depth": 9.0, "size_unit": "cm"}


def test_two_writer_threads_create_the_grouping_fields_once(sandbox, company, connector):
    products = [hub_product(n) for n in range(1, 5)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: connector.create_products(products=[p], fields=FIELDS_WRITE)[0], products))
    assert all(r.ok for r in results)
    assert sorted(f["slug"] for f in company["fields"].values()) == ["flyt-product", "flyt-variant-options"]
    assert all(len(p.variants) == 3 for p in connector.iter_products())


def test_writes_one_product_a_call_within_the_rate_limit(sandbox, clock, company, connector):
    products = [hub_product(n, variants=1) for n in range(1, 501)]
    results = []
    for start in range(0, len(products), connector.write_batch_size):
        results += connector.create_products(products=products[start:start + connector.write_batch_size],
                                             fields=FIELDS_WRITE - {"stock"})
    assert all(r.ok for r in results) and len(company["products"]) == 500
    stats = connector.call_stats()
    assert stats["write"] == 500 and stats["rate_limit_wait_s"] > 0  # 480 a minute: the client waited, on the clock
    assert sandbox.calls(status=429) == []
