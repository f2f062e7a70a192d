"""Both sandboxes served in process, and helpers that drive the Zettle ↔ BigCommerce wizard
through HTTP the way a merchant does: sandbox accounts' credentials typed into the forms, the
API address pointed at the in-process sandbox host."""

import pytest
from django.urls import reverse

from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.models import Integration
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.zettle.sandbox import ZettleSandbox


@pytest.fixture
def sandboxes(settings):
    settings.PUBLIC_BASE_URL = "https://flyt.example"  # platforms only deliver webhooks to https
    clock = FakeClock()
    bc = registry.install("bigcommerce", BigCommerceSandbox(clock=clock))
    zettle = registry.install("zettle", ZettleSandbox(clock=clock))
    yield bc, zettle
    registry.uninstall_all()


@pytest.fixture
def bc(sandboxes):
    return sandboxes[0]


@pytest.fixture
def zettle(sandboxes):
    return sandboxes[1]


def step_url(integration, step):
    return reverse("integration-setup", args=[integration.pk, step])


def start(client):
    response = client.post(reverse("integration-new"))
    assert response.status_code == 302
    return Integration.objects.get(pk=int(response.url.strip("/").split("/")[1]))


def bc_form(account, **overrides):
    return {"store_hash": account["settings"]["store_hash"], "access_token": account["credentials"]["access_token"],
            "client_secret": account["credentials"]["client_secret"],
            "base_url": registry.inprocess_base_url("bigcommerce"), **overrides}


def zettle_form(account, **overrides):
    return {"api_key": account["credentials"]["api_key"], "client_id": account["credentials"]["client_id"],
            "base_url": registry.inprocess_base_url("zettle"), **overrides}


def connect_both(client, integration, bc_account, zettle_account):
    response = client.post(step_url(integration, "bigcommerce"), bc_form(bc_account))
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(step_url(integration, "zettle"), zettle_form(zettle_account))
    assert response.status_code == 302, response.content.decode()[:2000]
    integration.refresh_from_db()
    return integration


def set_up(client, bc, zettle, *, home, currency="DKK", prices="no", scope="all", bc_seed=None, zettle_seed=None,
           finish=True):
    """Drive the whole wizard; returns (integration, bc account, zettle account, finish response)."""
    bc_account = bc.create_account(currency=currency)
    zettle_account = zettle.create_account(currency=currency)
    if bc_seed:
        bc.seed(bc_account["account"], bc_seed)
    if zettle_seed:
        zettle.seed(zettle_account["account"], zettle_seed)
    integration = connect_both(client, start(client), bc_account, zettle_account)
    assert client.post(step_url(integration, "home"), {"home_platform": home}).status_code == 302
    assert client.post(step_url(integration, "prices"), {"prices_included": prices}).status_code == 302
    if home == "zettle":
        assert client.post(step_url(integration, "scope"), {"scope": scope}).status_code == 302
    response = client.post(step_url(integration, "finish")) if finish else None
    integration.refresh_from_db()
    return integration, bc_account, zettle_account, response
