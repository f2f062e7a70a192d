"""What the rest of Flyt asks the platform registry: webhook intake by each platform's spec, the poll
interval, which platforms have what, settings validation."""

import pytest

from integrations.errors import WebhookRejected, WebhookUnknownConnection
from integrations.models import WebhookEvent
from integrations.platforms import (
    PLATFORMS,
    SettingsInvalid,
    platforms_with,
    poll_interval_s,
    spec_for,
    validate_settings,
)
from integrations.sandbox import registry as sandbox_registry
from integrations.sandbox.clock import FakeClock
from integrations.services.connections import connection_create
from integrations.services.webhooks import webhook_event_receive

KEYS = list(PLATFORMS)


@pytest.fixture
def connection(key, merchant_a):
    sandbox = sandbox_registry.install(key, sandbox_registry.new_sandbox(key, clock=FakeClock()))
    account = sandbox.create_account()
    yield connection_create(
        merchant=merchant_a, platform=key, name="", credentials=account["credentials"],
        settings={**PLATFORMS[key].settings_defaults, **account["settings"],
                  "base_url": sandbox_registry.inprocess_base_url(key)},
        external_account_id=str(account["external_account_id"] or ""))
    sandbox_registry.uninstall_all()


@pytest.mark.parametrize("key", KEYS)
def test_intake_takes_webhooks_only_from_platforms_whose_spec_has_them(key, connection):
    with pytest.raises(WebhookRejected) as refused:
        webhook_event_receive(platform=key, public_id=connection.public_id,
                              headers={"Content-Type": "application/json"}, body=b'{"id": 1}')
    if PLATFORMS[key].webhooks:
        assert not isinstance(refused.value, WebhookUnknownConnection), "an unsigned delivery is refused as unsigned"
    else:
        assert isinstance(refused.value, WebhookUnknownConnection), "a polled platform has no webhook address"
    assert not WebhookEvent.objects.filter(connection=connection).exists()


@pytest.mark.parametrize("key", KEYS)
def test_the_poll_interval_is_the_merchants_choice_else_the_platforms(key):
    spec = PLATFORMS[key]
    if not spec.polled:
        assert poll_interval_s(key, {"poll_interval_seconds": 90}) is None
        assert key not in platforms_with(polled=True)
        return
    assert key in platforms_with(polled=True) and key not in platforms_with(webhooks=True)
    assert poll_interval_s(key, {}) == spec.poll_interval_s
    assert poll_interval_s(key, {"poll_interval_seconds": spec.poll_interval_s + 30}) == spec.poll_interval_s + 30


def test_platforms_with_filters_by_every_condition_given():
    readers = platforms_with(products_read=True)
    assert readers and all(PLATFORMS[k].capabilities.products_read for k in readers)
    assert set(readers) | set(platforms_with(products_read=False)) == set(PLATFORMS)
    both = platforms_with(products_read=True, webhooks=True)
    assert set(both) == set(readers) & set(platforms_with(webhooks=True))
    assert platforms_with() == tuple(PLATFORMS)


def test_an_unknown_platform_is_named_in_the_refusal():
    with pytest.raises(KeyError, match=f"known: {KEYS[0]}"):
        spec_for("etsy")
    with pytest.raises(SettingsInvalid, match="etsy"):
        validate_settings("etsy", {})


@pytest.mark.parametrize("key", KEYS)
def test_settings_outside_the_schema_are_refused_with_the_platform_label(key):
    with pytest.raises(SettingsInvalid, match=PLATFORMS[key].label):
        validate_settings(key, {"base_url": 42})
