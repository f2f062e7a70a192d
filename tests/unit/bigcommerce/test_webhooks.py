"""Verifying and parsing BigCommerce callbacks."""

import json
from pathlib import Path

import pytest

from integrations.bigcommerce import webhooks
from integrations.errors import WebhookRejected

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bigcommerce"
CLIENT_SECRET = "app-client-secret-123"
NOW = 1_772_705_112


def signed(body, *, secret=CLIENT_SECRET, msg_id="msg_1", ts=NOW, token="flyt-token"):
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts),
               "webhook-signature": webhooks.signature(secret=secret, msg_id=msg_id, timestamp=str(ts), body=body)}
    if token is not None:
        headers["X-Flyt-Webhook-Token"] = token
    return headers


def fixture(name):
    return (FIXTURES / f"{name}__docs_example.json").read_bytes()


def test_standard_webhooks_published_test_vector():
    body = b'{"test": 2432232314}'
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    assert webhooks.verify(headers=headers, body=body, secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                           now=1614265330)
    assert webhooks.signature(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                              timestamp="1614265330", body=body) == headers["webhook-signature"]


def test_valid_delivery_is_accepted_with_header_token():
    body = fixture("store_order_created")
    assert webhooks.verify(headers=signed(body), body=body, secrets=[CLIENT_SECRET], now=NOW + 10,
                           header_tokens=["flyt-token"])


@pytest.mark.parametrize("case", ["forged", "body_modified", "stale", "future", "unsigned", "no_secret"])
def test_bad_deliveries_are_rejected(case):
    body = fixture("store_product_updated")
    headers, secrets, now = signed(body), [CLIENT_SECRET], NOW
    if case == "forged":
        headers = signed(body, secret="someone-else")
    elif case == "body_modified":
        body = body.replace(b"205", b"206")
    elif case == "stale":
        now = NOW + 301
    elif case == "future":
        now = NOW - 301
    elif case == "unsigned":
        headers = {"X-Flyt-Webhook-Token": "flyt-token"}
    elif case == "no_secret":
        secrets = []
    with pytest.raises(WebhookRejected) as caught:
        webhooks.verify(headers=headers, body=body, secrets=secrets, now=now, header_tokens=["flyt-token"])
    assert CLIENT_SECRET not in caught.value.reason


def test_valid_signature_but_wrong_or_missing_custom_header_is_rejected():
    body = fixture("store_order_created")
    with pytest.raises(WebhookRejected, match="wrong X-Flyt-Webhook-Token"):
        webhooks.verify(headers=signed(body, token="guess"), body=body, secrets=[CLIENT_SECRET], now=NOW,
                        header_tokens=["flyt-token"])
    with pytest.raises(WebhookRejected, match="missing X-Flyt-Webhook-Token"):
        webhooks.verify(headers=signed(body, token=None), body=body, secrets=[CLIENT_SECRET], now=NOW,
                        header_tokens=["flyt-token"])


def test_previous_secrets_are_accepted_during_rotation():
    body = fixture("store_sku_inventory_updated")
    headers = signed(body, secret="old-client-secret", token="old-token")
    assert webhooks.verify(headers=headers, body=body, secrets=["new-client-secret", "old-client-secret"], now=NOW,
                           header_tokens=["new-token", "old-token"])


def test_several_signatures_in_one_header_any_may_match():
    body = fixture("store_order_created")
    good = signed(body)["webhook-signature"]
    headers = {**signed(body), "webhook-signature": f"v1,AAAA {good}"}
    assert webhooks.verify(headers=headers, body=body, secrets=[CLIENT_SECRET], now=NOW)


def test_delivery_id_and_topic():
    body = fixture("store_order_created")
    assert webhooks.delivery_id(headers={"Webhook-Id": "msg_9"}, body=body) == "msg_9"
    assert webhooks.delivery_id(headers={}, body=body) == "dd70c0976e06b67aaf671e73f49dcb79230ebf9d"
    assert webhooks.topic(headers={}, body=body) == "store/order/created"
    with pytest.raises(WebhookRejected):
        webhooks.topic(headers={}, body=b"not json")


@pytest.mark.parametrize(("name", "kind", "action", "external_id", "parent"), [
    ("store_product_created", "product", "created", "205", ""),
    ("store_product_updated", "product", "updated", "205", ""),
    ("store_product_deleted", "product", "deleted", "205", ""),
    ("store_product_inventory_updated", "stock", "updated", "167", "167"),
    ("store_product_inventory_order_updated", "stock", "updated", "167", "167"),
    ("store_sku_updated", "variant", "updated", "509", "206"),
    ("store_sku_inventory_updated", "stock", "updated", "509", "206"),
    ("store_sku_inventory_order_updated", "stock", "updated", "509", "206"),
    ("store_order_created", "order", "created", "250", ""),
    ("store_order_statusUpdated", "order", "updated", "250", ""),
    ("store_order_refund_created", "refund", "created", "3", "250"),
    ("store_category_created", "category", "created", None, ""),
])
def test_parse_the_documented_example_payloads(name, kind, action, external_id, parent):
    body = fixture(name)
    payload = json.loads(body)
    changes = webhooks.parse(headers={}, body=body)
    assert len(changes) == 1
    change = changes[0]
    assert (change.kind, change.action, change.topic) == (kind, action, payload["scope"])
    assert change.external_id == (external_id or str(payload["data"]["id"]))
    assert change.external_parent_id == parent
    assert change.occurred_at.timestamp() == payload["created_at"]


def test_unused_scopes_parse_to_nothing():
    assert webhooks.parse(headers={}, body=fixture("store_cart_created")) == []


@pytest.mark.parametrize("action", ["assigned", "unassigned"])
def test_channel_assignment_callbacks_name_the_product_by_product_id(action):
    """BigCommerce's channel assignment callbacks carry ``data.product_id`` (no ``data.id``)."""
    body = fixture(f"store_channel_product_{action}")
    assert "id" not in json.loads(body)["data"]
    change = webhooks.parse(headers={}, body=body)[0]
    assert (change.kind, change.action, change.external_id, change.data["channel_id"]) == ("product", action,
                                                                                          "127", 1)
    assert change.occurred_at.timestamp() == 1641641646
