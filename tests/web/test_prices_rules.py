"""The help pages' prices rules in the Zettle ↔ BigCommerce wizard: prices only with the same currency, read
from each account (not from its products), not included by default, and fixed until reconnect."""

import pytest
from django.urls import reverse

from integrations.models import Integration
from tests.web.conftest import connect_both, set_up, start, step_url

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


@pytest.mark.parametrize("home", ["zettle", "bigcommerce"])
def test_different_currencies_with_empty_libraries_mean_no_prices(client_a, bc, zettle, home):
    # both libraries are empty: nothing priced could tell a currency, only the accounts themselves
    integration = connect_both(client_a, start(client_a), bc.create_account(currency="DKK"),
                               zettle.create_account(currency="SEK"))
    client_a.post(step_url(integration, "home"), {"home_platform": home})
    page = html(client_a.get(step_url(integration, "prices")))
    assert "BigCommerce uses DKK and Zettle SEK, so prices cannot be synced" in page
    integration.refresh_from_db()
    assert integration.connection_for("zettle").settings["currency"] == "SEK"
    assert 'value="yes"' not in page
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    assert response.status_code == 400 and "BigCommerce uses DKK and Zettle SEK" in html(response)
    integration.refresh_from_db()
    assert integration.prices_included is False and integration.setup_step == "prices"


def test_the_same_currency_with_empty_libraries_offers_prices(client_a, bc, zettle):
    integration = connect_both(client_a, start(client_a), bc.create_account(currency="NOK"),
                               zettle.create_account(currency="NOK", country="NO"))
    client_a.post(step_url(integration, "home"), {"home_platform": "zettle"})
    page = html(client_a.get(step_url(integration, "prices")))
    assert "Both accounts use NOK" in page and 'value="yes"' in page
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.prices_included is True


def test_the_prices_step_recommends_leaving_prices_out_and_says_what_that_means(client_a, bc, zettle):
    integration = connect_both(client_a, start(client_a), bc.create_account(currency="DKK"),
                               zettle.create_account(currency="DKK", country="DK"))
    client_a.post(step_url(integration, "home"), {"home_platform": "bigcommerce"})
    page = html(client_a.get(step_url(integration, "prices")))
    # not included by default: the "no" choice is the checked one
    assert 'value="no" checked' in page and 'value="yes" checked' not in page
    assert "We recommend not including prices" in page
    assert "different prices in your shop and online" in page
    assert "every product arrives at price 0" in page and "add its price on the platform you sync to" in page
    assert "can only be changed by disconnecting the integration and connecting it again" in page
    # saving the form as it is shown keeps prices out
    assert client_a.post(step_url(integration, "prices"), {"prices_included": "no"}).status_code == 302
    integration.refresh_from_db()
    assert integration.prices_included is False


def test_the_prices_choice_cannot_be_changed_after_set_up(client_a, staff_client, bc, zettle):
    integration, *_ = set_up(client_a, bc, zettle, home="bigcommerce", prices="no")
    assert integration.completed_at is not None
    # not through the wizard ...
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    assert response.status_code in (302, 400)
    integration.refresh_from_db()
    assert integration.prices_included is False
    # ... nor by support in the admin
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    page = html(staff_client.get(url))
    assert 'name="prices_included"' not in page
    staff_client.post(url, {"name": integration.name, "kind": integration.kind, "merchant": integration.merchant_id,
                            "home_platform": integration.home_platform, "prices_included": "on",
                            "setup_step": integration.setup_step, "initial_scope": integration.initial_scope})
    assert Integration.objects.get(pk=integration.pk).prices_included is False
