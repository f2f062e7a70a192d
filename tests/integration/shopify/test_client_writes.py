"""ShopifyClient writes against the sandbox: productSet batches, stock compare-and-set and deltas,
idempotency, webhook subscriptions."""

import json
from decimal import Decimal

import pytest

from integrations.dto import ExternalProduct, ExternalVariant
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.shopify.operations import PRODUCT_SET_PER_REQUEST


def hub_product(n, sizes=("S", "M", "L")):
    return ExternalProduct(
        external_id="", title=f"Wool socks {n}", description="<p>Warm</p>", brand="Flyt", product_type="Clothing",
        options=[{"name": "Size", "values": list(sizes)}],
        variants=[ExternalVariant(external_id="", sku=f"SOCK-{n}-{s}", price=Decimal("79.00"), stock=5,
                                  option_values={"Size": s}) for s in sizes])


def location_id(sandbox, shop):
    return sandbox.primary_location(sandbox.account(shop["account"]))["id"]


def test_set_products_batches_productset_mutations(sandbox, shop, client):
    results = client.set_products(products=[hub_product(n) for n in range(60)],
                                  location_id=location_id(sandbox, shop))
    assert len(results) == 60
    calls = sandbox.calls("POST", "graphql.json")
    sizes = [json.loads(c.body)["query"].count("productSet(") for c in calls]
    assert sizes == [PRODUCT_SET_PER_REQUEST, PRODUCT_SET_PER_REQUEST, 10]
    account = sandbox.account(shop["account"])
    assert len(account["products"]) == 60
    first = account["products"][results[0]["product_id"]]
    assert [v["sku"] for v in first["variants"]] == ["SOCK-0-S", "SOCK-0-M", "SOCK-0-L"]
    assert [v["price"] for v in first["variants"]] == ["79.00"] * 3
    item = results[0]["inventory_item_ids"]["SOCK-0-M"]
    assert sandbox.level(account, int(item), location_id(sandbox, shop))["available"] == 5


def test_set_products_replaces_the_variant_list(sandbox, shop, client):
    created = client.set_products(products=[hub_product(1)])[0]
    update = hub_product(1, sizes=("S", "M"))
    update.external_id = created["product_id"]
    for variant in update.variants:
        variant.external_id = created["variant_ids"][variant.sku]
    update.variants[0].price = Decimal("89.50")
    client.set_products(products=[update])
    product = sandbox.account(shop["account"])["products"][created["product_id"]]
    assert [(v["sku"], v["price"]) for v in product["variants"]] == [("SOCK-1-S", "89.50"), ("SOCK-1-M", "79.00")]
    assert product["options"][0]["values"] == ["S", "M"]


def test_set_products_user_error_is_permanent_and_names_the_product(client):
    broken = hub_product(2)
    broken.external_id = "999999"
    with pytest.raises(ConnectorError) as caught:
        client.set_products(products=[broken])
    assert caught.value.retryable is False
    assert "Wool socks 2" in caught.value.message and "Product does not exist" in caught.value.message


def seeded_items(sandbox, shop, count):
    sandbox.seed(shop["account"], catalog(count))
    account = sandbox.account(shop["account"])
    return account, [int(k) for k in sorted(account["inventory_items"], key=int)]


def test_set_stock_batches_250_rows_and_compares_before_setting(sandbox, shop, client):
    account, items = seeded_items(sandbox, shop, 600)
    loc = location_id(sandbox, shop)
    rows = [{"inventory_item_id": i, "location_id": loc, "quantity": 7,
             "compare_quantity": sandbox.level(account, i, loc)["available"]} for i in items]
    client.set_stock(quantities=rows)
    calls = sandbox.calls("POST", "graphql.json")
    assert [len(json.loads(c.body)["variables"]["input"]["quantities"]) for c in calls] == [250, 250, 100]
    assert {sandbox.level(account, i, loc)["available"] for i in items} == {7}


def test_set_stock_with_a_stale_compare_quantity_changes_nothing(sandbox, shop, client):
    account, items = seeded_items(sandbox, shop, 2)
    loc = location_id(sandbox, shop)
    before = [sandbox.level(account, i, loc)["available"] for i in items]
    rows = [{"inventory_item_id": items[0], "location_id": loc, "quantity": 50, "compare_quantity": before[0]},
            {"inventory_item_id": items[1], "location_id": loc, "quantity": 50, "compare_quantity": before[1] + 1}]
    with pytest.raises(ConnectorError) as caught:
        client.set_stock(quantities=rows)
    assert caught.value.retryable is True and caught.value.status == 409
    assert caught.value.detail["stale"] is True
    assert [sandbox.level(account, i, loc)["available"] for i in items] == before


def test_adjust_stock_applies_deltas_once_per_idempotency_key(sandbox, shop, client):
    account, items = seeded_items(sandbox, shop, 1)
    loc = location_id(sandbox, shop)
    before = sandbox.level(account, items[0], loc)["available"]
    change = [{"inventory_item_id": items[0], "location_id": loc, "delta": -3}]
    client.adjust_stock(changes=change, idempotency_key="order-1001")
    client.adjust_stock(changes=change, idempotency_key="order-1001")  # a retried task
    assert sandbox.level(account, items[0], loc)["available"] == before - 3
    client.adjust_stock(changes=change, idempotency_key="order-1002")
    assert sandbox.level(account, items[0], loc)["available"] == before - 6


def test_adjust_stock_on_an_unstocked_location_is_refused(sandbox, shop, client):
    _, items = seeded_items(sandbox, shop, 1)
    with pytest.raises(ConnectorError) as caught:
        client.adjust_stock(changes=[{"inventory_item_id": items[0], "location_id": 424242, "delta": 1}])
    assert "location could not be found" in caught.value.message


def test_stock_reads_by_location_and_by_item(sandbox, shop, client):
    account, items = seeded_items(sandbox, shop, 300)
    loc = location_id(sandbox, shop)
    levels = list(client.iter_stock_levels())
    assert len(levels) == 300
    assert {lv.external_location_id for lv in levels} == {str(loc)}
    by_item = client.stock_levels(inventory_item_ids=items[:3])
    assert [lv.quantity for lv in by_item] == [sandbox.level(account, i, loc)["available"] for i in items[:3]]


def test_orders_and_customers_are_read_with_all_lines(sandbox, shop, client):
    sandbox.seed(shop["account"], catalog(2))
    order = sandbox.sell(shop["account"], "FLY-000001", 2)
    orders = list(client.iter_orders())
    assert [o.external_id for o in orders] == [str(order["id"])]
    assert orders[0].lines[0].sku == "FLY-000001" and orders[0].lines[0].quantity == 2
    assert orders[0].total == Decimal(order["total_price"])
    customers = list(client.iter_customers())
    assert customers[0]["email"] == "jane@example.com"
    rest_orders = list(client.iter_rest_orders())
    assert rest_orders[0].external_id == str(order["id"])


def test_webhook_subscriptions_are_managed_through_graphql(sandbox, shop, client):
    subscription = client.subscribe(topic="inventory_levels/update", address="https://flyt.example/webhooks/shopify/1/")
    assert client.webhook_subscriptions() == [{"id": subscription, "topic": "INVENTORY_LEVELS_UPDATE",
                                               "address": "https://flyt.example/webhooks/shopify/1/"}]
    with pytest.raises(ConnectorError) as duplicate:
        client.subscribe(topic="inventory_levels/update", address="https://flyt.example/webhooks/shopify/1/")
    assert "already been taken" in duplicate.value.message
    client.unsubscribe(subscription_id=subscription)
    assert client.webhook_subscriptions() == []


def test_set_products_returns_every_variant_past_the_first_page(sandbox, shop, client):
    # Shopify allows 2,048 variants; a page holds 250. Two options: 20 sizes x 15 colours = 300 variants.
    sizes, colours = [f"EU {n}" for n in range(20)], [f"Colour {n}" for n in range(15)]
    socks = ExternalProduct(external_id="", title="Wool socks 7", options=[
        {"name": "Size", "values": sizes}, {"name": "Colour", "values": colours}], variants=[
        ExternalVariant(external_id="", sku=f"SOCK-{s}-{c}", price=Decimal("79.00"),
                        option_values={"Size": s, "Colour": c}) for s in sizes for c in colours])
    result = client.set_products(products=[socks])[0]
    assert len(result["variant_ids"]) == 300 and len(result["inventory_item_ids"]) == 300
    product = sandbox.account(shop["account"])["products"][result["product_id"]]
    assert result["variant_ids"] == {v["sku"]: str(v["id"]) for v in product["variants"]}


def test_set_products_reports_a_product_with_more_than_three_options_and_saves_the_others(sandbox, shop, client):
    jacket = ExternalProduct(external_id="", title="Rain jacket", options=[
        {"name": name, "values": ["A"]} for name in ("Size", "Colour", "Material", "Fit")], variants=[
        ExternalVariant(external_id="", sku="JACKET-1", price=Decimal("10"),
                        option_values={"Size": "A", "Colour": "A", "Material": "A", "Fit": "A"})])
    results = client.set_products(products=[hub_product(1), jacket, hub_product(2)])
    assert [r["error"] for r in results[::2]] == ["", ""]
    assert "Rain jacket" in results[1]["error"] and "JACKET-1" in results[1]["error"]
    assert "at most 3" in results[1]["error"] and results[1]["product_id"] == ""
    titles = {p["title"] for p in sandbox.account(shop["account"])["products"].values()}
    assert titles == {"Wool socks 1", "Wool socks 2"}
