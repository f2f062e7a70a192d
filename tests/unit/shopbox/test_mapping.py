import json
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.dto import ExternalStockLevel
from integrations.errors import WebhookRejected
from integrations.shopbox import mapping, webhooks

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopbox"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def test_a_product_with_variants_maps_to_the_hub():
    product = mapping.product_to_external(load("products__with_variants.json"), currency="DKK")
    assert product.external_id == "5" and product.title == "Nordic mug 1" and product.status == "active"
    assert product.options == [{"name": "Size", "values": ["S", "M"]}]
    assert [v.sku for v in product.variants] == ["FLY-000001-1", "FLY-000001-2"]
    assert product.variants[1].price == Decimal("119.00") and product.variants[1].cost_price == Decimal("53.55")
    assert product.variants[1].option_values == {"Size": "M"} and product.variants[1].external_parent_id == "5"
    assert [i.url for i in product.images][0].endswith("fly-000001-1.jpg")
    assert product.categories == ["Kitchen"] and product.updated_at.year == 2026


def test_a_hub_product_maps_back_to_an_upsert_body():
    hub = mapping.product_to_external(load("products__with_variants.json"))
    body = mapping.product_from_external(hub, shopbox_id=5)
    assert body["id"] == 5 and body["name"] == "Nordic mug 1" and body["price"] == "119.00"
    assert [(v["id"], v["sku"], v["price"], v["options"]) for v in body["variants"]] == [
        (9, "FLY-000001-1", "119.00", {"Size": "S"}), (11, "FLY-000001-2", "119.00", {"Size": "M"})]


def test_money_switches_to_minor_units_when_configured(monkeypatch):
    monkeypatch.setattr(mapping, "MONEY_IN_MINOR_UNITS", True)
    assert mapping.money_in(24900) == Decimal("249.00")
    assert mapping.money_out(Decimal("249.00")) == 24900


def test_a_basket_maps_to_an_order():
    order = mapping.basket_to_order(load("baskets__sale.json"))
    assert order.external_id == "9cb501b6-81d9-598c-8ee2-f0ccf3fdcbf3" and order.status == "completed"
    assert order.total == Decimal("238.00") and order.currency == "DKK" and order.external_location_id == "2"
    (line,) = order.lines
    assert (line.sku, line.quantity, line.unit_price, line.external_variant_id) == (
        "FLY-000001-2", 2, Decimal("119.00"), "11")


def test_a_cancelled_basket_is_a_cancelled_order():
    assert mapping.basket_to_order({**load("baskets__sale.json"), "canceled": True}).status == "cancelled"


def test_stock_records_map_both_ways():
    record = load("product_inventories__list.json")["data"][1]
    level = mapping.inventory_to_stock(record)
    assert level == ExternalStockLevel(external_variant_id="11", quantity=record["quantity"],
                                       external_location_id="2", external_product_id="5")
    assert mapping.stock_to_inventory(level) == {"variant_id": 11, "branch_id": 2, "quantity": record["quantity"]}


def test_a_claimed_shopbox_webhook_is_refused():
    with pytest.raises(WebhookRejected, match="does not send webhooks"):
        webhooks.verify(headers={}, body=b"{}", secrets=["x"])
