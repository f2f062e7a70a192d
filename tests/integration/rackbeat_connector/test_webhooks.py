"""RackbeatConnector webhook subscriptions (idempotent, alongside the stock connector's) and what a
product delivery leads to."""

from integrations.rackbeat import webhooks
from integrations.rackbeat.stock import RackbeatStock, known_tokens
from integrations.sandbox.transport import SandboxTransport
from tests.integration.rackbeat_connector.conftest import FIELDS, connection_for, hub_product, make_connector

URL = "https://flyt.example/webhooks/rackbeat/abc/"
EVENTS = ["product.created", "product.updated", "product.deleted"]


def keep(connector, issued):
    """What the engine does with the tokens ``register_webhooks`` returns."""
    secrets = connector.connection.platform_webhook_secrets
    connector.connection.platform_webhook_secrets = [issued, *secrets][:2]


def events(company):
    return sorted((h["event"], h["url"], h["is_active"]) for h in company["webhooks"].values())


def test_register_subscribes_product_events_once_and_is_idempotent(sandbox, clock, account, company):
    connector = make_connector(sandbox, clock, account)
    issued = connector.register_webhooks(url=URL, secret="ignored")
    assert len(issued.split()) == 3 and set(issued.split()) == {h["token"] for h in company["webhooks"].values()}
    assert events(company) == sorted((e, URL, True) for e in EVENTS)
    keep(connector, issued)
    sandbox.requests.clear()
    assert connector.register_webhooks(url=URL, secret="ignored") == ""  # nothing new
    assert [r.method for r in sandbox.requests] == ["GET"]
    # a subscription Rackbeat turned off after failed deliveries is turned on again, keeping its token
    hook = next(h for h in company["webhooks"].values() if h["event"] == "product.deleted")
    hook["is_active"] = False
    assert connector.register_webhooks(url=URL, secret="") == ""
    assert hook["is_active"] and len(company["webhooks"]) == 3


def test_the_stock_subscription_is_shared_not_duplicated(sandbox, clock, account, company):
    connection = connection_for(account)
    stock = RackbeatStock(connection, transport=SandboxTransport(sandbox), clock=clock)
    first = stock.register_webhooks(url=URL, secret="")
    connection.platform_webhook_secrets = [first]
    connector = make_connector(sandbox, clock, account, tokens=[first])
    issued = connector.register_webhooks(url=URL, secret="")
    assert len(issued.split()) == 3 and first in issued.split()  # two new tokens and the stock one
    assert events(company) == sorted((e, URL, True) for e in EVENTS)
    keep(connector, issued)
    assert set(known_tokens(connector.connection)) == set(issued.split())
    assert stock.missing_webhooks(url=URL) == []


def test_a_subscription_whose_token_flyt_lost_is_recreated(sandbox, clock, account, company):
    make_connector(sandbox, clock, account).register_webhooks(url=URL, secret="")  # tokens not kept
    issued = make_connector(sandbox, clock, account).register_webhooks(url=URL, secret="")
    assert set(issued.split()) == {h["token"] for h in company["webhooks"].values()} and len(company["webhooks"]) == 3


def test_unregister_removes_the_product_subscriptions(sandbox, clock, account, company):
    connector = make_connector(sandbox, clock, account)
    connector.register_webhooks(url=URL, secret="")
    other = "https://flyt.example/webhooks/rackbeat/other/"
    connector.client.create_webhook(event="order.created", url=other)
    connector.unregister_webhooks(url=URL)
    assert events(company) == [("order.created", other, True)]
    connector.unregister_webhooks(url=URL)  # nothing left: nothing to do


def test_a_product_delivery_names_a_variant_and_reads_its_whole_product(sandbox, clock, account, company):
    connector = make_connector(sandbox, clock, account)
    issued = connector.register_webhooks(url=URL, secret="")
    connector.create_products(products=[hub_product(1)], fields=FIELDS)
    sandbox.webhooks.clear()
    sandbox.admin_update_product(account["account"], "MUG-1-M", name="Blue mug 1 - Medium")
    [delivery] = sandbox.webhooks.pending
    headers = delivery.headers(clock.now())
    webhooks.verify(headers=headers, body=delivery.body, secrets=issued.split())
    [change] = webhooks.parse(headers=headers, body=delivery.body)
    assert (change.kind, change.action, change.external_id) == ("product", "updated", "MUG-1-M")
    [product] = connector.get_products(external_ids=[change.external_id])
    assert product.external_id == "MUG-1-S" and len(product.variants) == 3


def test_product_created_and_deleted_are_delivered(sandbox, clock, account, company):
    connector = make_connector(sandbox, clock, account)
    connector.register_webhooks(url=URL, secret="")
    [result] = connector.create_products(products=[hub_product(2, variants=1)], fields=FIELDS)
    connector.delete_products(external_ids=[result.external_id])
    changes = [webhooks.parse(headers=d.headers(clock.now()), body=d.body)[0] for d in sandbox.webhooks.pending]
    assert [(c.topic, c.action, c.external_id) for c in changes] == [("product.created", "created", "MUG-2"),
                                                                     ("product.deleted", "deleted", "MUG-2")]
