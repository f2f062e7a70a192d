"""register_webhooks / unregister_webhooks against the sandbox's /v3/hooks."""

from integrations.bigcommerce.webhooks import HEADER_NAME
from tests.integration.bigcommerce_connector.helpers import ZETTLE_HOME, ZETTLE_TARGET

from .helpers import mark, writes

URL = "https://flyt.example/webhooks/bigcommerce/7/"


def _hooks(account, url=URL):
    return {h["scope"]: h for h in account["hooks"].values() if h["destination"] == url}


def test_register_as_home_includes_channel_scopes_and_is_idempotent(sandbox, connector, account):
    channel_id = connector.prepare(role="home", options=ZETTLE_HOME)["channel_id"]
    connector.register_webhooks(url=URL, secret="s3cret")
    hooks = _hooks(account)
    assert set(hooks) == {
        "store/product/created", "store/product/updated", "store/product/deleted",
        f"store/channel/{channel_id}/product/assigned", f"store/channel/{channel_id}/product/unassigned",
        "store/sku/inventory/updated", "store/sku/inventory/order/updated", "store/product/inventory/updated",
        "store/product/inventory/order/updated"}
    assert all(h["headers"] == {HEADER_NAME: "s3cret"} and h["is_active"] for h in hooks.values())
    mark(sandbox)
    connector.register_webhooks(url=URL, secret="s3cret")
    assert writes(sandbox) == [] and len(_hooks(account)) == 9


def test_register_as_target_rotates_secrets_and_reactivates(sandbox, connector, account):
    connector.prepare(role="target", options=ZETTLE_TARGET)
    connector.register_webhooks(url=URL, secret="one")
    assert len(_hooks(account)) == 7 and not any("channel" in s for s in _hooks(account))
    next(iter(_hooks(account).values()))["is_active"] = False
    mark(sandbox)
    connector.register_webhooks(url=URL, secret="two")
    assert all(h["headers"] == {HEADER_NAME: "two"} and h["is_active"] for h in _hooks(account).values())
    assert {r.method for r in writes(sandbox)} == {"PUT"} and len(writes(sandbox)) == 7


def test_events_reach_the_url_with_our_header(sandbox, connector, account, client):
    connector.register_webhooks(url=URL, secret="tok")
    product_id = int(next(iter(account["products"])))
    client.update_product(product_id=product_id, fields={"description": "x"})
    (delivery,) = [d for d in sandbox.webhooks.pending if d.topic == "store/product/updated"]
    headers = delivery.headers(sandbox.clock.now())
    assert headers[HEADER_NAME] == "tok"


def test_unregister_removes_only_hooks_to_that_url(connector, account):
    connector.register_webhooks(url=URL, secret="s")
    other = "https://flyt.example/webhooks/bigcommerce/8/"
    connector.register_webhooks(url=other, secret="s")
    connector.unregister_webhooks(url=URL)
    assert _hooks(account) == {} and len(_hooks(account, other)) == 7
