"""The Shopify sandbox's documented behaviour: REST shapes (checked against Shopify's own REST
fixtures), status codes and error bodies, rate-limit headers, GraphQL limits, signed webhooks."""

import json
from pathlib import Path

import httpx
import pytest

from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify import webhooks

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
API = "/admin/api/2026-01"
# Fields whose JSON type Shopify changed since the (2011-2018) fixtures: strings then, numbers now.
NOW_NUMBERS = {"latitude", "longitude"}


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def http(sandbox, shop, token=None):
    return httpx.Client(transport=SandboxTransport(sandbox), base_url=shop["settings"]["base_url"],
                        headers={"X-Shopify-Access-Token": token or shop["credentials"]["access_token"]})


def assert_same_shape(expected, actual, where="$"):
    """Every key of the fixture exists in the sandbox's object with a compatible JSON type."""
    if expected is None or actual is None:
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {type(actual).__name__}"
        missing = sorted(set(expected) - set(actual))
        assert not missing, f"{where}: the sandbox lacks {missing}"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list"
        if expected and actual:
            assert_same_shape(expected[0], actual[0], f"{where}[0]")
    elif isinstance(expected, bool):
        assert isinstance(actual, bool), f"{where}: expected a boolean, got {actual!r}"
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{where}: expected a number"
    elif where.rsplit(".", 1)[-1] in NOW_NUMBERS:
        assert isinstance(actual, int | float | str), f"{where}: expected a number"
    else:
        assert isinstance(actual, str), f"{where}: expected a string, got {actual!r}"


@pytest.fixture
def seeded(sandbox, shop):
    sandbox.seed(shop["account"], catalog(3, variants=2))
    order = sandbox.sell(shop["account"], "FLY-000001-1", 1)
    sandbox.refund(shop["account"], order["id"])
    return http(sandbox, shop), sandbox.account(shop["account"]), order


def test_rest_objects_have_the_shapes_of_shopifys_fixtures(seeded):
    api, account, order = seeded
    product = api.get(f"{API}/products.json").json()["products"][0]
    assert_same_shape(fixture("product__ipod.json")["product"], product)
    assert_same_shape(fixture("products__list.json")[0], product)
    variant = api.get(f"{API}/variants/{product['variants'][0]['id']}.json").json()
    assert_same_shape(fixture("variant__ipod.json"), variant)
    item_id = product["variants"][0]["inventory_item_id"]
    assert_same_shape(fixture("inventory_item__single.json"), api.get(f"{API}/inventory_items/{item_id}.json").json())
    levels = api.get(f"{API}/inventory_levels.json", params={"inventory_item_ids": item_id}).json()
    assert_same_shape(fixture("inventory_levels__list.json"), levels)
    location_id = levels["inventory_levels"][0]["location_id"]
    assert_same_shape(fixture("location__single.json"), api.get(f"{API}/locations/{location_id}.json").json())
    assert_same_shape(fixture("order__single.json"), api.get(f"{API}/orders/{order['id']}.json").json())
    customer_id = order["customer"]["id"]
    assert_same_shape(fixture("customer__single.json"), api.get(f"{API}/customers/{customer_id}.json").json())
    refunds = api.get(f"{API}/orders/{order['id']}/refunds.json").json()["refunds"]
    assert_same_shape(fixture("refund__single.json")["refund"], refunds[0])
    level = api.post(f"{API}/inventory_levels/adjust.json", json={"inventory_item_id": item_id,
                                                                  "location_id": location_id,
                                                                  "available_adjustment": 1}).json()
    assert_same_shape(fixture("inventory_level__single.json"), level)


def test_rest_link_pagination_and_headers(sandbox, shop):
    sandbox.seed(shop["account"], catalog(120))
    api = http(sandbox, shop)
    first = api.get(f"{API}/products.json")
    assert len(first.json()["products"]) == 50  # Shopify's default page
    assert first.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert first.headers["X-Shopify-API-Version"] == "2026-01"
    link = first.headers["Link"]
    assert 'rel="next"' in link and 'rel="previous"' not in link
    second = api.get(link.split(";")[0].strip("<>"))
    assert 'rel="previous"' in second.headers["Link"] and 'rel="next"' in second.headers["Link"]
    assert second.json()["products"][0]["id"] > first.json()["products"][-1]["id"]
    single = api.get(f"{API}/products.json", params={"limit": 250})
    assert "Link" not in single.headers and len(single.json()["products"]) == 120
    assert api.get(f"{API}/products.json", params={"page_info": "%%%"}).status_code == 400


def test_rest_error_bodies(sandbox, shop, seeded):
    api, account, order = seeded
    assert http(sandbox, shop, token="shpat_nope").get(f"{API}/products.json").json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    missing = api.get(f"{API}/products/1.json")
    assert (missing.status_code, missing.json()) == (404, {"errors": "Not Found"})
    blank = api.post(f"{API}/products.json", json={"product": {"title": " "}})
    assert (blank.status_code, blank.json()) == (422, {"errors": {"title": ["can't be blank"]}})
    variant_id = api.get(f"{API}/products.json").json()["products"][0]["variants"][0]["id"]
    stock = api.put(f"{API}/variants/{variant_id}.json", json={"variant": {"inventory_quantity": 5}})
    assert stock.status_code == 400 and "inventory_quantity" in stock.json()["errors"]
    limited = sandbox.create_account(scopes=["read_products"], max_body_bytes=1000)
    narrow = http(sandbox, limited)
    forbidden = narrow.get(f"{API}/orders.json")
    assert forbidden.status_code == 403 and "read_orders" in forbidden.json()["errors"]
    too_big = narrow.post(f"{API}/products.json", json={"product": {"title": "x" * 2000}})
    assert too_big.status_code == 413


def test_rest_429_has_retry_after_and_the_documented_body(sandbox, shop):
    api = http(sandbox, shop)
    answers = [api.get(f"{API}/shop.json") for _ in range(41)]
    assert answers[39].headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    throttled = answers[40]
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "2.0"
    assert throttled.json()["errors"].startswith("Exceeded 2 calls per second for api client.")
    sandbox.clock.advance(1.0)  # leaks 2 calls
    assert api.get(f"{API}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "39/40"


def test_each_shop_has_its_own_data_token_and_quota(sandbox, shop):
    other = sandbox.create_account(rest_bucket_size=80)
    sandbox.seed(shop["account"], catalog(2))
    assert http(sandbox, other).get(f"{API}/products.json").json() == {"products": []}
    wrong = httpx.Client(transport=SandboxTransport(sandbox), base_url=other["settings"]["base_url"],
                         headers={"X-Shopify-Access-Token": shop["credentials"]["access_token"]})
    assert wrong.get(f"{API}/products.json").status_code == 401
    assert http(sandbox, other).get(f"{API}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "2/80"


def test_orders_list_open_orders_unless_status_any(seeded):
    api, account, order = seeded
    account["orders"][str(order["id"])]["closed_at"] = order["created_at"]
    assert api.get(f"{API}/orders.json").json()["orders"] == []
    assert [o["id"] for o in api.get(f"{API}/orders.json", params={"status": "any"}).json()["orders"]] == [order["id"]]


def test_a_sale_moves_available_to_committed(sandbox, shop):
    sandbox.seed(shop["account"], catalog(1))
    account = sandbox.account(shop["account"])
    _, variant = sandbox.variant_by_sku(account, "FLY-000001")
    level = sandbox.levels_for_item(account, variant["inventory_item_id"])[0]
    before = level["available"]
    sandbox.sell(shop["account"], "FLY-000001", 2)
    assert (level["available"], level["committed"]) == (before - 2, 2)


def gql(api, query, variables=None):
    return api.post(f"{API}/graphql.json", json={"query": query, "variables": variables or {}}).json()


def test_graphql_limits_and_gids(sandbox, shop):
    sandbox.seed(shop["account"], catalog(2))
    api = http(sandbox, shop)
    answer = gql(api, "{ products(first: 2) { nodes { id title } } }")
    assert answer["data"]["products"]["nodes"][0]["id"].startswith("gid://shopify/Product/")
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 4
    assert answer["extensions"]["cost"]["actualQueryCost"] == 4
    too_costly = gql(api, "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    assert too_costly["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    too_many = gql(api, "{ products(first: 251) { nodes { id } } }")
    assert too_many["data"]["products"] is None and "251" in too_many["errors"][0]["message"]
    rows = [{"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": "gid://shopify/Location/1",
             "delta": 1}] * 251
    mutation = ("mutation A($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) "
                "{ userErrors { message } } }")
    big = gql(api, mutation, {"input": {"name": "available", "reason": "correction", "changes": rows}})
    assert big["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    unknown = gql(api, "{ products(first: 1) { nodes { colour } } }")
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"


def test_idempotent_directive_is_required_from_2026_04_on(sandbox):
    shop = sandbox.create_account()
    sandbox.seed(shop["account"], catalog(1))
    api = httpx.Client(transport=SandboxTransport(sandbox), base_url=shop["settings"]["base_url"],
                       headers={"X-Shopify-Access-Token": shop["credentials"]["access_token"]})
    account = sandbox.account(shop["account"])
    item = next(iter(account["inventory_items"]))
    location = next(iter(account["locations"]))
    variables = {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": f"gid://shopify/Location/{location}",
         "delta": 1}]}}
    mutation = ("mutation A($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) "
                "{ userErrors { message } } }")
    newer = api.post("/admin/api/2026-10/graphql.json", json={"query": mutation, "variables": variables}).json()
    assert "@idempotent" in newer["errors"][0]["message"]
    older = api.post("/admin/api/2026-01/graphql.json", json={"query": mutation, "variables": variables}).json()
    assert older["data"]["inventoryAdjustQuantities"]["userErrors"] == []


def deliveries_to(sandbox, status):
    received = []

    def send(url, headers, body):
        received.append((url, headers, body))
        return status

    return received, send


def test_signed_delivery_round_trip_through_our_verifier(sandbox, shop):
    sandbox.seed(shop["account"], catalog(1))
    api = http(sandbox, shop)
    created = api.post(f"{API}/webhooks.json", json={"webhook": {"topic": "inventory_levels/update",
                                                                 "address": "https://flyt.example/hooks/1/"}})
    assert created.status_code == 201
    sandbox.sell(shop["account"], "FLY-000001", 1)
    received, send = deliveries_to(sandbox, 200)
    sandbox.webhooks.deliver_due(send)
    assert len(received) == 1
    url, headers, body = received[0]
    assert headers["X-Shopify-Topic"] == "inventory_levels/update"
    assert headers["X-Shopify-Shop-Domain"] == shop["settings"]["shop_domain"]
    webhooks.verify(headers=headers, body=body, secrets=[shop["webhook_secret"]], now=sandbox.clock.now())
    changes = webhooks.parse(headers=headers, body=body)
    assert changes[0].kind == "stock" and changes[0].data["available"] == json.loads(body)["available"]
    assert webhooks.delivery_id(headers=headers, body=body) == headers["X-Shopify-Webhook-Id"]


def test_failing_receiver_gets_8_retries_over_4_hours_then_the_subscription_is_deleted(sandbox, shop):
    sandbox.seed(shop["account"], catalog(1))
    api = http(sandbox, shop)
    api.post(f"{API}/webhooks.json", json={"webhook": {"topic": "orders/create", "address": "https://x.example/h"}})
    sandbox.webhooks.time_factor = 0.001
    sandbox.sell(shop["account"], "FLY-000001", 1)
    received, send = deliveries_to(sandbox, 500)
    start = sandbox.clock.now()
    sandbox.webhooks.run_until_idle(send)
    assert len(received) == 9  # the first attempt and 8 retries
    assert len({h["X-Shopify-Webhook-Id"] for _, h, _ in received}) == 1
    assert len({b for _, _, b in received}) == 1  # the original payload every time
    delivery = sandbox.webhooks.deliveries[0]
    gaps = [round((b[0] - a[0]) / 0.001) for a, b in zip(delivery.history, delivery.history[1:], strict=False)]
    assert gaps == [60, 120, 240, 480, 960, 1920, 3840, 6780]
    assert sum(gaps) == 4 * 3600
    assert delivery.status == "failed"
    assert sandbox.clock.now() - start == pytest.approx(4 * 3600 * 0.001)
    assert api.get(f"{API}/webhooks.json").json() == {"webhooks": []}
