import logging

import pytest

from integrations.errors import ConnectorError
from integrations.models import Connection
from integrations.platforms import validate_settings
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.shopbox import client as shopbox_client
from integrations.shopbox.client import ShopboxClient

from .support import make_client


def test_logs_in_once_and_sends_token_and_client_as_query_parameters(sandbox, account, client):
    sandbox.seed(account["account"], catalog(3))
    assert len(list(client.iter_products())) == 3
    login, listing = sandbox.calls()
    assert (login.method, login.path, login.status) == ("POST", "/authenticate/credentials", 200)
    assert login.json() == account["credentials"] and "accessToken" not in login.query
    assert listing.query["client"] == [str(account["settings"]["client_id"])]
    assert listing.query["accessToken"] == [client.token]
    assert listing.query["per-page"] == [str(shopbox_client.PER_PAGE)]


def test_paging_reads_every_page_and_stops_at_the_last(sandbox, account, client):
    sandbox.seed(account["account"], catalog(250))
    skus = [p["sku"] for p in client.iter_products()]
    assert len(skus) == len(set(skus)) == 250
    pages = sandbox.calls("GET", "/products")
    assert [r.query["page"] for r in pages] == [["1"], ["2"], ["3"]]


def test_paging_streams_instead_of_collecting(sandbox, account, client):
    sandbox.seed(account["account"], catalog(150))
    products = client.iter_products()
    next(products)
    assert len(sandbox.calls("GET", "/products")) == 1  # the second page is not read until needed


def test_upserts_go_in_batches_of_the_maximum_size(sandbox, account, client):
    bodies = [{"name": f"Mug {n}", "sku": f"MUG-{n}", "price": "89.00"} for n in range(120)]
    saved = client.upsert_products(products=bodies)
    assert [p["sku"] for p in saved] == [b["sku"] for b in bodies]
    sizes = [len(r.json()) for r in sandbox.calls("POST", "/products/create-or-update")]
    assert sizes == [50, 50, 20]


def test_stock_writes_go_in_batches_of_the_maximum_size(sandbox, account, client):
    sandbox.seed(account["account"], catalog(230))
    branch = client.list_branches()[0]["id"]
    records = [{"variant_id": r["variant_id"], "branch_id": branch, "quantity": 7}
               for r in client.iter_inventories(branch_id=branch)]
    client.set_inventories(records=records)
    assert [len(r.json()) for r in sandbox.calls("POST", "/product-inventories")] == [100, 100, 30]
    assert {r["quantity"] for r in client.iter_inventories(branch_id=branch)} == {7}


def test_429_waits_what_retry_after_says(sandbox, account, client, clock):
    client.list_branches()
    sandbox.faults.fail_next(1, status=429, body={"message": "Too Many Attempts.", "status_code": 429},
                             headers={"Retry-After": "17"}, path_contains="/branches")
    client.list_branches()
    throttled, retried = sandbox.calls("GET", "/branches")[-2:]
    assert (throttled.status, retried.status) == (429, 200)
    assert retried.at - throttled.at == 17
    assert client.stats.rate_limit_wait_s >= 17


def test_a_real_rate_limit_is_obeyed_before_running_dry(sandbox, account, client, clock):
    sandbox.configure(account["account"], rate_per_minute=10)
    start = clock.now()
    for _ in range(25):
        client.list_branches()
    assert {r.status for r in sandbox.calls()} == {200}  # the client paused in time: not a single 429
    assert len(sandbox.calls()) == 26  # the login and 25 reads
    assert clock.now() - start >= 120  # 26 calls at 10 per rolling minute need at least two more windows


def test_5xx_is_retried_then_succeeds(sandbox, account, client):
    sandbox.faults.fail_next(2, status=503, path_contains="/branches")
    assert client.list_branches()[0]["name"] == "Main store"
    assert [r.status for r in sandbox.calls("GET", "/branches")] == [503, 503, 200]


def test_a_validation_error_is_permanent_and_readable(sandbox, account, client):
    with pytest.raises(ConnectorError) as info:
        client.upsert_products(products=[{"sku": "NO-NAME"}])
    assert info.value.status == 422 and not info.value.retryable
    assert "name: The name field is required." in info.value.message
    assert len(sandbox.calls("POST", "/products/create-or-update")) == 1


def test_an_unknown_product_is_a_404(sandbox, account, client):
    with pytest.raises(ConnectorError, match="Shopbox does not have it any more") as info:
        client.get_product(product_id=999999)
    assert info.value.status == 404 and not info.value.retryable


def test_an_expired_token_is_replaced_by_logging_in_again(sandbox, account, client):
    client.list_branches()
    first_token = client.token
    sandbox.expire_tokens(account["account"])
    assert client.list_branches()
    assert client.token != first_token
    assert [(r.path, r.status) for r in sandbox.calls()] == [
        ("/authenticate/credentials", 200), ("/branches", 200), ("/branches", 401),
        ("/authenticate/credentials", 200), ("/branches", 200)]


def test_a_wrong_password_tells_the_merchant_what_to_do(sandbox, account, clock):
    client = make_client(sandbox, account, clock, password="wrong")
    with pytest.raises(ConnectorError, match="did not accept the username and password") as info:
        client.list_branches()
    assert info.value.status == 401 and not info.value.retryable
    assert len(sandbox.calls()) == 1  # no loop of logins


@pytest.mark.parametrize("url", ["https://evil.example/api/v3", "http://api.shopbox.com/api/v3",
                                 "https://api.shopbox.com.evil.example/api/v3"])
def test_the_host_guard_refuses_other_hosts(url):
    with pytest.raises(ConnectorError, match="not one of Shopbox's own hosts"):
        ShopboxClient(username="u", password="p", client_id=1, base_url=url)


def test_the_real_hosts_are_allowed():
    assert ShopboxClient(username="u", password="p", client_id=1).base_url == "https://api.shopbox.com/api/v3"
    assert ShopboxClient(username="u", password="p", client_id=1, base_url="https://api-dev.shopbox.com/api/v3")


def test_from_connection_reads_credentials_and_settings(sandbox, account, clock):
    connection = Connection(platform="shopbox", credentials=account["credentials"], settings=account["settings"],
                            external_account_id=account["external_account_id"])
    client = ShopboxClient.from_connection(connection, transport=SandboxTransport(sandbox), clock=clock)
    assert client.list_branches()
    assert client.client_id == account["settings"]["client_id"]


def test_from_connection_without_credentials_is_a_clear_error():
    with pytest.raises(ConnectorError, match="no username or password; reconnect Shopbox"):
        ShopboxClient.from_connection(Connection(platform="shopbox", credentials={}, settings={}))


def test_the_token_and_password_never_reach_the_logs(sandbox, account, client, caplog):
    # even with httpx's own logger turned up to DEBUG (settings keep it at WARNING)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        client.list_branches()
    assert client.token and client.token not in caplog.text
    assert account["credentials"]["password"] not in caplog.text
    assert "accessToken=[redacted]" in caplog.text


def test_the_sandbox_account_fits_the_platform_settings_schema(account):
    assert validate_settings("shopbox", account["settings"]) == account["settings"]
