"""ShopifyConnector set-up and reads against the Shopify sandbox: prepare, iter/get/existing/find products."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations import registry
from integrations.errors import ConnectorError
from integrations.platforms import PLATFORMS
from integrations.sandbox.seed import catalog
from integrations.shopify.connector import FIELDS_READ, FIELDS_WRITE, ShopifyConnector
from integrations.shopify.connector_writes import DELETE_PER_REQUEST
from tests.integration.shopify_connector.conftest import connection_for, graphql_calls, make_connector


def test_prepare_reads_the_shop_currency_and_location_once(sandbox, clock):
    connect = sandbox.create_account(currency="SEK", locations=("Shop floor", "Back room"))
    connector = make_connector(sandbox, clock, connect)
    found = connector.prepare(role="target")
    location = sorted(sandbox.account(connect["account"])["locations"], key=int)[0]
    assert found == {"currency": "SEK", "location_id": location}
    assert connector.prepare(role="home", options=None) == found
    assert connector.account_currency() == "SEK"
    assert len(graphql_calls(sandbox)) == 1


def test_prepare_is_free_once_the_settings_hold_the_answers(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account, currency="DKK", location_id="77")
    assert connector.prepare(role="both") == {"currency": "DKK", "location_id": "77"}
    assert graphql_calls(sandbox) == []


def test_prepare_refuses_an_unknown_role(connector):
    with pytest.raises(ValueError, match="home"):
        connector.prepare(role="sideways")


def test_iter_products_reads_every_product_page_by_page(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(30, variants=2))
    stream = connector.iter_products()
    first = next(stream)
    pages_so_far = len(graphql_calls(sandbox, "query"))
    products = [first, *stream]
    assert len(products) == 30 and len({p.external_id for p in products}) == 30
    assert len(graphql_calls(sandbox, "query")) > pages_so_far  # the later pages were read only when needed
    variant = products[0].variants[0]
    assert variant.sku.startswith("FLY-") and variant.barcode and isinstance(variant.price, Decimal)
    assert variant.cost_price is not None and variant.weight_grams and variant.option_values
    assert products[0].currency == "DKK" and products[0].options and products[0].images


def test_a_product_with_more_variants_than_a_page_holds_is_read_whole(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(2, variants=45))
    products = list(connector.iter_products())
    assert [len(p.variants) for p in products] == [45, 45]
    assert len({v.sku for v in products[0].variants}) == 45


def test_iter_products_since_reads_only_what_changed_on_the_shops_clock(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(4))
    clock.advance(3600)
    watermark = datetime.fromtimestamp(connector.now(), UTC)
    assert connector.now() == clock.now()
    clock.advance(0.4)  # still in the watermark's second: Shopify's times have whole seconds
    changed = next(iter(connector.iter_products()))
    sandbox.admin_update_product(account["account"], changed.external_id, title="Renamed in Shopify")
    since = list(connector.iter_products(since=watermark))
    assert [p.title for p in since] == ["Renamed in Shopify"]
    clock.advance(10)
    assert list(connector.iter_products(since=datetime.fromtimestamp(connector.now(), UTC))) == []


def test_get_products_and_existing_ids_leave_out_deleted_products(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(3))
    ids = [p.external_id for p in connector.iter_products()]
    sandbox.admin_delete_product(account["account"], ids[1])
    got = connector.get_products(external_ids=[*ids, "999999"])
    assert [p.external_id for p in got] == [ids[0], ids[2]]
    assert connector.existing_ids(external_ids=[*ids, "999999"]) == {ids[0], ids[2]}
    assert connector.get_products(external_ids=[]) == []


def test_find_products_by_sku_then_by_barcode(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(6, variants=2))
    products = list(connector.iter_products())
    by_sku = products[1].variants[1].sku
    by_barcode = products[4].variants[0].barcode
    found = connector.find_products(skus={by_sku, "NOT-THERE"}, barcodes={by_barcode, "0000000000000"})
    assert sorted(p.external_id for p in found) == sorted([products[1].external_id, products[4].external_id])
    both = connector.find_products(skus={products[2].variants[0].sku}, barcodes={products[2].variants[1].barcode})
    assert [p.external_id for p in both] == [products[2].external_id]  # one product, found once
    assert connector.find_products(skus=set(), barcodes=set()) == []


def test_find_products_with_a_sku_holding_spaces_and_quotes(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(2))
    product = next(iter(connector.iter_products()))
    # typed in the Shopify admin
    sandbox.account(account["account"])["products"][product.external_id]["variants"][0]["sku"] = 'MUG "BIG" 1'
    found = connector.find_products(skus={'MUG "BIG" 1'}, barcodes=set())
    assert [p.external_id for p in found] == [product.external_id]


def test_a_revoked_token_is_a_connector_error_in_the_merchants_words(sandbox, clock, account):
    sandbox.uninstall(account["account"])
    connector = make_connector(sandbox, clock, account)
    with pytest.raises(ConnectorError) as caught:
        list(connector.iter_products())
    assert caught.value.status == 401 and not caught.value.retryable
    assert "reconnect Shopify" in caught.value.message


def test_a_connection_without_a_token_cannot_make_a_connector(account):
    connection = connection_for(account)
    connection.credentials = {}
    with pytest.raises(ConnectorError, match="Reconnect Shopify"):
        ShopifyConnector(connection)


def test_shopify_down_is_a_retryable_connector_error(sandbox, clock, account, connector):
    sandbox.faults.fail_next(20, status=503)
    with pytest.raises(ConnectorError) as caught:
        connector.prepare(role="target")
    assert caught.value.retryable


def test_the_platform_spec_declares_what_the_connector_reads_and_writes():
    spec = PLATFORMS["shopify"]
    assert spec.product_fields_read == FIELDS_READ and spec.product_fields_write == FIELDS_WRITE
    assert spec.batch_sizes["products"] == ShopifyConnector.write_batch_size
    assert spec.batch_sizes["deletes"] == DELETE_PER_REQUEST
    assert registry.connector_class("shopify") is ShopifyConnector
