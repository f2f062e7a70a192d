"""Shopify webhook verification, dedupe id, topic and parsing."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from integrations.errors import WebhookRejected
from integrations.shopify import webhooks

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
NOW = datetime(2026, 3, 5, 8, 1, 20, tzinfo=UTC).timestamp()
SECRET = "hush"


def delivery(body, *, secret=SECRET, topic="products/update", triggered="2026-03-05T08:01:12.345Z"):
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": "nordic-knits.myshopify.com",
               "X-Shopify-API-Version": "2026-01", "X-Shopify-Webhook-Id": "3b1f0c9e-6a55-4c1e-9d1a-2f7f3f6f1a10",
               "X-Shopify-Event-Id": "98c2a6d4-0f4b-4a7e-8a55-61c2d0e9b7aa", "X-Shopify-Triggered-At": triggered}
    if secret is not None:
        headers["X-Shopify-Hmac-Sha256"] = webhooks.sign(body=body, secret=secret)
    return headers


def product_body():
    return json.dumps(json.loads((FIXTURES / "product__ipod.json").read_text())["product"]).encode()


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    # Independent computation, as in Shopify's docs: base64(HMAC-SHA256(client secret, raw body)).
    body = b'{"id":1}'
    expected = base64.b64encode(hmac.new(b"hush", body, hashlib.sha256).digest()).decode()
    assert webhooks.sign(body=body, secret=SECRET) == expected == "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="


def test_valid_delivery_is_accepted():
    body = product_body()
    webhooks.verify(headers=delivery(body), body=body, secrets=[SECRET], now=NOW)


def test_previous_secret_is_accepted_during_rotation():
    body = product_body()
    webhooks.verify(headers=delivery(body, secret="old"), body=body, secrets=["new", "old"], now=NOW)


@pytest.mark.parametrize("case", ["forged", "body_modified", "unsigned", "malformed", "stale", "future",
                                  "no_secret"])
def test_bad_deliveries_are_rejected(case):
    body = product_body()
    headers = delivery(body)
    secrets = [SECRET]
    if case == "forged":
        headers = delivery(body, secret="attacker")
    elif case == "body_modified":
        body = body.replace(b"199.00", b"1.00")
    elif case == "unsigned":
        headers = delivery(body, secret=None)
    elif case == "malformed":
        headers["X-Shopify-Hmac-Sha256"] = "not base64!"
    elif case == "stale":
        headers = delivery(body, triggered="2026-03-04T23:00:00Z")  # 9 hours: beyond the 4-hour retry window
    elif case == "future":
        headers = delivery(body, triggered="2026-03-05T09:30:00Z")
    elif case == "no_secret":
        secrets = [""]
    with pytest.raises(WebhookRejected) as caught:
        webhooks.verify(headers=headers, body=body, secrets=secrets, now=NOW)
    assert SECRET not in caught.value.reason


def test_a_retry_within_shopifys_window_is_not_stale():
    body = product_body()
    headers = delivery(body, triggered="2026-03-05T05:00:00Z")  # 3 hours ago: a late retry
    webhooks.verify(headers=headers, body=body, secrets=[SECRET], now=NOW)


def test_headers_are_read_case_insensitively():
    body = product_body()
    headers = {k.lower(): v for k, v in delivery(body).items()}
    webhooks.verify(headers=headers, body=body, secrets=[SECRET], now=NOW)
    assert webhooks.delivery_id(headers=headers, body=body) == "3b1f0c9e-6a55-4c1e-9d1a-2f7f3f6f1a10"
    assert webhooks.topic(headers=headers, body=body) == "products/update"


def test_parse_products_update():
    body = product_body()
    [change] = webhooks.parse(headers=delivery(body), body=body)
    assert (change.kind, change.action, change.external_id) == ("product", "updated", "632910392")
    assert change.occurred_at == datetime(2026, 3, 5, 8, 1, 12, 345000, tzinfo=UTC)


def test_parse_inventory_level_update_keeps_item_and_location():
    body = (FIXTURES / "inventory_level__single.json").read_text()
    body = json.dumps(json.loads(body)["inventory_level"]).encode()
    [change] = webhooks.parse(headers=delivery(body, topic="inventory_levels/update"), body=body)
    assert (change.kind, change.external_id, change.external_parent_id) == ("stock", "808950810", "905684977")
    assert change.data["available"] == 6


@pytest.mark.parametrize(("topic", "fixture", "expected"), [
    ("orders/create", "order__single.json", ("order", "created", "450789469", "")),
    ("refunds/create", "refund__single.json", ("refund", "created", "509562969", "450789469")),
    ("customers/update", "customer__single.json", ("customer", "updated", "207119551", "")),
])
def test_parse_other_topics(topic, fixture, expected):
    data = json.loads((FIXTURES / fixture).read_text())
    body = json.dumps(next(iter(data.values()))).encode()
    [change] = webhooks.parse(headers=delivery(body, topic=topic), body=body)
    assert (change.kind, change.action, change.external_id, change.external_parent_id) == expected


def test_parse_app_uninstalled_and_unknown_topics():
    body = json.dumps({"id": 1, "myshopify_domain": "nordic-knits.myshopify.com"}).encode()
    [change] = webhooks.parse(headers=delivery(body, topic="app/uninstalled"), body=body)
    assert (change.kind, change.action, change.external_id) == ("app", "uninstalled", "nordic-knits.myshopify.com")
    assert webhooks.parse(headers=delivery(body, topic="themes/publish"), body=body) == []


def test_missing_topic_or_id_and_bad_json_are_rejected():
    with pytest.raises(WebhookRejected):
        webhooks.topic(headers={}, body=b"{}")
    with pytest.raises(WebhookRejected):
        webhooks.delivery_id(headers={}, body=b"{}")
    with pytest.raises(WebhookRejected):
        webhooks.parse(headers={"X-Shopify-Topic": "products/update"}, body=b"[1")
