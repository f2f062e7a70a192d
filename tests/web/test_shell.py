import pytest
from django.urls import reverse

from integrations.models import Connection
from tests.factories import ConnectionFactory, MembershipFactory, MerchantFactory, SyncEntryFactory, SyncRunFactory


@pytest.mark.django_db
def test_anonymous_visitors_get_the_login_page(client):
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert b"Log in to Flyt" in response.content


@pytest.mark.django_db
def test_login_with_email_and_password_reaches_the_dashboard(client, user_a, merchant_a):
    response = client.post(reverse("login"), {"username": user_a.username, "password": "pw-correct-horse"},
                           follow=True)
    assert response.status_code == 200
    assert b"Connections" in response.content and merchant_a.name.encode() in response.content


@pytest.mark.django_db
def test_logout_is_a_post(client_a):
    response = client_a.post(reverse("logout"))
    assert response.status_code == 302
    assert client_a.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_dashboard_lists_connections_with_status_last_and_next_sync(client_a, merchant_a):
    incomplete = ConnectionFactory(merchant=merchant_a, name="Zettle POS", platform="zettle", settings={},
                                   status=Connection.Status.INCOMPLETE)
    active = ConnectionFactory(merchant=merchant_a, name="Web shop", sync_interval_minutes=180)
    SyncRunFactory(connection=active, outcome="success")
    html = client_a.get(reverse("dashboard")).content.decode()
    assert "Zettle POS" in html and "Configuration incomplete" in html
    assert "Web shop" in html and "success" in html and "Never" in html
    assert reverse("connection-detail", args=[incomplete.pk]) in html


@pytest.mark.django_db
def test_connection_page_masks_credentials(client_a, merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, credentials={"access_token": "tok-live-abcdef123456"})
    html = client_a.get(reverse("connection-detail", args=[connection.pk])).content.decode()
    assert "tok-live-abcdef123456" not in html and "3456" in html


@pytest.mark.django_db
def test_sync_log_pages_show_runs_and_entries(client_a, merchant_a):
    run = SyncRunFactory(connection__merchant=merchant_a, connection__name="Web shop")
    SyncEntryFactory(run=run, message="Product 'Blue mug' (SKU MUG-1): price not synced — currencies differ.",
                     level="error", action="failed")
    assert "Web shop" in client_a.get(reverse("synclog-runs")).content.decode()
    detail = client_a.get(reverse("synclog-run", args=[run.pk]) + "?level=error").content.decode()
    assert "currencies differ" in detail


@pytest.mark.django_db
def test_a_user_in_two_shops_switches_between_them(client_a, user_a, merchant_a):
    second = MerchantFactory(name="Second Shop")
    MembershipFactory(user=user_a, merchant=second)
    ConnectionFactory(merchant=second, name="Second shop's Shopify", platform="shopify",
                      settings={"shop_domain": "second.myshopify.com"})
    response = client_a.post(reverse("merchant-switch"), {"merchant": second.slug}, follow=True)
    assert "Second shop&#x27;s Shopify" in response.content.decode()
    assert "Second shop" in client_a.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_a_user_without_a_shop_is_told_what_to_do(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403 and b"not part of any shop" in response.content


@pytest.mark.django_db
def test_admin_lists_every_model_and_masks_credentials(staff_client, merchant_a):
    from django.contrib import admin

    connection = ConnectionFactory(merchant=merchant_a, credentials={"access_token": "tok-live-abcdef123456"})
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff_client.get(url).status_code == 200, url
    page = staff_client.get(reverse("admin:integrations_connection_change", args=[connection.pk])).content.decode()
    assert "tok-live-abcdef123456" not in page and "3456" in page
    assert connection.webhook_secret not in page


@pytest.mark.django_db
def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m._meta.app_label in {"merchants", "catalog", "inventory", "synclog",
                                                                   "integrations", "loyalty"}]
    assert [m._meta.label for m in ours if m not in admin.site._registry] == []


@pytest.mark.django_db
def test_logs_are_read_only_in_the_admin(staff_client, merchant_a):
    run = SyncRunFactory(connection__merchant=merchant_a)
    response = staff_client.post(reverse("admin:synclog_syncrun_change", args=[run.pk]), {"outcome": "failed"})
    assert response.status_code == 403
