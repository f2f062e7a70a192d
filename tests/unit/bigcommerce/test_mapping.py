"""BigCommerce JSON <-> hub DTOs."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.bigcommerce import mapping
from integrations.dto import ExternalProduct, ExternalVariant

BEANIE = {
    "id": 112, "name": "Merino Beanie", "type": "physical", "sku": "BEANIE", "description": "<p>Warm knit hat</p>",
    "weight": 0.2, "price": 25.0, "cost_price": 9.5, "categories": [23], "inventory_tracking": "variant",
    "inventory_level": 18, "is_visible": True, "availability": "available", "base_variant_id": None,
    "date_modified": "2026-03-05T08:01:12+00:00", "brand_name": "Nordic",
    "images": [{"id": 2, "url_zoom": "https://cdn/b.jpg", "is_thumbnail": False, "sort_order": 1},
               {"id": 1, "url_zoom": "https://cdn/a.jpg", "is_thumbnail": True, "sort_order": 0}],
    "variants": [
        {"id": 301, "product_id": 112, "sku": "BEANIE-GRY", "price": None, "cost_price": 9.5, "inventory_level": 10,
         "upc": "5701234000011", "gtin": "05701234000011", "weight": None,
         "option_values": [{"id": 71, "label": "Grey", "option_id": 40, "option_display_name": "Colour"}]},
        {"id": 302, "product_id": 112, "sku": "BEANIE-NVY", "price": 27.1, "cost_price": None, "inventory_level": 8,
         "upc": "5701234000028", "gtin": "", "weight": 0.25,
         "option_values": [{"id": 72, "label": "Navy", "option_id": 40, "option_display_name": "Colour"}]},
    ],
}


def test_product_from_bc_inherits_null_prices_and_keeps_decimals():
    product = mapping.product_from_bc(BEANIE)
    assert (product.external_id, product.title, product.status, product.brand) == ("112", "Merino Beanie", "active",
                                                                                  "Nordic")
    grey, navy = product.variants
    assert grey.price == Decimal("25.0") and navy.price == Decimal("27.1")  # not 27.100000000000001
    assert navy.cost_price == Decimal("9.5") and grey.weight_grams == 200 and navy.weight_grams == 250
    assert grey.barcode == "05701234000011" and navy.barcode == "5701234000028"
    assert product.options == [{"name": "Colour", "values": ["Grey", "Navy"]}]
    assert [i.url for i in product.images] == ["https://cdn/a.jpg", "https://cdn/b.jpg"]
    assert product.updated_at == datetime(2026, 3, 5, 8, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("visible", "availability", "status"), [(True, "available", "active"),
                                                                 (False, "available", "draft"),
                                                                 (True, "disabled", "archived")])
def test_status_comes_from_visibility_and_availability(visible, availability, status):
    assert mapping.product_from_bc({**BEANIE, "is_visible": visible, "availability": availability}).status == status


def test_simple_product_without_variants_listed():
    simple = {"id": 5, "name": "Mug", "sku": "MUG", "price": 10, "base_variant_id": 9, "inventory_level": 4,
              "inventory_tracking": "product"}
    product = mapping.product_from_bc(simple)
    assert [(v.external_id, v.sku, v.stock, v.price) for v in product.variants] == [("9", "MUG", 4, Decimal("10"))]


def test_product_to_bc_simple_and_with_options():
    simple = ExternalProduct(external_id="", title="Mug", status="draft", variants=[
        ExternalVariant(external_id="", sku="MUG", price=Decimal("49.95"), weight_grams=400, barcode="5701234000011")])
    body = mapping.product_to_bc(simple, category_ids=["7"])
    assert body == {"name": "Mug", "type": "physical", "description": "", "price": 49.95, "weight": 0.4,
                    "categories": [7], "is_visible": False, "sku": "MUG", "inventory_tracking": "product",
                    "upc": "5701234000011", "gtin": "5701234000011"}
    complex_body = mapping.product_to_bc(mapping.product_from_bc(BEANIE))
    assert complex_body["inventory_tracking"] == "variant" and "sku" not in complex_body
    assert [(v["sku"], v["price"], v["option_values"]) for v in complex_body["variants"]] == [
        ("BEANIE-GRY", 25.0, [{"option_display_name": "Colour", "label": "Grey"}]),
        ("BEANIE-NVY", 27.1, [{"option_display_name": "Colour", "label": "Navy"}])]
    update = mapping.product_update_to_bc(simple, external_id="5", fields=["price"])
    assert update == {"id": 5, "price": 49.95}
    assert mapping.variant_to_bc(simple.variants[0], external_id="301")["id"] == 301


def test_v2_order_strings_and_rfc2822_dates():
    order = {"id": 250, "status_id": 11, "currency_code": "DKK", "total_inc_tax": "67.5000",
             "refunded_amount": "0.0000", "date_created": "Thu, 05 Mar 2026 10:06:40 +0000",
             "billing_address": {"email": "jane@example.com"}}
    lines = [{"id": 8, "product_id": 112, "variant_id": 301, "sku": "BEANIE-GRY", "quantity": 2,
              "price_inc_tax": "31.2500"}]
    hub = mapping.order_from_bc(order, lines)
    assert hub.total == Decimal("67.5000") and hub.refunded_total == Decimal("0")
    assert hub.created_at == datetime(2026, 3, 5, 10, 6, 40, tzinfo=UTC)
    assert hub.lines[0].unit_price == Decimal("31.25") and hub.lines[0].external_variant_id == "301"
    assert mapping.is_paid(order) and not mapping.is_paid({"status_id": 0})
    assert mapping.refund_total([{"total_amount": 31.25}, {"total_amount": 1.1}]) == Decimal("32.35")


def test_stock_items_need_exactly_one_identifier():
    assert mapping.stock_item(location_id=1, sku="A", quantity=2) == {"location_id": 1, "sku": "A", "quantity": 2}
    with pytest.raises(ValueError):
        mapping.stock_item(location_id=1, sku="A", variant_id=3, quantity=2)
    assert mapping.stock_identifier({"id": 5, "inventory_tracking": "product"}, 9) == {"product_id": 5}
    assert mapping.stock_identifier({"id": 5, "inventory_tracking": "variant"}, 9) == {"variant_id": 9}
