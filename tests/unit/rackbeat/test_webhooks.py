import json
from pathlib import Path

import pytest

from integrations.errors import WebhookRejected
from integrations.rackbeat import webhooks

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rackbeat"
TOKEN = "abc123def456ghi789jkl012mno345pq"


def delivery(name):
    data = json.loads((FIXTURES / f"webhooks__{name}.json").read_text())
    return data["headers"], json.dumps(data["body"]).encode()


def test_a_delivery_with_the_token_is_accepted():
    headers, body = delivery("product_updated__stock")
    webhooks.verify(headers=headers, body=body, secrets=[TOKEN])


def test_header_names_are_case_insensitive():
    headers, body = delivery("order_created__sale")
    webhooks.verify(headers={k.lower(): v for k, v in headers.items()}, body=body, secrets=[TOKEN])


def test_the_previous_token_is_accepted_during_a_rotation():
    headers, body = delivery("product_updated__stock")
    webhooks.verify(headers=headers, body=body, secrets=["n" * 32, TOKEN])


@pytest.mark.parametrize("token", ["forged0000000000000000000000000", TOKEN[:-1], TOKEN + "x", ""])
def test_a_forged_token_is_rejected(token):
    headers, body = delivery("product_updated__stock")
    with pytest.raises(WebhookRejected):
        webhooks.verify(headers={**headers, "Rackbeat-Webhook-Token": token}, body=body, secrets=[TOKEN])


def test_an_unsigned_delivery_is_rejected():
    headers, body = delivery("product_updated__stock")
    headers.pop("Rackbeat-Webhook-Token")
    with pytest.raises(WebhookRejected, match="missing Rackbeat-Webhook-Token"):
        webhooks.verify(headers=headers, body=body, secrets=[TOKEN])


def test_empty_secrets_never_match():
    headers, body = delivery("product_updated__stock")
    with pytest.raises(WebhookRejected):
        webhooks.verify(headers={**headers, "Rackbeat-Webhook-Token": " "}, body=body, secrets=["", None])


def test_a_body_that_disagrees_with_its_event_header_is_rejected():
    headers, body = delivery("product_updated__stock")
    tampered = body.replace(b'"event": "product.updated"', b'"event": "product.deleted"')
    with pytest.raises(WebhookRejected, match="disagree"):
        webhooks.verify(headers=headers, body=tampered, secrets=[TOKEN])


def test_a_body_that_is_not_an_envelope_is_rejected():
    headers, _ = delivery("product_updated__stock")
    for body in (b"not json", b"[]", b'{"data": {}}'):
        with pytest.raises(WebhookRejected):
            webhooks.verify(headers=headers, body=body, secrets=[TOKEN])


def test_staleness_and_body_changes_cannot_be_detected_without_a_timestamp_or_signature():
    # Rackbeat's scheme has neither: a token-bearing old or altered delivery passes verification, which
    # is why the engine only takes it as a hint and reads the current state from Rackbeat.
    headers, body = delivery("product_updated__stock")
    altered = body.replace(b'"stock_quantity": 21.0', b'"stock_quantity": 999.0')
    webhooks.verify(headers=headers, body=altered, secrets=[TOKEN], now=4_000_000_000, tolerance_s=1)


def test_delivery_id_is_stable_for_a_redelivery_and_differs_for_another_change():
    headers, body = delivery("product_updated__stock")
    _, other = delivery("product_updated__price")
    assert webhooks.delivery_id(headers=headers, body=body) == webhooks.delivery_id(headers=headers, body=body)
    assert webhooks.delivery_id(headers=headers, body=body) != webhooks.delivery_id(headers=headers, body=other)
    assert webhooks.delivery_id(headers=headers, body=body).startswith("rackbeat-")


def test_topic_comes_from_the_event_header():
    headers, body = delivery("order_created__sale")
    assert webhooks.topic(headers=headers, body=body) == "order.created"


def test_a_stock_update_parses_to_a_stock_change():
    headers, body = delivery("product_updated__stock")
    (change,) = webhooks.parse(headers=headers, body=body)
    assert (change.kind, change.action, change.external_id) == ("stock", "updated", "FLY-000001-2")
    assert change.data["account_id"] == "4701" and "stock_quantity" in change.data["changed"]


def test_a_price_update_parses_to_a_product_change():
    headers, body = delivery("product_updated__price")
    (change,) = webhooks.parse(headers=headers, body=body)
    assert (change.kind, change.action, change.external_id, change.data["changed"]) == (
        "product", "updated", "FLY-000001-1", ["sales_price"])


def test_a_renumbered_product_carries_old_and_new_key():
    body = json.dumps({"key": "NEW", "key_name": "number", "event": "product.updated", "old_key": "OLD",
                       "new_key": "NEW", "changed": ["number"], "data": {}}).encode()
    (change,) = webhooks.parse(headers={}, body=body)
    assert change.external_id == "NEW" and change.data["old_key"] == "OLD"


def test_an_order_and_a_bom_conversion_parse():
    headers, body = delivery("order_created__sale")
    (order,) = webhooks.parse(headers=headers, body=body)
    assert (order.kind, order.action, order.external_id) == ("order", "created", "1001")
    converted = json.dumps({"key": "A", "key_name": "number", "event": "product.deleted",
                            "data": {"converted_to_lot": True}}).encode()
    (change,) = webhooks.parse(headers={}, body=converted)
    assert (change.kind, change.action, change.data["converted_to_lot"]) == ("product", "deleted", True)
