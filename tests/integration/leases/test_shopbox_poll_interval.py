"""The Shopbox poll interval a merchant sets (``poll_interval_seconds``, the validated name) is the
cadence the dispatcher actually polls at; settings stored under the old name are carried over."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from integrations.models import Connection
from integrations.services.connections import connection_create, connection_update
from integrations.services.dispatch import stock_poll_due
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def polled(monkeypatch):
    calls = []
    monkeypatch.setattr("integrations.tasks.stock_poll_task.delay", calls.append)
    return calls


def _shopbox(merchant, **settings):
    connection = connection_create(merchant=merchant, platform="shopbox", name="Shop", settings=settings,
                                   stock_direction="both")
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.ACTIVE)
    connection.refresh_from_db()
    return connection


def test_the_merchants_poll_interval_sets_the_cadence(merchant_a, merchant_b, polled,
                                                      django_capture_on_commit_callbacks):
    slow = _shopbox(merchant_a, poll_interval_seconds=600)
    default = _shopbox(merchant_b)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for minute in range(0, 11):
            stock_poll_due(now=now + timedelta(minutes=minute))
    assert polled.count(slow.pk) == 2  # at 0 and 10 minutes: every 600 s
    assert polled.count(default.pk) == 11  # the default, every minute


def test_changing_the_interval_changes_the_cadence(merchant_a, polled, django_capture_on_commit_callbacks):
    shop = _shopbox(merchant_a)
    connection_update(merchant=merchant_a, connection=shop, settings={"poll_interval_seconds": 120})
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        stock_poll_due(now=now)
        stock_poll_due(now=now + timedelta(seconds=60))  # within its two minutes
        stock_poll_due(now=now + timedelta(seconds=121))
    assert polled == [shop.pk, shop.pk]


def test_settings_stored_under_the_old_name_are_carried_over(merchant_a, merchant_b):
    old = ConnectionFactory(merchant=merchant_a, platform="shopbox", settings={"poll_seconds": 300})
    both = ConnectionFactory(merchant=merchant_b, platform="shopbox",
                             settings={"poll_seconds": 300, "poll_interval_seconds": 90})
    other = ConnectionFactory(merchant=merchant_a, platform="bigcommerce", settings={"store_hash": "abc"})
    migration = import_module("integrations.migrations.0005_shopbox_poll_interval")
    migration.poll_interval_rename(django_apps, None)
    for connection in (old, both, other):
        connection.refresh_from_db()
    assert old.settings == {"poll_interval_seconds": 300}
    assert both.settings == {"poll_interval_seconds": 90}  # the validated name wins
    assert other.settings == {"store_hash": "abc"}
