"""The sandbox's answers validate against BigCommerce's own OpenAPI response schemas (derived into
tests/fixtures/bigcommerce/schemas by derive_schemas.py)."""

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "bigcommerce" / "schemas"


def check(name, response, status=200):
    assert response.status_code == status, response.text
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft4Validator(schema).iter_errors(response.json())]
    assert not errors, f"{name}: " + "\n".join(errors[:20])
    return response.json()


@pytest.fixture
def ids(sandbox, store, http):
    product = http.get("/v3/catalog/products", params={"include": "variants", "limit": 1}).json()["data"][0]
    order = sandbox.sell(store["account"], product["variants"][0]["sku"], 2)
    return {"product": product["id"], "variant": product["variants"][0]["id"], "order": order["id"]}


def test_catalog_reads(http, ids):
    check("products_list", http.get("/v3/catalog/products", params={"include": "variants,images", "limit": 5}))
    check("product_get", http.get(f"/v3/catalog/products/{ids['product']}", params={"include": "variants,images"}))
    check("product_images", http.get(f"/v3/catalog/products/{ids['product']}/images"))
    check("product_variants", http.get(f"/v3/catalog/products/{ids['product']}/variants"))
    check("variants_list", http.get("/v3/catalog/variants", params={"limit": 10}))
    check("channel_assignments", http.get("/v3/catalog/products/channel-assignments"))
    check("trees_list", http.get("/v3/catalog/trees"))
    check("tree_categories_list", http.get("/v3/catalog/trees/categories"))
    check("channels_list", http.get("/v3/channels"))


def test_catalog_writes(http, ids):
    created = check("product_create", http.post("/v3/catalog/products", json={
        "name": "Contract mug", "type": "physical", "weight": 0.4, "price": 12.5, "sku": "CONTRACT-1",
        "variants": [{"sku": "CONTRACT-1-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}]}))
    check("products_update", http.put("/v3/catalog/products", json=[{"id": created["data"]["id"], "price": 13}]))
    check("variants_update", http.put("/v3/catalog/variants", json=[{"id": ids["variant"], "price": 99.5}]))
    check("products_update_413", http.put("/v3/catalog/products", json=[{"id": ids["product"]}] * 11), 413)
    check("product_create_409", http.post("/v3/catalog/products", json={
        "name": "Contract mug", "type": "physical", "weight": 1, "price": 1}), 409)
    check("product_create_422", http.post("/v3/catalog/products", json={"name": "No price"}), 422)
    check("tree_categories_create", http.post("/v3/catalog/trees/categories", json=[
        {"name": "PayPal Zettle", "tree_id": 1}]), 201)
    check("channel_create", http.post("/v3/channels", json={"name": "PayPal Zettle", "type": "pos",
                                                            "platform": "custom"}))


def test_inventory(http, ids):
    items = [{"location_id": 1, "variant_id": ids["variant"], "quantity": 5}]
    check("inventory_absolute", http.put("/v3/inventory/adjustments/absolute", json={"reason": "t", "items": items}))
    check("inventory_relative", http.post("/v3/inventory/adjustments/relative", json={"reason": "t", "items": items}))
    refused = http.put("/v3/inventory/adjustments/absolute", json={"items": [
        {"location_id": 1, "product_id": ids["product"], "quantity": 1}]})
    assert refused.headers["content-type"].startswith("application/problem+json")
    check("inventory_422", refused, 422)
    check("inventory_items", http.get("/v3/inventory/items", params={"variant_id:in": ids["variant"]}))
    check("locations_list", http.get("/v3/inventory/locations"))


def test_orders_refunds_customers(http, ids, sandbox, store):
    check("orders_v2_list", http.get("/v2/orders"))
    check("order_v2_get", http.get(f"/v2/orders/{ids['order']}"))
    lines = check("order_v2_products", http.get(f"/v2/orders/{ids['order']}/products"))
    check("refund_create", http.post(f"/v3/orders/{ids['order']}/payment_actions/refunds", json={
        "items": [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1}],
        "payments": [{"provider_id": "storecredit", "amount": 1, "offline": True}]}), 201)
    check("refunds_list", http.get(f"/v3/orders/{ids['order']}/payment_actions/refunds"))
    check("customers_create", http.post("/v3/customers", json=[
        {"email": "ann@example.com", "first_name": "Ann", "last_name": "Berg"}]))
    check("customers_list", http.get("/v3/customers"))


def test_hooks(http):
    hook = check("hook_create", http.post("/v3/hooks", json={
        "scope": "store/product/updated", "destination": "https://flyt.example/webhooks/bigcommerce/x/",
        "headers": {"X-Flyt-Webhook-Token": "t"}}))
    check("hook_get", http.get(f"/v3/hooks/{hook['data']['id']}"))
    check("hooks_list", http.get("/v3/hooks"))
    check("hook_create_422", http.post("/v3/hooks", json={"scope": "store/product/updated",
                                                          "destination": "http://flyt.example:8080/x"}), 422)
