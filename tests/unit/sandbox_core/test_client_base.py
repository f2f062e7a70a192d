import pytest

from integrations.errors import ConnectorError
from integrations.http import host_allowed

from .conftest import ShelfClient


def test_requests_are_recorded_with_auth_and_the_platform_path(shelf, shelf_client):
    shelf_client.request("POST", "/items", json={"name": "mug"})
    assert shelf_client.request("GET", "/items").json() == {"items": [{"name": "mug"}]}
    recorded = shelf.calls()
    assert [(r.method, r.path, r.status) for r in recorded] == [("POST", "/items", 201), ("GET", "/items", 200)]
    assert recorded[0].headers["x-token"].startswith("tok-")
    assert shelf_client.stats.reads == 1 and shelf_client.stats.writes == 1


def test_5xx_is_retried_with_backoff_then_succeeds(shelf, shelf_client, clock):
    shelf.faults.fail_next(2, status=503)
    start = clock.now()
    assert shelf_client.request("GET", "/items").status_code == 200
    statuses = [r.status for r in shelf.calls()]
    assert statuses == [503, 503, 200]
    assert shelf_client.stats.retries == 2
    assert clock.now() >= start  # the waits went through the clock, not the wall


def test_a_dropped_connection_is_retried(shelf, shelf_client):
    shelf.faults.fail_next(1, reset=True)
    assert shelf_client.request("GET", "/items").status_code == 200
    assert [r.status for r in shelf.calls()] == [0, 200]


def test_persistent_5xx_ends_in_a_retryable_error(shelf, shelf_client):
    shelf.faults.fail_next(10, status=502)
    with pytest.raises(ConnectorError) as info:
        shelf_client.request("GET", "/items")
    assert info.value.retryable and "temporary problem" in info.value.message
    assert len(shelf.calls()) == 4  # bounded: the policy's attempts


def test_429_waits_what_the_platform_says_before_retrying(shelf, shelf_client, clock):
    for _ in range(5):
        shelf_client.request("GET", "/items")
    limited_at = clock.now()
    shelf_client.request("GET", "/items")
    calls = shelf.calls()
    assert [r.status for r in calls[-2:]] == [429, 200]
    assert calls[-1].at - calls[-2].at >= 10 - (limited_at - calls[0].at) - 1e-9
    assert shelf_client.stats.rate_limit_wait_s > 0


def test_a_permanent_4xx_is_a_clear_non_retryable_error(shelf, shelf_client):
    with pytest.raises(ConnectorError) as info:
        shelf_client.request("POST", "/items", json={})
    assert not info.value.retryable and info.value.status == 422
    assert "name is required" in info.value.message
    assert len(shelf.calls()) == 1


def test_bad_credentials_tell_the_merchant_to_reconnect(shelf, clock):
    from integrations.sandbox.transport import SandboxTransport

    client = ShelfClient(token="wrong", base_url="http://sandbox.flyt.test/x", transport=SandboxTransport(shelf),
                         clock=clock)
    with pytest.raises(ConnectorError, match="refused the credentials. Reconnect Shelf") as info:
        client.request("GET", "/items")
    assert info.value.status == 401 and not info.value.retryable


def test_redirects_are_never_followed(shelf, shelf_client):
    with pytest.raises(ConnectorError, match="redirect"):
        shelf_client.request("GET", "/moved")
    assert len(shelf.calls()) == 1


@pytest.mark.parametrize("url,allowed", [
    ("https://api.shelf.example/v1", True),
    ("https://eu.api.shelf.example/v1", True),
    ("http://api.shelf.example/v1", False),  # plain HTTP to the real platform
    ("https://api.shelf.example:8443/v1", False),
    ("https://api.shelf.example.evil.com/", False),
    ("https://evilapi.shelf.example.com/", False),
    ("https://169.254.169.254/latest/meta-data", False),
    ("http://sandbox.flyt.test/sandbox/shelf", True),  # a configured sandbox host, sandboxes on
])
def test_the_host_guard_allows_only_the_platform_and_the_sandbox(url, allowed):
    assert host_allowed(url, ("api.shelf.example",)) is allowed


def test_sandbox_hosts_are_refused_when_sandboxes_are_off(settings):
    settings.SANDBOX_ENABLED = False
    assert not host_allowed("http://127.0.0.1:8000/sandbox/shelf", ("api.shelf.example",))
    with pytest.raises(ConnectorError, match="not one of Shelf's own hosts"):
        ShelfClient(token="t", base_url="http://127.0.0.1:8000/sandbox/shelf")


@pytest.mark.parametrize("token", ["tøken", "tok\r\nX-Evil: 1", "tok\x00en", "🙂"])
def test_a_header_value_that_cannot_be_sent_is_a_permanent_error_and_nothing_is_sent(shelf, clock, token):
    from integrations.sandbox.transport import SandboxTransport

    client = ShelfClient(token=token, base_url="http://sandbox.flyt.test/x", transport=SandboxTransport(shelf),
                         clock=clock)
    with pytest.raises(ConnectorError, match="characters that cannot be sent") as info:
        client.request("GET", "/items")
    assert not info.value.retryable and info.value.platform == "shelf"
    assert token not in info.value.message
    assert shelf.calls() == []
