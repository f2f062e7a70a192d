"""Writes through our client: batch limits, conflicts, validation, inventory, channels, orders."""

from decimal import Decimal

import pytest

from integrations.bigcommerce.mapping import order_from_bc, product_to_bc, stock_item, stock_levels_from_inventory_items
from integrations.dto import ExternalProduct, ExternalVariant
from integrations.errors import ConnectorError
from tests.unit.bigcommerce.support import make_client, make_store


def _batch_sizes(sandbox, method, path):
    return [len(r.json()) for r in sandbox.calls(method, path) if r.path.endswith(path)]


def test_product_updates_go_in_batches_of_10(sandbox, client):
    ids = sorted(int(i) for i in sandbox.account(client.store_hash)["products"])[:25]
    updated = client.update_products(products=[{"id": i, "price": 10.5} for i in ids])
    assert len(updated) == 25 and {p["price"] for p in updated} == {10.5}
    assert _batch_sizes(sandbox, "PUT", "/v3/catalog/products") == [10, 10, 5]


def test_variant_updates_go_in_batches_of_50(sandbox, client):
    variants = list(client.iter_variants())
    assert len(variants) == 90
    client.update_variants(variants=[{"id": v["id"], "price": 5} for v in variants])
    assert _batch_sizes(sandbox, "PUT", "/v3/catalog/variants") == [50, 40]


def test_create_product_from_hub_dto_and_conflicts(sandbox, client):
    hub = ExternalProduct(external_id="", title="Harbour tote", description="<p>Tote</p>", variants=[
        ExternalVariant(external_id="", sku="TOTE-S", price=Decimal("249.00"), weight_grams=300,
                        option_values={"Size": "S"}, barcode="5700000000012"),
        ExternalVariant(external_id="", sku="TOTE-M", price=Decimal("259.00"), weight_grams=320,
                        option_values={"Size": "M"})])
    created = client.create_product(product=product_to_bc(hub))
    assert [v["sku"] for v in created["variants"]] == ["TOTE-S", "TOTE-M"]
    assert created["inventory_tracking"] == "variant" and created["price"] == 249.0
    with pytest.raises(ConnectorError) as duplicate:
        client.create_product(product=product_to_bc(hub))
    assert duplicate.value.status == 409 and not duplicate.value.retryable
    assert "duplicate" in duplicate.value.message
    with pytest.raises(ConnectorError) as invalid:
        client.create_product(product={"name": "Half a product"})
    assert invalid.value.status == 422 and "price" in invalid.value.message and "weight" in invalid.value.message


def test_inventory_adjustments_batch_by_location_and_2000_items(sandbox, clock):
    store = make_store(sandbox, products=1500, variants=3)
    account = sandbox.account(store["account"])
    sandbox.new_location(account, code="POPUP", label="Pop-up", now=clock.now())
    client = make_client(sandbox, clock, store)
    variant_ids = [int(v) for v in account["variants"]]
    items = [stock_item(location_id=loc, variant_id=v, quantity=7) for v in variant_ids for loc in (1, 2)]
    transactions = client.adjust_stock_absolute(items=items)
    sizes = [(r.json()["items"][0]["location_id"], len(r.json()["items"]))
             for r in sandbox.calls("PUT", "/v3/inventory/adjustments/absolute")]
    assert sizes == [(1, 2000), (1, 2000), (1, 500), (2, 2000), (2, 2000), (2, 500)]
    assert len(transactions) == 6 and all(transactions)
    levels = stock_levels_from_inventory_items(client.iter_inventory_items(variant_ids=variant_ids[:3]))
    assert {(lvl.external_location_id, lvl.quantity) for lvl in levels} == {("1", 7), ("2", 7)}


def test_inventory_identifier_rules_and_safety_stock(sandbox, clock):
    store = make_store(sandbox, products=2, variants=1)
    client = make_client(sandbox, clock, store)
    product = next(client.iter_products())
    with pytest.raises(ConnectorError) as wrong_id:
        client.adjust_stock_absolute(items=[{"location_id": 1, "variant_id": product["variants"][0]["id"],
                                             "quantity": 3}])
    assert wrong_id.value.status == 422 and "tracked by product" in wrong_id.value.message
    client.adjust_stock_absolute(items=[stock_item(location_id=1, product_id=product["id"], quantity=3)])
    with pytest.raises(ConnectorError) as below:
        client.adjust_stock_relative(items=[stock_item(location_id=1, product_id=product["id"], quantity=-4)])
    assert below.value.status == 422
    client.adjust_stock_relative(items=[stock_item(location_id=1, sku=product["sku"], quantity=-2)])
    assert sandbox.stock_of(store["account"], product["sku"]) == 1


def test_adjustments_apply_after_the_configured_delay(sandbox, clock):
    store = make_store(sandbox, products=1, inventory_delay_s=5)
    client = make_client(sandbox, clock, store)
    sku = next(client.iter_products())["sku"]
    client.adjust_stock_absolute(items=[stock_item(location_id=1, sku=sku, quantity=42)])
    assert next(client.iter_products(skus=[sku]))["inventory_level"] != 42  # async: not applied yet
    clock.advance(5)
    assert next(client.iter_products(skus=[sku]))["inventory_level"] == 42


def test_zettle_channel_and_category_and_filtering_by_channel(client):
    channel = client.ensure_channel()
    assert client.ensure_channel()["id"] == channel["id"] and channel["type"] == "pos"
    ids = [p["id"] for p in client.iter_products()][:4]
    client.assign_products_to_channel(product_ids=ids, channel_id=channel["id"])
    assert sorted(p["id"] for p in client.iter_products(channel_id=channel["id"])) == sorted(ids)
    assert len(list(client.iter_channel_assignments(channel_id=channel["id"]))) == 4
    client.unassign_products_from_channel(product_ids=ids[:1], channel_id=channel["id"])
    assert len(list(client.iter_products(channel_id=channel["id"]))) == 3
    category = client.ensure_category(name="PayPal Zettle")
    assert client.ensure_category(name="PayPal Zettle")["category_id"] == category["category_id"]
    client.assign_categories(assignments=[(ids[0], category["category_id"])])
    assert category["category_id"] in client.get_product(product_id=ids[0])["categories"]


def test_orders_refunds_coupons_customers(sandbox, client, store):
    sku = next(client.iter_variants())["sku"]
    orders = [sandbox.sell(store["account"], sku, 2) for _ in range(3)]
    listed = list(client.iter_orders())
    assert [o["id"] for o in listed] == [o["id"] for o in orders]
    assert sandbox.calls("GET", "/v2/orders")[-1].status == 200  # 3 < 250: no need for the 204 page
    lines = client.get_order_products(order_id=listed[0]["id"])
    hub = order_from_bc(listed[0], lines)
    assert hub.total == Decimal(listed[0]["total_inc_tax"]) and hub.lines[0].quantity == 2
    assert hub.created_at is not None and hub.created_at.tzinfo is not None
    refund = client.create_refund(order_id=listed[0]["id"],
                                  items=[{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1}])
    assert [r["id"] for r in client.iter_order_refunds(order_id=listed[0]["id"])] == [refund["id"]]
    assert list(client.iter_orders(min_id=orders[-1]["id"] + 1)) == []  # the 204 empty page
    coupon = client.create_coupon(coupon={"name": "Spring", "code": "SPRING10", "type": "percentage_discount",
                                          "amount": 10, "applies_to": {"entity": "categories", "ids": [0]}})
    assert coupon["amount"] == "10.0000" and [c["code"] for c in client.iter_coupons()] == ["SPRING10"]
    created = client.create_customers(customers=[{"email": f"c{i}@example.com", "first_name": "C", "last_name": str(i)}
                                                 for i in range(12)])
    assert len(created) == 12 and _batch_sizes(sandbox, "POST", "/v3/customers") == [10, 2]
    assert len(list(client.iter_customers())) == 12


def test_ensure_hooks_creates_once_and_reactivates(sandbox, client, store):
    scopes = ["store/product/updated", "store/order/created"]
    destination = "https://flyt.example/webhooks/bigcommerce/abc/"
    hooks = client.ensure_hooks(scopes=scopes, destination=destination, headers={"X-Flyt-Webhook-Token": "one"})
    assert [h["scope"] for h in hooks] == scopes
    sandbox.account(store["account"])["hooks"][str(hooks[0]["id"])]["is_active"] = False
    again = client.ensure_hooks(scopes=scopes, destination=destination, headers={"X-Flyt-Webhook-Token": "two"})
    assert [h["id"] for h in again] == [h["id"] for h in hooks]
    assert all(h["is_active"] and h["headers"] == {"X-Flyt-Webhook-Token": "two"} for h in again)
    assert len(sandbox.calls("POST", "/v3/hooks")) == 2
