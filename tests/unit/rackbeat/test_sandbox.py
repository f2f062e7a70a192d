import json

from integrations.sandbox.core import SandboxRequest
from integrations.sandbox.seed import catalog


def call(sandbox, account, method, path, body=None, token=None, **query):
    headers = {"authorization": f"Bearer {token or account['credentials']['api_token']}"}
    return sandbox.handle(SandboxRequest(method, path, query={k: [str(v)] for k, v in query.items()},
                                         headers=headers, body=json.dumps(body).encode() if body is not None else b""))


def test_missing_or_wrong_keys_get_401(sandbox, account):
    assert sandbox.handle(SandboxRequest("GET", "/products")).status == 401
    response = call(sandbox, account, "GET", "/products", token="wrong")
    assert response.status == 401 and response.body == {"message": "Unauthenticated."}


def test_lists_use_the_plural_key_page_fields_and_206(sandbox, account):
    sandbox.seed(account["account"], catalog(30))
    first = call(sandbox, account, "GET", "/products", limit=20, fields="number,name")
    assert first.status == 206
    assert {k: first.body[k] for k in ("page", "pages", "limit", "total")} == {
        "page": 1, "pages": 2, "limit": 20, "total": 30}
    assert set(first.body["products"][0]) == {"number", "name"}
    last = call(sandbox, account, "GET", "/products", limit=20, page=2)
    assert last.status == 200 and len(last.body["products"]) == 10
    assert call(sandbox, account, "GET", "/products", limit=5000).body["limit"] == 1000  # clamped


def test_single_objects_are_wrapped_in_the_singular_key(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    assert call(sandbox, account, "GET", "/products/FLY-000001").body["product"]["number"] == "FLY-000001"
    assert call(sandbox, account, "GET", "/products/NOPE").body == {"message": "Product not found."}


def test_validation_errors_are_422_with_field_errors(sandbox, account):
    response = call(sandbox, account, "POST", "/products", {"number": "A", "group": 99, "sales_price": "x"})
    assert response.status == 422
    assert response.body["errors"] == {"name": ["The name field is required."],
                                       "group": ["The selected group is invalid."],
                                       "sales_price": ["The sales_price must be a number."]}
    assert call(sandbox, account, "POST", "/products", {"number": "A", "name": "A", "group": 1}).status == 201
    taken = call(sandbox, account, "POST", "/products", {"number": "A", "name": "A", "group": 1})
    assert taken.body["errors"] == {"number": ["The number has already been taken."]}


def test_products_with_stock_cannot_be_deleted(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    sandbox.admin_adjust_stock(account["account"], "FLY-000001", 5)
    refused = call(sandbox, account, "DELETE", "/products/FLY-000001")
    assert refused.status == 422
    sandbox.admin_adjust_stock(account["account"], "FLY-000001", -sandbox.stock_of(account["account"], "FLY-000001"))
    assert call(sandbox, account, "DELETE", "/products/FLY-000001").status == 204


def test_custom_fields_filter_products(sandbox, account):
    sandbox.seed(account["account"], catalog(3))
    field = call(sandbox, account, "POST", "/fields", {"name": "Shopbox UID"}).body["field"]
    call(sandbox, account, "PUT", "/products/FLY-000002/fields",
         {"custom_fields": [{"id": field["id"], "value": "u2"}]})
    found = call(sandbox, account, "GET", "/products", **{f"field_eq[{field['id']}]": "u2"}).body["products"]
    assert [p["number"] for p in found] == ["FLY-000002"]
    values = call(sandbox, account, "GET", "/products/FLY-000002/fields").body["field_values"]
    assert values == [{"field_id": field["id"], "slug": "shopbox-uid", "value": "u2"}]


def test_hierarchical_locations_and_stock_per_location(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    child = call(sandbox, account, "POST", "/locations", {"number": "1-A", "name": "Shelf A",
                                                          "parent_number": "1"}).body["location"]
    assert (child["nesting_level"], child["nest_list"]) == (1, ["1"])
    stock = sandbox.stock_of(account["account"], "FLY-000001")
    move = call(sandbox, account, "POST", "/inventory-movements", {
        "from_location": {"number": "1"}, "to_location": {"number": "1-A"},
        "lines": [{"item": {"number": "FLY-000001"}, "quantity": 2}]}).body["inventory_movement"]
    assert sandbox.stock_of(account["account"], "FLY-000001") == stock  # nothing moves until booked
    assert call(sandbox, account, "POST", f"/inventory-movements/{move['id']}/book").status == 200
    rows = call(sandbox, account, "GET", "/products/FLY-000001/locations").body["product_locations"]
    assert {r["location"]["number"]: r["stock_quantity"] for r in rows} == {"1": stock - 2, "1-A": 2}
    assert call(sandbox, account, "GET", "/inventory-movements").body["inventory_regulations"][0]["is_booked"]
    again = call(sandbox, account, "POST", f"/inventory-movements/{move['id']}/book")
    assert again.status == 422


def test_adjustments_over_the_line_limit_are_refused(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    lines = [{"item": {"number": "FLY-000001"}, "quantity": 1}] * 101
    response = call(sandbox, account, "POST", "/inventory-adjustments", {"lines": lines})
    assert response.status == 422 and "not have more than 100" in response.body["errors"]["lines"][0]


def test_orders_go_draft_booked_shipped_and_move_stock(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    stock = sandbox.stock_of(account["account"], "FLY-000001")
    order = call(sandbox, account, "POST", "/orders/drafts",
                 {"lines": [{"item": {"number": "FLY-000001"}, "quantity": 2}]}).body["order"]
    assert order["is_draft"] and not order["is_booked"]
    booked = call(sandbox, account, "POST", f"/orders/{order['number']}/book", {"mail": {"send": False}}).body["order"]
    product = call(sandbox, account, "GET", "/products/FLY-000001").body["product"]
    assert booked["is_booked"] and product["in_order_quantity"] == 2 and product["available_quantity"] == stock - 2
    call(sandbox, account, "POST", f"/orders/{order['number']}/create-shipment")
    product = call(sandbox, account, "GET", "/products/FLY-000001").body["product"]
    assert product["stock_quantity"] == stock - 2 and product["in_order_quantity"] == 0
    assert [o["number"] for o in call(sandbox, account, "GET", "/orders", is_booked="true").body["orders"]] == [
        order["number"]]


def test_throttling_answers_429_with_retry_after(sandbox, account):
    sandbox.configure(account["account"], rate_per_minute=2)
    answers = [call(sandbox, account, "GET", "/locations") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "60" and answers[0].headers["X-RateLimit-Remaining"] == "1"


def test_webhook_url_and_event_are_validated(sandbox, account):
    response = call(sandbox, account, "POST", "/webhooks", {"event": "", "url": "ftp://x"})
    assert response.status == 422 and set(response.body["errors"]) == {"event", "url"}


def test_accounts_are_separate(sandbox, account):
    other = sandbox.create_account()
    sandbox.seed(account["account"], catalog(2))
    assert call(sandbox, other, "GET", "/products").body["total"] == 0
    assert json.loads(json.dumps(sandbox.state)) == sandbox.state  # state stays JSON for the HTTP-served sandbox
