"""ZettleConnector Pusher subscriptions: one per destination, idempotent, its signing key handed back."""

from integrations.zettle import webhooks
from integrations.zettle.connector import WEBHOOK_EVENTS
from integrations.zettle.mapping import new_uuid1
from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle_connector.conftest import make_connector

URL = "https://flyt.example/webhooks/zettle/42/"


def test_register_creates_one_subscription_and_returns_its_signing_key(sandbox, org, connector):
    key = connector.register_webhooks(url=URL, secret="ignored")
    [sub] = org["subscriptions"].values()
    assert sub["destination"] == URL and tuple(sub["eventNames"]) == WEBHOOK_EVENTS
    assert key == sub["signingKey"] == connector.webhook_signing_key() and key != "ignored"
    assert sub["contactEmail"] == "integrations@flyt.example"


def test_register_is_idempotent_and_reuses_the_subscription(sandbox, org, connector, clock, account):
    key = connector.register_webhooks(url=URL, secret="s")
    again = make_connector(sandbox, clock, account, currency="SEK")  # a later run, a fresh connector
    assert again.webhook_signing_key() == ""
    assert again.register_webhooks(url=URL, secret="s") == key == again.webhook_signing_key()
    assert len(org["subscriptions"]) == 1
    assert len(api_calls(sandbox, "/subscriptions", method="POST")) == 1
    assert api_calls(sandbox, "/subscriptions", method="PUT") == []


def test_register_completes_the_events_of_an_existing_subscription(sandbox, org, connector, account):
    sub = connector.client.create_subscription(destination=URL, contact_email="shop@example.com",
                                               event_names=["ProductCreated"])
    other = connector.client.create_subscription(destination="https://elsewhere.example/hook",
                                                 contact_email="shop@example.com")
    assert connector.register_webhooks(url=URL, secret="s") == sub["signingKey"]
    assert org["subscriptions"][sub["uuid"]]["eventNames"] == list(WEBHOOK_EVENTS)
    assert other["uuid"] in org["subscriptions"] and len(org["subscriptions"]) == 2


def test_deliveries_verify_with_the_returned_key(sandbox, clock, connector):
    key = connector.register_webhooks(url=URL, secret="s")
    sandbox.webhooks.clear()  # the unsigned TestMessage Zettle sends on creation
    product_uuid = connector.client.create_product(product={"uuid": new_uuid1(), "name": "Till item",
                                                            "variants": []})["uuid"]
    received = []
    sandbox.deliver_webhooks(lambda url, headers, body: received.append((url, headers, body)) or 200)
    [(url, headers, body)] = received
    webhooks.verify(headers=headers, body=body, secrets=[key], now=clock.now())
    [change] = webhooks.parse(headers=headers, body=body)
    assert (url, change.kind, change.action, change.external_id) == (URL, "product", "created", product_uuid)


def test_unregister_removes_only_our_subscription_and_is_repeatable(sandbox, org, connector):
    connector.register_webhooks(url=URL, secret="s")
    other = connector.client.create_subscription(destination="https://elsewhere.example/hook",
                                                 contact_email="shop@example.com")
    connector.unregister_webhooks(url=URL)
    assert list(org["subscriptions"]) == [other["uuid"]]
    connector.unregister_webhooks(url=URL)
    assert list(org["subscriptions"]) == [other["uuid"]]
