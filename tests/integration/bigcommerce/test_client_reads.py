"""Our BigCommerce client against the sandbox in-process: paging, pacing, 429, 5xx, errors."""

import math

import pytest

from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.mapping import product_from_bc
from integrations.errors import ConnectorError
from integrations.models import Connection
from integrations.sandbox.transport import SandboxTransport
from tests.unit.bigcommerce.support import make_client, make_store


def test_full_read_of_1000_products_takes_the_page_size_minimum(sandbox, clock):
    store = make_store(sandbox, products=1000, variants=3)
    client = make_client(sandbox, clock, store)
    products = variants = 0
    for page in client.iter_product_pages():  # a generator: one page (<= 250 products) in memory at a time
        assert len(page) <= 250
        for product in page:
            products += 1
            variants += len(product_from_bc(product).variants)
    assert (products, variants) == (1000, 3000)
    reads = sandbox.calls("GET", "/v3/catalog/products")
    assert len(reads) == math.ceil(1000 / 250) == 4
    assert {r.query["limit"][0] for r in reads} == {"250"}
    assert {r.query["include"][0] for r in reads} == {"variants,images"}
    assert client.stats.reads == 4 and client.stats.retries == 0


def test_pauses_before_the_window_runs_dry(sandbox, clock):
    store = make_store(sandbox, products=30, quota=3, window_s=30)
    client = make_client(sandbox, clock, store)
    client.page_limit = 5
    assert len(list(client.iter_products())) == 30
    reads = sandbox.calls("GET", "/v3/catalog/products")
    assert len(reads) == 6 and all(r.status == 200 for r in reads)  # never a 429
    start = reads[0].at
    # quota 3 and one kept in reserve: two requests per 30 s window
    assert [r.at - start for r in reads] == [0, 0, 30, 30, 60, 60]
    assert client.stats.rate_limit_wait_s == 60


def test_429_waits_what_the_headers_say(sandbox, clock):
    store = make_store(sandbox, products=3, quota=4, window_s=30)
    other_app = sandbox.add_token(store["account"])
    client = make_client(sandbox, clock, store)
    client.get_product(product_id=next(iter(sandbox.account(store["account"])["products"])))
    clock.advance(10)
    neighbour = make_client(sandbox, clock, store, token=other_app["access_token"])
    neighbour.min_requests_left = -1  # another app on the store that spends the shared quota to the end
    for _ in range(3):
        neighbour.iter_locations().__next__()
    assert list(client.iter_locations())  # answered 429 first, then waits until the window resets
    calls = sandbox.calls(path_contains="/v3/inventory/locations")
    refused, retried = calls[-2], calls[-1]
    assert refused.status == 429 and retried.status == 200
    assert retried.at - refused.at == pytest.approx(20)
    assert client.stats.rate_limit_wait_s == pytest.approx(20)


def test_headerless_429_is_retried_with_backoff(sandbox, clock, store, client):
    sandbox.faults.fail_next(2, status=429, path_contains="/v3/channels")
    assert [c["id"] for c in client.iter_channels()] == [1]
    assert [r.status for r in sandbox.calls(path_contains="/v3/channels")] == [429, 429, 200]


def test_5xx_is_retried_then_succeeds(sandbox, clock, store, client):
    sandbox.faults.fail_next(2, status=503, path_contains="/v3/catalog/products")
    sandbox.faults.fail_next(1, reset=True, path_contains="/v3/catalog/products")
    assert len(list(client.iter_products())) == 30
    assert [r.status for r in sandbox.calls(path_contains="/v3/catalog/products")] == [503, 503, 0, 200]
    assert client.stats.retries == 3


def test_5xx_that_persists_is_retryable(sandbox, clock, store):
    client = make_client(sandbox, clock, store, attempts=3)
    sandbox.faults.fail_next(3, status=500)
    with pytest.raises(ConnectorError) as caught:
        list(client.iter_locations())
    assert caught.value.retryable is True


def test_bad_token_is_permanent_with_a_message_for_people(sandbox, clock, store):
    client = make_client(sandbox, clock, store, token="not-a-token")
    with pytest.raises(ConnectorError) as caught:
        list(client.iter_products())
    assert caught.value.retryable is False and caught.value.status == 401
    assert "Reconnect BigCommerce" in caught.value.message
    assert len(sandbox.requests) == 1


def test_missing_scope_is_a_403_naming_the_scope(sandbox, clock, store):
    token = sandbox.add_token(store["account"], scopes=("store_v2_products_read_only",))
    client = make_client(sandbox, clock, store, token=token["access_token"])
    assert list(client.iter_products())
    with pytest.raises(ConnectorError) as caught:
        client.adjust_stock_absolute(items=[{"location_id": 1, "sku": "FLY-000001-1", "quantity": 1}])
    assert caught.value.status == 403 and not caught.value.retryable
    assert "store_inventory" in caught.value.message


def test_missing_product_is_a_404(client):
    with pytest.raises(ConnectorError) as caught:
        client.get_product(product_id=999999)
    assert caught.value.status == 404 and "not found" in caught.value.message


def test_host_guard_refuses_a_non_bigcommerce_host(sandbox):
    for base in ("https://api.bigcommerce.com.evil.example", "https://evil.example", "http://api.bigcommerce.com"):
        with pytest.raises(ConnectorError) as caught:
            BigCommerceClient(store_hash="abc123", access_token="t", base_url=base,
                              transport=SandboxTransport(sandbox))
        assert not caught.value.retryable
    assert BigCommerceClient(store_hash="abc123", access_token="t").base_url == \
        "https://api.bigcommerce.com/stores/abc123"


def test_from_connection_reads_credentials_and_settings(sandbox, clock, store):
    connection = Connection(platform="bigcommerce", credentials=store["credentials"], settings=store["settings"],
                            external_account_id=store["external_account_id"])
    client = BigCommerceClient.from_connection(connection, transport=SandboxTransport(sandbox), clock=clock)
    assert len(list(client.iter_products())) == 30
    assert sandbox.requests[-1].headers["x-auth-token"] == store["credentials"]["access_token"]


def test_stores_are_isolated(sandbox, clock):
    first, second = make_store(sandbox, products=3), make_store(sandbox, products=5, quota=10)
    assert len(list(make_client(sandbox, clock, first).iter_products())) == 3
    assert len(list(make_client(sandbox, clock, second).iter_products())) == 5
    crossed = make_client(sandbox, clock, {**second, "credentials": first["credentials"]})
    with pytest.raises(ConnectorError) as caught:
        list(crossed.iter_products())
    assert caught.value.status == 401
    quotas = {r.account: r for r in sandbox.requests if r.status == 200}
    assert set(quotas) == {first["account"], second["account"]}
