"""A connection's stock on its page and the dashboard: "Locations" (each platform location mapped to
a hub location or "Not synced"), "Reconcile stock now", the last check and its drift count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.contracts.stock import ExternalLocation
from integrations.errors import ConnectorError
from integrations.models import Binding, RemoteStock
from tests.factories import BindingFactory, ConnectionFactory, LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


class FakeStock:
    """The platform's side as far as these pages need it: its locations."""

    places = [ExternalLocation("11", "Copenhagen store", is_default=True), ExternalLocation("12", "Aarhus store")]
    error = None

    def __init__(self, connection, **kwargs):
        self.connection = connection

    def locations(self):
        if self.error:
            raise self.error
        return list(self.places)


@pytest.fixture
def platform(monkeypatch):
    FakeStock.error = None
    for where in ("integrations.services.stock", "integrations.selectors"):  # writes and the locations page
        monkeypatch.setattr(f"{where}.stock_connector_for", lambda connection, **kw: FakeStock(connection))
    return FakeStock


@pytest.fixture
def connection(merchant_a):
    return ConnectionFactory(merchant=merchant_a, platform="shopify", name="Web shop", stock_direction="both")


@pytest.fixture
def places(merchant_a):
    return (LocationFactory(merchant=merchant_a, name="Main warehouse", is_default=True),
            LocationFactory(merchant=merchant_a, name="Jutland store"))


def detail(connection):
    return reverse("connection-detail", args=[connection.pk])


def mapped(connection):
    return dict(Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION)
                .values_list("external_id", "hub_id"))


def test_the_locations_section_lists_each_platform_location_with_a_select(client_a, connection, places, platform,
                                                                         merchant_b):
    BindingFactory(connection=connection, kind=Binding.Kind.LOCATION, external_id="11", hub_id=places[0].pk)
    LocationFactory(merchant=merchant_b, name="Bravo back room")

    page = html(client_a.get(detail(connection)))

    assert "Locations" in page and 'Stock at a location marked "Not synced" is not synced' in page
    copenhagen = page.split('name="location-11"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{places[0].pk}" selected>Main warehouse</option>' in copenhagen
    assert '<option value="" >Not synced</option>' in copenhagen
    aarhus = page.split('name="location-12"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>Not synced</option>' in aarhus and "Jutland store" in aarhus
    assert "Bravo back room" not in page
    assert "Reconcile stock now" in page and "Last stock check</dt><dd>Never" in page


def test_saving_the_locations_maps_and_unmaps_and_checks_the_stock_again(client_a, connection, places, platform,
                                                                        django_capture_on_commit_callbacks):
    BindingFactory(connection=connection, kind=Binding.Kind.LOCATION, external_id="11", hub_id=places[0].pk)
    item = RemoteStock.objects.create(merchant=connection.merchant, connection=connection, external_variant_id="v1",
                                      variant=VariantFactory(product__merchant=connection.merchant),
                                      external_location_id="11", location=places[0], last_known=5)

    with django_capture_on_commit_callbacks() as reconciles:
        response = client_a.post(reverse("connection-locations", args=[connection.pk]),
                                 {"location-11": "", "location-12": str(places[1].pk)})

    assert response.status_code == 302 and response.url == detail(connection)
    assert mapped(connection) == {"12": places[1].pk}
    item.refresh_from_db()
    assert item.location is None and item.last_known is None  # no longer synced
    assert len(reconciles) == 1  # the newly mapped location is compared with the platform
    page = html(client_a.get(detail(connection)))
    assert "Locations saved." in page and "is not read or written" in page


def test_one_hub_location_cannot_take_two_platform_locations(client_a, connection, places, platform):
    response = client_a.post(reverse("connection-locations", args=[connection.pk]),
                             {"location-11": str(places[0].pk), "location-12": str(places[0].pk)})
    assert response.status_code == 302
    assert mapped(connection) == {}
    assert "can take the stock of one platform location only" in html(client_a.get(detail(connection)))


def test_another_merchants_location_is_refused(client_a, connection, platform, merchant_b):
    theirs = LocationFactory(merchant=merchant_b, name="Bravo back room")
    client_a.post(reverse("connection-locations", args=[connection.pk]), {"location-11": str(theirs.pk)})
    assert mapped(connection) == {}
    assert "Choose one of your locations" in html(client_a.get(detail(connection)))


def test_a_platform_error_while_listing_locations_is_shown_not_a_500(client_a, connection, places, platform):
    platform.error = ConnectorError("Shopify did not accept the access token. Connect the shop again.",
                                    retryable=False, status=401, platform="shopify")

    response = client_a.get(detail(connection))
    assert response.status_code == 200
    assert "Shopify did not accept the access token. Connect the shop again." in html(response)

    response = client_a.post(reverse("connection-locations", args=[connection.pk]), {"location-11": ""})
    assert response.status_code == 302
    assert "Connect the shop again." in html(client_a.get(detail(connection)))


def test_no_locations_section_when_stock_is_off(client_a, merchant_a, platform):
    connection = ConnectionFactory(merchant=merchant_a, stock_direction="off")
    page = html(client_a.get(detail(connection)))
    assert "Locations" not in page and "Reconcile stock now" not in page


def test_reconcile_stock_now_starts_the_check_after_commit(client_a, connection, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("integrations.tasks.stock_reconcile_task.delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("connection-stock-reconcile", args=[connection.pk]))
        assert queued == []  # not before the commit

    assert response.status_code == 302 and response.url == detail(connection)
    assert queued == [(connection.pk, "manual")]
    assert "Stock check of Web shop started" in html(client_a.get(detail(connection)))


def test_reconcile_stock_now_with_stock_off_says_so(client_a, merchant_a, django_capture_on_commit_callbacks):
    connection = ConnectionFactory(merchant=merchant_a, name="Till", stock_direction="off")
    with django_capture_on_commit_callbacks() as callbacks:
        client_a.post(reverse("connection-stock-reconcile", args=[connection.pk]))
    assert callbacks == []
    assert "Stock sync is not on for Till" in html(client_a.get(detail(connection)))


def test_the_last_check_and_its_drift_count_on_the_connection_and_the_dashboard(client_a, merchant_a, platform):
    two_hours_ago = timezone.now() - timedelta(hours=2, minutes=1)
    drifted = ConnectionFactory(merchant=merchant_a, name="Web shop", stock_direction="both",
                                stock_reconciled_at=two_hours_ago, stock_drift_count=3)
    ConnectionFactory(merchant=merchant_a, name="Till", platform="zettle", stock_direction="push",
                      stock_reconciled_at=two_hours_ago, stock_drift_count=0)
    ConnectionFactory(merchant=merchant_a, name="Fresh", platform="shopify", stock_direction="pull")
    ConnectionFactory(merchant=merchant_a, name="Products only", stock_direction="off")

    dashboard = html(client_a.get(reverse("dashboard")))
    row = {name: dashboard.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
           for name in ("Web shop", "Till", "Fresh", "Products only")}
    assert "3 stock levels corrected at the last check, 2\xa0hours ago" in row["Web shop"]
    assert "Stock in step" in row["Till"]
    assert "Not checked yet" in row["Fresh"]
    assert "corrected" not in row["Products only"] and "Stock in step" not in row["Products only"]

    page = html(client_a.get(detail(drifted)))
    assert "2\xa0hours ago" in page and "3 stock levels" in page


def test_reconcile_stock_now_on_a_paused_connection_says_why_not(client_a, merchant_a,
                                                                 django_capture_on_commit_callbacks):
    connection = ConnectionFactory(merchant=merchant_a, name="Till", stock_direction="both", status="paused")
    with django_capture_on_commit_callbacks() as callbacks:
        client_a.post(reverse("connection-stock-reconcile", args=[connection.pk]))
    assert callbacks == []
    assert "Till is not active (paused), so its stock cannot be checked now." in html(client_a.get(detail(connection)))
