"""ShopifyConnector webhook subscriptions against the Shopify sandbox, and the product events they bring."""

from integrations.sandbox.transport import SandboxTransport
from integrations.shopify import webhooks
from integrations.shopify.connector import WEBHOOK_TOPICS
from integrations.shopify.stock import ShopifyStock
from tests.integration.shopify_connector.conftest import ALL_FIELDS, connection_for, hub_product

URL = "https://flyt.example/webhooks/shopify/abc"


def topics(shop, url=URL):
    return sorted(w["topic"] for w in shop["webhooks"].values() if w["address"] == url)


def test_register_subscribes_product_and_stock_topics_once(sandbox, shop, connector):
    connector.register_webhooks(url=URL, secret="unused")
    assert topics(shop) == sorted(["products/create", "products/update", "products/delete",
                                   "inventory_levels/update", "inventory_levels/connect"])
    writes = connector.call_stats()["write"]
    connector.register_webhooks(url=URL, secret="unused")  # idempotent: nothing new
    assert topics(shop) == sorted(WEBHOOK_TOPICS)
    assert connector.call_stats()["write"] == writes


def test_topics_the_stock_connector_subscribed_are_not_subscribed_again(sandbox, clock, account, shop, connector):
    stock = ShopifyStock(connection_for(account), transport=SandboxTransport(sandbox), clock=clock)
    stock.register_webhooks(url=URL)
    connector.register_webhooks(url=URL, secret="")
    assert topics(shop) == sorted(WEBHOOK_TOPICS)
    assert len(topics(shop)) == len(set(topics(shop)))


def test_unregister_removes_only_our_subscriptions_to_that_address(sandbox, shop, connector):
    other = "https://flyt.example/webhooks/shopify/other"
    connector.register_webhooks(url=URL, secret="")
    connector.register_webhooks(url=other, secret="")
    connector.unregister_webhooks(url=URL)
    assert topics(shop) == [] and topics(shop, other) == sorted(WEBHOOK_TOPICS)
    connector.unregister_webhooks(url=URL)  # nothing left: fine


def test_product_writes_reach_flyt_as_product_events(sandbox, account, shop, connector):
    connector.register_webhooks(url=URL, secret="")
    created = connector.create_products(products=[hub_product(1)], fields=ALL_FIELDS)[0]
    connector.delete_products(external_ids=[created.external_id])
    changes = []
    for delivery in sandbox.webhooks.pending:
        if delivery.topic.startswith("products/"):
            headers = delivery.sign(delivery, sandbox.clock.now())
            assert webhooks.verify(headers=headers, body=delivery.body, secrets=[account["webhook_secret"]],
                                   now=sandbox.clock.now()) is None
            changes += webhooks.parse(headers=headers, body=delivery.body)
    assert [(c.kind, c.action, c.external_id) for c in changes] == [
        ("product", "created", created.external_id), ("product", "deleted", created.external_id)]
