"""Two merchants (A and B), their users and logged-in clients; staff for the admin."""

import pytest
from django.test import Client

from tests.factories import MembershipFactory, MerchantFactory, UserFactory


def pytest_addoption(parser):
    parser.addoption("--skip-slow", action="store_true", help="skip reliability and browser tests (CI runs them)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--skip-slow"):
        skip = pytest.mark.skip(reason="--skip-slow given")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def merchant_a(db):
    return MerchantFactory(name="Alpha Shop", slug="alpha")


@pytest.fixture
def merchant_b(db):
    return MerchantFactory(name="Bravo Shop", slug="bravo")


@pytest.fixture
def user_a(merchant_a):
    user = UserFactory(username="alice@alpha.example")
    MembershipFactory(user=user, merchant=merchant_a)
    return user


@pytest.fixture
def user_b(merchant_b):
    user = UserFactory(username="bob@bravo.example")
    MembershipFactory(user=user, merchant=merchant_b)
    return user


@pytest.fixture
def staff_user(db):
    return UserFactory(username="support@flyt.example", is_staff=True, is_superuser=True)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_a(user_a):
    return _client_for(user_a)


@pytest.fixture
def client_b(user_b):
    return _client_for(user_b)


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)
