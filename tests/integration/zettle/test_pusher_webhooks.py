"""Pusher subscriptions through the client, and the sandbox's signed deliveries through our verifier."""

import json

import pytest

from integrations.errors import ConnectorError, WebhookRejected
from integrations.zettle import webhooks
from tests.integration.zettle.conftest import api_calls

DESTINATION = "https://flyt.example/webhooks/zettle/abc/"


class Receiver:
    """Flyt's side: verify with the subscription's signing key, then parse."""

    def __init__(self, clock, secrets, status=200, tolerance_s=300):
        self.clock, self.secrets, self.status, self.tolerance_s = clock, secrets, status, tolerance_s
        self.accepted, self.rejected, self.attempts = [], [], []

    def __call__(self, url, headers, body):
        self.attempts.append(self.clock.now())
        try:
            webhooks.verify(headers=headers, body=body, secrets=self.secrets(), now=self.clock.now(),
                            tolerance_s=self.tolerance_s)
        except WebhookRejected as exc:
            self.rejected.append(exc.reason)
            return 400
        self.accepted.append((webhooks.delivery_id(headers=headers, body=body),
                              webhooks.topic(headers=headers, body=body), webhooks.parse(headers=headers, body=body)))
        return self.status


@pytest.fixture
def subscription(client, seeded):
    return client.create_subscription(destination=DESTINATION, contact_email="ops@shop.example")


def test_create_subscription_returns_signing_key_and_sends_an_unsigned_test_message(sandbox, client, subscription,
                                                                                    clock):
    assert subscription["status"] == "ACTIVE" and subscription["signingKey"]
    assert subscription["transportName"] == "WEBHOOK" and subscription["uuid"][14] == "1"
    body = api_calls(sandbox, "/subscriptions", method="POST")[0].json()
    assert set(body["eventNames"]) >= {"ProductUpdated", "InventoryBalanceChanged", "PurchaseCreated"}
    [test] = sandbox.webhooks.deliveries  # posted while the subscription was being made
    assert (test.topic, test.status, test.attempts) == ("TestMessage", "delivered", 1)
    receiver = Receiver(clock, lambda: [subscription["signingKey"]])
    assert receiver(test.url, test.headers(clock.now()), test.body) == 200
    [(_, topic, [change])] = receiver.accepted
    assert topic == "TestMessage" and change.kind == "test"
    assert "X-iZettle-Signature" not in test.headers(clock.now())
    assert client.list_subscriptions()[0]["uuid"] == subscription["uuid"]


def test_a_sale_arrives_signed_and_parses_to_order_and_stock_changes(sandbox, client, seeded, subscription, clock):
    variant = next(client.iter_products())["variants"][0]
    before = sandbox.store_balance(seeded["account"], variant["uuid"])
    sale = sandbox.sell(seeded["account"], variant["sku"], 2)
    receiver = Receiver(clock, lambda: ["an-older-key", subscription["signingKey"]])
    sandbox.deliver_webhooks(receiver)
    assert receiver.rejected == []
    changes = {topic: parsed for _, topic, parsed in receiver.accepted}
    [stock] = changes["InventoryBalanceChanged"]
    assert (stock.external_id, stock.data["balance_before"], stock.data["balance"]) == (
        variant["uuid"], before, before - 2)
    [order] = changes["PurchaseCreated"]
    assert (order.kind, order.external_id) == ("order", sale["purchaseUUID1"])
    assert isinstance(order.data["purchase"]["timestamp"], int)  # epoch milliseconds in the event
    envelope = json.loads(sandbox.webhooks.deliveries[-1].body)
    assert isinstance(envelope["payload"], str) and envelope["timestamp"].endswith("Z")


def test_our_own_movement_identifier_comes_back_as_the_external_uuid(sandbox, client, seeded, subscription, clock):
    product = next(client.iter_products())
    client.move(movements=[{"productUuid": product["uuid"], "variantUuid": product["variants"][0]["uuid"],
                            "from": "SUPPLIER", "to": "STORE", "change": 4}], identifier="flyt-7f1c")
    receiver = Receiver(clock, lambda: [subscription["signingKey"]])
    sandbox.deliver_webhooks(receiver)
    [stock] = [c for _, topic, parsed in receiver.accepted if topic == "InventoryBalanceChanged" for c in parsed]
    assert stock.data["external_uuid"] == "flyt-7f1c"


def test_product_edits_in_the_back_office_send_product_updated_with_both_entities(sandbox, client, seeded,
                                                                                   subscription, clock):
    uuid = next(client.iter_products())["uuid"]
    sandbox.admin_update_product(seeded["account"], uuid, {"name": "Back office name"})
    receiver = Receiver(clock, lambda: [subscription["signingKey"]])
    sandbox.deliver_webhooks(receiver)
    [change] = [c for _, topic, parsed in receiver.accepted if topic == "ProductUpdated" for c in parsed]
    assert change.external_id == uuid and change.data["product"]["name"] == "Back office name"
    assert change.data["old"]["name"] != "Back office name"


def test_duplicates_carry_the_same_message_uuid(sandbox, client, seeded, subscription, clock):
    sandbox.webhooks.duplicate_rate = 1.0
    sandbox.admin_set_stock(seeded["account"], next(client.iter_products())["variants"][0]["sku"], 33)
    receiver = Receiver(clock, lambda: [subscription["signingKey"]])
    sandbox.webhooks.run_until_idle(receiver)
    ids = [delivery for delivery, topic, _ in receiver.accepted if topic == "InventoryBalanceChanged"]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_failing_receiver_gets_retries_on_zettles_schedule_then_the_subscription_is_deleted(
        sandbox, client, seeded, subscription, clock):
    sandbox.deliver_webhooks(Receiver(clock, lambda: [subscription["signingKey"]]))  # the TestMessage
    sandbox.admin_set_stock(seeded["account"], next(client.iter_products())["variants"][0]["sku"], 1)
    failing = Receiver(clock, lambda: [subscription["signingKey"]], status=500, tolerance_s=None)
    sandbox.deliver_webhooks(failing)
    assert client.list_subscriptions()[0]["status"] == "FAILING"
    sandbox.webhooks.run_until_idle(failing)
    gaps = [round(b - a) for a, b in zip(failing.attempts, failing.attempts[1:], strict=False)]
    assert gaps == [60] * 10 + [600] * 9 + [3600] * 70
    assert client.list_subscriptions() == []
    assert client.delete_subscription(uuid=subscription["uuid"]) is False  # 404 SUBSCRIPTION_NOT_FOUND


def test_late_retries_resend_the_same_timestamp_so_a_300s_tolerance_refuses_them(sandbox, client, seeded,
                                                                                 subscription, clock):
    sandbox.deliver_webhooks(Receiver(clock, lambda: [subscription["signingKey"]]))
    sandbox.admin_set_stock(seeded["account"], next(client.iter_products())["variants"][0]["sku"], 2)
    strict = Receiver(clock, lambda: [subscription["signingKey"]], status=503)
    for _ in range(7):  # the first try and six retries a minute apart: the last is 360 s after the event
        sandbox.deliver_webhooks(strict)
        clock.advance(60)
    assert len(strict.accepted) == 6 and strict.rejected == ["stale timestamp"]
    assert len({json.loads(d.body).get("timestamp") for d in sandbox.webhooks.deliveries}) == 2


def test_subscription_errors_are_zettles(sandbox, client, seeded, subscription):
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="a@b.example", uuid=subscription["uuid"])
    assert caught.value.status == 400 and "SUBSCRIPTION_ALREADY_EXIST" in caught.value.message
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="a@b.example", event_names=["Nope"])
    assert caught.value.status == 400
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination="ftp://flyt.example/x", contact_email="a@b.example")
    assert caught.value.status == 422
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="x" * 513)
    assert caught.value.status == 422


def test_update_filters_events_and_delete_works(sandbox, client, seeded, subscription, clock):
    client.update_subscription(uuid=subscription["uuid"], changes={"eventNames": ["ProductUpdated"]})
    sandbox.deliver_webhooks(Receiver(clock, lambda: [subscription["signingKey"]]))
    sandbox.sell(seeded["account"], next(client.iter_products())["variants"][0]["sku"], 1)
    assert sandbox.webhooks.pending == []  # no longer listening to sales or stock
    assert client.delete_subscription(uuid=subscription["uuid"]) is True
    assert client.list_subscriptions() == []


def test_events_need_their_scope(sandbox, make_client):
    client = make_client(sandbox.create_account(scopes=["READ:PRODUCT"]))
    with pytest.raises(ConnectorError) as caught:
        client.create_subscription(destination=DESTINATION, contact_email="a@b.example",
                                   event_names=["PurchaseCreated"])
    assert caught.value.status == 403
