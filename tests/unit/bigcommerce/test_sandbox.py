"""The BigCommerce sandbox reproduces the documented quirks."""

import json

import httpx

from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from tests.unit.bigcommerce.support import make_store, raw_http

RATE_HEADERS = ("X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Requests-Quota",
                "X-Rate-Limit-Requests-Left")


def test_rate_limit_headers_on_every_response_and_429_with_retry_after(sandbox, clock):
    store = make_store(sandbox, products=2, quota=3)
    http = raw_http(sandbox, store)
    answers = [http.get("/v3/catalog/products"), http.get("/v2/orders"), http.get("/v3/catalog/products/999")]
    assert [r.status_code for r in answers] == [200, 204, 404]
    assert all(all(h in r.headers for h in RATE_HEADERS) for r in answers)
    assert [r.headers["X-Rate-Limit-Requests-Left"] for r in answers] == ["2", "1", "0"]
    clock.advance(12)
    refused = http.get("/v3/catalog/products")
    assert refused.status_code == 429 and refused.json()["status"] == 429
    assert refused.headers["X-Rate-Limit-Time-Reset-Ms"] == "18000" and refused.headers["X-Retry-After"] == "18"
    clock.advance(18)
    assert http.get("/v3/catalog/products").status_code == 200


def test_quota_is_per_store_and_shared_by_tokens(sandbox):
    first, second = make_store(sandbox, quota=2), make_store(sandbox, quota=2)
    other = sandbox.add_token(first["account"])
    assert raw_http(sandbox, first).get("/v3/channels").status_code == 200
    assert raw_http(sandbox, first, token=other["access_token"]).get("/v3/channels").status_code == 200
    assert raw_http(sandbox, first).get("/v3/channels").status_code == 429
    assert raw_http(sandbox, second).get("/v3/channels").status_code == 200


def test_auth_errors_unknown_store_and_content_type(sandbox, store, http):
    bad = raw_http(sandbox, store, token="nope")
    v3, v2 = bad.get("/v3/catalog/products"), bad.get("/v2/orders")
    assert v3.status_code == v2.status_code == 401
    assert v3.json()["title"] and isinstance(v2.json(), list) and v2.json()[0]["status"] == 401
    unknown = httpx.Client(transport=SandboxTransport(sandbox)).get(
        "http://127.0.0.1:8000/sandbox/bigcommerce/stores/zzz9/v3/catalog/products",
        headers={"X-Auth-Token": store["credentials"]["access_token"]})
    assert unknown.status_code == 404 and unknown.json()["status"] == 404
    weird = http.post("/v3/catalog/products", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert weird.status_code == 415


def test_limit_above_250_is_413_and_pages_past_the_end_are_empty(http):
    assert http.get("/v3/catalog/products", params={"limit": 251}).status_code == 413
    page = http.get("/v3/catalog/products", params={"limit": 250, "page": 9}).json()
    assert page["data"] == [] and page["meta"]["pagination"]["total"] == 30
    first = http.get("/v3/catalog/products", params={"limit": 10}).json()["meta"]["pagination"]
    assert first["links"] == {"current": "?page=1&limit=10", "next": "?page=2&limit=10"}
    assert first["total_pages"] == 3


def test_batch_limits_with_the_documented_titles(http):
    too_many = http.put("/v3/catalog/products", json=[{"id": 1, "price": 1}] * 11)
    assert too_many.status_code == 413
    assert too_many.json()["title"] == "The request payload is too large. The maximum items allowed in the array is 10."
    variants = http.put("/v3/catalog/variants", json=[{"id": 1}] * 51)
    assert variants.status_code == 413 and variants.json()["title"].endswith("allowed in the array is 50")
    inventory = http.put("/v3/inventory/adjustments/absolute", json={"items": [
        {"location_id": 1, "sku": "x", "quantity": 1}] * 2001})
    assert inventory.status_code == 413


def test_validation_and_conflicts(http):
    missing = http.post("/v3/catalog/products", json={"sku": "X"})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"name", "type", "weight", "price"}
    taken = http.get("/v3/catalog/products", params={"limit": 1}).json()["data"][0]
    dup_sku = http.post("/v3/catalog/products", json={"name": "Unique", "type": "physical", "weight": 1, "price": 1,
                                                      "sku": f"{taken['sku']}-1"})
    assert dup_sku.status_code == 409 and "sku" in dup_sku.json()["errors"]
    assert http.delete("/v3/catalog/products").status_code == 422
    no_id = http.put("/v3/catalog/products", json=[{"price": 1}])
    assert no_id.status_code == 422


def test_v2_money_strings_dates_and_204(sandbox, store, http):
    assert http.get("/v2/orders").status_code == 204 and http.get("/v2/orders").content == b""
    sku = http.get("/v3/catalog/variants", params={"limit": 1}).json()["data"][0]["sku"]
    sandbox.sell(store["account"], sku, 1)
    order = http.get("/v2/orders").json()[0]
    assert order["total_inc_tax"].endswith(".0000") and order["date_created"].endswith("+0000")
    assert order["products"]["resource"] == f"/orders/{order['id']}/products"


def test_hooks_api_rules(sandbox, store, http):
    base = {"scope": "store/order/created", "destination": "https://flyt.example/hooks/1"}
    assert http.post("/v3/hooks", json={**base, "destination": "https://flyt.example:8443/x"}).status_code == 422
    assert http.post("/v3/hooks", json={**base, "destination": "http://flyt.example/x"}).status_code == 422
    assert http.post("/v3/hooks", json=base).status_code == 200
    assert http.post("/v3/hooks", json=base).status_code == 422  # one per scope and destination
    for n in range(2, 11):
        assert http.post("/v3/hooks", json={**base, "destination": f"https://flyt.example/hooks/{n}"}).status_code \
            == 200
    assert http.post("/v3/hooks", json={**base, "destination": "https://flyt.example/hooks/11"}).status_code == 422
    other_app = raw_http(sandbox, store, token=sandbox.add_token(store["account"])["access_token"])
    assert other_app.get("/v3/hooks").json()["data"] == []  # hooks are visible to their own client id only
    assert other_app.get("/v3/hooks/1").status_code == 404


def test_inventory_webhook_scope_follows_tracking_mode(sandbox, clock):
    store = make_store(sandbox)
    sandbox.seed(store["account"], catalog(2, variants=2))
    sandbox.seed(store["account"], catalog(1, variants=1, prefix="SIMPLE"))
    http = raw_http(sandbox, store)
    http.post("/v3/hooks", json={"scope": "store/product/*", "destination": "https://flyt.example/h"})
    http.post("/v3/hooks", json={"scope": "store/sku/*", "destination": "https://flyt.example/h"})
    sandbox.sell(store["account"], "FLY-000001-1", 1)
    sandbox.sell(store["account"], "SIMPLE-000001", 1)
    scopes = [json.loads(d.body)["scope"] for d in sandbox.webhooks.deliveries]
    assert scopes == ["store/sku/inventory/order/updated", "store/product/inventory/order/updated"]
    sandbox.admin_set_stock(store["account"], "SIMPLE-000001", 9)
    assert json.loads(sandbox.webhooks.deliveries[-1].body)["data"]["inventory"] == {
        "product_id": json.loads(sandbox.webhooks.deliveries[-1].body)["data"]["id"], "method": "absolute",
        "value": 9}


def test_channel_assignment_callbacks_have_the_documented_shape(sandbox):
    store = make_store(sandbox, products=2)
    http = raw_http(sandbox, store)
    http.post("/v3/hooks", json={"scope": "store/channel/*", "destination": "https://flyt.example/h"})
    channel = http.post("/v3/channels", json={"name": "PayPal Zettle", "type": "pos", "platform": "custom"}
                        ).json()["data"]["id"]
    product = http.get("/v3/catalog/products", params={"limit": 1}).json()["data"][0]["id"]
    sandbox.webhooks.clear()
    assert http.put("/v3/catalog/products/channel-assignments",
                    json=[{"product_id": product, "channel_id": channel}]).status_code == 204
    assert http.delete("/v3/catalog/products/channel-assignments",
                       params={"product_id:in": product, "channel_id:in": channel}).status_code == 204
    bodies = [json.loads(d.body) for d in sandbox.webhooks.deliveries]
    assert [(b["scope"], b["data"]) for b in bodies] == [
        (f"store/channel/{channel}/product/assigned", {"product_id": product}),
        (f"store/channel/{channel}/product/unassigned", {"product_id": product})]
    assert all(set(b) == {"scope", "store_id", "data", "hash", "created_at", "producer"} for b in bodies)


def test_every_product_has_an_integer_base_variant_id(sandbox):
    store = make_store(sandbox, products=2, variants=3)
    sandbox.seed(store["account"], catalog(1, variants=1, prefix="SIMPLE"))
    http = raw_http(sandbox, store)
    created = http.post("/v3/catalog/products", json={
        "name": "Sized mug", "type": "physical", "weight": 1, "price": 5,
        "variants": [{"sku": "SIZED-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}]}
                        ).json()["data"]
    products = http.get("/v3/catalog/products", params={"include": "variants"}).json()["data"]
    assert len(products) == 4
    for product in [created, *products]:
        assert isinstance(product["base_variant_id"], int) and product["base_variant_id"] > 0
