"""The webhook intake facing the outside: malformed, oversized, unsigned, replayed and stale
deliveries are answered 4xx with a reason, leave an audit line and store nothing; Zettle's test
message is acknowledged without storing work. Everything goes through HTTP."""

import base64
import hashlib
import hmac
import io
import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings

from integrations.bigcommerce.webhooks import signature as bc_signature
from integrations.models import WebhookEvent
from integrations.zettle.webhooks import sign as zettle_sign
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

ZETTLE_KEY = "zettle-signing-key-for-tests"
BC_SECRET = "bc-client-secret-for-tests"
SHOPIFY_SECRET = "shopify-client-secret-for-tests"


@pytest.fixture
def zettle(merchant_a):
    return ConnectionFactory(merchant=merchant_a, platform="zettle", external_account_id="org-a", settings={},
                             platform_webhook_secrets=[ZETTLE_KEY])


@pytest.fixture
def bigcommerce(merchant_a):
    return ConnectionFactory(merchant=merchant_a, platform="bigcommerce",
                             credentials={"access_token": "t", "client_secret": BC_SECRET})


@pytest.fixture
def shopify(merchant_b):
    return ConnectionFactory(merchant=merchant_b, platform="shopify", external_account_id="bravo.myshopify.com",
                             settings={"shop_domain": "bravo.myshopify.com"},
                             credentials={"access_token": "t", "client_secret": SHOPIFY_SECRET})


def url(connection):
    return f"/webhooks/{connection.platform}/{connection.public_id}/"


def post(connection, body, headers=None):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    return Client().post(url(connection), data=body, content_type="application/json", **extra)


def zettle_delivery(*, payload=None, when=None, message_uuid=None, event="ProductUpdated"):
    stamp = (when or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    inner = json.dumps(payload if payload is not None else {"newEntity": {"uuid": "p-1", "name": "Mug"}})
    body = json.dumps({"organizationUuid": "org-a", "messageUuid": message_uuid or str(uuid.uuid1()),
                       "eventName": event, "messageId": str(uuid.uuid4()), "payload": inner,
                       "timestamp": stamp}).encode()
    return body, {"X-iZettle-Signature": zettle_sign(signing_key=ZETTLE_KEY, timestamp=stamp, payload=inner)}


def bc_delivery(connection, *, msg_id=None, body=None, when=None):
    body = body or json.dumps({"scope": "store/product/updated", "store_id": "1", "data": {"type": "product",
                               "id": 7}, "hash": "abc", "created_at": int(time.time()),
                               "producer": "stores/x"}).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    stamp = str(int(when if when is not None else time.time()))
    return body, {"X-Flyt-Webhook-Token": connection.webhook_secret, "webhook-id": msg_id, "webhook-timestamp": stamp,
                  "webhook-signature": bc_signature(secret=BC_SECRET, msg_id=msg_id, timestamp=stamp, body=body)}


def shopify_delivery(*, body, webhook_id=None):
    digest = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {"X-Shopify-Hmac-Sha256": digest, "X-Shopify-Topic": "products/update",
            "X-Shopify-Shop-Domain": "bravo.myshopify.com", "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4())}


def refused(caplog):
    return [r for r in caplog.records if r.name == "flyt.webhooks" and "refused" in r.getMessage()]


# --- malformed bodies: 400 with a reason, never 500 --------------------------------------------

@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser's recursion
    b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b"{not json",
    b"\xff\xfe\x00 not utf-8",
    b'["a list", "not an object"]',
    b'"just a string"',
    b"",
])
def test_malformed_json_is_answered_400_with_a_reason_and_stores_nothing(zettle, bigcommerce, body, caplog):
    caplog.set_level(logging.INFO, logger="flyt.webhooks")
    for connection in (zettle, bigcommerce):
        response = post(connection, body)
        assert response.status_code == 400, (connection.platform, response.status_code)
        assert response.json()["error"]
    assert not WebhookEvent.objects.exists()
    assert len(refused(caplog)) == 2


def test_a_signed_but_deeply_nested_bigcommerce_body_is_400(bigcommerce):
    body, headers = bc_delivery(bigcommerce, body=b'{"scope": "store/product/updated", "data": ' + b"[" * 50_000
                                + b"]" * 50_000 + b"}")
    response = post(bigcommerce, body, headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


# --- size cap, also for a chunked body with no Content-Length -----------------------------------

def chunked(connection, body, headers=None):
    """A request as a WSGI server hands over a chunked upload: no CONTENT_LENGTH, the de-chunked body
    in ``wsgi.input``, ``wsgi.input_terminated`` set (gunicorn does)."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    environ = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked",
               "CONTENT_TYPE": "application/json", **extra}
    return Client().generic("POST", url(connection), b"", **environ)


@override_settings(WEBHOOK_MAX_BYTES=64 * 1024)
def test_a_chunked_body_over_the_cap_is_413_and_stores_nothing(zettle, caplog):
    caplog.set_level(logging.INFO, logger="flyt.webhooks")
    body, headers = zettle_delivery(payload={"blob": "x" * 200_000})
    response = chunked(zettle, body, headers)
    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()
    assert refused(caplog)


@override_settings(WEBHOOK_MAX_BYTES=64 * 1024)
def test_a_chunked_body_under_the_cap_is_read_and_stored(zettle):
    body, headers = zettle_delivery()
    response = chunked(zettle, body, headers)
    assert response.status_code in (200, 202, 204)
    assert WebhookEvent.objects.filter(connection=zettle).count() == 1


@override_settings(WEBHOOK_MAX_BYTES=64 * 1024)
def test_a_declared_length_over_the_cap_is_413(zettle):
    body, headers = zettle_delivery(payload={"blob": "x" * 200_000})
    assert post(zettle, body, headers).status_code == 413
    assert not WebhookEvent.objects.exists()


# --- status codes by kind of refusal ------------------------------------------------------------

def test_refusals_are_answered_by_kind_and_each_leaves_an_audit_line(zettle, bigcommerce, caplog):
    caplog.set_level(logging.INFO, logger="flyt.webhooks")
    body, headers = zettle_delivery()
    # a connection that does not exist, named like a lookup error might be: still 404
    missing = Client().post(f"/webhooks/zettle/{uuid.uuid4()}/", data=body, content_type="application/json")
    assert missing.status_code == 404
    forged = post(zettle, body, {"X-iZettle-Signature": "0" * 64})
    assert forged.status_code == 401
    unsigned = post(zettle, body)
    assert unsigned.status_code == 401
    bad_bc = post(bigcommerce, bc_delivery(bigcommerce)[0], {
        "X-Flyt-Webhook-Token": bigcommerce.webhook_secret, "webhook-id": "m",
        "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,Zm9yZ2Vk"})
    assert bad_bc.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert len(refused(caplog)) == 4


# --- Zettle's TestMessage: acknowledged, nothing stored, nothing queued ---------------------------

def test_zettle_test_messages_are_acknowledged_without_storing_or_queueing(zettle, monkeypatch):
    from integrations import tasks

    queued = []
    monkeypatch.setattr(tasks.webhook_event_process_task, "delay", lambda *a, **k: queued.append(a))
    for n in range(50):
        test = json.dumps({"eventName": "TestMessage", "organizationUuid": "org-a", "messageId": str(uuid.uuid1()),
                           "payload": {"data": "payload", "n": n}}).encode()
        assert post(zettle, test).status_code in (200, 204)
    big = json.dumps({"eventName": "TestMessage", "organizationUuid": "org-a", "messageId": "big",
                      "payload": {"data": "x" * (1024 * 1024 - 200)}}).encode()
    assert len(big) <= 1024 * 1024
    assert post(zettle, big).status_code in (200, 204)
    # a signed one is a test message too
    body, headers = zettle_delivery(event="TestMessage")
    assert post(zettle, body, headers).status_code in (200, 204)
    assert not WebhookEvent.objects.exists()
    assert queued == []


def test_a_test_message_over_the_cap_is_still_413(zettle):
    over = json.dumps({"eventName": "TestMessage", "organizationUuid": "org-a", "messageId": "big",
                       "payload": {"data": "x" * (1024 * 1024 + 10)}}).encode()
    assert post(zettle, over).status_code == 413


# --- replays: de-duplicated on what the signature covers --------------------------------------------

def test_a_signed_zettle_delivery_replayed_under_new_message_uuids_is_stored_once(zettle):
    body, headers = zettle_delivery()
    assert post(zettle, body, headers).status_code in (200, 204)
    envelope = json.loads(body)
    for _ in range(20):
        envelope["messageUuid"], envelope["messageId"] = str(uuid.uuid1()), str(uuid.uuid4())
        response = post(zettle, json.dumps(envelope).encode(), headers)
        assert response.status_code in (200, 204)
    assert WebhookEvent.objects.filter(connection=zettle).count() == 1


def test_a_zettle_retry_late_in_its_schedule_is_accepted_and_one_past_it_refused(zettle, caplog):
    caplog.set_level(logging.INFO, logger="flyt.webhooks")
    # Zettle retries for about 72 hours: a retry 70 hours after the event is legitimate
    late, headers = zettle_delivery(when=datetime.now(UTC) - timedelta(hours=70))
    assert post(zettle, late, headers).status_code in (200, 204)
    stale, headers = zettle_delivery(when=datetime.now(UTC) - timedelta(days=5))
    response = post(zettle, stale, headers)
    assert 400 <= response.status_code < 500 and response.json()["error"]
    future, headers = zettle_delivery(when=datetime.now(UTC) + timedelta(hours=2))
    assert 400 <= post(zettle, future, headers).status_code < 500
    assert WebhookEvent.objects.filter(connection=zettle).count() == 1
    assert len(refused(caplog)) == 2


def test_a_signed_bigcommerce_delivery_with_a_new_id_is_a_new_delivery_but_its_replay_is_not(bigcommerce):
    body, headers = bc_delivery(bigcommerce, msg_id="msg_1")
    assert post(bigcommerce, body, headers).status_code in (200, 204)
    # the same message, re-signed later (a retry): one row
    body, headers = bc_delivery(bigcommerce, msg_id="msg_1", body=body, when=time.time() + 60)
    assert post(bigcommerce, body, headers).status_code in (200, 204)
    assert WebhookEvent.objects.filter(connection=bigcommerce).count() == 1
    # a stale timestamp is refused
    body, headers = bc_delivery(bigcommerce, msg_id="msg_2", body=body, when=time.time() - 3600)
    assert 400 <= post(bigcommerce, body, headers).status_code < 500
    assert WebhookEvent.objects.filter(connection=bigcommerce).count() == 1


def test_a_shopify_body_replayed_under_a_new_webhook_id_is_stored_once(shopify):
    body = json.dumps({"id": 42, "title": "Mug", "updated_at": "2026-12-01T10:00:00Z"}).encode()
    assert post(shopify, body, shopify_delivery(body=body)).status_code in (200, 204)
    for _ in range(5):
        assert post(shopify, body, shopify_delivery(body=body)).status_code in (200, 204)
    assert WebhookEvent.objects.filter(connection=shopify).count() == 1
    changed = json.dumps({"id": 42, "title": "Mug", "updated_at": "2026-12-01T10:05:00Z"}).encode()
    assert post(shopify, changed, shopify_delivery(body=changed)).status_code in (200, 204)
    assert WebhookEvent.objects.filter(connection=shopify).count() == 2


def test_the_same_signed_content_at_two_merchants_is_stored_for_each(zettle, merchant_b):
    other = ConnectionFactory(merchant=merchant_b, platform="zettle", external_account_id="org-b", settings={},
                              platform_webhook_secrets=[ZETTLE_KEY])
    body, headers = zettle_delivery()
    assert post(zettle, body, headers).status_code in (200, 204)
    assert post(other, body, headers).status_code in (200, 204)
    assert WebhookEvent.objects.filter(connection=zettle).count() == 1
    assert WebhookEvent.objects.filter(connection=other).count() == 1


# --- the same through a real WSGI server --------------------------------------------------------

@pytest.mark.slow
def test_gunicorn_a_chunked_upload_over_the_cap_is_413():
    """gunicorn hands a chunked upload over without CONTENT_LENGTH; the cap still holds (the body is
    refused before any database access, so no data is needed)."""
    import http.client
    import os
    import socket
    import subprocess
    import sys

    from config.env import BASE_DIR

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)

        def chunks(total):
            while total > 0:
                size = min(64 * 1024, total)
                total -= size
                yield b"x" * size

        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        client.request("POST", f"/webhooks/zettle/{uuid.uuid4()}/", body=chunks(3 * 1024 * 1024),
                       headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = client.getresponse()
        assert response.status == 413 and b"too large" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
