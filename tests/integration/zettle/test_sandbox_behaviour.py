"""The Zettle sandbox's documented quirks, seen on the wire (raw requests, no Flyt client)."""

import json

import pytest

from integrations.sandbox.core import SandboxRequest
from integrations.sandbox.registry import sandbox_class
from integrations.zettle.sandbox import ZettleSandbox
from tests.integration.zettle.conftest import beanie


def raw(sandbox, method, path, *, token=None, body=None, form=None, query=None, headers=None):
    head = {k.lower(): v for k, v in (headers or {}).items()}
    if token:
        head["authorization"] = f"Bearer {token}"
    data = b""
    if form is not None:
        from urllib.parse import urlencode

        data = urlencode(form).encode()
        head.setdefault("content-type", "application/x-www-form-urlencoded")
    elif body is not None:
        data = json.dumps(body).encode()
        head.setdefault("content-type", "application/json")
    return sandbox.handle(SandboxRequest(method, path, {k: v if isinstance(v, list) else [v]
                                                         for k, v in (query or {}).items()}, head, data))


def token_for(sandbox, account):
    answer = raw(sandbox, "POST", "/oauth/token", form={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "client_id": account["credentials"]["client_id"], "assertion": account["credentials"]["api_key"]})
    assert answer.status == 200 and answer.body["expires_in"] == 7200
    return answer.body["access_token"]


def test_registered_under_zettle_and_create_account_fits_the_settings_schema(sandbox):
    from integrations.platforms import validate_settings

    assert sandbox_class("zettle") is ZettleSandbox
    connect = sandbox.create_account()
    validate_settings("zettle", connect["settings"])
    assert connect["settings"]["sandbox"] is True and connect["settings"]["base_url"].endswith("/zettle")
    assert set(connect["credentials"]) == {"api_key", "client_id"}
    assert connect["credentials"]["api_key"].count(".") == 2  # a JWT, like Zettle's API keys


def test_token_endpoint_speaks_rfc_6749(sandbox, account):
    assert raw(sandbox, "POST", "/oauth/token", body={"grant_type": "x"}).body["error"] == "invalid_request"
    assert raw(sandbox, "POST", "/oauth/token", form={"grant_type": "password"}).body["error"] == \
        "unsupported_grant_type"
    refused = raw(sandbox, "POST", "/oauth/token", form={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": "x", "assertion": "y"})
    assert (refused.status, refused.body["error"]) == (400, "invalid_grant")
    assert "refresh_token" not in raw(sandbox, "POST", "/oauth/token", form={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "client_id": account["credentials"]["client_id"], "assertion": account["credentials"]["api_key"]}).body


def test_expired_and_missing_tokens_are_401_with_the_documented_challenge(sandbox, account, clock):
    token = token_for(sandbox, account)
    assert raw(sandbox, "GET", "/products/organizations/self/products", token=token).status == 200
    clock.advance(7200)
    expired = raw(sandbox, "GET", "/products/organizations/self/products", token=token)
    assert expired.status == 401
    assert expired.headers["WWW-Authenticate"] == \
        'Bearer error="invalid_request", error_description="ACCESS_TOKEN_EXPIRED"'
    assert raw(sandbox, "GET", "/products/organizations/self/products").status == 401


def test_self_and_the_organization_uuid_both_work_others_are_refused(sandbox, account):
    token = token_for(sandbox, account)
    org = account["external_account_id"]
    assert raw(sandbox, "GET", f"/products/organizations/{org}/products", token=token).status == 200
    assert raw(sandbox, "GET", "/products/organizations/self/products", token=token).status == 200
    other = raw(sandbox, "GET", f"/products/organizations/{sandbox.create_account()['account']}/products",
                token=token)
    assert other.status == 403
    # Inventory v3 has no organization in its paths: the token names it
    inventories = raw(sandbox, "GET", "/inventory/v3/inventories", token=token).body
    assert {row["inventoryType"] for row in inventories} == {"STORE", "SOLD", "BIN", "SUPPLIER"}
    assert {row["inventoryUuid"] for row in inventories} == set(sandbox.account(org)["locations"].values())
    assert raw(sandbox, "GET", "/oauth/users/self", token=token).body["organizationUuid"] == org


def test_inventory_soft_limit_is_four_per_second_with_429(sandbox, account, clock):
    token = token_for(sandbox, account)
    statuses = [raw(sandbox, "GET", "/inventory/v3/inventories", token=token).status for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = raw(sandbox, "GET", "/inventory/v3/inventories", token=token)
    assert refused.headers["Retry-After"] == "1" and refused.body["errorType"] == "TOO_MANY_REQUESTS"
    clock.advance(1.0)
    assert raw(sandbox, "GET", "/inventory/v3/inventories", token=token).status == 200


def test_library_caps_the_page_at_500_and_links_absolutely(sandbox, account):
    from integrations.sandbox.seed import catalog

    sandbox.seed(account["account"], catalog(501))
    token = token_for(sandbox, account)
    page = raw(sandbox, "GET", "/products/organizations/self/library", token=token, query={"limit": "2000"},
               headers={"host": "sandbox.flyt.test"})
    assert len(page.body["products"]) == 500
    assert page.headers["Link"] == ('<http://sandbox.flyt.test/sandbox/zettle/products/organizations/self/library'
                                    '?limit=500&offset=500>; rel="next"')
    assert set(page.body) == {"fromEventLogUuid", "untilEventLogUuid", "products", "discounts", "deletedProducts",
                              "deletedDiscounts"}


def test_conditional_update_fails_412_with_an_empty_body(sandbox, account):
    token = token_for(sandbox, account)
    product = beanie()
    created = raw(sandbox, "POST", "/products/organizations/self/products", token=token, body=product)
    assert created.status == 201 and created.headers["ETag"].strip('"') == created.body["etag"]
    stale = raw(sandbox, "PUT", f"/products/organizations/self/products/v2/{product['uuid']}", token=token,
                body={"name": "x"}, headers={"If-Match": '"OLD"'})
    assert (stale.status, stale.content()) == (412, b"")
    fresh = raw(sandbox, "PUT", f"/products/organizations/self/products/v2/{product['uuid']}", token=token,
                body={"name": "x"}, headers={"If-Match": created.headers["ETag"]})
    assert fresh.status == 204 and fresh.headers["ETag"] != created.headers["ETag"]
    missing = raw(sandbox, "GET", "/products/organizations/self/products/00000000-0000-1000-8000-000000000000",
                  token=token)
    assert missing.status == 404 and set(missing.body) == {"developerMessage", "errorType", "violations"}


def test_validation_errors_carry_violations(sandbox, account):
    token = token_for(sandbox, account)
    product = beanie()
    product["variants"] = [dict(product["variants"][0], uuid=f"00000000-0000-1000-8000-{i:012d}") for i in range(100)]
    answer = raw(sandbox, "POST", "/products/organizations/self/products", token=token, body=product)
    assert answer.status == 400
    assert {"propertyName": "variants", "developerMessage": "size must be between 0 and 99",
            "constraintType": "SIZE"} in answer.body["violations"]


def test_inventory_batch_and_purchase_limits(sandbox, make_client):
    connect = sandbox.create_account(limits={"movements_max": 2, "tracking_max": 2, "stock_read_max": 2,
                                             "inventory_per_s": 0})
    token = token_for(sandbox, connect)
    too_many = raw(sandbox, "POST", "/inventory/v3/movements", token=token, body={"movements": [{}] * 3})
    assert too_many.status == 413
    assert raw(sandbox, "POST", "/inventory/v3/products", token=token,
               body=[{"productUuid": "p", "tracking": "enable"}] * 3).status == 413
    store = sandbox.account(connect["account"])["locations"]["STORE"]
    assert raw(sandbox, "POST", f"/inventory/v3/stock/{store}/products", token=token, body=["a", "b", "c"]).status \
        == 413
    for limit in ("0", "1001", "abc"):
        assert raw(sandbox, "GET", f"/inventory/v3/stock/{store}", token=token, query={"limit": limit}).status == 400
    for limit in ("0", "1001", "abc"):
        assert raw(sandbox, "GET", "/purchase/purchases/v2", token=token, query={"limit": limit}).status == 400
    empty = raw(sandbox, "GET", "/purchase/purchases/v2", token=token, query={"limit": "1000"})
    assert empty.body == {"purchases": [], "firstPurchaseHash": None, "lastPurchaseHash": None, "linkUrls": []}


def test_negative_changes_are_refused(sandbox, seeded, client):
    product = next(client.iter_products())
    locations = client.locations()
    token = token_for(sandbox, seeded)
    answer = raw(sandbox, "POST", "/inventory/v3/movements", token=token, body={"movements": [
        {"productUuid": product["uuid"], "variantUuid": product["variants"][0]["uuid"],
         "from": locations["STORE"], "to": locations["SUPPLIER"], "change": -3}]})
    assert answer.status == 400 and answer.body["violations"][0]["constraintType"] == "POSITIVE"
    assert answer.body["violations"][0]["propertyName"] == "movements[0].change"


def test_both_documented_delete_paths_work(sandbox, account):
    token = token_for(sandbox, account)
    for index, path in enumerate(("/subscriptions/{}", "/subscriptions/uuid/{}")):
        uuid = f"0000000{index}-0000-1000-8000-000000000000"
        created = raw(sandbox, "POST", "/pusher/organizations/self/subscriptions", token=token, body={
            "uuid": uuid, "transportName": "WEBHOOK", "eventNames": [], "destination": "https://flyt.example/h",
            "contactEmail": "ops@flyt.example"})
        assert created.status == 200 and created.body["status"] == "ACTIVE"
        assert raw(sandbox, "DELETE", "/pusher/organizations/self" + path.format(uuid), token=token).status == 204
        gone = raw(sandbox, "DELETE", "/pusher/organizations/self" + path.format(uuid), token=token)
        assert gone.status == 404 and gone.body["errorType"] == "SUBSCRIPTION_NOT_FOUND"


@pytest.mark.parametrize("scope_missing, path, method", [
    ("WRITE:PRODUCT", "/products/organizations/self/products", "POST"),
    ("READ:PRODUCT", "/inventory/v3/inventories", "GET"),
    ("READ:PRODUCT", "/inventory/v3/products/status", "POST"),
    ("READ:PURCHASE", "/purchase/purchases/v2", "GET"),
])
def test_missing_scopes_are_403(sandbox, scope_missing, path, method):
    from integrations.zettle.sandbox.base import ALL_SCOPES

    connect = sandbox.create_account(scopes=[s for s in ALL_SCOPES if s != scope_missing])
    answer = raw(sandbox, method, path, token=token_for(sandbox, connect), body=beanie() if method == "POST" else None)
    assert answer.status == 403 and scope_missing in answer.body["developerMessage"]
