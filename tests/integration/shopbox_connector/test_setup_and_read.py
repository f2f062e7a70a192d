"""ShopboxConnector set-up and reads against the Shopbox sandbox: prepare, iter/get/find products, webhooks,
call counts."""

import math
from datetime import UTC, datetime

import pytest

from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.shopbox.client import PER_PAGE
from tests.integration.shopbox_connector.conftest import api_calls, make_connector


def test_prepare_without_sales_knows_no_currency_and_asks_once(sandbox, clock, account, connector):
    assert connector.prepare(role="target") == {}
    assert connector.prepare(role="home") == {}
    assert connector.account_currency() == ""
    assert len(api_calls(sandbox, "/baskets")) == 1  # asked once per connector, answered or not
    assert api_calls(sandbox, "/products") == []  # never guessed from a product


def test_prepare_takes_the_currency_of_the_accounts_sales(sandbox, clock):
    connect = sandbox.create_account(currency="NOK")
    sandbox.seed(connect["account"], catalog(2))
    sandbox.sell(connect["account"], "FLY-000001", 1)
    connector = make_connector(sandbox, clock, connect)
    assert connector.prepare(role="both") == {"currency": "NOK"}
    assert connector.prepare(role="target", options={"anything": 1}) == {"currency": "NOK"}
    assert connector.account_currency() == "NOK"
    assert len(api_calls(sandbox, "/baskets")) == 1


def test_prepare_with_the_currency_in_settings_makes_no_call(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account, currency="DKK")
    assert connector.prepare(role="home") == {"currency": "DKK"}
    assert connector.account_currency() == "DKK"
    assert sandbox.requests == []


def test_prepare_refuses_an_unknown_role(connector):
    with pytest.raises(ValueError, match="home"):
        connector.prepare(role="sideways")


def test_now_is_the_sandbox_clock(connector, clock):
    clock.advance(1234.5)
    assert connector.now() == clock.now()


def test_iter_products_streams_page_by_page(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(2 * PER_PAGE + 10, variants=2))
    stream = connector.iter_products()
    first = next(stream)
    assert len(api_calls(sandbox, "/products")) == 1  # nothing read beyond the first page yet
    products = [first, *stream]
    assert len(api_calls(sandbox, "/products")) == math.ceil((2 * PER_PAGE + 10) / PER_PAGE) == 3
    assert len(products) == 2 * PER_PAGE + 10 and len({p.external_id for p in products}) == len(products)
    variant = products[0].variants[0]
    assert variant.sku.startswith("FLY-") and variant.barcode and variant.price is not None
    assert variant.external_id.isdigit() and variant.external_parent_id == products[0].external_id
    assert products[0].options and products[0].images


def test_iter_products_since_reads_only_products_changed_on_shopboxs_clock(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(5))
    clock.advance(60)
    watermark = datetime.fromtimestamp(connector.now(), UTC)
    clock.advance(60)
    sandbox.admin_update_product(account["account"], "FLY-000003", name="Renamed jug")
    changed = list(connector.iter_products(since=watermark))
    assert [p.title for p in changed] == ["Renamed jug"]
    assert api_calls(sandbox, "/products")[-1].query.get("updated_since")
    naive = watermark.replace(tzinfo=None)  # a naive watermark is UTC
    assert [p.title for p in connector.iter_products(since=naive)] == ["Renamed jug"]
    assert len(list(connector.iter_products())) == 5


def test_get_products_reads_by_id_and_leaves_out_missing_and_inactive_ones(sandbox, clock, account, connector, shop):
    sandbox.seed(account["account"], catalog(4))
    ids = sorted(shop["products"], key=int)
    sandbox.admin_update_product(account["account"], "FLY-000002", active=False)  # taken off the till
    sandbox.admin_delete_product(account["account"], ids[3])  # deleted in the back office
    found = connector.get_products(external_ids=[*ids, "999999", "not-a-shopbox-id"])
    assert sorted(p.external_id for p in found) == sorted([ids[0], ids[2]])
    assert connector.existing_ids(external_ids=ids) == {ids[0], ids[2]}
    assert len(api_calls(sandbox, "/products/")) == 4 + 1 + 4  # one GET per Shopbox id
    assert [p.external_id for p in connector.iter_products()] == [ids[0], ids[2]]


def test_get_products_for_many_ids_is_one_full_read(sandbox, clock, account, connector, shop):
    sandbox.seed(account["account"], catalog(30))
    ids = sorted(shop["products"], key=int)[:25]
    found = connector.get_products(external_ids=ids)
    assert sorted(p.external_id for p in found) == sorted(ids)
    assert len(api_calls(sandbox, "/products")) == 1


def test_find_products_by_sku_and_by_barcode_in_one_paged_read(sandbox, clock, account, connector, shop):
    sandbox.seed(account["account"], catalog(PER_PAGE + 20, variants=2))
    products = sorted(shop["products"].values(), key=lambda p: p["id"])
    by_sku, by_barcode = products[3], products[PER_PAGE + 5]
    found = connector.find_products(skus={by_sku["variants"][1]["sku"], "NOPE"},
                                    barcodes={by_barcode["variants"][0]["barcode"]})
    assert sorted(p.external_id for p in found) == sorted([str(by_sku["id"]), str(by_barcode["id"])])
    assert len(api_calls(sandbox, "/products")) == 2  # every page, PER_PAGE products each
    assert connector.find_products(skus=set(), barcodes={""}) == []
    assert len(api_calls(sandbox, "/products")) == 2  # nothing asked: no call


def test_find_products_leaves_out_inactive_products(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(2))
    sandbox.admin_update_product(account["account"], "FLY-000001", active=False)
    assert connector.find_products(skus={"FLY-000001"}, barcodes=set()) == []
    assert [p.variants[0].sku for p in connector.find_products(skus={"FLY-000002"}, barcodes=set())] == [
        "FLY-000002"]


def test_webhooks_are_not_offered_so_registration_does_nothing_every_time(sandbox, connector):
    for _ in range(2):
        assert connector.register_webhooks(url="https://flyt.example/hooks/shopbox/1", secret="s3cret") is None
        assert connector.unregister_webhooks(url="https://flyt.example/hooks/shopbox/1") is None
    assert sandbox.requests == []


def test_call_stats_count_reads_and_not_the_login(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(PER_PAGE + 1))
    list(connector.iter_products())
    stats = connector.call_stats()
    assert stats["read"] == 2 and stats["write"] == 0 and stats["auth"] == 1
    assert stats["rate_limit_wait_s"] == 0


def test_reads_wait_for_shopboxs_rate_limit_and_count_the_wait(sandbox, clock, account, connector):
    sandbox.configure(account["account"], max_per_page=1, rate_per_minute=5)
    sandbox.seed(account["account"], catalog(8))
    assert len(list(connector.iter_products())) == 8
    assert connector.call_stats()["rate_limit_wait_s"] > 0
    assert all(r.status == 200 for r in sandbox.requests)


def test_wrong_password_is_a_connection_error_in_the_merchants_words(sandbox, clock, account):
    connector = make_connector(sandbox, clock, {**account, "credentials": {**account["credentials"],
                                                                            "password": "wrong"}})
    with pytest.raises(ConnectorError) as raised:
        list(connector.iter_products())
    assert not raised.value.retryable
    assert "username and password" in raised.value.message and "Reconnect Shopbox" in raised.value.message


def test_missing_credentials_are_refused_before_any_call(sandbox, clock, account):
    with pytest.raises(ConnectorError, match="reconnect Shopbox"):
        make_connector(sandbox, clock, {**account, "credentials": {"username": "", "password": ""}})
    assert sandbox.requests == []


def test_shopbox_down_is_a_retryable_connection_error(sandbox, clock, account, connector):
    connector.prepare(role="home")  # logged in
    sandbox.faults.fail_next(10, status=503, path_contains="/products")
    with pytest.raises(ConnectorError) as raised:
        list(connector.iter_products())
    assert raised.value.retryable and "Shopbox" in raised.value.message


def test_an_expired_token_is_renewed_without_the_caller_noticing(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(2))
    assert len(list(connector.iter_products())) == 2
    sandbox.expire_tokens(account["account"])
    assert len(list(connector.iter_products())) == 2
    assert connector.call_stats()["auth"] == 2
