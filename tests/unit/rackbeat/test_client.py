from decimal import Decimal

import pytest

from integrations.errors import ConnectorError
from integrations.models import Connection
from integrations.platforms import validate_settings
from integrations.rackbeat.client import RackbeatClient
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport

from .support import make_client


def test_sends_bearer_key_user_agent_and_api_version(sandbox, account, client):
    client.list_locations()
    (call,) = sandbox.calls()
    assert call.headers["authorization"] == f"Bearer {account['credentials']['api_token']}"
    assert call.headers["user-agent"] == "Flyt (integrations@flyt.example)"
    assert call.headers["api-version"] == "latest" and call.headers["accept"] == "application/json"


def test_paging_follows_pages_through_206_answers(sandbox, account, clock):
    sandbox.seed(account["account"], catalog(45))
    client = make_client(sandbox, account, clock, limit=20)
    numbers = [p["number"] for p in client.iter_products()]
    assert len(numbers) == len(set(numbers)) == 45
    assert [(r.query["page"], r.status) for r in sandbox.calls("GET", "/products")] == [
        (["1"], 206), (["2"], 206), (["3"], 200)]


def test_prices_arrive_as_decimals(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1))
    (product,) = client.iter_products()
    assert isinstance(product["sales_price"], Decimal)


def test_products_need_their_group_first(sandbox, account, client):
    body = {"number": "MUG-1", "name": "Mug", "group": 7, "sales_price": 89.5}
    with pytest.raises(ConnectorError) as info:
        client.create_product(body=body)
    assert info.value.status == 422 and not info.value.retryable
    assert "group: The selected group is invalid." in info.value.message
    client.ensure_product_group(number=7, name="Mugs")
    assert client.create_product(body=body)["group"] == {"number": 7, "name": "Mugs"}
    assert client.ensure_product_group(number=7, name="Mugs")["number"] == 7
    assert len(sandbox.calls("POST", "/product-groups")) == 1


def test_numbers_are_url_encoded_in_paths(sandbox, account, client):
    client.create_product(body={"number": "MUG 1+A", "name": "Mug", "group": 1})
    assert client.get_product(number="MUG 1+A")["number"] == "MUG 1+A"
    assert client.update_product(number="MUG 1+A", body={"sales_price": 99})["sales_price"] == Decimal("99.0")


def test_upserts_are_one_call_per_product(sandbox, account, client):
    client.create_product(body={"number": "A", "name": "A", "group": 1})
    saved = client.upsert_products(products=[{"number": "A", "name": "A2", "group": 1},
                                             {"number": "B", "name": "B", "group": 1}], existing_numbers={"A"})
    assert [p["name"] for p in saved] == ["A2", "B"]
    assert [(r.method, r.path) for r in sandbox.calls()[-2:]] == [("PUT", "/products/A"), ("POST", "/products")]


def test_stock_adjustments_are_batched_and_booked(sandbox, account, client):
    sandbox.seed(account["account"], catalog(150))
    lines = [{"number": p["number"], "location": "1", "quantity": 2} for p in client.iter_products()]
    before = {p["number"]: p["stock_quantity"] for p in client.iter_products()}
    booked = client.adjust_stock(lines=lines)
    assert [len(doc["lines"]) for doc in booked] == [100, 50] and all(doc["is_booked"] for doc in booked)
    assert [len(r.json()["lines"]) for r in sandbox.calls("POST") if r.path == "/inventory-adjustments"] == [100, 50]
    after = {p["number"]: p["stock_quantity"] for p in client.iter_products()}
    assert all(after[n] == before[n] + 2 for n in before)


def test_429_waits_what_retry_after_says(sandbox, account, client):
    client.list_locations()
    sandbox.faults.fail_next(1, status=429, body={"message": "Too Many Attempts."}, headers={"Retry-After": "23"})
    client.list_locations()
    throttled, retried = sandbox.calls()[-2:]
    assert (throttled.status, retried.status) == (429, 200) and retried.at - throttled.at == 23


def test_the_default_throttle_of_480_per_minute_is_never_exceeded(sandbox, account, client, clock):
    start = clock.now()
    for _ in range(600):
        client.list_locations()
    assert {r.status for r in sandbox.calls()} == {200}  # paced before running dry: no 429 at all
    assert clock.now() - start >= 60


def test_5xx_is_retried_then_succeeds(sandbox, account, client):
    sandbox.faults.fail_next(2, status=502)
    assert client.list_locations()[0]["is_default"] is True
    assert [r.status for r in sandbox.calls()] == [502, 502, 200]


def test_a_revoked_key_says_how_to_fix_it(sandbox, account, clock):
    client = make_client(sandbox, account, clock, api_token="revoked")
    with pytest.raises(ConnectorError, match="Rackbeat refused the API key") as info:
        client.list_locations()
    assert info.value.status == 401 and not info.value.retryable and len(sandbox.calls()) == 1


def test_an_unknown_product_is_a_404(client):
    with pytest.raises(ConnectorError, match="does not have it any more") as info:
        client.get_product(number="NOPE")
    assert info.value.status == 404


def test_webhook_create_is_an_upsert_and_shows_the_token_once(sandbox, account, client):
    url = "https://flyt.example/webhooks/rackbeat/abc/"
    tokens = client.ensure_webhooks(events=["product.updated", "order.created"], url=url)
    assert set(tokens) == {"product.updated", "order.created"} and all(len(t) == 32 for t in tokens.values())
    again = client.ensure_webhooks(events=["product.updated"], url=url)
    assert again == {}
    hooks = client.list_webhooks()
    assert len(hooks) == 2 and all("token" not in h for h in hooks)
    client.delete_webhook(webhook_id=hooks[0]["id"])
    assert len(client.list_webhooks()) == 1


@pytest.mark.parametrize("url", ["https://evil.example/api", "http://app.rackbeat.com/api",
                                 "https://app.rackbeat.com.evil.example/api"])
def test_the_host_guard_refuses_other_hosts(url):
    with pytest.raises(ConnectorError, match="not one of Rackbeat's own hosts"):
        RackbeatClient(api_token="k", base_url=url)


def test_the_real_host_is_the_default():
    assert RackbeatClient(api_token="k").base_url == "https://app.rackbeat.com/api"


def test_from_connection(sandbox, account, clock):
    connection = Connection(platform="rackbeat", credentials=account["credentials"], settings=account["settings"])
    client = RackbeatClient.from_connection(connection, transport=SandboxTransport(sandbox), clock=clock)
    assert client.list_locations()
    with pytest.raises(ConnectorError, match="no API key"):
        RackbeatClient.from_connection(Connection(platform="rackbeat", credentials={}, settings={}))


def test_the_sandbox_account_fits_the_platform_settings_schema(account):
    assert validate_settings("rackbeat", account["settings"]) == account["settings"]
