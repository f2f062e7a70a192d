"""The demo path: the wizard's "use a sandbox store/account" against the sandboxes served over
real HTTP under /sandbox/ (state kept on disk between requests), as `make run` serves them."""

import pytest
from django.urls import reverse

from integrations.models import Binding, Connection
from integrations.sandbox import registry
from integrations.sandbox.seed import catalog
from tests.web.conftest import start, step_url


@pytest.fixture
def served(settings, tmp_path, live_server):
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    settings.PUBLIC_BASE_URL = "https://flyt.example"
    registry.uninstall_all()
    registry.reset_all()
    yield
    registry.reset_all()


@pytest.mark.django_db(transaction=True)
def test_a_merchant_sets_up_zettle_to_bigcommerce_with_sandbox_accounts_over_http(served, client_a, merchant_a):
    integration = start(client_a)
    assert client_a.post(step_url(integration, "bigcommerce"), {"sandbox": "1"}).status_code == 302
    assert client_a.post(step_url(integration, "zettle"), {"sandbox": "1"}).status_code == 302
    integration.refresh_from_db()
    with registry.persisted("zettle") as zettle:  # the merchant's Zettle library has three products
        zettle.seed(integration.connection_for("zettle").external_account_id, catalog(3, prefix="HTTP"))
    assert client_a.post(step_url(integration, "home"), {"home_platform": "zettle"}).status_code == 302
    assert client_a.post(step_url(integration, "prices"), {"prices_included": "yes"}).status_code == 302
    assert client_a.post(step_url(integration, "scope"), {"scope": "all"}).status_code == 302
    client_a.post(step_url(integration, "finish"))

    integration.refresh_from_db()
    assert integration.completed_at is not None
    assert integration.connection_for("bigcommerce").settings["base_url"].startswith("http://localhost")
    assert Connection.objects.filter(merchant=merchant_a, status=Connection.Status.ACTIVE).count() == 2
    with registry.persisted("bigcommerce", write=False) as bc:
        products = bc.account(integration.connection_for("bigcommerce").external_account_id)["products"]
    assert len(products) == 3
    assert Binding.objects.filter(connection=integration.connection_for("bigcommerce"), kind="product").count() == 3
    page = client_a.get(reverse("dashboard")).content.decode()
    assert "Configuration incomplete" not in page
