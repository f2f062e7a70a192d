"""Durable intake: once a delivery is stored, its answer is 2xx whatever happens to Redis (the cache
that coalesces drains, the broker that carries the task); the sweeper processes it later."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from integrations import tasks
from integrations.models import WebhookEvent
from integrations.services.webhooks import webhook_events_requeue
from integrations.zettle.webhooks import sign
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

KEY = "zettle-signing-key-for-tests"
# nothing listens on the discard port: every cache call fails to connect, as with Redis down
REDIS_DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:9/0"}}


def delivery():
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    inner = json.dumps({"organizationUuid": "org-a", "note": "an event Flyt stores and ignores"})
    body = json.dumps({"organizationUuid": "org-a", "messageUuid": str(uuid.uuid1()), "eventName": "SomethingNew",
                       "messageId": str(uuid.uuid4()), "payload": inner, "timestamp": stamp}).encode()
    return body, {"HTTP_X_IZETTLE_SIGNATURE": sign(signing_key=KEY, timestamp=stamp, payload=inner)}


@pytest.fixture
def connection(merchant_a):
    return ConnectionFactory(merchant=merchant_a, platform="zettle", external_account_id="org-a", settings={},
                             platform_webhook_secrets=[KEY])


def test_with_redis_down_a_stored_delivery_is_answered_2xx_and_processed_by_the_sweeper(
        connection, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    body, headers = delivery()
    with override_settings(CACHES=REDIS_DOWN), monkeypatch.context() as patch:
        patch.setattr(tasks.webhook_event_process_task, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(f"/webhooks/zettle/{connection.public_id}/", data=body,
                                     content_type="application/json", **headers)
        assert 200 <= response.status_code < 300
        [event] = WebhookEvent.objects.filter(connection=connection)
        assert event.status == WebhookEvent.Status.PENDING

        # the broker is back, the cache not yet: the sweeper's drain still processes the event
        patch.undo()
        with django_capture_on_commit_callbacks(execute=True):
            assert webhook_events_requeue(now=timezone.now() + timedelta(minutes=5)) == [event.pk]
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.IGNORED and event.processed_at is not None


def test_with_redis_down_a_duplicate_is_still_answered_2xx(connection, django_capture_on_commit_callbacks):
    body, headers = delivery()
    with override_settings(CACHES=REDIS_DOWN):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                response = Client().post(f"/webhooks/zettle/{connection.public_id}/", data=body,
                                         content_type="application/json", **headers)
            assert 200 <= response.status_code < 300
    assert WebhookEvent.objects.filter(connection=connection).count() == 1
