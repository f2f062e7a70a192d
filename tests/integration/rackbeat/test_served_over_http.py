import pytest
from django.test import Client

from integrations.sandbox import registry
from integrations.sandbox.seed import catalog


def _fresh():
    """Empty only this platform's process-wide sandbox (the state file lives in tmp_path)."""
    sandbox = registry.shared_sandbox("rackbeat")
    sandbox.reset()
    sandbox._loaded_mtime = None


@pytest.fixture
def served(settings, tmp_path):
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    _fresh()
    with registry.persisted("rackbeat") as sandbox:
        account = sandbox.create_account()
        sandbox.seed(account["account"], catalog(3))
    yield account
    _fresh()


def test_a_plain_http_client_reads_the_served_sandbox(served):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {served['credentials']['api_token']}", "HTTP_API_VERSION": "latest"}
    listing = client.get("/sandbox/rackbeat/products", {"limit": 2}, **auth)
    assert listing.status_code == 206 and listing.json()["total"] == 3
    assert client.get("/sandbox/rackbeat/products/FLY-000003", **auth).json()["product"]["number"] == "FLY-000003"
    assert client.get("/sandbox/rackbeat/products").status_code == 401
