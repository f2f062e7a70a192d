"""RackbeatConnector set-up and reads against the Rackbeat sandbox: prepare, full and since reads, get,
existing, find, call counts."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import ConnectorError
from integrations.rackbeat.connector import FIELDS_READ, FIELDS_WRITE, RackbeatConnector
from integrations.rackbeat.spec import SPEC
from integrations.sandbox.seed import catalog
from tests.integration.rackbeat_connector.conftest import make_connector, reads, writes


def test_prepare_finds_the_currency_and_the_product_group_and_is_idempotent(sandbox, clock):
    connect = sandbox.create_account(currency="NOK")
    connector = make_connector(sandbox, clock, connect)
    assert connector.prepare(role="target") == {"currency": "NOK", "product_group": 1}
    assert connector.prepare(role="target") == {"currency": "NOK", "product_group": 1}
    assert connector.account_currency() == "NOK"
    assert len(reads(sandbox, "/self")) == 1 and len(reads(sandbox, "/product-groups")) == 1
    assert writes(sandbox) == []  # nothing created for a plain catalog: the fields come with the first variants


def test_prepare_as_home_base_reads_nothing_it_does_not_need(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account, currency="DKK", product_group=1)
    assert connector.prepare(role="home") == {"currency": "DKK"}
    assert reads(sandbox, "/self") == [] and reads(sandbox, "/product-groups") == []


def test_prepare_reports_the_grouping_fields_when_they_exist(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(1, variants=2))
    found = make_connector(sandbox, clock, account).prepare(role="both", options={"group": 1})
    assert set(found) == {"currency", "product_group", "custom_fields"}
    assert set(found["custom_fields"]) == {"group", "options"}
    # with them in the connection's settings, preparing again costs no request
    again = make_connector(sandbox, clock, account, **found)
    before = len(sandbox.requests)
    assert again.prepare(role="both") == found
    assert len(sandbox.requests) == before


def test_prepare_refuses_an_unknown_role(connector):
    with pytest.raises(ValueError, match="home"):
        connector.prepare(role="sideways")


def test_full_read_streams_pages_and_groups_variants(sandbox, clock):
    connect = sandbox.create_account(max_limit=5)
    sandbox.seed(connect["account"], catalog(7) + catalog(3, variants=3, start=7))
    connector = make_connector(sandbox, clock, connect)
    stream = connector.iter_products()
    first = next(stream)
    assert len(reads(sandbox, "/products")) == 1  # a product of its own comes with its page
    products = [first, *stream]
    assert len(reads(sandbox, "/products")) == 4  # 16 Rackbeat products, 5 a page
    assert all(r.query.get("expand") == ["field_values"] for r in reads(sandbox, "/products"))
    assert len(products) == 10
    singles = [p for p in products if len(p.variants) == 1]
    grouped = [p for p in products if len(p.variants) == 3]
    assert len(singles) == 7 and len(grouped) == 3
    mug = grouped[0]
    assert mug.external_id == mug.variants[0].sku == "FLY-000008-1"
    assert mug.title == "Copper mug 8"  # the variants' names without their option values
    assert [v.option_values for v in mug.variants] == [{"Colour": "Blue"}, {"Colour": "Sand"}, {"Colour": "Charcoal"}]
    assert mug.options == [{"name": "Colour", "values": ["Blue", "Sand", "Charcoal"]}]
    assert {v.external_parent_id for v in mug.variants} == {mug.external_id}
    single = singles[0]
    assert single.external_id == single.variants[0].sku == "FLY-000001"
    assert single.variants[0].weight_grams in (120, 250, 400, 650, 900)
    assert single.variants[0].price is not None and single.variants[0].price.as_tuple().exponent == -2
    assert single.currency == "DKK" and single.images[0].url.startswith("https://images.flyt.example/")


def test_since_read_returns_only_changes_on_the_rackbeat_clock(sandbox, clock):
    connect = sandbox.create_account(max_limit=3)
    sandbox.seed(connect["account"], catalog(6) + catalog(2, variants=3, start=6))
    connector = make_connector(sandbox, clock, connect)
    clock.advance(600)
    watermark = datetime.fromtimestamp(connector.now(), tz=UTC)
    clock.advance(60)
    sandbox.admin_update_product(connect["account"], "FLY-000002", name="Renamed bowl")
    sandbox.admin_update_product(connect["account"], "FLY-000007-2", sales_price=10.0)
    changed = list(connector.iter_products(since=watermark))
    assert {p.external_id for p in changed} == {"FLY-000002", "FLY-000007-1"}
    grouped = next(p for p in changed if p.external_id == "FLY-000007-1")
    assert len(grouped.variants) == 3  # read whole, not only the variant that changed
    listing = [r for r in reads(sandbox, "/products") if "order_by" in r.query]
    assert len(listing) == 1 and listing[0].query["order_direction"] == ["desc"]  # stopped at the first old page
    # nothing changed since a later watermark
    assert list(connector.iter_products(since=watermark + timedelta(seconds=120))) == []
    # a naive datetime is taken as UTC; a watermark before everything gives everything
    assert len(list(connector.iter_products(since=datetime(2020, 1, 1)))) == 8


def test_now_is_the_client_clock(sandbox, clock, connector):
    clock.advance(42)
    assert connector.now() == clock.now() == connector.client.clock.now()


def test_get_products_by_key_or_by_any_variant_number(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(2) + catalog(1, variants=3, start=2))
    connector = make_connector(sandbox, clock, account)
    found = connector.get_products(external_ids=["FLY-000001", "FLY-000003-2", "NOPE"])
    assert [p.external_id for p in found] == ["FLY-000001", "FLY-000003-1"]
    assert [v.sku for v in found[1].variants] == ["FLY-000003-1", "FLY-000003-2", "FLY-000003-3"]
    assert connector.get_products(external_ids=["FLY-000003-1", "FLY-000003-3"])[0].external_id == "FLY-000003-1"
    assert connector.existing_ids(external_ids=["FLY-000001", "FLY-000003-1", "GONE"]) == {"FLY-000001",
                                                                                           "FLY-000003-1"}


def test_get_many_products_is_one_full_read(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(30))
    connector = make_connector(sandbox, clock, account)
    ids = [f"FLY-{n:06d}" for n in range(1, 26)]
    assert sorted(p.external_id for p in connector.get_products(external_ids=ids)) == ids
    assert len(reads(sandbox, "/products")) == 1


def test_a_group_whose_first_variant_was_renumbered_is_still_found(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(1, variants=2))
    sandbox.change_product(sandbox.account(account["account"]), "FLY-000001-1", {"number": "FLY-000001-A"})
    connector = make_connector(sandbox, clock, account)
    [product] = connector.get_products(external_ids=["FLY-000001-1"])
    assert product.external_id == "FLY-000001-1"
    assert sorted(v.sku for v in product.variants) == ["FLY-000001-2", "FLY-000001-A"]


def test_find_products_by_sku_then_barcode(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(3) + catalog(1, variants=2, start=3))
    connector = make_connector(sandbox, clock, account)
    company = sandbox.account(account["account"])
    barcode = company["products"]["FLY-000003"]["barcode"]
    found = connector.find_products(skus={"FLY-000001", "FLY-000004-2"}, barcodes={barcode, ""})
    assert sorted(p.external_id for p in found) == ["FLY-000001", "FLY-000003", "FLY-000004-1"]
    assert connector.find_products(skus=set(), barcodes=set()) == []
    assert connector.find_products(skus={"UNKNOWN"}, barcodes={"0000000000000"}) == []


def test_call_stats_count_the_clients_requests(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(3))
    connector = make_connector(sandbox, clock, account)
    list(connector.iter_products())
    stats = connector.call_stats()
    assert stats["write"] == 0 and stats["read"] == len(sandbox.requests) and stats["rate_limit_wait_s"] == 0


def test_a_revoked_key_is_the_connections_error(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account)
    sandbox.account(account["account"])["api_keys"] = ["another-key"]
    with pytest.raises(ConnectorError) as caught:
        list(connector.iter_products())
    assert caught.value.status == 401 and not caught.value.retryable
    assert "Company settings → API" in caught.value.message


def test_rackbeat_not_answering_is_retryable(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account)
    sandbox.faults.fail_next(10, status=503)
    with pytest.raises(ConnectorError) as caught:
        connector.get_products(external_ids=["FLY-000001"])
    assert caught.value.retryable


def test_a_connection_without_a_key_cannot_make_a_connector(sandbox, clock, account):
    account = {**account, "credentials": {}}
    with pytest.raises(ConnectorError, match="API key"):
        make_connector(sandbox, clock, account)
    assert RackbeatConnector.write_batch_size == 1


def test_the_spec_declares_this_connector_and_its_fields():
    assert SPEC.product_connector == "integrations.rackbeat.connector.RackbeatConnector"
    assert (SPEC.product_fields_read, SPEC.product_fields_write) == (FIELDS_READ, FIELDS_WRITE)
    assert SPEC.batch_sizes["products"] == RackbeatConnector.write_batch_size and SPEC.page_size == 1000


def test_a_company_without_a_currency_is_said_in_words(sandbox, clock):
    connector = make_connector(sandbox, clock, sandbox.create_account(currency=""))
    with pytest.raises(ConnectorError, match="currency"):
        connector.prepare(role="target")
    assert make_connector(sandbox, clock, sandbox.create_account(currency=""), currency="EUR").account_currency() \
        == "EUR"


def test_a_full_read_is_one_request_per_thousand_products(sandbox, clock, account):
    sandbox.seed(account["account"], catalog(2100))
    connector = make_connector(sandbox, clock, account)
    assert sum(1 for _ in connector.iter_products()) == 2100
    assert [r.query["limit"] for r in reads(sandbox, "/products")] == [["1000"]] * 3
