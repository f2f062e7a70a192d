import json
import math

from integrations.rackbeat import client as rackbeat_client
from integrations.rackbeat import mapping, webhooks
from integrations.sandbox.seed import catalog

URL = "https://flyt.example/webhooks/rackbeat/conn-1/"


def test_a_full_read_of_1000_products_takes_the_minimum_number_of_requests(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1000))
    products = [mapping.product_to_external(p) for p in client.iter_products()]
    assert len(products) == 1000
    assert len(sandbox.requests) == math.ceil(1000 / rackbeat_client.LIST_LIMIT) == 1


def test_a_full_read_of_1000_products_with_3_variants_each(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1000, variants=3))  # 3,000 Rackbeat product numbers
    assert sum(1 for _ in client.iter_products()) == 3000
    assert len(sandbox.requests) == math.ceil(3000 / rackbeat_client.LIST_LIMIT) == 3


def test_pushing_a_hub_catalog_creates_one_product_per_variant(sandbox, account, client):
    source = sandbox.create_account()
    sandbox.seed(source["account"], catalog(4, variants=2, prefix="SRC"))
    client.ensure_product_group(number=1, name="Products")
    hub = [mapping.product_to_external(p) for p in sandbox.state["accounts"][source["account"]]["products"].values()]
    bodies = [body for product in hub for body in mapping.products_from_external(product, group=1)]
    client.upsert_products(products=bodies)
    back = {p["number"]: p for p in client.iter_products()}
    assert set(back) == {b["number"] for b in bodies}
    assert all(mapping.money_in(back[b["number"]]["sales_price"]) == mapping.money_in(b["sales_price"])
               for b in bodies)


def test_the_sandbox_signed_deliveries_pass_our_verifier_and_parse(sandbox, account, client):
    tokens = client.ensure_webhooks(events=["product.updated", "order.created"], url=URL)
    sandbox.seed(account["account"], catalog(2))
    sandbox.sell(account["account"], "FLY-000001", 1)
    sandbox.admin_update_product(account["account"], "FLY-000002", name="Renamed")
    received = []

    def receiver(url, headers, body):
        assert url == URL
        webhooks.verify(headers=headers, body=body, secrets=list(tokens.values()))
        received.append((webhooks.delivery_id(headers=headers, body=body), webhooks.parse(headers=headers, body=body)))
        return 200

    sandbox.webhooks.run_until_idle(receiver)
    changes = [c for _, batch in received for c in batch]
    assert {(c.kind, c.action, c.external_id) for c in changes} == {
        ("order", "created", "1001"), ("stock", "updated", "FLY-000001"), ("product", "updated", "FLY-000002")}
    assert len({delivery for delivery, _ in received}) == len(received)
    last = sandbox.webhooks.deliveries[0]
    headers = last.headers(sandbox.clock.now())
    assert headers["User-Agent"] == "Rackbeat Webhook" and headers["Rackbeat-Account-Id"] == account["account"]
    assert set(json.loads(last.body)) >= {"key", "key_name", "event", "data"}


def test_a_duplicated_delivery_has_the_same_delivery_id(sandbox, account, client):
    tokens = client.ensure_webhooks(events=["product.updated"], url=URL)
    sandbox.seed(account["account"], catalog(1))
    sandbox.webhooks.duplicate_rate = 1.0
    sandbox.admin_update_product(account["account"], "FLY-000001", sales_price=10)
    ids = []

    def receiver(url, headers, body):
        webhooks.verify(headers=headers, body=body, secrets=list(tokens.values()))
        ids.append(webhooks.delivery_id(headers=headers, body=body))
        return 200

    sandbox.webhooks.run_until_idle(receiver)
    assert len(ids) == 2 and len(set(ids)) == 1


def test_a_failing_receiver_gets_retries_on_schedule_then_the_hook_is_deactivated(sandbox, account, client, clock):
    client.ensure_webhooks(events=["product.updated"], url=URL)
    sandbox.seed(account["account"], catalog(1))
    sandbox.admin_update_product(account["account"], "FLY-000001", name="New name")
    attempts = []

    def failing(url, headers, body):
        attempts.append(clock.now())
        return 500

    sandbox.webhooks.run_until_idle(failing)
    gaps = [round(b - a) for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps == list(sandbox.webhook_retry_schedule)
    (hook,) = client.list_webhooks()
    assert hook["is_active"] is False and hook["failures_since_last_success"] == len(attempts)
    sandbox.admin_update_product(account["account"], "FLY-000001", name="Newer name")
    assert not sandbox.webhooks.pending  # an inactive hook gets nothing


def test_stock_write_back_uses_relative_adjustments(sandbox, account, client):
    sandbox.seed(account["account"], catalog(1))
    (row,) = client.product_locations(number="FLY-000001")
    current = mapping.location_stock("FLY-000001", row)
    sandbox.sell(account["account"], "FLY-000001", 1)  # a sale lands between our read and our write
    client.adjust_stock(lines=mapping.adjustment_lines(number="FLY-000001", location="1",
                                                       current=current.quantity, target=current.quantity + 5))
    assert sandbox.stock_of(account["account"], "FLY-000001") == current.quantity + 5 - 1  # the sale still counts


def test_orders_can_be_read_and_mapped(sandbox, account, client):
    sandbox.seed(account["account"], catalog(2))
    sandbox.sell(account["account"], "FLY-000002", 3)
    draft = client.create_order_draft(lines=[{"item": {"number": "FLY-000001"}, "quantity": 1}])
    client.book_order(number=draft["number"])
    orders = [mapping.order_to_external(o) for o in client.iter_orders()]
    assert [(o.status, [(li.sku, li.quantity) for li in o.lines]) for o in orders] == [
        ("shipped", [("FLY-000002", 3)]), ("booked", [("FLY-000001", 1)])]
    assert client.get_order(number=draft["number"])["is_booked"] is True
