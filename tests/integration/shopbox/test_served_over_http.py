import json

import pytest
from django.test import Client

from integrations.sandbox import registry
from integrations.sandbox.seed import catalog


def _fresh():
    """Empty only this platform's process-wide sandbox (the state file lives in tmp_path)."""
    sandbox = registry.shared_sandbox("shopbox")
    sandbox.reset()
    sandbox._loaded_mtime = None


@pytest.fixture
def served(settings, tmp_path):
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    _fresh()
    with registry.persisted("shopbox") as sandbox:
        account = sandbox.create_account()
        sandbox.seed(account["account"], catalog(3))
    yield account
    _fresh()


def test_a_plain_http_client_logs_in_and_pages_through_the_served_sandbox(served):
    client = Client()
    login = client.post("/sandbox/shopbox/authenticate/credentials", data=json.dumps(served["credentials"]),
                        content_type="application/json")
    assert login.status_code == 200
    token = login.json()["accessToken"]
    listing = client.get("/sandbox/shopbox/products",
                         {"accessToken": token, "client": served["settings"]["client_id"], "per-page": 2})
    assert listing.status_code == 200 and len(listing.json()["data"]) == 2
    assert listing.json()["meta"]["pagination"]["links"]["next"].startswith(served["settings"]["base_url"])
    assert client.get("/sandbox/shopbox/products").status_code == 401
