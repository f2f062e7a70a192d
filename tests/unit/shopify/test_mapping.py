"""Shopify JSON <-> hub DTOs, from Shopify's own REST fixtures and GraphQL shapes."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.dto import ExternalProduct, ExternalVariant
from integrations.shopify import gql, mapping

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def test_rest_product_maps_money_as_decimal_and_keeps_inventory_items():
    product = mapping.product_from_rest(load("product__ipod.json")["product"])
    assert product.external_id == "632910392" and product.brand == "Apple"
    assert [v.sku for v in product.variants] == ["IPOD2008PINK", "IPOD2008RED", "IPOD2008GREEN", "IPOD2008BLACK"]
    assert product.variants[0].price == Decimal("199.00")
    assert product.variants[0].weight_grams == 200 and product.variants[0].stock == 10
    assert product.categories == ["Emotive", "Flash Memory", "MP3", "Music"]
    assert product.images[0].url.startswith("http://static.shopify.com/")


def test_rest_order_maps_lines_and_refunds():
    order = mapping.order_from_rest(load("order__single.json")["order"])
    assert order.external_id == "450789469" and order.total == Decimal("409.94") and order.currency == "USD"
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines][0] == ("IPOD2008GREEN", 1,
                                                                                      Decimal("199.00"))
    assert order.refunded_total == Decimal("0")


def test_graphql_product_and_order():
    node = {"id": "gid://shopify/Product/8801", "title": "Merino Beanie", "descriptionHtml": "<p>Warm</p>",
            "vendor": "Nordic Knits", "productType": "Hats", "status": "DRAFT", "tags": ["wool"],
            "options": [{"name": "Colour", "values": ["Grey"]}], "featuredMedia": None,
            "updatedAt": "2026-03-05T09:01:12+01:00",
            "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/9101", "sku": "BEANIE-GRY", "price": "25.00",
                                    "barcode": None, "inventoryQuantity": 10,
                                    "selectedOptions": [{"name": "Colour", "value": "Grey"}],
                                    "inventoryItem": {"id": "gid://shopify/InventoryItem/7701", "tracked": True}}]}}
    product = mapping.product_from_graphql(node)
    assert (product.external_id, product.status) == ("8801", "draft")
    assert product.variants[0].option_values == {"Colour": "Grey"}
    assert product.extra["inventory_item_ids"] == {"9101": "7701"}
    order = mapping.order_from_graphql({"id": "gid://shopify/Order/5501", "displayFinancialStatus": "PAID",
                                        "totalPriceSet": {"shopMoney": {"amount": "57.00", "currencyCode": "DKK"}},
                                        "lineItems": {"nodes": []}, "retailLocation": {"id": "gid://shopify/Location/65"}})
    assert (order.status, order.total, order.currency, order.external_location_id) == ("paid", Decimal("57.00"),
                                                                                      "DKK", "65")


def test_product_to_set_input_lists_every_variant_with_options():
    product = ExternalProduct(external_id="8801", title="Beanie", options=[{"name": "Colour", "values": ["Grey"]}],
                              variants=[ExternalVariant(external_id="9101", sku="B-G", price=Decimal("25"),
                                                        cost_price=Decimal("9.5"), weight_grams=200,
                                                        option_values={"Colour": "Grey"}, stock=3)])
    data = mapping.product_to_set_input(product, location_id="65")
    assert "id" not in data  # ProductSetInput.id is deprecated: the product is named by identifier
    assert mapping.product_set_identifier(product) == {"id": "gid://shopify/Product/8801"}
    assert data["productOptions"] == [{"name": "Colour", "position": 1, "values": [{"name": "Grey"}]}]
    variant = data["variants"][0]
    assert variant["price"] == "25.00" and variant["inventoryItem"]["cost"] == "9.50"
    assert variant["optionValues"] == [{"optionName": "Colour", "name": "Grey"}]
    assert "inventoryQuantities" not in variant  # stock of existing variants goes through inventory mutations
    new = ExternalProduct(external_id="", title="Mug", variants=[
        ExternalVariant(external_id="", sku="MUG", price=Decimal("10"), stock=4)])
    assert mapping.product_set_identifier(new) is None
    simple = mapping.product_to_set_input(new, location_id="65")
    assert simple["variants"][0]["inventoryQuantities"][0] == {"locationId": "gid://shopify/Location/65",
                                                               "name": "available", "quantity": 4}
    assert simple["productOptions"][0]["name"] == "Title"


def test_gids():
    assert mapping.to_gid("Product", 5) == "gid://shopify/Product/5"
    assert mapping.from_gid("gid://shopify/InventoryLevel/65?inventory_item_id=7701") == "65"
    assert mapping.from_gid(None) == ""


def test_query_cost_follows_shopifys_rules():
    assert gql.requested_cost(gql.parse("{ products(first: 10) { nodes { id } } }"), {}) == 12
    nested = "query Q($n: Int!) { products(first: $n) { edges { node { id variants(first: 5) { nodes { id } } } } } }"
    assert gql.requested_cost(gql.parse(nested), {"n": 10}) == 2 + 10 * (1 + 2 + 5)
    assert gql.requested_cost(gql.parse("mutation { a: productDelete(input: {}) { deletedProductId } }"), {}) == 10
    assert gql.largest_page(nested, {}, page_variable="n") == (1000 - 2) // 8 == 124


def test_graphql_product_image_comes_from_featured_media():
    node = {"id": "gid://shopify/Product/8801", "title": "Beanie", "variants": {"nodes": []},
            "featuredMedia": {"id": "gid://shopify/MediaImage/31", "image": {"url": "https://cdn.example/b.jpg",
                                                                            "altText": "Grey beanie"}}}
    [image] = mapping.product_from_graphql(node).images
    assert (image.url, image.alt, image.external_id) == ("https://cdn.example/b.jpg", "Grey beanie", "31")
    assert mapping.product_from_graphql({**node, "featuredMedia": {"id": "gid://shopify/Video/4"}}).images == []


def test_graphql_customer_email_and_phone_come_from_their_default_addresses():
    customer = mapping.customer_from_graphql({"id": "gid://shopify/Customer/3301", "firstName": "Jane",
                                              "defaultEmailAddress": {"emailAddress": "jane@example.com"},
                                              "defaultPhoneNumber": {"phoneNumber": "+4512345678"}})
    assert (customer["email"], customer["phone"]) == ("jane@example.com", "+4512345678")
    assert mapping.customer_from_graphql({"id": "gid://shopify/Customer/1", "defaultEmailAddress": None,
                                          "defaultPhoneNumber": None})["email"] == ""


def test_a_product_with_more_than_three_options_is_refused_by_the_mapping():
    product = ExternalProduct(external_id="", title="Jacket", options=[
        {"name": name, "values": ["A"]} for name in ("Size", "Colour", "Material", "Fit")], variants=[
        ExternalVariant(external_id="", sku="J-1", price=Decimal("10"),
                        option_values={"Size": "A", "Colour": "A", "Material": "A", "Fit": "A"})])
    with pytest.raises(mapping.TooManyOptions):
        mapping.product_to_set_input(product)
