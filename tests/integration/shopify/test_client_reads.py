"""ShopifyClient against the Shopify sandbox in-process: paging, rate limits, retries, errors."""

import math

import httpx
import pytest

from integrations.errors import ConnectorError
from integrations.models import Connection
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify.client import ShopifyClient
from tests.integration.shopify.conftest import make_client

GQL = "/admin/api/2026-01/graphql.json"


def raw_client(sandbox, shop):
    return httpx.Client(transport=SandboxTransport(sandbox), base_url=shop["settings"]["base_url"],
                        headers={"X-Shopify-Access-Token": shop["credentials"]["access_token"]})


def test_full_read_of_1000_products_takes_the_page_size_minimum(sandbox, shop, client):
    sandbox.seed(shop["account"], catalog(1000, variants=3))
    # Per product: itself 1 + options 1 + featuredMedia 1 and its image 1 + variants(first: 10) = 2 + 10 x
    # (variant 1 + selectedOptions 1 + inventoryItem 1) = 32; 36 in all. 1,000-point single-query cap, 2 for the
    # connection.
    expected_page = (1000 - 2) // 36
    assert client.product_page_size() == expected_page == 27

    products = list(client.iter_products())

    assert len(products) == 1000
    assert sum(len(p.variants) for p in products) == 3000
    assert len({p.external_id for p in products}) == 1000
    requests = sandbox.calls("POST", "graphql.json")
    assert len(requests) == math.ceil(1000 / expected_page) == 38
    assert client.stats.retries == 0  # paced by throttleStatus: never THROTTLED
    assert all(r.json()["variables"]["first"] == expected_page for r in requests)
    first = products[0]
    assert first.variants[0].sku == "FLY-000001-1"
    assert first.extra["inventory_item_ids"][first.variants[0].external_id]


def test_products_with_more_variants_than_the_inline_page_are_completed(sandbox, shop, clock):
    sandbox.seed(shop["account"], catalog(3, variants=12))
    client = make_client(sandbox, shop, clock, variants_per_product=10)
    products = list(client.iter_products())
    assert [len(p.variants) for p in products] == [12, 12, 12]
    assert len(sandbox.calls("POST", "graphql.json")) == 1 + 3  # one page, one follow-up per product


def test_rest_listing_follows_link_header_with_pages_of_250(sandbox, shop, client):
    sandbox.seed(shop["account"], catalog(600))
    products = list(client.iter_rest("/products.json", "products"))
    assert len(products) == 600
    calls = sandbox.calls("GET", "products.json")
    assert len(calls) == 3
    assert all(c.query["limit"] == ["250"] for c in calls)
    assert "page_info" not in calls[0].query and "page_info" in calls[1].query


def test_rest_429_waits_what_retry_after_says(sandbox, shop, client, clock):
    raw = raw_client(sandbox, shop)
    for _ in range(40):  # another app fills the shared bucket at this instant
        assert raw.get("/admin/api/2026-01/shop.json").status_code == 200
    client.rest("GET", "/shop.json")
    throttled = sandbox.calls("GET", "shop.json", status=429)
    assert len(throttled) == 1
    retry = sandbox.requests[-1]
    assert retry.status == 200
    assert retry.at - throttled[0].at == pytest.approx(2.0)
    assert client.stats.rate_limit_wait_s == pytest.approx(2.0)


def test_rest_pauses_before_the_bucket_runs_dry(sandbox, shop, client, clock):
    start = clock.now()
    for _ in range(60):
        client.rest("GET", "/shop.json")
    assert sandbox.calls(status=429) == []
    # 38 calls go straight in, the other 22 are paced at the leak rate of 2 per second
    assert clock.now() - start == pytest.approx(11.0, abs=0.6)


@pytest.mark.parametrize("status", [200, 429])
def test_graphql_throttled_waits_for_the_points_it_needs(sandbox, clock, status):
    shop = sandbox.create_account(graphql_throttle_status=status)
    sandbox.seed(shop["account"], catalog(300))
    client = make_client(sandbox, shop, clock)
    drain = "{ products(first: 249) { nodes { id variants(first: 1) { nodes { id } } } } }"
    answer = raw_client(sandbox, shop).post(GQL, json={"query": drain}).json()
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 998  # another app leaves 2 points

    products = list(client.iter_products(page_size=20))  # costs 2 + 20 x 36 = 722 points a page

    assert len(products) == 300
    throttled, retry = sandbox.requests[1], sandbox.requests[2]
    assert throttled.status == status
    assert retry.status == 200
    # Shopify restores 100 points a second: (722 - 2) / 100 = 7.2 seconds
    assert retry.at - throttled.at == pytest.approx(7.2, abs=0.05)
    assert client.stats.retries == 1


def test_graphql_throttled_answer_has_no_data(sandbox, shop):
    sandbox.seed(shop["account"], catalog(249))
    raw = raw_client(sandbox, shop)
    drain = "{ products(first: 249) { nodes { id variants(first: 1) { nodes { id } } } } }"
    for _ in range(2):
        answer = raw.post(GQL, json={"query": drain}).json()
    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert answer["errors"][0]["message"] == "Throttled"
    assert "data" not in answer
    status = answer["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 1000.0 and status["restoreRate"] == 100.0


def test_5xx_is_retried_then_succeeds(sandbox, shop, client):
    sandbox.seed(shop["account"], catalog(3))
    sandbox.faults.fail_next(2, status=503, body={"errors": "Service Unavailable"})
    products = list(client.iter_products())
    assert len(products) == 3
    assert [r.status for r in sandbox.requests] == [503, 503, 200]
    assert client.stats.retries == 2


def test_connection_reset_is_retried(sandbox, shop, client):
    sandbox.faults.fail_next(reset=True)
    assert client.locations()[0]["name"] == "Main warehouse"
    assert len(sandbox.requests) == 2


def test_bad_token_is_a_permanent_error_for_people(sandbox, shop, clock):
    client = make_client(sandbox, {**shop, "credentials": {"access_token": "shpat_wrong"}}, clock)
    with pytest.raises(ConnectorError) as caught:
        list(client.iter_products())
    assert caught.value.retryable is False
    assert caught.value.status == 401
    assert "reconnect Shopify" in caught.value.message
    assert len(sandbox.requests) == 1


def test_missing_scope_is_a_permanent_error(sandbox, clock):
    shop = sandbox.create_account(scopes=["read_products"])
    client = make_client(sandbox, shop, clock)
    with pytest.raises(ConnectorError) as caught:
        client.adjust_stock(changes=[{"inventory_item_id": 1, "location_id": 2, "delta": 1}])
    assert caught.value.retryable is False
    assert "write_inventory" in caught.value.message
    with pytest.raises(ConnectorError) as rest_caught:
        client.rest("GET", "/orders.json")
    assert rest_caught.value.status == 403
    assert "read_orders" in rest_caught.value.message


def test_rest_404_and_422_read_for_people(sandbox, shop, client):
    with pytest.raises(ConnectorError) as missing:
        client.rest("GET", "/products/999999.json")
    assert missing.value.status == 404 and not missing.value.retryable
    with pytest.raises(ConnectorError) as invalid:
        client.rest("POST", "/products.json", json={"product": {"title": ""}})
    assert invalid.value.status == 422
    assert "title can't be blank" in invalid.value.message


def test_host_guard_refuses_hosts_that_are_not_shopify():
    with pytest.raises(ConnectorError) as caught:
        ShopifyClient(shop_domain="shop.evil.example", access_token="x")
    assert caught.value.retryable is False
    with pytest.raises(ConnectorError):
        ShopifyClient(shop_domain="nordic.myshopify.com", access_token="x", base_url="https://evil.example/shopify")
    client = ShopifyClient(shop_domain="nordic.myshopify.com", access_token="x")
    assert client.base_url == "https://nordic.myshopify.com"


def test_from_connection_uses_settings_and_credentials(sandbox, shop, clock):
    connection = Connection(platform="shopify", name="Shop", credentials=shop["credentials"],
                            settings=shop["settings"], external_account_id=shop["external_account_id"])
    client = ShopifyClient.from_connection(connection, transport=SandboxTransport(sandbox), clock=clock)
    assert client.base_url == shop["settings"]["base_url"]
    assert client.api_version == "2026-10"
    assert client.locations()[0]["active"] is True
    with pytest.raises(ConnectorError):
        ShopifyClient.from_connection(Connection(platform="shopify", settings={}, credentials={}))
