"""ZettleConnector set-up and reads against the Zettle sandbox: prepare, iter/get/find products, stats."""

from datetime import UTC, datetime, timedelta

from integrations.sandbox.seed import catalog
from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle_connector.conftest import make_connector


def test_prepare_takes_the_currency_and_vat_from_settings_without_any_call(sandbox, clock, account):
    connector = make_connector(sandbox, clock, account, currency="SEK", vat_percentage="25")
    assert connector.prepare(role="target") == {"currency": "SEK", "vat_percentage": "25"}
    assert connector.prepare(role="home") == {"currency": "SEK", "vat_percentage": "25"}
    assert connector.account_currency() == "SEK"
    assert api_calls(sandbox) == []


def test_prepare_reads_the_organization_once_and_is_idempotent(sandbox, clock):
    connect = sandbox.create_account(currency="NOK", country="NO", vat_percentage=15)
    sandbox.seed(connect["account"], catalog(3))
    connector = make_connector(sandbox, clock, connect)  # nothing in settings
    assert connector.prepare(role="target") == {"currency": "NOK", "vat_percentage": "15"}
    assert connector.prepare(role="target") == {"currency": "NOK", "vat_percentage": "15"}
    assert len(api_calls(sandbox, "/organizations/self")) == 1
    assert api_calls(sandbox, "/library") == []  # never guessed from a priced product


def test_an_empty_library_still_has_the_account_currency(sandbox, clock):
    connect = sandbox.create_account(currency="SEK")
    connector = make_connector(sandbox, clock, connect)
    assert connector.account_currency() == "SEK"
    assert connector.prepare(role="home") == {"currency": "SEK", "vat_percentage": "25"}


def test_prepare_refuses_an_unknown_role(connector):
    try:
        connector.prepare(role="sideways")
    except ValueError as exc:
        assert "home" in str(exc)
    else:
        raise AssertionError("prepare accepted an unknown role")


def test_iter_products_streams_the_library_page_by_page(sandbox, clock):
    connect = sandbox.create_account(currency="SEK", limits={"library_page": 5})
    sandbox.seed(connect["account"], catalog(12, variants=2))
    connector = make_connector(sandbox, clock, connect, currency="SEK")
    stream = connector.iter_products()
    first = next(stream)
    assert len(api_calls(sandbox, "/library")) == 1  # nothing read beyond the first page yet
    rest = list(stream)
    assert len(api_calls(sandbox, "/library")) == 3
    products = [first, *rest]
    assert len(products) == 12 and len({p.external_id for p in products}) == 12
    variant = products[0].variants[0]
    assert variant.sku.startswith("FLY-") and variant.barcode and variant.price is not None
    assert products[0].currency == "SEK" and products[0].options


def test_iter_products_since_returns_only_products_updated_since(sandbox, clock, account, connector):
    sandbox.seed(account["account"], catalog(4))
    uuids = [p.external_id for p in connector.iter_products()]
    clock.advance(3600)
    cut = datetime.fromtimestamp(clock.now(), tz=UTC) - timedelta(seconds=1)
    sandbox.admin_update_product(account["account"], uuids[2], {"name": "Renamed at the till"})
    changed = list(connector.iter_products(since=cut))
    assert [p.external_id for p in changed] == [uuids[2]] and changed[0].title == "Renamed at the till"
    naive = cut.replace(tzinfo=None)  # a naive datetime is taken as UTC
    assert [p.external_id for p in connector.iter_products(since=naive)] == [uuids[2]]


def test_get_products_leaves_out_deleted_ones(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(3))
    uuids = [p.external_id for p in connector.iter_products()]
    sandbox.admin_delete_product(account["account"], uuids[1])
    before = len(api_calls(sandbox))
    found = connector.get_products(external_ids=uuids)
    assert [p.external_id for p in found] == [uuids[0], uuids[2]]
    assert len(api_calls(sandbox)) - before == 3  # one GET per product for a few ids


def test_get_products_for_many_ids_reads_the_library_instead(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(30))
    uuids = [p.external_id for p in connector.iter_products()]
    before = len(api_calls(sandbox))
    found = connector.get_products(external_ids=uuids[:25] + ["00000000-0000-1000-8000-000000000000"])
    assert {p.external_id for p in found} == set(uuids[:25])
    assert len(api_calls(sandbox)) - before == 1


def test_find_products_by_sku_and_by_barcode(sandbox, account, connector):
    seeds = catalog(8, variants=2)
    sandbox.seed(account["account"], seeds)
    by_sku = connector.find_products(skus={seeds[2].variants[1].sku}, barcodes=set())
    assert [p.title for p in by_sku] == [seeds[2].name]
    by_barcode = connector.find_products(skus=set(), barcodes={seeds[5].variants[0].barcode, "0000000000000"})
    assert [p.title for p in by_barcode] == [seeds[5].name]
    both = connector.find_products(skus={seeds[0].variants[0].sku}, barcodes={seeds[7].variants[1].barcode})
    assert sorted(p.title for p in both) == sorted([seeds[0].name, seeds[7].name])
    assert connector.find_products(skus={"NOPE-1"}, barcodes={"123"}) == []
    library_reads = len(api_calls(sandbox, "/library"))
    assert connector.find_products(skus=set(), barcodes={""}) == []  # nothing to look for: no call
    assert len(api_calls(sandbox, "/library")) == library_reads == 4


def test_find_products_reads_one_request_per_500_products(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(1200))
    found = connector.find_products(skus={"FLY-001150"}, barcodes=set())
    assert [v.sku for v in found[0].variants] == ["FLY-001150"]
    assert len(api_calls(sandbox, "/library")) == 3


def test_call_stats_split_reads_writes_and_the_token(sandbox, account, connector):
    sandbox.seed(account["account"], catalog(2))
    list(connector.iter_products())
    connector.delete_products(external_ids=[p.external_id for p in connector.iter_products()])
    stats = connector.call_stats()
    assert stats == {"read": 2, "write": 1, "auth": 1, "retries": 0, "rate_limit_wait_s": 0.0}
