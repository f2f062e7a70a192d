"""prepare(), iter_products, get_products and find_products against the BigCommerce sandbox."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.bigcommerce.connector import BigCommerceConnector
from integrations.dto import ExternalProduct
from tests.integration.bigcommerce_connector.helpers import ZETTLE_HOME, ZETTLE_TARGET

from .conftest import make_connector
from .helpers import mark, reads, writes


def _zettle_channel(account):
    return [c for c in account["channels"].values() if c["name"] == "PayPal Zettle"]


def test_prepare_home_creates_the_channel_once(sandbox, clock, store, account, connector):
    found = connector.prepare(role="home", options=ZETTLE_HOME)
    assert found["product_role"] == "home" and found["channel_id"] == _zettle_channel(account)[0]["id"]
    mark(sandbox)
    again = make_connector(sandbox, clock, store, **found).prepare(role="home", options=ZETTLE_HOME)
    assert again == found and len(_zettle_channel(account)) == 1
    assert writes(sandbox) == []
    assert _zettle_channel(account)[0]["type"] == "pos"


def test_prepare_target_creates_the_category_once(sandbox, clock, store, account, connector):
    found = connector.prepare(role="target", options=ZETTLE_TARGET)
    mine = [c for c in account["categories"].values() if c["name"] == "PayPal Zettle"]
    assert found == {"product_role": "target", "category_id": mine[0]["category_id"], "weight_unit": "kg",
                     "currency": account["currency"]}  # the store's own setting, kept for the prices rule
    mark(sandbox)
    assert make_connector(sandbox, clock, store).prepare(role="target", options=ZETTLE_TARGET) == found
    assert writes(sandbox) == [] and len([c for c in account["categories"].values()
                                          if c["name"] == "PayPal Zettle"]) == 1


def test_prepare_refuses_an_unknown_role(connector):
    with pytest.raises(ValueError, match="role"):
        connector.prepare(role="sideways")


def test_home_reads_only_products_in_the_zettle_channel(sandbox, client, connector, account):
    channel_id = connector.prepare(role="home", options=ZETTLE_HOME)["channel_id"]
    ids = sorted(int(i) for i in account["products"])
    client.assign_products_to_channel(product_ids=ids[:5], channel_id=channel_id)
    mark(sandbox)
    stream = connector.iter_products()
    assert not isinstance(stream, list)  # a generator: nothing is read before it is consumed
    assert reads(sandbox) == []
    products = list(stream)
    assert sorted(int(p.external_id) for p in products) == ids[:5]
    assert all(isinstance(p, ExternalProduct) and len(p.variants) == 3 and p.images for p in products)
    assert all(v.sku and v.price is not None for p in products for v in p.variants)
    (call,) = sandbox.calls("GET", "/v3/catalog/products")
    assert call.query["channel_id:in"][0] == str(channel_id) and call.query["limit"][0] == "250"
    assert set(call.query["include"][0].split(",")) == {"variants", "images"}

    client.unassign_products_from_channel(product_ids=ids[:2], channel_id=channel_id)
    assert sorted(int(p.external_id) for p in connector.iter_products()) == ids[2:5]


def test_home_role_is_remembered_through_settings(sandbox, clock, store, client, connector, account):
    found = connector.prepare(role="home", options=ZETTLE_HOME)
    ids = sorted(int(i) for i in account["products"])
    client.assign_products_to_channel(product_ids=ids[:1], channel_id=found["channel_id"])
    fresh = make_connector(sandbox, clock, store, **found)  # a later pass: settings hold what prepare found
    assert [p.external_id for p in fresh.iter_products()] == [str(ids[0])]


def test_as_target_since_reads_only_products_changed_after(sandbox, clock, client, connector, account):
    connector.prepare(role="target", options=ZETTLE_TARGET)
    ids = sorted(int(i) for i in account["products"])
    clock.advance(3600)
    since = datetime.fromtimestamp(clock.now(), UTC) - timedelta(seconds=1, microseconds=500)
    client.update_product(product_id=ids[3], fields={"description": "<p>new</p>"})
    mark(sandbox)
    assert [p.external_id for p in connector.iter_products(since=since)] == [str(ids[3])]
    assert "date_modified:min" in sandbox.calls("GET", "/v3/catalog/products")[0].query


def test_as_home_since_never_hides_a_product_newly_assigned_to_the_channel(sandbox, clock, client, connector,
                                                                          account):
    channel_id = connector.prepare(role="home", options=ZETTLE_HOME)["channel_id"]
    ids = sorted(int(i) for i in account["products"])
    clock.advance(3600)
    since = datetime.fromtimestamp(clock.now(), UTC)
    client.assign_products_to_channel(product_ids=ids[:2], channel_id=channel_id)  # date_modified unchanged
    assert sorted(p.external_id for p in connector.iter_products(since=since)) == sorted(str(i) for i in ids[:2])


def test_target_reads_every_product_page_by_page(sandbox, clock):
    from tests.unit.bigcommerce.support import make_store

    store = make_store(sandbox, products=260, variants=1)
    connector = make_connector(sandbox, clock, store)
    connector.prepare(role="target", options=ZETTLE_TARGET)
    mark(sandbox)
    assert sum(1 for _ in connector.iter_products()) == 260
    assert [c.query["page"][0] for c in sandbox.calls("GET", "/v3/catalog/products")] == ["1", "2"]


def test_get_products_skips_missing_and_out_of_channel(sandbox, client, connector, account):
    ids = sorted(int(i) for i in account["products"])
    got = connector.get_products(external_ids=[str(ids[0]), str(ids[1]), "999999"])
    assert sorted(int(p.external_id) for p in got) == ids[:2]
    assert connector.get_products(external_ids=[]) == []
    channel_id = connector.prepare(role="home", options=ZETTLE_HOME)["channel_id"]
    client.assign_products_to_channel(product_ids=[ids[0]], channel_id=channel_id)
    assert [p.external_id for p in connector.get_products(external_ids=[ids[0], ids[1]])] == [str(ids[0])]


def test_find_products_by_variant_sku(sandbox, connector, account):
    product = next(iter(account["products"].values()))
    sku = account["variants"][str(product["_variant_ids"][1])]["sku"]
    mark(sandbox)
    found = connector.find_products(skus={sku, "NOPE-1"}, barcodes=set())
    assert [p.external_id for p in found] == [str(product["id"])]
    assert sku in {v.sku for v in found[0].variants}
    assert sandbox.calls("GET", "/v3/catalog/products")[0].query["sku:in"][0] == f"{sku},NOPE-1"


def test_find_products_by_barcode_one_lookup_each_when_cheaper(sandbox, connector, account):
    variant = next(v for v in account["variants"].values())
    mark(sandbox)
    found = connector.find_products(skus=set(), barcodes={variant["upc"]})
    assert [p.external_id for p in found] == [str(variant["product_id"])]
    assert variant["upc"] in {v.barcode for v in found[0].variants}
    lookups = [c for c in sandbox.calls("GET", "/v3/catalog/variants") if "upc" in c.query]
    assert [c.query["upc"][0] for c in lookups] == [variant["upc"]]


def test_find_products_by_barcode_reads_all_variants_when_asked_for_many(sandbox, connector, account):
    variants = list(account["variants"].values())
    gtin14 = "0" + variants[0]["upc"]  # the hub holds a GTIN-14; BigCommerce the EAN-13
    asked = {gtin14} | {f"999{n:010d}" for n in range(40)}
    mark(sandbox)
    found = connector.find_products(skus=set(), barcodes=asked)
    assert [p.external_id for p in found] == [str(variants[0]["product_id"])]
    assert gtin14 in {v.barcode for v in found[0].variants}  # reported as asked, so the engine can match it
    variant_reads = sandbox.calls("GET", "/v3/catalog/variants")
    assert len(variant_reads) == 2 and not any("upc" in c.query for c in variant_reads)  # probe + one page


def test_find_products_in_an_empty_store_costs_two_reads(sandbox, clock):
    from tests.unit.bigcommerce.support import make_store

    connector = make_connector(sandbox, clock, make_store(sandbox))
    mark(sandbox)
    assert connector.find_products(skus={"A-1", "A-2"}, barcodes={"5700000000012"}) == []
    assert len(reads(sandbox)) == 2 and writes(sandbox) == []


def test_connector_shape():
    assert BigCommerceConnector.write_batch_size == 10 and BigCommerceConnector.platform == "bigcommerce"
