import json

from integrations.sandbox.core import SandboxRequest
from integrations.sandbox.seed import catalog


def call(sandbox, method, path, *, token=None, client=None, body=None, **query):
    params = {k.replace("_", "-") if k == "per_page" else k: [str(v)] for k, v in query.items()}
    if token:
        params["accessToken"] = [token]
    if client is not None:
        params["client"] = [str(client)]
    return sandbox.handle(SandboxRequest(method, path, query=params,
                                         body=json.dumps(body).encode() if body is not None else b""))


def login(sandbox, account):
    response = call(sandbox, "POST", "/authenticate/credentials", body=account["credentials"])
    assert response.status == 200 and set(response.body) == {"accessToken", "expiresIn"}
    return response.body["accessToken"], account["settings"]["client_id"]


def test_login_and_unauthenticated_answers(sandbox, account):
    bad = call(sandbox, "POST", "/authenticate/credentials", body={"username": "x", "password": "y"})
    assert bad.status == 401 and bad.body == {"message": "Invalid credentials.", "status_code": 401}
    assert call(sandbox, "GET", "/products").body == {"message": "Unauthenticated.", "status_code": 401}
    assert call(sandbox, "GET", "/products", token="nope", client=1).status == 401
    token, client = login(sandbox, account)
    assert call(sandbox, "GET", "/products", token=token, client=client).status == 200
    assert call(sandbox, "GET", "/products", token=token).status == 400  # client is required


def test_a_token_cannot_read_another_clients_data(sandbox, account):
    other = sandbox.create_account()
    token, _ = login(sandbox, account)
    response = call(sandbox, "GET", "/products", token=token, client=other["settings"]["client_id"])
    assert response.status == 403 and response.body["message"] == "This action is unauthorized."


def test_the_legacy_api_token_parameter_works(sandbox, account):
    api_token = sandbox.state["accounts"][account["account"]]["api_token"]
    response = sandbox.handle(SandboxRequest("GET", "/branches", query={"api-token": [api_token]}))
    assert response.status == 200 and response.body["data"][0]["name"] == "Main store"


def test_the_list_envelope_pages_and_minus_one_means_all(sandbox, account):
    sandbox.seed(account["account"], catalog(230))
    token, client = login(sandbox, account)
    page = call(sandbox, "GET", "/products", token=token, client=client, page=2, per_page=100).body
    assert len(page["data"]) == 100
    pagination = page["meta"]["pagination"]
    assert {k: pagination[k] for k in ("total", "count", "per_page", "current_page", "total_pages")} == {
        "total": 230, "count": 100, "per_page": 100, "current_page": 2, "total_pages": 3}
    assert "page=3" in pagination["links"]["next"] and "page=1" in pagination["links"]["previous"]
    assert "accessToken" not in pagination["links"]["next"]
    assert len(call(sandbox, "GET", "/products", token=token, client=client, per_page=-1).body["data"]) == 230
    clamped = call(sandbox, "GET", "/products", token=token, client=client, per_page=500).body
    assert clamped["meta"]["pagination"]["per_page"] == 100  # the account's max_per_page


def test_create_or_update_upserts_by_sku_and_rejects_oversized_batches(sandbox, account):
    token, client = login(sandbox, account)
    first = call(sandbox, "POST", "/products/create-or-update", token=token, client=client,
                 body={"name": "Mug", "sku": "MUG-1", "price": 89}).body["data"]
    again = call(sandbox, "POST", "/products/create-or-update", token=token, client=client,
                 body={"sku": "MUG-1", "price": "99.5"}).body["data"]
    assert again["id"] == first["id"] and again["price"] == "99.50" and again["name"] == "Mug"
    assert len(again["variants"]) == 1  # a simple product has one default variant
    too_many = call(sandbox, "POST", "/products/create-or-update", token=token, client=client,
                    body=[{"name": f"P{n}"} for n in range(51)])
    assert too_many.status == 413 and "at most 50" in too_many.body["message"]
    invalid = call(sandbox, "POST", "/products/create-or-update", token=token, client=client,
                   body=[{"name": "ok"}, {"price": "x"}])
    assert invalid.status == 422 and invalid.body["errors"] == {"1.name": ["The name field is required."]}
    assert len(sandbox.state["accounts"][account["account"]]["products"]) == 1  # nothing half-saved


def test_variance_types_upsert_by_name(sandbox, account):
    token, client = login(sandbox, account)
    a = call(sandbox, "POST", "/variance-type/create-or-update", token=token, client=client,
             body={"name": "Size", "values": ["S", "M"]}).body["data"]
    b = call(sandbox, "POST", "/variance-type/create-or-update", token=token, client=client,
             body={"name": "Size", "values": ["S", "M", "L"]}).body["data"]
    assert a["id"] == b["id"] and b["values"] == ["S", "M", "L"]


def test_sales_take_stock_from_the_branch_and_cancelling_puts_it_back(sandbox, account):
    sandbox.seed(account["account"], catalog(1, variants=2))
    sandbox.admin_set_stock(account["account"], "FLY-000001-2", 10)
    basket = sandbox.sell(account["account"], "FLY-000001-2", 3)
    assert sandbox.stock_of(account["account"], "FLY-000001-2") == 7
    token, client = login(sandbox, account)
    fetched = call(sandbox, "GET", f"/baskets/{basket['uid']}", token=token, client=client).body["data"]
    assert fetched["canceled"] is False and fetched["lines"][0]["quantity"] == 3
    cancel = call(sandbox, "PUT", f"/baskets/{basket['id']}/cancel", token=token, client=client)
    assert cancel.status == 200 and cancel.body["data"]["canceled"] is True
    assert sandbox.stock_of(account["account"], "FLY-000001-2") == 10
    again = call(sandbox, "PUT", f"/baskets/{basket['id']}/cancel", token=token, client=client)
    assert again.status == 409 and again.body["message"] == "The basket is already canceled."
    assert call(sandbox, "GET", "/baskets/nope", token=token, client=client).status == 404


def test_stock_writes_are_validated(sandbox, account):
    sandbox.seed(account["account"], catalog(1))
    token, client = login(sandbox, account)
    response = call(sandbox, "POST", "/product-inventories", token=token, client=client,
                    body={"variant_id": 424242, "branch_id": 1, "quantity": 1})
    assert response.status == 422 and "variant_id" in response.body["errors"]


def test_rate_limit_headers_and_429(sandbox, account):
    sandbox.configure(account["account"], rate_per_minute=3)
    token, client = login(sandbox, account)
    answers = [call(sandbox, "GET", "/branches", token=token, client=client) for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[3].headers["Retry-After"] == "60" and answers[3].body["message"] == "Too Many Attempts."
    sandbox.clock.advance(60)
    assert call(sandbox, "GET", "/branches", token=token, client=client).status == 200


def test_accounts_keep_their_own_data(sandbox, account):
    other = sandbox.create_account()
    sandbox.seed(account["account"], catalog(2))
    token, client = login(sandbox, other)
    assert call(sandbox, "GET", "/products", token=token, client=client).body["data"] == []
