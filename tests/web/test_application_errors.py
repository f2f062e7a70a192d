"""An application error a view lets through is answered in one place (``FlytErrorMiddleware``):
another shop's object → 404; anything else the merchant can act on → its message, after a form
on the page it was posted from, or on a 400 page; never a 500."""

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.views import dashboard as dashboard_views
from merchants.errors import FlytError, NotOwned
from tests.factories import ConnectionFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def test_a_problem_after_a_form_is_told_on_the_page_it_was_posted_from(client_a, merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, name="Main store", status=Connection.Status.PAUSED)
    page = reverse("connection-detail", args=[connection.pk])
    response = client_a.post(reverse("connection-sync-now", args=[connection.pk]), HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 302 and response.url == f"http://testserver{page}"
    shown = html(client_a.get(page))
    assert 'class="error"' in shown and "Main store is paused: finish or resume it before syncing." in shown


def test_a_problem_without_a_page_to_go_back_to_is_a_400_page_with_the_message(client_a, merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, name="Main store", status=Connection.Status.PAUSED)
    for referer in ({}, {"HTTP_REFERER": "https://elsewhere.example/phish"}):
        response = client_a.post(reverse("connection-sync-now", args=[connection.pk]), **referer)
        assert response.status_code == 400
        assert "Main store is paused: finish or resume it before syncing." in html(response)
        assert "elsewhere.example" not in html(response)  # only a page of Flyt's is linked back to


def test_any_view_answers_a_flyt_error_with_its_message_and_not_owned_with_404(client_a, monkeypatch):
    def refuse(*, merchant):
        raise FlytError("Flyt cannot show your connections right now.")

    monkeypatch.setattr(dashboard_views, "connection_list", refuse)
    response = client_a.get(reverse("dashboard"))
    assert response.status_code == 400 and "Flyt cannot show your connections right now." in html(response)

    def foreign(*, merchant):
        raise NotOwned()

    monkeypatch.setattr(dashboard_views, "connection_list", foreign)
    response = client_a.get(reverse("dashboard"))
    assert response.status_code == 404 and "Page not found" in html(response)


def test_switching_to_a_shop_one_is_not_a_member_of_answers_404(client_a, merchant_a, merchant_b):
    other = MerchantFactory(name="Charlie Shop", slug="charlie")
    for slug in (merchant_b.slug, other.slug, "no-such-shop"):
        assert client_a.post(reverse("merchant-switch"), {"merchant": slug}).status_code == 404
    assert client_a.get(reverse("dashboard")).context["request"].merchant == merchant_a
