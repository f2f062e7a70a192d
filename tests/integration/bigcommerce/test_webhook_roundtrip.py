"""The sandbox's signed deliveries are accepted by our verifier and parsed; retries and duplicates."""

import json

import pytest

from integrations.bigcommerce import webhooks
from integrations.errors import WebhookRejected

DESTINATION = "https://flyt.example/webhooks/bigcommerce/c0ffee/"
TOKEN = "connection-webhook-secret"


@pytest.fixture
def hooked(client, store):
    client.ensure_hooks(scopes=webhooks.DEFAULT_SCOPES, destination=DESTINATION,
                        headers={webhooks.HEADER_NAME: TOKEN})
    return store


class Receiver:
    def __init__(self, clock, *, secrets, tokens, status=200):
        self.clock, self.secrets, self.tokens, self.status = clock, secrets, tokens, status
        self.accepted, self.rejected = [], []

    def __call__(self, url, headers, body):
        try:
            webhooks.verify(headers=headers, body=body, secrets=self.secrets, now=self.clock.now(),
                            header_tokens=self.tokens)
        except WebhookRejected as exc:
            self.rejected.append(exc.reason)
            return 401
        self.accepted.append((webhooks.delivery_id(headers=headers, body=body), webhooks.parse(headers=headers,
                                                                                               body=body)))
        return self.status


def test_sandbox_deliveries_verify_and_parse(sandbox, clock, hooked):
    receiver = Receiver(clock, secrets=[hooked["credentials"]["client_secret"]], tokens=[TOKEN])
    sku = "FLY-000002-1"
    sandbox.sell(hooked["account"], sku, 2)
    product_id = sandbox.variant_by_sku(sandbox.account(hooked["account"]), sku)["product_id"]
    sandbox.admin_update_product(hooked["account"], product_id, price=12.5)
    sandbox.webhooks.deliver_due(receiver)
    assert receiver.rejected == []
    kinds = [(c.kind, c.action, c.topic) for _, changes in receiver.accepted for c in changes]
    assert kinds == [("order", "created", "store/order/created"),
                     ("stock", "updated", "store/sku/inventory/order/updated"),
                     ("product", "updated", "store/product/updated")]
    stock = receiver.accepted[1][1][0]
    assert stock.data["inventory"]["value"] == -2 and stock.external_parent_id == str(product_id)


def test_payload_shape_and_headers(sandbox, clock, hooked):
    sandbox.sell(hooked["account"], "FLY-000001-1", 1)
    delivery = sandbox.webhooks.deliveries[0]
    headers = delivery.headers(clock.now())
    payload = json.loads(delivery.body)
    assert set(payload) == {"scope", "store_id", "data", "hash", "created_at", "producer"}
    assert isinstance(payload["store_id"], str) and payload["producer"] == f"stores/{hooked['account']}"
    assert payload["data"] == {"type": "order", "id": payload["data"]["id"]}
    assert headers[webhooks.HEADER_NAME] == TOKEN and headers["webhook-signature"].startswith("v1,")
    assert headers["webhook-id"] == delivery.id


def test_wrong_custom_token_is_rejected_even_with_a_valid_signature(sandbox, clock, hooked):
    receiver = Receiver(clock, secrets=[hooked["credentials"]["client_secret"]], tokens=["rotated-away"])
    sandbox.sell(hooked["account"], "FLY-000001-1", 1)
    sandbox.webhooks.deliver_due(receiver)
    assert receiver.accepted == [] and set(receiver.rejected) == {"wrong X-Flyt-Webhook-Token header"}


def test_duplicates_share_webhook_id_and_hash(sandbox, clock, hooked):
    sandbox.webhooks.duplicate_rate = 1.0
    sandbox.sell(hooked["account"], "FLY-000001-1", 1)
    receiver = Receiver(clock, secrets=[hooked["credentials"]["client_secret"]], tokens=[TOKEN])
    sandbox.webhooks.run_until_idle(receiver)
    ids = [delivery_id for delivery_id, _ in receiver.accepted]
    assert len(ids) == 4 and len(set(ids)) == 2
    by_id = {}
    for delivery in sandbox.webhooks.deliveries:
        by_id.setdefault(delivery.id, set()).add(json.loads(delivery.body)["hash"])
    assert all(len(hashes) == 1 for hashes in by_id.values())


def test_retry_schedule_then_hook_deactivated(sandbox, clock, client, hooked):
    receiver = Receiver(clock, secrets=[hooked["credentials"]["client_secret"]], tokens=[TOKEN], status=500)
    sandbox.sell(hooked["account"], "FLY-000001-1", 1, status_id=0)  # an incomplete order fires order/created too
    sandbox.webhooks.run_until_idle(receiver)
    delivery = sandbox.webhooks.deliveries[0]
    times = [at for at, _ in delivery.history]
    gaps = [round(b - a) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400]
    assert delivery.status == "failed" and len(receiver.accepted) == 12  # verified each time, answered 500
    hook = next(h for h in client.iter_hooks() if h["scope"] == "store/order/created")
    assert hook["is_active"] is False
    client.ensure_hooks(scopes=["store/order/created"], destination=DESTINATION,
                        headers={webhooks.HEADER_NAME: TOKEN})
    assert next(h for h in client.iter_hooks() if h["scope"] == "store/order/created")["is_active"] is True
