"""create_products, update_products and delete_products: fields respected, batch sizes, messages."""

from decimal import Decimal

import pytest

from integrations.dto import ExternalImage, ExternalVariant
from integrations.errors import ConnectorError
from tests.integration.bigcommerce_connector.helpers import ZETTLE_TARGET

from .helpers import ALL_FIELDS, ZETTLE_TO_BC, batch_sizes, hub_product, mark, writes


def _created(connector, products, fields=ZETTLE_TO_BC, placement=None):
    results = connector.create_products(products=products, fields=fields, placement=placement)
    assert all(r.ok for r in results), [r.error for r in results]
    for product, result in zip(products, results, strict=True):
        product.external_id = result.external_id
        for index, variant in enumerate(product.variants):
            variant.external_id = result.variant_ids[variant.sku or f"#{index}"]
    return results


def test_create_with_variants_images_stock_and_placement(sandbox, connector, account):
    category_id = connector.prepare(role="target", options=ZETTLE_TARGET)["category_id"]
    product = hub_product(1, variants=3, images=2)
    mark(sandbox)
    (result,) = _created(connector, [product], placement={"category": "PayPal Zettle", "visible": False})
    assert [r.method for r in writes(sandbox)] == ["POST"]  # variants and image URLs inline: one call
    raw = account["products"][result.external_id]
    assert raw["categories"] == [category_id] and raw["is_visible"] is False
    assert raw["page_title"] == "SEO 1" and raw["meta_description"] == "Meta 1"
    assert raw["inventory_tracking"] == "variant" and raw["type"] == "physical"
    assert raw["tax_class_id"] == 0 and raw["brand_id"] == 0  # never written
    assert [i["url_zoom"] for i in raw["images"]] == [i.url for i in product.images]
    variants = {v["sku"]: v for v in (account["variants"][str(i)] for i in raw["_variant_ids"])}
    assert set(result.variant_ids) == set(variants) == {"HUB-1-S", "HUB-1-M", "HUB-1-L"}
    assert all(result.variant_ids[sku] == str(v["id"]) for sku, v in variants.items())
    assert variants["HUB-1-M"]["price"] == 199.0 and variants["HUB-1-M"]["weight"] == 0.251
    assert variants["HUB-1-M"]["upc"] == product.variants[1].barcode
    assert variants["HUB-1-M"]["cost_price"] is None  # cost price is not in Zettle -> BigCommerce's table
    levels = {sku: sandbox._available(account, v["id"]) for sku, v in variants.items()}
    assert levels == {"HUB-1-S": 5, "HUB-1-M": 6, "HUB-1-L": 7}


def test_create_simple_product_and_variant_without_sku(sandbox, connector, account):
    product = hub_product(2, variants=1)
    product.variants[0].sku = ""
    (result,) = _created(connector, [product], fields=ALL_FIELDS)
    raw = account["products"][result.external_id]
    assert result.variant_ids == {"#0": str(raw["base_variant_id"])}
    assert raw["inventory_tracking"] == "product" and raw["inventory_warning_level"] == 2
    assert raw["cost_price"] == 80.0 and raw["is_visible"] is True  # no placement: BigCommerce's default
    assert sandbox._available(account, raw["base_variant_id"]) == 5


def test_create_without_prices_writes_price_zero(connector, account):
    product = hub_product(3, variants=2, price="0")
    (result,) = _created(connector, [product], fields=ZETTLE_TO_BC - {"price", "cost_price"})
    raw = account["products"][result.external_id]
    assert raw["price"] == 0.0
    assert {account["variants"][str(i)]["price"] for i in raw["_variant_ids"]} == {None}  # inherit 0


def test_create_batch_is_one_post_per_product_and_reports_each(sandbox, connector, account):
    existing = next(iter(account["products"].values()))["name"]
    products = [hub_product(n, variants=2) for n in range(10)]
    products[4].title = existing
    mark(sandbox)
    results = connector.create_products(products=products, fields=ZETTLE_TO_BC, placement=None)
    assert len(sandbox.calls("POST", "/v3/catalog/products")) == 10 and len(writes(sandbox)) == 10
    assert [r.ok for r in results] == [True] * 4 + [False] + [True] * 5
    assert results[4].error == (f"BigCommerce refused product '{existing}': the name is already used by another "
                                "product. Rename one of them.")
    assert results[4].retryable is False


def test_create_reports_a_taken_sku(connector):
    _created(connector, [hub_product(1, variants=1)])
    (result,) = connector.create_products(products=[hub_product(1, variants=1, title="Other")],
                                          fields=ZETTLE_TO_BC)
    assert not result.ok and result.error.startswith("BigCommerce refused product 'Other' (SKU HUB-1): the SKU is "
                                                     "already used by another product")


def test_update_writes_only_the_given_fields(sandbox, client, connector, account):
    category_id = connector.prepare(role="target", options=ZETTLE_TARGET)["category_id"]
    product = hub_product(1, variants=3)
    (result,) = _created(connector, [product], placement={"category": "PayPal Zettle", "visible": False})
    pid = int(result.external_id)
    # the merchant moves the product, shows it, sets its tax class and brand in BigCommerce
    client.update_product(product_id=pid, fields={"categories": [], "is_visible": True, "tax_class_id": 3,
                                                  "brand_name": "Merchant"})
    product.title, product.description = "Renamed", "<p>changed</p>"
    for variant in product.variants:
        variant.price, variant.weight_grams = Decimal("249.00"), 999
    mark(sandbox)
    (updated,) = connector.update_products(products=[product], fields=frozenset({"name", "weight"}))
    assert updated.ok and updated.external_id == str(pid)
    raw = account["products"][str(pid)]
    assert raw["name"] == "Renamed" and raw["description"] == "<p>1</p>"  # description not in fields
    assert raw["price"] == 199.0 and raw["categories"] == [] and raw["is_visible"] is True
    assert raw["tax_class_id"] == 3 and raw["brand_name"] == "Merchant" and category_id
    variants = [account["variants"][str(i)] for i in raw["_variant_ids"]]
    assert {v["price"] for v in variants} == {199.0} and {v["weight"] for v in variants} == {0.999}
    sent = sandbox.calls("PUT", "/v3/catalog/products")[0].json()
    assert sent == [{"id": pid, "name": "Renamed", "weight": 0.999}]
    assert all(set(row) == {"id", "weight"} for row in sandbox.calls("PUT", "/v3/catalog/variants")[0].json())


def test_update_prices_and_barcodes(connector, account):
    product = hub_product(1, variants=2)
    _created(connector, [product])
    product.variants[0].price, product.variants[1].barcode = Decimal("10.50"), "5799999999994"
    (result,) = connector.update_products(products=[product], fields=ZETTLE_TO_BC)
    assert result.ok
    variants = {account["variants"][v.external_id]["sku"]: account["variants"][v.external_id]
                for v in product.variants}
    assert variants["HUB-1-S"]["price"] == 10.5 and variants["HUB-1-M"]["upc"] == "5799999999994"


def test_updates_batch_10_products_and_50_variants(sandbox, connector):
    products = [hub_product(n, variants=6) for n in range(20)]
    for start in range(0, 20, 10):
        _created(connector, products[start:start + 10])
    for product in products:
        product.description = "<p>new</p>"
    mark(sandbox)
    results = []
    for start in range(0, 20, connector.write_batch_size):
        results += connector.update_products(products=products[start:start + 10], fields=ZETTLE_TO_BC)
    assert all(r.ok for r in results) and len(results) == 20
    assert batch_sizes(sandbox, "PUT", "/v3/catalog/products") == [10, 10]
    assert batch_sizes(sandbox, "PUT", "/v3/catalog/variants") == [50, 10, 50, 10]
    assert len(sandbox.calls("GET", "/v3/catalog/products")) == 2  # one read per batch
    assert all(len(r.variant_ids) == 6 for r in results)


def test_one_refused_product_does_not_fail_its_batch(sandbox, connector, account):
    products = [hub_product(n, variants=1) for n in range(3)]
    _created(connector, products)
    taken = next(p["name"] for p in account["products"].values() if p["name"].startswith("Nordic"))
    products[1].title = taken
    products[0].title = products[2].title = "Fine"
    products[2].title = "Also fine"
    results = connector.update_products(products=products, fields=ZETTLE_TO_BC)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == (f"BigCommerce refused product '{taken}' (SKU HUB-1): the name is already used by "
                                "another product. Rename one of them.")
    assert account["products"][products[2].external_id]["name"] == "Also fine"


def test_update_links_variants_by_sku_and_adds_and_removes_variants(sandbox, connector, account):
    product = hub_product(1, variants=3)
    _created(connector, [product])
    raw_ids = {v.sku: v.external_id for v in product.variants}
    for variant in product.variants:
        variant.external_id = ""  # linked through find_products: the engine knows no variant ids yet
    product.variants = product.variants[:2] + [ExternalVariant(external_id="", sku="HUB-1-XL", price=Decimal(5),
                                                               option_values={"Size": "XL"}, stock=4)]
    mark(sandbox)
    (kept,) = connector.update_products(products=[product], fields=ZETTLE_TO_BC - {"variants"})
    assert kept.variant_ids["HUB-1-S"] == raw_ids["HUB-1-S"] and kept.variant_ids["HUB-1-M"] == raw_ids["HUB-1-M"]
    raw = account["products"][product.external_id]
    skus = {account["variants"][str(i)]["sku"] for i in raw["_variant_ids"]}
    assert skus == {"HUB-1-S", "HUB-1-M", "HUB-1-L", "HUB-1-XL"}  # L stays: "variants" not in fields
    assert kept.variant_ids["HUB-1-XL"] == str(next(i for i in raw["_variant_ids"]
                                                    if account["variants"][str(i)]["sku"] == "HUB-1-XL"))
    assert sandbox._available(account, int(kept.variant_ids["HUB-1-XL"])) == 4
    (removed,) = connector.update_products(products=[product], fields=ZETTLE_TO_BC)
    assert removed.ok and {account["variants"][str(i)]["sku"] for i in raw["_variant_ids"]} == {
        "HUB-1-S", "HUB-1-M", "HUB-1-XL"}
    assert len(sandbox.calls("DELETE", "/variants/")) == 1


def test_update_images_only_when_in_fields(sandbox, connector, account):
    product = hub_product(1, variants=1, images=2)
    _created(connector, [product])
    product.images = [product.images[1], ExternalImage(url="https://img.example/new.jpg", position=2)]
    mark(sandbox)
    connector.update_products(products=[product], fields=ZETTLE_TO_BC - {"images"})
    assert not sandbox.calls(path_contains="/images")
    connector.update_products(products=[product], fields=ZETTLE_TO_BC)
    urls = [i["url_zoom"] for i in account["products"][product.external_id]["images"]]
    assert urls == ["https://img.example/HUB-1-1.jpg", "https://img.example/new.jpg"]
    assert len(sandbox.calls("DELETE", "/images/")) == 1 and len(sandbox.calls("POST", "/images")) == 1


def test_update_of_a_deleted_product_says_so(connector, account):
    product = hub_product(1, variants=1)
    _created(connector, [product])
    connector.delete_products(external_ids=[product.external_id])
    (result,) = connector.update_products(products=[product], fields=ZETTLE_TO_BC)
    assert not result.ok and "no longer has product 'Hub product HUB 1' (SKU HUB-1)" in result.error


def test_delete_products_and_already_deleted_ones(sandbox, connector, account):
    ids = sorted(account["products"])[:3]
    connector.delete_products(external_ids=ids)
    assert not set(ids) & set(account["products"])
    connector.delete_products(external_ids=ids + ["12345678"])  # already gone: no error
    assert len(sandbox.calls("DELETE", "/v3/catalog/products")) == 2


def test_call_stats_count_reads_and_writes(connector):
    connector.find_products(skus={"X"}, barcodes=set())
    _created(connector, [hub_product(1, variants=1)])
    stats = connector.call_stats()
    assert stats["write"] == 1 and stats["read"] >= 1 and stats["rate_limit_wait_s"] == 0


def test_a_platform_outage_is_reported_as_retryable_per_product(sandbox, connector, account):
    sandbox.faults.fail_next(5, status=503, path_contains="/v3/catalog/products")  # every attempt of the first
    results = connector.create_products(products=[hub_product(1, variants=1), hub_product(2, variants=1)],
                                        fields=ZETTLE_TO_BC)
    assert [r.ok for r in results] == [False, True]
    assert results[0].retryable and "Flyt tries again" in results[0].error


def test_a_revoked_token_stops_the_batch(sandbox, connector, account):
    account["tokens"].clear()
    with pytest.raises(ConnectorError) as raised:
        connector.create_products(products=[hub_product(1, variants=1)], fields=ZETTLE_TO_BC)
    assert raised.value.status == 401 and not raised.value.retryable
