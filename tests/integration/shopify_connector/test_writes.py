"""ShopifyConnector writes against the Shopify sandbox: creates (batched, placement, initial stock), updates
of only the given fields, refusals named per product, deletes, and the faithful round trip."""

from dataclasses import replace
from decimal import Decimal

import pytest

from integrations.contracts.stock import StockRef
from integrations.dto import ExternalImage, ExternalVariant
from integrations.engine.desired import product_hash
from integrations.errors import ConnectorError
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify.connector import FIELDS_READ, FIELDS_WRITE
from integrations.shopify.connector_writes import PRODUCT_SET_PER_REQUEST
from integrations.shopify.stock import ShopifyStock
from tests.integration.shopify_connector.conftest import (
    ALL_FIELDS,
    NO_PRICES,
    connection_for,
    graphql_calls,
    hub_product,
    make_connector,
    stored,
)


def linked(product, result):
    """``product`` as the engine passes it for an update once created: with its platform ids."""
    return replace(product, external_id=result.external_id, variants=[
        replace(v, external_id=result.variant_ids.get(v.sku or f"#{i}", "")) for i, v in enumerate(product.variants)])


def test_create_writes_products_in_batches_of_the_write_batch_size(sandbox, shop, connector):
    products = [hub_product(n) for n in range(PRODUCT_SET_PER_REQUEST + 5)]
    results = []
    for start in range(0, len(products), connector.write_batch_size):
        results += connector.create_products(products=products[start:start + connector.write_batch_size],
                                             fields=ALL_FIELDS)
    assert all(r.ok for r in results) and len({r.external_id for r in results}) == len(products)
    assert connector.call_stats()["write"] == 2  # one request per batch of 25
    first = stored(shop, results[0].external_id)
    assert first["title"] == "Blue mug 0" and [v["sku"] for v in first["variants"]] == ["MUG-0-S", "MUG-0-M", "MUG-0-L"]
    # a variant is named by its inventory item, the id the stock connector uses
    assert results[0].variant_ids == {v["sku"]: str(v["inventory_item_id"]) for v in first["variants"]}
    assert first["status"] == "active"


def test_variant_ids_of_variants_without_sku_are_keyed_by_position(connector, shop):
    product = hub_product(1, variants=2)
    product.variants[1].sku = ""
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    ids = [str(v["inventory_item_id"]) for v in stored(shop, result.external_id)["variants"]]
    assert result.variant_ids == {"MUG-1-S": ids[0], "#1": ids[1]}


def test_placement_hidden_creates_a_draft(connector, shop):
    result = connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS, placement={"visible": False})[0]
    assert stored(shop, result.external_id)["status"] == "draft"


def test_initial_stock_goes_to_the_first_location_with_tracking_as_the_hub_has_it(sandbox, account, connector):
    product = hub_product(1, variants=2, stock=7)
    product.variants[1].track_stock = False
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    assert result.ok
    assert sandbox.stock_of(account["account"], "MUG-1-S") == 7
    assert sandbox.stock_of(account["account"], "MUG-1-M") == 0
    read = connector.get_products(external_ids=[result.external_id])[0]
    assert [v.track_stock for v in read.variants] == [True, False]


def test_a_product_without_options_gets_shopifys_default_variant(connector, shop):
    product = hub_product(1, variants=1)
    product.options, product.variants[0].option_values = [], {}
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    variant = stored(shop, result.external_id)["variants"][0]
    assert variant["title"] == "Default Title" and result.variant_ids == {"MUG-1-S": str(variant["inventory_item_id"])}
    assert connector.get_products(external_ids=[result.external_id])[0].variants[0].option_values == {}


@pytest.mark.parametrize("fields", [ALL_FIELDS, NO_PRICES, frozenset({"name", "variants", "sku"})])
def test_the_round_trip_is_faithful_for_every_written_field(connector, fields):
    products = [hub_product(1), hub_product(2, variants=1, images=3), hub_product(3, variants=4, images=0)]
    products[1].options, products[1].variants[0].option_values = [], {}
    products[2].seo, products[2].variants[0].barcode, products[2].variants[1].weight_grams = {}, "", None
    products[2].variants[2].cost_price = None
    results = connector.create_products(products=products, fields=fields)
    read = {p.external_id: p for p in connector.get_products(external_ids=[r.external_id for r in results])}
    for product, result in zip(products, results, strict=True):
        assert product_hash(read[result.external_id], fields) == product_hash(product, fields)
    streamed = {p.external_id: p for p in connector.iter_products()}
    for product, result in zip(products, results, strict=True):
        assert product_hash(streamed[result.external_id], fields) == product_hash(product, fields)


def test_every_written_field_is_read(connector):
    assert FIELDS_WRITE <= FIELDS_READ
    product = hub_product(1, variants=2, images=2)
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    back = connector.get_products(external_ids=[result.external_id])[0]
    assert back.title == "Blue mug 1" and back.description == product.description
    assert back.seo == {"title": "Mug 1", "description": "A blue mug"}
    assert [i.url for i in back.images] == [i.url for i in product.images]
    assert [(v.sku, v.barcode, v.price, v.cost_price, v.weight_grams, v.option_values) for v in back.variants] == [
        (v.sku, v.barcode, v.price, v.cost_price, v.weight_grams, v.option_values) for v in product.variants]


def test_update_writes_only_the_given_fields(sandbox, account, shop, connector):
    product = hub_product(1)
    created = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    # the merchant edits in Shopify: the price of one variant, the description, the tags
    sandbox.admin_update_variant(account["account"], "MUG-1-M", price="120.00")
    sandbox.admin_update_product(account["account"], created.external_id, body_html="<p>Merchant's words</p>",
                                 tags="summer")
    update = linked(product, created)
    update.title, update.description = "Blue mug, large", "<p>Hub words</p>"
    update.variants[0].price, update.variants[0].barcode = Decimal("79.00"), "5700000000001"
    results = connector.update_products(products=[update], fields=frozenset({"name", "barcode"}))
    assert results[0].ok and results[0].variant_ids == created.variant_ids
    raw = stored(shop, created.external_id)
    assert raw["title"] == "Blue mug, large" and raw["body_html"] == "<p>Merchant's words</p>"
    assert raw["tags"] == "summer"
    assert [(v["sku"], v["price"], v["barcode"]) for v in raw["variants"]] == [
        ("MUG-1-S", "99.00", "5700000000001"), ("MUG-1-M", "120.00", product.variants[1].barcode),
        ("MUG-1-L", "99.00", product.variants[2].barcode)]
    assert [v["inventory_item_id"] for v in raw["variants"]] == [int(i) for i in created.variant_ids.values()]


def test_update_without_variant_fields_sends_no_variants(sandbox, shop, connector):
    created = connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS)[0]
    before = connector.call_stats()
    update = linked(hub_product(1), created)
    update.description = "<p>New</p>"
    assert connector.update_products(products=[update], fields=frozenset({"description"}))[0].ok
    after = connector.call_stats()
    assert (after["read"] - before["read"], after["write"] - before["write"]) == (0, 1)
    body = graphql_calls(sandbox, "mutation")[-1].json()["variables"]["p0"]
    assert body == {"descriptionHtml": "<p>New</p>"}
    assert stored(shop, created.external_id)["body_html"] == "<p>New</p>"


def test_update_with_variants_replaces_the_list_keeping_existing_ids(sandbox, account, shop, connector):
    product = hub_product(1, variants=3)
    created = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    update = linked(product, created)
    update.variants = [update.variants[0], update.variants[2],
                       ExternalVariant(external_id="", sku="MUG-1-XL", price=Decimal("99.00"),
                                       option_values={"Size": "XL"}, stock=3)]
    update.options = [{"name": "Size", "values": ["S", "L", "XL"]}]
    result = connector.update_products(products=[update], fields=ALL_FIELDS)[0]
    assert result.ok
    raw = stored(shop, created.external_id)
    assert [v["sku"] for v in raw["variants"]] == ["MUG-1-S", "MUG-1-L", "MUG-1-XL"]
    assert result.variant_ids["MUG-1-S"] == created.variant_ids["MUG-1-S"]
    assert result.variant_ids["MUG-1-L"] == created.variant_ids["MUG-1-L"]
    assert result.variant_ids["MUG-1-XL"] == str(raw["variants"][2]["inventory_item_id"])
    assert sandbox.stock_of(account["account"], "MUG-1-S") == 5  # existing variants keep their stock
    assert sandbox.stock_of(account["account"], "MUG-1-XL") == 3


def test_a_rerun_with_nothing_changed_compares_equal(connector):
    products = [hub_product(n, variants=2) for n in range(3)]
    results = connector.create_products(products=products, fields=ALL_FIELDS)
    read = {p.external_id: p for p in connector.iter_products()}
    assert all(product_hash(read[r.external_id], ALL_FIELDS) == product_hash(linked(p, r), ALL_FIELDS)
               for p, r in zip(products, results, strict=True))


def test_too_many_options_is_refused_for_that_product_only(connector, shop):
    wide = hub_product(2, variants=1)
    wide.options = [{"name": n, "values": ["A"]} for n in ("Size", "Colour", "Glaze", "Handle")]
    wide.variants[0].option_values = {"Size": "A", "Colour": "A", "Glaze": "A", "Handle": "A"}
    results = connector.create_products(products=[hub_product(1), wide, hub_product(3)], fields=ALL_FIELDS)
    assert [r.ok for r in results] == [True, False, True]
    assert "'Blue mug 2' (SKU MUG-2-S)" in results[1].error and "at most 3" in results[1].error
    assert len(shop["products"]) == 2


def test_too_many_variants_is_refused_before_sending(connector, shop):
    big = hub_product(1, variants=1)
    big.variants = [ExternalVariant(external_id="", sku=f"BIG-{i}", option_values={"Size": str(i)})
                    for i in range(2049)]
    big.options = [{"name": "Size", "values": [str(i) for i in range(2049)]}]
    result = connector.create_products(products=[big], fields=ALL_FIELDS)[0]
    assert not result.ok and "2049 variants" in result.error and "2048" in result.error
    assert shop["products"] == {}


def test_a_product_shopify_refuses_is_named_and_the_rest_written(connector, shop):
    twins = hub_product(2, variants=2)
    twins.variants[1].option_values = dict(twins.variants[0].option_values)  # the same option values twice
    results = connector.create_products(products=[hub_product(1), twins, hub_product(3)], fields=ALL_FIELDS)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error.startswith("Shopify refused product 'Blue mug 2': ")
    assert "unique" in results[1].error and "Correct it in Flyt" in results[1].error
    assert "input" not in results[1].error  # no field paths for the merchant


def test_a_request_refused_as_a_whole_is_retried_product_by_product(sandbox, connector, shop):
    connector.prepare(role="target")
    # the batch's request and then the first product's own request are refused outright
    sandbox.faults.fail_next(2, status=400, body={"errors": "Bad Request"}, path_contains="graphql")
    results = connector.create_products(products=[hub_product(n) for n in range(1, 4)], fields=ALL_FIELDS)
    assert [r.ok for r in results] == [False, True, True]
    assert results[0].error.startswith("Shopify refused product 'Blue mug 1': ") and "Bad Request" in results[0].error
    assert len(shop["products"]) == 2
    assert connector.call_stats()["write"] == 4  # the batch, then each product alone


def test_prices_in_another_currency_are_not_written(connector, shop):
    product = hub_product(1, currency="EUR", price="12.00")
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    assert result.ok and "currencies differ (EUR in Flyt vs DKK in Shopify)" in result.error
    assert {v["price"] for v in stored(shop, result.external_id)["variants"]} == {"0.00"}


def test_updating_a_product_deleted_in_shopify_says_it_is_gone(sandbox, account, connector):
    created = connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS)[0]
    sandbox.admin_delete_product(account["account"], created.external_id)
    update = linked(hub_product(1), created)
    for fields in (ALL_FIELDS, frozenset({"name"})):
        result = connector.update_products(products=[update], fields=fields)[0]
        assert not result.ok and "no longer has product 'Blue mug 1'" in result.error


def test_delete_products_and_already_deleted_ones_are_fine(sandbox, account, shop, connector):
    results = connector.create_products(products=[hub_product(n) for n in range(3)], fields=ALL_FIELDS)
    ids = [r.external_id for r in results]
    sandbox.admin_delete_product(account["account"], ids[0])
    connector.delete_products(external_ids=ids)
    assert shop["products"] == {}
    connector.delete_products(external_ids=ids)  # again: nothing there, no error
    connector.delete_products(external_ids=[])


def test_an_uninstalled_app_fails_the_whole_batch(sandbox, account, connector):
    connector.prepare(role="target")
    sandbox.uninstall(account["account"])
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS)
    assert caught.value.status == 401


def test_shopify_unreachable_fails_the_batch_retryably(sandbox, connector):
    connector.prepare(role="target")
    sandbox.faults.fail_next(20, status=502)
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS)
    assert caught.value.retryable


def test_images_are_replaced_in_order(connector, shop):
    product = hub_product(1, images=2)
    created = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    update = linked(product, created)
    update.images = [ExternalImage(url="https://cdn.example.com/new.jpg", position=0, alt="New"),
                     product.images[0]]
    update.images[1].position = 1
    assert connector.update_products(products=[update], fields=frozenset({"images"}))[0].ok
    assert [i["src"] for i in stored(shop, created.external_id)["images"]] == [
        "https://cdn.example.com/new.jpg", "https://cdn.example.com/mug-1-0.jpg"]


def test_more_images_than_a_page_holds_come_back_whole_and_in_order(connector):
    product = hub_product(1, images=8)
    result = connector.create_products(products=[product], fields=ALL_FIELDS)[0]
    for back in (connector.get_products(external_ids=[result.external_id])[0], next(connector.iter_products())):
        assert [i.url for i in back.images] == [i.url for i in product.images]


def test_a_missing_permission_fails_the_whole_batch_in_the_merchants_words(sandbox, clock):
    connect = sandbox.create_account(scopes=("read_products", "read_inventory", "read_locations"))
    connector = make_connector(sandbox, clock, connect)
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1), hub_product(2)], fields=ALL_FIELDS)
    assert "lacks a permission" in caught.value.message and "Reconnect Shopify" in caught.value.message
    assert not caught.value.retryable


def test_the_stock_connector_reads_the_stock_of_the_variants_a_create_returns(sandbox, clock, account, connector):
    result = connector.create_products(products=[hub_product(1, variants=2, stock=4)], fields=ALL_FIELDS)[0]
    stock = ShopifyStock(connection_for(account), transport=SandboxTransport(sandbox), clock=clock)
    location = connector.location_id()
    levels = stock.read_levels(refs=[StockRef(variant_id=i, product_id=result.external_id, location_id=location)
                                     for i in result.variant_ids.values()])
    assert sorted((lv.variant_id, lv.quantity) for lv in levels) == sorted(
        zip(result.variant_ids.values(), (4, 5), strict=True))
    read = connector.get_products(external_ids=[result.external_id])[0]
    assert {v.sku: v.external_id for v in read.variants} == result.variant_ids
