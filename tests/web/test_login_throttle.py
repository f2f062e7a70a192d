"""Sign-in throttling: repeated wrong passwords lock the account (and, across accounts, the client
address) for a while, with a clear message; every attempt is still answered, never with a 500."""

from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-correct-horse"  # the factories' password
LOCKED = "Too many failed sign-ins for this account. Try again in 15 minutes, or ask Flyt support to unlock it."
NO_MATCH = "didn't match"


def sign_in(client, username, password, address="203.0.113.7", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address,
                       **extra)


def page(response):
    return unescape(response.content.decode())


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward by a number of minutes."""
    def move(minutes):
        moved = timezone.now() + timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda: moved)
    return move


def test_thirty_wrong_passwords_in_a_row_lock_the_account_and_each_is_answered(user_a):
    client = Client()
    responses = [sign_in(client, user_a.username, f"wrong-{i}") for i in range(30)]
    assert all(r.status_code in (200, 429) for r in responses)
    assert all(NO_MATCH in page(r) for r in responses[:5])
    assert all(LOCKED in page(r) and r.status_code == 429 for r in responses[5:])
    # locked: even the right password is refused now
    response = sign_in(client, user_a.username, PASSWORD)
    assert response.status_code == 429 and LOCKED in page(response)
    assert not signed_in(client)


def test_the_lock_ends_after_fifteen_minutes(user_a, later):
    client = Client()
    for i in range(5):
        sign_in(client, user_a.username, f"wrong-{i}")
    assert LOCKED in page(sign_in(client, user_a.username, PASSWORD))
    later(16)
    response = sign_in(client, user_a.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_a_successful_sign_in_resets_the_account_counter(user_a):
    client = Client()
    for i in range(4):
        sign_in(client, user_a.username, f"wrong-{i}")
    assert sign_in(client, user_a.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for i in range(4):
        response = sign_in(client, user_a.username, f"again-{i}")
        assert NO_MATCH in page(response)
    assert sign_in(client, user_a.username, PASSWORD).status_code == 302


def test_the_lockout_does_not_reveal_whether_the_account_exists(user_a):
    known, unknown = Client(), Client()
    known_pages = [sign_in(known, user_a.username, f"w{i}", address="198.51.100.1") for i in range(7)]
    unknown_pages = [sign_in(unknown, "nobody@nowhere.example", f"w{i}", address="198.51.100.2") for i in range(7)]
    for a, b in zip(known_pages, unknown_pages, strict=True):
        assert a.status_code == b.status_code
        assert (LOCKED in page(a)) == (LOCKED in page(b))
        assert (NO_MATCH in page(a)) == (NO_MATCH in page(b))


def test_a_locked_account_does_not_lock_another_account(user_a, user_b):
    attacker, bob = Client(), Client()
    for i in range(6):
        sign_in(attacker, user_a.username, f"wrong-{i}", address="192.0.2.1")
    assert sign_in(bob, user_b.username, PASSWORD, address="192.0.2.2").status_code == 302


def test_the_same_username_in_other_case_or_spaces_counts_for_the_same_account(user_a):
    client = Client()
    for i, name in enumerate([user_a.username.upper(), f" {user_a.username}", user_a.username.title(),
                              user_a.username, user_a.username.upper()]):
        sign_in(client, name, f"wrong-{i}", address=f"192.0.2.{i + 10}")
    assert LOCKED in page(sign_in(client, user_a.username, PASSWORD, address="192.0.2.99"))


def test_one_address_trying_many_accounts_is_locked_out_but_other_addresses_are_not(user_a, merchant_a):
    spray = Client()
    for i in range(20):
        response = sign_in(spray, f"guess{i}@shop.example", "Summer2026!", address="198.51.100.66")
        assert response.status_code in (200, 429)
    response = sign_in(spray, user_a.username, PASSWORD, address="198.51.100.66")
    assert response.status_code == 429 and "Too many failed sign-ins from your network" in page(response)
    assert not signed_in(spray)
    other = Client()
    assert sign_in(other, user_a.username, PASSWORD, address="198.51.100.67").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(user_a):
    spray = Client()
    for i in range(20):
        sign_in(spray, f"guess{i}@shop.example", "x", address="198.51.100.80", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = sign_in(spray, user_a.username, PASSWORD, address="198.51.100.80", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429 and not signed_in(spray)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(user_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    spray = Client()
    for i in range(20):
        sign_in(spray, f"guess{i}@shop.example", "x", address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.90")
    blocked = sign_in(spray, user_a.username, PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.90")
    assert blocked.status_code == 429
    # another client behind the same proxy signs in
    response = sign_in(Client(), user_a.username, PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.91")
    assert response.status_code == 302


def test_the_admin_sign_in_is_locked_too(staff_user):
    client = Client()
    for i in range(5):
        client.post(reverse("admin:login"), {"username": staff_user.username, "password": f"w{i}"},
                    REMOTE_ADDR="192.0.2.50")
    client.post(reverse("admin:login"), {"username": staff_user.username, "password": PASSWORD},
                REMOTE_ADDR="192.0.2.50")
    assert not signed_in(client)


def test_two_merchants_users_are_counted_apart(user_a, user_b):
    MembershipFactory(user=UserFactory(username="carol@alpha.example"), merchant=user_a.memberships.first().merchant)
    client = Client()
    for i in range(5):
        sign_in(client, user_a.username, f"w{i}", address="192.0.2.70")
    assert LOCKED in page(sign_in(client, user_a.username, PASSWORD, address="192.0.2.71"))
    assert sign_in(Client(), user_b.username, PASSWORD, address="192.0.2.70").status_code == 302


def test_support_finds_a_locked_account_by_email_and_lifts_the_lock(user_a, staff_client):
    from merchants.models import LoginThrottle

    client = Client()
    for i in range(5):
        sign_in(client, user_a.username, f"w{i}", address="192.0.2.80")
    listing = staff_client.get(reverse("admin:merchants_loginthrottle_changelist"), {"q": user_a.username})
    assert listing.status_code == 200
    row = LoginThrottle.objects.get(scope="account", locked_until__isnull=False)
    assert reverse("admin:merchants_loginthrottle_change", args=[row.pk]) in page(listing)
    assert user_a.username not in row.key
    response = staff_client.post(reverse("admin:merchants_loginthrottle_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, user_a.username, PASSWORD, address="192.0.2.81").status_code == 302
