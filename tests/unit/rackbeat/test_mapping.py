import json
from decimal import Decimal
from pathlib import Path

from integrations.dto import ExternalProduct, ExternalVariant
from integrations.rackbeat import mapping

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rackbeat"


def load(name):
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def test_a_product_is_a_hub_product_with_one_variant_keyed_by_number():
    product = mapping.product_to_external(load("products__single.json")["product"])
    assert product.external_id == "FLY-000001-1" and product.title == "Nordic mug 1 - S"
    (variant,) = product.variants
    assert (variant.external_id, variant.sku, variant.barcode) == ("FLY-000001-1", "FLY-000001-1", "5700000000004")
    assert variant.price == Decimal("129.00") and variant.cost_price == Decimal("53.55") and variant.stock == 34
    assert product.categories == ["1"] and product.images[0].url.endswith("fly-000001-1.jpg")
    assert product.status == "active" and product.updated_at.hour == 1


def test_a_hub_product_with_variants_becomes_one_rackbeat_product_per_variant():
    hub = ExternalProduct(external_id="p1", title="Wool beanie", status="active", variants=[
        ExternalVariant(external_id="", sku="BEANIE-BLK", barcode="7311111111111", price=Decimal("249.00"),
                        cost_price=Decimal("90"), option_values={"Colour": "Black"}),
        ExternalVariant(external_id="", sku="BEANIE-GRY", barcode="7311111111112", price=Decimal("249.00"),
                        option_values={"Colour": "Grey"})])
    bodies = mapping.products_from_external(hub, group=1)
    assert bodies[0] == {"number": "BEANIE-BLK", "name": "Wool beanie - Black", "group": 1, "description": "",
                         "barcode": "7311111111111", "sales_price": 249.0, "is_barred": False,
                         "recommended_cost_price": 90.0}
    assert bodies[1]["number"] == "BEANIE-GRY" and "recommended_cost_price" not in bodies[1]


def test_stock_rows_and_relative_adjustments():
    row = {"location": {"id": 3, "number": "1", "name": "Main warehouse"}, "stock_quantity": Decimal("12.0")}
    level = mapping.location_stock("SKU-1", row)
    assert (level.external_variant_id, level.quantity, level.external_location_id) == ("SKU-1", 12, "1")
    assert mapping.adjustment_lines(number="SKU-1", location="1", current=12, target=9) == [
        {"number": "SKU-1", "location": "1", "quantity": -3}]
    assert mapping.adjustment_lines(number="SKU-1", location="1", current=9, target=9) == []


def test_an_order_maps_with_status_and_lines():
    order = mapping.order_to_external(load("orders__shipped.json")["order"])
    assert order.external_id == "1001" and order.status == "shipped" and order.external_location_id == "1"
    (line,) = order.lines
    assert (line.sku, line.quantity, line.unit_price) == ("FLY-000001-2", 2, Decimal("119.00"))
    assert order.total == Decimal("238.00")
