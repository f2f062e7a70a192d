import json
from decimal import Decimal
from pathlib import Path

from integrations.dto import ExternalStockLevel
from integrations.zettle import mapping
from integrations.zettle.api_inventory import stock_plan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "zettle"


def _fixture(name):
    return json.loads((FIXTURES / name).read_text())


def test_product_from_zettle_converts_minor_units_options_and_images():
    product = mapping.product_from_zettle(_fixture("products__create_two_variants.json")["request"])
    assert product.title == "Wool beanie" and product.currency == "SEK"
    assert product.options == [{"name": "Colour", "values": ["Black", "Grey"]}]
    assert product.categories == ["Hats"]
    assert [(v.sku, v.price, v.cost_price, v.option_values) for v in product.variants] == [
        ("BEANIE-BLK", Decimal("249.00"), Decimal("90.00"), {"Colour": "Black"}),
        ("BEANIE-GRY", Decimal("249.00"), Decimal("90.00"), {"Colour": "Grey"}),
    ]
    assert product.variants[0].external_parent_id == "9a0c1e10-0a0a-11ef-8000-00000000a001"
    assert [(i.url, i.external_id) for i in product.images] == [
        ("https://image.izettle.com/productimage/o/EXAMPLEKEY.jpeg", "EXAMPLEKEY.jpeg")]
    assert product.extra["vatPercentage"] == "25"


def test_product_round_trip_keeps_uuids_prices_and_options():
    source = _fixture("products__create_two_variants.json")["request"]
    body = mapping.product_to_zettle(mapping.product_from_zettle(source), currency="SEK")
    assert body["uuid"] == source["uuid"] and body["vatPercentage"] == "25"
    assert [(v["uuid"], v["price"], v["costPrice"], v["options"]) for v in body["variants"]] == [
        (v["uuid"], v["price"], v["costPrice"], v["options"]) for v in source["variants"]]
    assert body["variantOptionDefinitions"] == source["variantOptionDefinitions"]
    assert body["imageLookupKeys"] == ["EXAMPLEKEY.jpeg"]


def test_new_variants_get_version_one_uuids():
    product = mapping.product_from_zettle({"uuid": "p", "name": "x", "variants": []})
    product.variants.append(mapping.variant_from_zettle({"uuid": ""}, product_uuid="p"))
    body = mapping.product_to_zettle(product, currency="NOK")
    assert body["variants"][0]["uuid"][14] == "1"  # the UUID version digit


def test_money_and_quantities():
    assert mapping.money_from_minor(24900, "SEK") == Decimal("249.00")
    assert mapping.money_to_minor(Decimal("249.005"), "SEK") == 24901
    assert mapping.money_to_minor("19.99", "EUR") == 1999
    assert mapping.money_from_minor(None) is None
    assert [mapping.parse_quantity(q) for q in ("12", "-1", "1.000", 7, None)] == [12, -1, 1, 7, 0]


def test_purchases_map_to_orders_with_refunds_negative():
    refund, sale = (mapping.order_from_purchase(p) for p in _fixture("purchases__sale_and_refund.json")["purchases"])
    assert (sale.status, sale.total, sale.currency, len(sale.lines)) == ("refunded", Decimal("498.00"), "SEK", 2)
    assert sale.lines[0].quantity == 1 and sale.lines[0].unit_price == Decimal("249.00")
    assert (refund.status, refund.total, refund.lines[0].quantity) == ("refund", Decimal("-249.00"), -1)
    assert refund.lines[0].sku == "BEANIE-GRY" and refund.created_at.year == 2024


def test_stock_plan_starts_tracking_and_moves_the_differences_with_positive_changes():
    fixture = _fixture("inventory__v3_start_tracking_and_stock.json")
    levels = [ExternalStockLevel(external_variant_id=row["variantUuid"], external_product_id=row["productUuid"],
                                 quantity=row["quantity"]) for row in fixture["levels"]]
    plan = stock_plan(levels=levels, current={}, tracked=set())  # new products: never tracked, nothing held
    assert plan["start"] == [row["productUuid"] for row in fixture["tracking_request"]]
    assert [(m["variantUuid"], m["from"], m["to"], m["change"]) for m in plan["movements"]] == [
        (m["variantUuid"], "SUPPLIER", "STORE", m["change"]) for m in fixture["movements_request"]["movements"]]
    down = stock_plan(levels=[ExternalStockLevel(external_variant_id="v", quantity=4, external_product_id="p")],
                      current={"v": 10}, tracked={"p"})
    assert down == {"start": [], "movements": [{"productUuid": "p", "variantUuid": "v", "from": "STORE", "to": "BIN",
                                                "change": 6}]}
    # already tracked and already right: nothing to send
    assert stock_plan(levels=[ExternalStockLevel(external_variant_id="v", quantity=5, external_product_id="p")],
                      current={"v": 5}, tracked={"p"}) == {"start": [], "movements": []}


def test_times_in_every_zettle_form():
    assert mapping.parse_time("2024-05-02T10:15:30.140+0000").isoformat() == "2024-05-02T10:15:30.140000+00:00"
    assert mapping.parse_time("2024-05-02T10:15:30.155Z").microsecond == 155000
    assert mapping.parse_time(1714644930155).year == 2024
    assert mapping.format_time(0) == "1970-01-01T00:00:00.000+0000"
