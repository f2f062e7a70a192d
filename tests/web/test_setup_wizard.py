"""The Zettle ↔ BigCommerce setup wizard, driven through HTTP against in-process sandboxes."""

import pytest
from django.urls import reverse

from integrations.models import Connection, Integration
from integrations.sandbox.seed import catalog
from integrations.services import setup as setup_services
from tests.web.conftest import bc_form, connect_both, set_up, start, step_url, zettle_form

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


# --- step by step ------------------------------------------------------------------------------------

def test_each_step_is_saved_as_it_is_submitted_and_the_dashboard_links_back(client_a, merchant_a, bc, zettle):
    integration = start(client_a)
    assert integration.merchant == merchant_a and integration.setup_step == "bigcommerce"
    dashboard = html(client_a.get(reverse("dashboard")))
    assert "Configuration incomplete" in dashboard and step_url(integration, "bigcommerce") in dashboard

    account = bc.create_account(currency="DKK")
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account))
    assert response.status_code == 302 and response.url == step_url(integration, "zettle")
    integration.refresh_from_db()
    connection = integration.connection_for("bigcommerce")
    assert integration.setup_step == "zettle"
    assert connection.status == Connection.Status.INCOMPLETE and connection.merchant == merchant_a
    assert connection.external_account_id == account["settings"]["store_hash"]
    assert connection.credentials["access_token"] == account["credentials"]["access_token"]

    # until finished: the dashboard shows it incomplete, with a link to the open step, also on its connection
    dashboard = html(client_a.get(reverse("dashboard")))
    assert "Configuration incomplete" in dashboard and step_url(integration, "zettle") in dashboard
    # starting again continues the open integration instead of making a second one
    assert start(client_a).pk == integration.pk

    zettle_account = zettle.create_account(currency="DKK")
    response = client_a.post(step_url(integration, "zettle"), zettle_form(zettle_account))
    assert response.status_code == 302 and response.url == step_url(integration, "home")
    integration.refresh_from_db()
    assert integration.connection_for("zettle").external_account_id == zettle_account["external_account_id"]
    assert integration.connection_for("zettle").settings["organization_uuid"] == zettle_account["external_account_id"]


def test_a_later_step_cannot_be_opened_before_the_earlier_ones(client_a, bc, zettle):
    integration = start(client_a)
    for step in ("zettle", "home", "prices", "finish"):
        response = client_a.get(step_url(integration, step))
        assert response.status_code == 302 and response.url == step_url(integration, "bigcommerce")
    response = client_a.post(step_url(integration, "finish"))
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.completed_at is None and integration.setup_step == "bigcommerce"
    assert client_a.get(step_url(integration, "nonsense")).status_code == 404


def test_a_wrong_bigcommerce_token_is_a_clear_message_on_the_form_not_a_500(client_a, bc):
    integration = start(client_a)
    account = bc.create_account()
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account, access_token="wrong-token-123"))
    assert response.status_code == 400
    page = html(response)
    assert "BigCommerce refused the access token" in page
    assert "wrong-token-123" not in page and account["credentials"]["client_secret"] not in page
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce") is None and integration.setup_step == "bigcommerce"
    assert not Connection.objects.exists()


def test_an_unknown_store_hash_and_missing_fields_are_refused_with_a_message(client_a, bc):
    integration = start(client_a)
    account = bc.create_account()
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account, store_hash="nosuchstore"))
    assert response.status_code == 400 and "Could not connect to BigCommerce" in html(response)
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account, client_secret=""))
    assert response.status_code == 400 and "Enter the client secret" in html(response)
    assert not Connection.objects.exists()


def test_a_wrong_zettle_api_key_is_a_clear_message_on_the_form(client_a, bc, zettle):
    integration = start(client_a)
    client_a.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account()))
    account = zettle.create_account()
    response = client_a.post(step_url(integration, "zettle"), zettle_form(account, api_key="not-a-key"))
    assert response.status_code == 400
    assert "Could not connect to Zettle" in html(response) and "not-a-key" not in html(response)
    integration.refresh_from_db()
    assert integration.connection_for("zettle") is None and integration.setup_step == "zettle"


def test_an_address_outside_the_platform_is_refused(client_a, bc):
    integration = start(client_a)
    response = client_a.post(step_url(integration, "bigcommerce"),
                             bc_form(bc.create_account(), base_url="https://evil.example/api"))
    assert response.status_code == 400 and "not one of BigCommerce" in html(response)


def test_credentials_are_never_shown_again(client_a, bc, zettle):
    bc_account, zettle_account = bc.create_account(), zettle.create_account()
    integration = connect_both(client_a, start(client_a), bc_account, zettle_account)
    pages = [client_a.get(step_url(integration, "bigcommerce")), client_a.get(step_url(integration, "zettle")),
             client_a.get(reverse("integration-detail", args=[integration.pk])),
             client_a.get(reverse("connection-detail", args=[integration.connection_for("bigcommerce").pk])),
             client_a.get(reverse("connection-detail", args=[integration.connection_for("zettle").pk]))]
    for page in pages:
        assert page.status_code == 200
        for secret in (bc_account["credentials"]["access_token"], bc_account["credentials"]["client_secret"],
                       zettle_account["credentials"]["api_key"]):
            assert secret not in html(page)


def test_submitting_a_connect_step_again_replaces_the_account_without_a_second_connection(client_a, bc, zettle):
    integration = connect_both(client_a, start(client_a), bc.create_account(), zettle.create_account())
    other = bc.create_account()
    assert client_a.post(step_url(integration, "bigcommerce"), bc_form(other)).status_code == 302
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce").external_account_id == other["settings"]["store_hash"]
    assert Connection.objects.filter(platform="bigcommerce").count() == 1
    assert integration.setup_step == "zettle"  # later steps depend on the account: they are done again


# --- sandbox accounts ------------------------------------------------------------------------------------

def test_use_a_sandbox_store_and_account(client_a, merchant_a, bc, zettle):
    integration = start(client_a)
    assert "Use a sandbox store" in html(client_a.get(step_url(integration, "bigcommerce")))
    assert client_a.post(step_url(integration, "bigcommerce"), {"sandbox": "1"}).status_code == 302
    assert client_a.post(step_url(integration, "zettle"), {"sandbox": "1"}).status_code == 302
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce").external_account_id in bc.state["accounts"]
    assert integration.connection_for("zettle").external_account_id in zettle.state["accounts"]
    assert integration.connection_for("bigcommerce").settings["sandbox"] is True
    # the sandbox accounts sell in the shop's currency
    assert bc.state["accounts"][integration.connection_for("bigcommerce").external_account_id]["currency"] == \
        merchant_a.default_currency


def test_sandbox_accounts_are_offered_only_when_sandboxes_are_enabled(client_a, merchant_a, bc, settings):
    settings.SANDBOX_ENABLED = False
    integration = start(client_a)
    page = html(client_a.get(step_url(integration, "bigcommerce")))
    assert "Use a sandbox store" not in page and "API address" not in page
    response = client_a.post(step_url(integration, "bigcommerce"), {"sandbox": "1"})
    assert response.status_code == 400 and "not available" in html(response)
    with pytest.raises(setup_services.ConnectionProblem):
        setup_services.setup_sandbox_account(merchant=merchant_a, platform="bigcommerce")


def test_the_sandbox_account_service_uses_the_in_process_sandbox(merchant_a, bc):
    account = setup_services.setup_sandbox_account(merchant=merchant_a, platform="bigcommerce")
    assert account["account"] in bc.state["accounts"]
    assert account["settings"]["base_url"].startswith("http://sandbox.flyt.test/")


# --- one to one ------------------------------------------------------------------------------------

def test_one_zettle_account_connects_to_one_bigcommerce_store(client_a, merchant_a, bc, zettle):
    bc_account, zettle_account = bc.create_account(), zettle.create_account()
    connect_both(client_a, start(client_a), bc_account, zettle_account)
    second = Integration.objects.create(merchant=merchant_a)

    response = client_a.post(step_url(second, "bigcommerce"), bc_form(bc_account))
    assert response.status_code == 400
    assert "already connected to Zettle in your integration" in html(response)

    assert client_a.post(step_url(second, "bigcommerce"), bc_form(bc.create_account())).status_code == 302
    response = client_a.post(step_url(second, "zettle"), zettle_form(zettle_account))
    assert response.status_code == 400
    assert "already connected to BigCommerce in your integration" in html(response)
    second.refresh_from_db()
    assert second.connection_for("zettle") is None


def test_an_account_of_another_shop_is_refused(client_a, client_b, bc, zettle):
    bc_account, zettle_account = bc.create_account(), zettle.create_account()
    connect_both(client_a, start(client_a), bc_account, zettle_account)
    integration_b = start(client_b)
    response = client_b.post(step_url(integration_b, "bigcommerce"), bc_form(bc_account))
    assert response.status_code == 400 and "connected to another Flyt shop" in html(response)
    assert "Alpha" not in html(response)


def test_another_merchant_cannot_open_or_submit_a_wizard_step(client_a, client_b, bc):
    integration = start(client_a)
    for step in setup_services.setup_step_keys(integration):
        assert client_b.get(step_url(integration, step)).status_code == 404
    assert client_b.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account())).status_code == 404
    integration.refresh_from_db()
    assert integration.connection_for("bigcommerce") is None


# --- home base, prices, scope ------------------------------------------------------------------------------

@pytest.mark.parametrize("home,other", [("bigcommerce", "zettle"), ("zettle", "bigcommerce")])
def test_the_home_base_sets_directions(client_a, bc, zettle, home, other):
    integration = connect_both(client_a, start(client_a), bc.create_account(), zettle.create_account())
    response = client_a.post(step_url(integration, "home"), {"home_platform": home})
    assert response.status_code == 302 and response.url == step_url(integration, "prices")
    integration.refresh_from_db()
    assert integration.home_platform == home
    home_connection, other_connection = integration.connection_for(home), integration.connection_for(other)
    assert (home_connection.products_direction, home_connection.stock_direction) == ("pull", "both")
    assert (other_connection.products_direction, other_connection.stock_direction) == ("push", "both")
    assert home_connection.status == other_connection.status == Connection.Status.INCOMPLETE


def test_an_unknown_home_base_is_refused(client_a, bc, zettle):
    integration = connect_both(client_a, start(client_a), bc.create_account(), zettle.create_account())
    response = client_a.post(step_url(integration, "home"), {"home_platform": "shopify"})
    assert response.status_code == 200 and "Select a valid choice" in html(response)
    integration.refresh_from_db()
    assert integration.setup_step == "home" and integration.home_platform == ""


@pytest.fixture
def currencies(monkeypatch):
    """The accounts' currencies as the platforms report them."""
    found = {}
    monkeypatch.setattr("integrations.services.setup.reading.account_currency",
                        lambda *, connection: found[connection.platform])
    return found


def _at_prices(client, bc, zettle, home="bigcommerce"):
    integration = connect_both(client, start(client), bc.create_account(), zettle.create_account())
    client.post(step_url(integration, "home"), {"home_platform": home})
    return integration


def test_prices_are_offered_only_when_both_accounts_use_the_same_currency(client_a, bc, zettle, currencies):
    currencies.update(bigcommerce="DKK", zettle="SEK")
    integration = _at_prices(client_a, bc, zettle)
    page = html(client_a.get(step_url(integration, "prices")))
    assert "BigCommerce uses DKK and Zettle SEK, so prices cannot be synced" in page
    assert 'value="yes"' not in page
    # a forged "include prices" is refused with the reason
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    assert response.status_code == 400 and "BigCommerce uses DKK and Zettle SEK" in html(response)
    assert client_a.post(step_url(integration, "prices"), {"prices_included": "no"}).status_code == 302
    integration.refresh_from_db()
    assert integration.prices_included is False and integration.setup_step == "finish"


def test_prices_can_be_included_with_the_same_currency(client_a, bc, zettle, currencies):
    currencies.update(bigcommerce="DKK", zettle="DKK")
    integration = _at_prices(client_a, bc, zettle, home="zettle")
    page = html(client_a.get(step_url(integration, "prices")))
    assert "Both accounts use DKK" in page and 'value="yes"' in page
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    assert response.status_code == 302 and response.url == step_url(integration, "scope")
    integration.refresh_from_db()
    assert integration.prices_included is True


def test_a_currency_that_cannot_be_read_means_no_prices_with_a_reason(client_a, bc, zettle, monkeypatch):
    from integrations.errors import ConnectorError

    def refuse(*, connection):
        raise ConnectorError("Zettle is down.", retryable=True, platform=connection.platform)

    monkeypatch.setattr("integrations.services.setup.reading.account_currency", refuse)
    integration = _at_prices(client_a, bc, zettle)
    response = client_a.get(step_url(integration, "prices"))
    assert response.status_code == 200 and "could not read the currency" in html(response)


def test_the_product_scope_step_is_only_for_zettle_as_home_base(client_a, bc, zettle, currencies):
    currencies.update(bigcommerce="DKK", zettle="DKK")
    integration = _at_prices(client_a, bc, zettle, home="bigcommerce")
    client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    response = client_a.get(step_url(integration, "scope"))
    assert response.status_code == 302 and response.url == step_url(integration, "finish")

    integration = Integration.objects.create(merchant=integration.merchant)
    integration = _at_prices(client_a, bc, zettle, home="zettle")
    client_a.post(step_url(integration, "prices"), {"prices_included": "yes"})
    page = html(client_a.get(step_url(integration, "scope")))
    assert "only possible during set-up" in page
    assert client_a.post(step_url(integration, "scope"), {"scope": "selected"}).status_code == 302
    integration.refresh_from_db()
    assert integration.initial_scope == "selected" and integration.setup_step == "finish"


# --- finish ------------------------------------------------------------------------------------------

def _channels(bc, account):
    return [c["name"] for c in bc.state["accounts"][account["account"]]["channels"].values()]


def test_finishing_with_bigcommerce_as_home_base_prepares_both_platforms_and_syncs(client_a, bc, zettle):
    integration, bc_account, zettle_account, response = set_up(
        client_a, bc, zettle, home="bigcommerce", prices="yes", bc_seed=catalog(3, seed=5, prefix="BC"))
    assert integration.prices_included is True
    assert response.status_code == 302 and response.url == reverse("integration-detail", args=[integration.pk])
    assert integration.completed_at is not None and integration.setup_step == "done"
    assert "PayPal Zettle" in _channels(bc, bc_account)
    for connection in (integration.connection_for("bigcommerce"), integration.connection_for("zettle")):
        connection.refresh_from_db()
        assert connection.status == Connection.Status.ACTIVE
    page = html(client_a.get(reverse("integration-detail", args=[integration.pk])))
    assert "Setup" in page and "Configuration incomplete" not in page  # the setup run is listed
    assert "Configuration incomplete" not in html(client_a.get(reverse("dashboard")))
    # a finished integration's wizard is closed
    response = client_a.get(step_url(integration, "bigcommerce"))
    assert response.status_code == 302 and response.url == reverse("integration-detail", args=[integration.pk])


def test_finishing_with_zettle_as_home_base_and_all_products_copies_them_to_bigcommerce(client_a, bc, zettle):
    integration, bc_account, zettle_account, response = set_up(
        client_a, bc, zettle, home="zettle", scope="all", zettle_seed=catalog(3, seed=6, prefix="ZT"))
    assert response.status_code == 302
    assert integration.completed_at is not None
    products = bc.state["accounts"][bc_account["account"]]["products"].values()
    assert sorted(p["sku"] for p in products) == ["ZT-000001", "ZT-000002", "ZT-000003"]


def test_finishing_with_selected_products_copies_none_and_leads_to_the_product_list(client_a, bc, zettle):
    integration, bc_account, _, response = set_up(
        client_a, bc, zettle, home="zettle", scope="selected", zettle_seed=catalog(2, seed=7, prefix="ZT"))
    assert response.status_code == 302 and response.url == reverse("integration-products", args=[integration.pk])
    assert not bc.state["accounts"][bc_account["account"]]["products"]


# --- the integration page: "Sync now" and its recent runs ------------------------------------------------

def _running(merchant):
    from django.utils import timezone

    from tests.factories import ConnectionFactory, IntegrationFactory

    return IntegrationFactory(merchant=merchant, home_platform="zettle", completed_at=timezone.now(),
                              setup_step="done", zettle=ConnectionFactory(merchant=merchant, platform="zettle",
                                                                          settings={}))


def test_sync_now_enqueues_a_manual_sync_of_the_integration_after_commit(client_a, merchant_a, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    from integrations import tasks

    integration = _running(merchant_a)
    page = html(client_a.get(reverse("integration-detail", args=[integration.pk])))
    assert reverse("integration-sync-now", args=[integration.pk]) in page and "Sync now" in page
    calls = []
    monkeypatch.setattr(tasks.integration_sync_task, "delay", lambda *args: calls.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_a.post(reverse("integration-sync-now", args=[integration.pk]))
    assert response.status_code == 302 and calls == []  # nothing runs before the commit
    for callback in callbacks:
        callback()
    assert calls == [(integration.pk, "manual", False)]
    assert client_a.get(reverse("integration-sync-now", args=[integration.pk])).status_code == 405


def test_sync_now_before_setup_is_finished_explains_why(client_a, merchant_a, django_capture_on_commit_callbacks):
    from tests.factories import IntegrationFactory

    integration = IntegrationFactory(merchant=merchant_a, setup_step="prices")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_a.post(reverse("integration-sync-now", args=[integration.pk]), follow=True)
    assert "Finish setting up the integration first" in html(response) and callbacks == []


def test_sync_now_with_a_paused_side_explains_why(client_a, merchant_a):
    integration = _running(merchant_a)
    Connection.objects.filter(pk=integration.connection_for("zettle").pk).update(status=Connection.Status.PAUSED)
    response = client_a.post(reverse("integration-sync-now", args=[integration.pk]), follow=True)
    assert "paused" in html(response)


def test_the_integration_page_lists_its_recent_sync_runs(client_a, merchant_a):
    from tests.factories import SyncRunFactory

    integration = _running(merchant_a)
    mine = SyncRunFactory(connection=integration.connection_for("zettle"), trigger="setup")
    other = SyncRunFactory(connection__merchant=merchant_a)
    page = html(client_a.get(reverse("integration-detail", args=[integration.pk])))
    assert reverse("synclog-run", args=[mine.pk]) in page
    assert reverse("synclog-run", args=[other.pk]) not in page
    assert reverse("integration-disconnect", args=[integration.pk, "bigcommerce"]) in page


@pytest.mark.parametrize("bc_currency,zettle_currency,offered", [("DKK", "DKK", True), ("USD", "SEK", False)])
def test_the_currencies_are_read_from_the_platforms(client_a, bc, zettle, bc_currency, zettle_currency, offered):
    bc_account = bc.create_account(currency=bc_currency)
    zettle_account = zettle.create_account(currency=zettle_currency)
    zettle.seed(zettle_account["account"], catalog(1, seed=3, prefix="ZT"))  # a priced product tells the currency
    integration = connect_both(client_a, start(client_a), bc_account, zettle_account)
    assert integration.connection_for("bigcommerce").settings["currency"] == bc_currency
    client_a.post(step_url(integration, "home"), {"home_platform": "zettle"})
    page = html(client_a.get(step_url(integration, "prices")))
    if offered:
        assert f"Both accounts use {bc_currency}" in page and 'value="yes"' in page
    else:
        assert "BigCommerce uses USD and Zettle SEK, so prices cannot be synced" in page
