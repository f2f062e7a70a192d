"""Reading through ZettleClient against the sandbox: paging, auth, retries, rate limits, host guard."""

import math

import pytest

from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.zettle.api_inventory import STOCK_PAGE
from integrations.zettle.api_products import LIBRARY_PAGE_MAX
from integrations.zettle.client import REAL_HOSTS, ZettleClient
from tests.integration.zettle.conftest import api_calls


def test_full_read_of_1000_products_with_variants_takes_the_page_size_minimum(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1000, variants=3))
    products = list(client.iter_products())
    assert len(products) == 1000 and sum(len(p["variants"]) for p in products) == 3000
    library = api_calls(sandbox, "/library")
    assert len(library) == math.ceil(1000 / LIBRARY_PAGE_MAX) == 2
    assert [r.query.get("offset") for r in library] == [None, ["500"]]
    assert len(sandbox.calls(path_contains="/oauth/token")) == 1  # plus the one token for the whole read
    levels = list(client.iter_stock_levels())
    # the inventories once, then the STORE balances at the most v3 gives a page (1,000)
    assert len(levels) == 3000 and len(api_calls(sandbox, "/inventory")) == 1 + math.ceil(3000 / STOCK_PAGE)


def test_paging_follows_the_link_header_over_many_pages(sandbox, make_client):
    connect = sandbox.create_account(limits={"library_page": 25})
    sandbox.seed(connect["account"], catalog(130))
    client = make_client(connect)
    pages = list(client.iter_library())
    assert [len(p["products"]) for p in pages] == [25, 25, 25, 25, 25, 5]
    assert len(api_calls(sandbox, "/library")) == math.ceil(130 / 25)
    assert len({p["uuid"] for page in pages for p in page["products"]}) == 130


def test_incremental_read_returns_changes_and_deleted_products(sandbox, seeded, client):
    first = list(client.iter_library())
    since = first[-1]["untilEventLogUuid"]
    uuids = [p["uuid"] for p in first[0]["products"]]
    sandbox.admin_update_product(seeded["account"], uuids[0], {"name": "Renamed"})
    sandbox.admin_delete_product(seeded["account"], uuids[1])
    [page] = client.iter_library(event_log_uuid=since)
    assert [p["name"] for p in page["products"]] == ["Renamed"]
    assert page["deletedProducts"] == [uuids[1]] and page["fromEventLogUuid"] == since


def test_token_is_renewed_before_it_expires(sandbox, seeded, client, clock):
    list(client.iter_products())
    clock.advance(7200 - 200)  # inside the client's safety margin
    list(client.iter_products())
    assert len(sandbox.calls(path_contains="/oauth/token")) == 2
    assert sandbox.calls(status=401) == []
    token_form = sandbox.calls(path_contains="/oauth/token")[0].body.decode()
    assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in token_form
    assert "assertion=" in token_form


def test_a_401_access_token_expired_gets_one_new_token_and_the_call_succeeds(sandbox, seeded, client, clock):
    list(client.iter_products())
    for grant in sandbox.state["tokens"].values():
        grant["expires_at"] = clock.now()  # Zettle ended the token early
    assert len(list(client.iter_products())) == 6
    assert len(sandbox.calls(status=401)) == 1
    assert len(sandbox.calls(path_contains="/oauth/token")) == 2


def test_a_wrong_api_key_is_a_permanent_error_for_people(sandbox, account, make_client):
    client = make_client({**account, "credentials": {**account["credentials"], "api_key": "eyJ.revoked.key"}})
    with pytest.raises(ConnectorError) as caught:
        list(client.iter_products())
    assert caught.value.retryable is False and caught.value.status == 400
    assert "API key" in caught.value.message and "invalid_grant" in caught.value.message
    assert "eyJ.revoked.key" not in caught.value.message


def test_429_waits_what_retry_after_says(sandbox, seeded, client, clock):
    client.locations()  # token and locations out of the way
    sandbox.faults.fail_next(status=429, headers={"Retry-After": "7"}, path_contains="/library",
                             body={"developerMessage": "Too many requests"})
    list(client.iter_products())
    first, second = api_calls(sandbox, "/library")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at == pytest.approx(7)


def test_inventory_calls_are_paced_to_four_per_second(sandbox, seeded, client):
    for _ in range(12):
        client.store_balances()
    calls = api_calls(sandbox, "/inventory/")
    assert all(r.status == 200 for r in calls)
    times = [r.at for r in calls]
    assert all(times[i + 4] - times[i] >= 1.0 for i in range(len(times) - 4))
    assert client.stats.rate_limit_wait_s > 0


def test_5xx_is_retried_then_succeeds(sandbox, seeded, client):
    client.locations()
    sandbox.faults.fail_next(2, status=503, path_contains="/library")
    assert len(list(client.iter_products())) == 6
    assert [r.status for r in api_calls(sandbox, "/library")] == [503, 503, 200]
    assert client.stats.retries == 2


def test_connection_reset_is_retried(sandbox, seeded, client):
    sandbox.faults.fail_next(status=0, reset=True, path_contains="/library")
    assert len(list(client.iter_products())) == 6


def test_missing_product_is_a_clear_permanent_error(client, seeded):
    with pytest.raises(ConnectorError) as caught:
        client.get_product(uuid="00000000-0000-1000-8000-000000000000")
    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "ENTITY_NOT_FOUND" in caught.value.message


def test_conditional_get_answers_unchanged_with_the_etag(client, seeded):
    uuid = next(client.iter_products())["uuid"]
    product, etag = client.get_product(uuid=uuid)
    assert product["uuid"] == uuid and etag
    assert client.get_product(uuid=uuid, etag=etag) == (None, etag)


def test_missing_scope_is_refused_with_a_message_about_permissions(sandbox, make_client):
    connect = sandbox.create_account(scopes=["READ:PRODUCT", "WRITE:PRODUCT"])
    with pytest.raises(ConnectorError) as caught:
        list(make_client(connect).iter_purchases())
    assert caught.value.status == 403 and "permission" in caught.value.message
    assert "READ:PURCHASE" in caught.value.message


def test_host_guard_refuses_foreign_hosts_and_links():
    with pytest.raises(ConnectorError) as caught:
        ZettleClient(api_key="k", client_id="c", base_url="https://zettle.evil.example")
    assert caught.value.retryable is False
    real = ZettleClient(api_key="k", client_id="c")
    assert real.hosts == REAL_HOSTS
    with pytest.raises(ConnectorError):
        real.call_url("products", "GET", "https://169.254.169.254/latest/meta-data")
    with pytest.raises(ConnectorError):
        real.call_url("products", "GET", "http://products.izettle.com/organizations/self/library")


def test_a_next_link_to_another_host_is_not_followed(sandbox, seeded, client):
    client.locations()
    sandbox.faults.fail_next(status=200, path_contains="/library", body={"products": []},
                             headers={"Link": '<https://attacker.example/steal>; rel="next"'})
    with pytest.raises(ConnectorError) as caught:
        list(client.iter_products())
    assert "not one of Zettle's own hosts" in caught.value.message


def test_accounts_are_separate_with_their_own_quota(sandbox, make_client):
    one, two = sandbox.create_account(), sandbox.create_account(limits={"inventory_per_s": 1})
    sandbox.seed(one["account"], catalog(3))
    client_one, client_two = make_client(one), make_client(two, rates={"inventory": 1})
    assert len(list(client_one.iter_products())) == 3
    assert list(client_two.iter_products()) == []
    for _ in range(3):
        client_two.store_balances()
    times = [r.at for r in api_calls(sandbox, "/inventory/") if r.account == two["account"]]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))
    assert sandbox.calls(status=429) == []
