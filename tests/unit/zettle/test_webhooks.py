import json
from pathlib import Path

import pytest

from integrations.errors import WebhookRejected
from integrations.zettle import webhooks
from integrations.zettle.mapping import parse_time

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "zettle"
VECTOR = json.loads((FIXTURES / "pusher__signature_vector.json").read_text())
KEY = VECTOR["signingKey"]
SENT_AT = parse_time(VECTOR["envelope"]["timestamp"]).timestamp()


def _body(envelope=None):
    return json.dumps(envelope or VECTOR["envelope"]).encode()


def _headers(signature=None):
    return {"X-iZettle-Signature": signature or VECTOR["expectedSignatureHeader"]["X-iZettle-Signature"]}


def test_published_vector_signature_is_reproduced_and_accepted():
    envelope = VECTOR["envelope"]
    assert webhooks.sign(signing_key=KEY, timestamp=envelope["timestamp"], payload=envelope["payload"]) == \
        VECTOR["expectedSignatureHeader"]["X-iZettle-Signature"]
    assert f"{envelope['timestamp']}.{envelope['payload']}" == VECTOR["signedString"]
    webhooks.verify(headers=_headers(), body=_body(), secrets=[KEY], now=SENT_AT + 10)


def test_header_name_is_case_insensitive_and_previous_secret_is_accepted():
    headers = {"x-izettle-signature": VECTOR["expectedSignatureHeader"]["X-iZettle-Signature"].upper()}
    webhooks.verify(headers=headers, body=_body(), secrets=["new-key-after-rotation", KEY], now=SENT_AT)


@pytest.mark.parametrize("case", ["forged", "body_modified", "wrong_secret", "unsigned", "stale", "future"])
def test_bad_deliveries_are_rejected(case):
    headers, body, secrets, now = _headers(), _body(), [KEY], SENT_AT
    if case == "forged":
        headers = _headers("0" * 64)
    elif case == "body_modified":
        envelope = dict(VECTOR["envelope"], payload=VECTOR["envelope"]["payload"].replace('"11"', '"99"'))
        body = _body(envelope)
    elif case == "wrong_secret":
        secrets = ["someone-elses-key"]
    elif case == "unsigned":
        headers = {}
    elif case == "stale":
        now = SENT_AT + 301
    elif case == "future":
        now = SENT_AT - 301
    with pytest.raises(WebhookRejected) as caught:
        webhooks.verify(headers=headers, body=body, secrets=secrets, now=now)
    assert KEY not in caught.value.reason


def test_tolerance_none_accepts_a_late_retry_of_the_same_envelope():
    webhooks.verify(headers=_headers(), body=_body(), secrets=[KEY], now=SENT_AT + 3 * 24 * 3600, tolerance_s=None)


def test_malformed_bodies_are_rejected():
    for body in (b"not json", b"[]", b'{"no": "event"}'):
        with pytest.raises(WebhookRejected):
            webhooks.verify(headers=_headers(), body=body, secrets=[KEY], now=SENT_AT)


def test_unsigned_test_message_is_let_through_and_carries_nothing():
    body = json.dumps({"eventName": "TestMessage", "organizationUuid": "o", "messageId": "m",
                       "payload": {"data": "payload"}}).encode()
    webhooks.verify(headers={}, body=body, secrets=[KEY])
    assert [(c.kind, c.data) for c in webhooks.parse(headers={}, body=body)] == [("test", {})]
    # an event dressed up with a string payload is not a TestMessage and must be signed
    forged = json.dumps({"eventName": "TestMessage", "payload": "{}", "timestamp": "2024-01-01T00:00:00Z"}).encode()
    with pytest.raises(WebhookRejected):
        webhooks.verify(headers={}, body=forged, secrets=[KEY])


def test_ids_topic_and_parse_of_inventory_balance_changed():
    assert webhooks.delivery_id(headers={}, body=_body()) == VECTOR["envelope"]["messageUuid"]
    assert webhooks.topic(headers={}, body=_body()) == "InventoryBalanceChanged"
    [change] = webhooks.parse(headers={}, body=_body())
    assert (change.kind, change.action, change.external_id, change.external_parent_id) == (
        "stock", "updated", "66666666-6666-11ee-8000-000000000006", "55555555-5555-11ee-8000-000000000005")
    assert change.data["balance"] == 11 and change.data["balance_before"] == 12
    assert change.occurred_at.timestamp() == SENT_AT


def _envelope(event, payload):
    return json.dumps({"organizationUuid": "org", "messageUuid": "mu", "eventName": event, "messageId": "mi",
                       "payload": json.dumps(payload), "timestamp": "2024-05-02T10:15:30.155Z"}).encode()


def test_parse_products_purchases_and_app_events():
    updated = webhooks.parse(headers={}, body=_envelope("ProductUpdated", {
        "organizationUuid": "org", "newEntity": {"uuid": "p1", "name": "New"}, "oldEntity": {"uuid": "p1"}}))
    assert [(c.kind, c.action, c.external_id) for c in updated] == [("product", "updated", "p1")]
    deleted = webhooks.parse(headers={}, body=_envelope("ProductDeleted", {"uuid": "p2"}))
    assert [(c.kind, c.action, c.external_id) for c in deleted] == [("product", "deleted", "p2")]
    refund = webhooks.parse(headers={}, body=_envelope("PurchaseCreated", {"purchaseUuid": "pu1", "refund": True}))
    assert [(c.kind, c.external_id) for c in refund] == [("refund", "pu1")]
    removed = webhooks.parse(headers={}, body=_envelope("ApplicationConnectionRemoved",
                                                        {"type": "PersonalAssertionDeleted"}))
    assert [(c.kind, c.action) for c in removed] == [("app", "uninstalled")]
    tracking = webhooks.parse(headers={}, body=_envelope("InventoryTrackingStarted", {"productUuid": "p3"}))
    assert [(c.kind, c.action, c.external_parent_id) for c in tracking] == [("stock", "assigned", "p3")]
    assert webhooks.parse(headers={}, body=_envelope("SomethingNew", {})) == []
