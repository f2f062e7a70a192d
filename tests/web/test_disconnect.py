"""Disconnecting one side of the Zettle ↔ BigCommerce integration (also how the home base is
changed: disconnect, then set up again)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, Integration
from integrations.sandbox.seed import catalog
from tests.factories import ConnectionFactory, IntegrationFactory
from tests.web.conftest import bc_form, connect_both, set_up, start, step_url, zettle_form

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def disconnect_url(integration, platform):
    return reverse("integration-disconnect", args=[integration.pk, platform])


def test_the_page_asks_whether_to_remove_the_synced_products_recommending_it(client_a, merchant_a):
    integration = IntegrationFactory(merchant=merchant_a, home_platform="zettle", completed_at=timezone.now(),
                                     zettle=ConnectionFactory(merchant=merchant_a, platform="zettle", settings={}))
    page = html(client_a.get(disconnect_url(integration, "bigcommerce")))
    assert "Remove the products Flyt synced to BigCommerce?" in page and "recommended" in page
    assert 'name="remove_products" value="yes" checked' in page and "home base" in page
    page = html(client_a.get(disconnect_url(integration, "zettle")))  # the home base: its products are not touched
    assert "Remove the products" not in page and "Zettle is the home base" in page
    assert "<form" in page and "csrfmiddlewaretoken" in page


def test_disconnect_is_a_post_and_another_merchant_gets_404(client_a, client_b, merchant_a):
    integration = IntegrationFactory(merchant=merchant_a, completed_at=None, setup_step="home")
    url = disconnect_url(integration, "bigcommerce")
    assert client_b.get(url).status_code == 404
    assert client_b.post(url, {"remove_products": "yes"}).status_code == 404
    integration.connection_for("bigcommerce").refresh_from_db()
    assert integration.connection_for("bigcommerce").status == Connection.Status.ACTIVE
    assert client_a.get(url).status_code == 200  # showing the page changes nothing
    integration.connection_for("bigcommerce").refresh_from_db()
    assert integration.connection_for("bigcommerce").status == Connection.Status.ACTIVE
    assert client_a.get(disconnect_url(integration, "shopify")).status_code == 404


def test_disconnecting_during_setup_forgets_the_credentials_and_ends_the_integration(client_a, bc, zettle):
    integration = connect_both(client_a, start(client_a), bc.create_account(), zettle.create_account())
    response = client_a.post(disconnect_url(integration, "bigcommerce"), {"remove_products": "yes"})
    assert response.status_code == 302
    integration.refresh_from_db()
    connection = integration.connection_for("bigcommerce")
    assert connection.status == Connection.Status.DISCONNECTED and connection.credentials == {}
    assert integration.setup_step == "disconnected"
    assert "Disconnected" in html(client_a.get(reverse("dashboard")))
    # disconnecting again is refused with a message, not an error
    response = client_a.post(disconnect_url(integration, "bigcommerce"), {"remove_products": "yes"})
    assert response.status_code == 400 and "not connected" in html(response)


def test_changing_the_home_base_means_disconnecting_and_connecting_again(client_a, bc, zettle):
    bc_account, zettle_account = bc.create_account(), zettle.create_account()
    integration = connect_both(client_a, start(client_a), bc_account, zettle_account)
    client_a.post(disconnect_url(integration, "bigcommerce"))
    again = start(client_a)
    assert again.pk != integration.pk  # an ended integration is not continued
    # the Zettle side of the ended integration is still connected: it must be disconnected first
    assert client_a.post(step_url(again, "bigcommerce"), bc_form(bc_account)).status_code == 302
    response = client_a.post(step_url(again, "zettle"), zettle_form(zettle_account))
    assert response.status_code == 400 and "disconnect this side too" in html(response)
    client_a.post(disconnect_url(integration, "zettle"))
    assert client_a.post(step_url(again, "zettle"), zettle_form(zettle_account)).status_code == 302
    again.refresh_from_db()
    assert again.connection_for("zettle").external_account_id == zettle_account["external_account_id"]
    assert Integration.objects.get(pk=integration.pk).setup_step == "disconnected"


def test_disconnecting_the_target_removes_the_synced_products_when_asked(client_a, bc, zettle):
    integration, bc_account, _, _ = set_up(client_a, bc, zettle, home="zettle", scope="all",
                                           zettle_seed=catalog(3, seed=9, prefix="ZT"))
    store = bc.state["accounts"][bc_account["account"]]
    assert len(store["products"]) == 3
    response = client_a.post(disconnect_url(integration, "bigcommerce"), {"remove_products": "yes"})
    assert response.status_code == 302
    assert store["products"] == {}
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce").status == Connection.Status.DISCONNECTED
    assert integration.connection_for("bigcommerce").credentials == {}
    assert integration.setup_step == "disconnected"
    page = html(client_a.get(reverse("integration-detail", args=[integration.pk])))
    assert "Disconnected" in page and "Sync now" not in page


def test_disconnecting_the_target_can_keep_the_products(client_a, bc, zettle):
    integration, bc_account, _, _ = set_up(client_a, bc, zettle, home="zettle", scope="all",
                                           zettle_seed=catalog(2, seed=10, prefix="ZT"))
    store = bc.state["accounts"][bc_account["account"]]
    client_a.post(disconnect_url(integration, "bigcommerce"), {"remove_products": "no"})
    assert len(store["products"]) == 2
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce").status == Connection.Status.DISCONNECTED
