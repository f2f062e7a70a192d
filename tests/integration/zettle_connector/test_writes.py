"""ZettleConnector writes against the Zettle sandbox: create (import and single), update within fields,
delete; what Zettle holds afterwards is read from the sandbox's own state."""

import copy
from decimal import Decimal

import pytest

from integrations.dto import ExternalVariant
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.zettle.api_products import IMPORT_BATCH
from integrations.zettle.connector import ZettleConnector
from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle_connector.conftest import (
    ALL_FIELDS,
    NO_PRICES,
    hub_product,
    make_connector,
    stored,
    writes,
)


def test_write_batch_size_is_the_import_batch():
    assert ZettleConnector.write_batch_size == IMPORT_BATCH == 500


def test_create_many_uses_one_import_and_returns_ids_keyed_by_sku(sandbox, org, connector):
    products = [hub_product(n) for n in range(1, 4)]
    results = connector.create_products(products=products, fields=ALL_FIELDS)
    imports = api_calls(sandbox, "/import/v2")
    assert [len(r.json()["products"]) for r in imports] == [3]
    assert api_calls(sandbox, "/organizations/self/products", method="POST") == []
    assert all(r.ok and not r.error for r in results)
    for product, result in zip(products, results, strict=True):
        saved = stored(org, result.external_id)
        assert result.variant_ids == {v["sku"]: v["uuid"] for v in saved["variants"]}
        assert list(result.variant_ids) == [v.sku for v in product.variants]
        assert saved["name"] == product.title and saved["description"] == "Stoneware & glaze"
        assert [(v["price"], v["costPrice"]) for v in saved["variants"]] == \
            [({"amount": 9900, "currencyId": "SEK"}, {"amount": 4000, "currencyId": "SEK"})] * 3
        assert [v["barcode"] for v in saved["variants"]] == [v.barcode for v in product.variants]
        assert [v["options"] for v in saved["variants"]] == [[{"name": "Size", "value": s}] for s in "SML"]
        assert saved["variantOptionDefinitions"]["definitions"][0]["properties"] == [
            {"value": "S"}, {"value": "M"}, {"value": "L"}]
        assert saved["presentation"]["imageUrl"] == product.images[0].url
        assert saved["vatPercentage"] == "25"  # Zettle's default VAT; never written afterwards
        assert "category" not in saved and "categories" not in saved
        assert saved["uuid"] in org["tracked"]  # initial stock: tracking on, levels moved in
        for variant, uuid in zip(product.variants, result.variant_ids.values(), strict=True):
            assert org["balances"]["STORE"][uuid] == variant.stock


def test_create_one_product_is_one_post_without_an_import(sandbox, org, connector):
    [result] = connector.create_products(products=[hub_product(1, variants=1)], fields=ALL_FIELDS - {"stock"})
    assert result.ok and stored(org, result.external_id)["variants"][0]["sku"] == "MUG-1-S"
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in writes(sandbox)] == [("POST", "products")]
    assert api_calls(sandbox, "/import") == [] and api_calls(sandbox, "/inventory") == []


def test_create_without_prices_writes_price_zero_and_no_cost(sandbox, org, connector):
    product = hub_product(1)
    for variant in product.variants:  # what the engine passes when prices are not included
        variant.price, variant.cost_price = Decimal("0"), None
    [result] = connector.create_products(products=[product], fields=NO_PRICES)
    saved = stored(org, result.external_id)
    assert [v["price"] for v in saved["variants"]] == [{"amount": 0, "currencyId": "SEK"}] * 3
    assert all("costPrice" not in v for v in saved["variants"])


def test_create_writes_only_the_fields_it_is_given(sandbox, org, connector):
    fields = frozenset({"name", "price", "variants"})
    [result] = connector.create_products(products=[hub_product(1)], fields=fields)
    saved = stored(org, result.external_id)
    assert "description" not in saved and "presentation" not in saved
    assert all("sku" not in v and "barcode" not in v and "costPrice" not in v for v in saved["variants"])
    # keyed like the engine's variant_key (the hub SKU), whether or not the SKU is written to Zettle
    assert result.variant_ids == {f"MUG-1-{s}": v["uuid"] for s, v in zip("SML", saved["variants"], strict=True)}
    assert saved["uuid"] not in org["tracked"] and api_calls(sandbox, "/inventory") == []


def test_a_product_zettle_cannot_take_fails_alone_before_sending(sandbox, org, connector):
    too_many = hub_product(2, variants=100)
    nameless = hub_product(3)
    nameless.title = "  "
    results = connector.create_products(products=[hub_product(1), too_many, nameless, hub_product(4)],
                                        fields=ALL_FIELDS)
    assert [r.ok for r in results] == [True, False, False, True]
    assert "at most 99" in results[1].error and "'Blue mug 2'" in results[1].error
    assert "no name" in results[2].error
    assert [len(r.json()["products"]) for r in api_calls(sandbox, "/import/v2")] == [2]
    assert len(org["products"]) == 2


def test_a_refused_import_is_retried_product_by_product_with_merchant_messages(sandbox, clock):
    connect = sandbox.create_account(currency="SEK")
    connector = make_connector(sandbox, clock, connect, currency="NOK")  # settings disagree with Zettle
    results = connector.create_products(products=[hub_product(1, variants=1), hub_product(2, variants=1)],
                                        fields=ALL_FIELDS)
    assert len(api_calls(sandbox, "/import/v2")) == 1
    assert len(api_calls(sandbox, "/organizations/self/products", method="POST")) == 2
    assert [r.ok for r in results] == [False, False] and not any(r.retryable for r in results)
    assert results[0].error.startswith("Zettle refused product 'Blue mug 1' (SKU MUG-1-S): ")
    assert "currency" in results[0].error and "Zettle account" in results[0].error
    assert sandbox.account(connect["account"])["products"] == {}


def test_an_import_still_running_at_the_deadline_raises_retryable(sandbox, clock):
    connect = sandbox.create_account(currency="SEK", limits={"import_seconds": 5000})
    connector = make_connector(sandbox, clock, connect, currency="SEK")
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1), hub_product(2)], fields=ALL_FIELDS)
    assert caught.value.retryable and "still importing" in caught.value.message


def test_zettle_down_during_an_import_raises_retryable_for_the_whole_batch(sandbox, connector):
    sandbox.faults.fail_next(10, status=503, path_contains="/import/v2")
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1), hub_product(2)], fields=ALL_FIELDS)
    assert caught.value.retryable and caught.value.platform == "zettle"
    sandbox.faults.fail_next(10, status=503, path_contains="/organizations/self/products")
    with pytest.raises(ConnectorError):  # a batch of one: one POST, same rule
        connector.create_products(products=[hub_product(3)], fields=ALL_FIELDS)


def test_revoked_access_raises_instead_of_failing_every_product(sandbox, clock):
    connect = sandbox.create_account(currency="SEK", scopes=["READ:PRODUCT"])
    connector = make_connector(sandbox, clock, connect, currency="SEK")
    with pytest.raises(ConnectorError) as caught:
        connector.create_products(products=[hub_product(1), hub_product(2)], fields=ALL_FIELDS)
    assert caught.value.status == 403 and not caught.value.retryable


def _created(connector, org, product, fields=ALL_FIELDS):
    [result] = connector.create_products(products=[product], fields=fields)
    for variant in product.variants:
        variant.external_id = result.variant_ids[variant.sku]
    product.external_id = result.external_id
    return stored(org, result.external_id)


def test_update_without_price_leaves_prices_vat_and_category_alone(sandbox, account, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    category = {"uuid": "6b6f2c3e-0000-1000-8000-000000000001", "name": "Mugs"}
    sandbox.admin_update_product(account["account"], product.external_id,
                                 {"vatPercentage": "12", "category": category, "unitName": "pcs"})
    product.title, product.description = "Blue mug, large", "New text"
    for variant in product.variants:
        variant.price, variant.cost_price = Decimal("1.00"), Decimal("0.50")
    [result] = connector.update_products(products=[product], fields=NO_PRICES - {"stock"})
    assert result.ok and result.external_id == product.external_id
    assert result.variant_ids == {v.sku: v.external_id for v in product.variants}
    saved = stored(org, product.external_id)
    assert (saved["name"], saved["description"]) == ("Blue mug, large", "New text")
    assert [v["price"]["amount"] for v in saved["variants"]] == [9900] * 3
    assert [v["costPrice"]["amount"] for v in saved["variants"]] == [4000] * 3
    assert (saved["vatPercentage"], saved["category"], saved["unitName"]) == ("12", category, "pcs")
    put = api_calls(sandbox, "/products/v2/", method="PUT")[0]
    assert "vatPercentage" not in put.json() and "category" not in put.json()
    assert put.headers.get("if-match")  # conditional on the ETag read just before


def test_update_with_price_writes_prices_and_nothing_outside_fields(sandbox, org, connector):
    product = hub_product(1)
    before = copy.deepcopy(_created(connector, org, product))
    product.title = "Not to be written"
    product.variants[1].price = Decimal("129.50")
    product.variants[1].barcode = "0000000000000"
    [result] = connector.update_products(products=[product], fields=frozenset({"price"}))
    saved = stored(org, product.external_id)
    assert result.ok and saved["name"] == before["name"]
    assert [v["price"]["amount"] for v in saved["variants"]] == [9900, 12950, 9900]
    assert [v["barcode"] for v in saved["variants"]] == [v["barcode"] for v in before["variants"]]
    assert set(api_calls(sandbox, "/products/v2/", method="PUT")[0].json()) == {"variants"}


def test_an_unchanged_product_costs_a_read_and_no_write(sandbox, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    before = len(writes(sandbox))
    [result] = connector.update_products(products=[product], fields=ALL_FIELDS)
    assert result.ok and len(result.variant_ids) == 3
    assert len(writes(sandbox)) == before


def test_variants_are_added_and_removed_only_with_the_variants_field(sandbox, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    removed = product.variants.pop(0)
    product.variants.append(ExternalVariant(external_id="", sku="MUG-1-XL", barcode="5700001999999",
                                            price=Decimal("109.00"), option_values={"Size": "XL"}))
    product.options = [{"name": "Size", "values": ["M", "L", "XL"]}]
    [kept] = connector.update_products(products=[product], fields=ALL_FIELDS - {"variants"})
    saved = stored(org, product.external_id)
    assert [v["sku"] for v in saved["variants"]] == ["MUG-1-S", "MUG-1-M", "MUG-1-L"]
    assert "MUG-1-XL" not in kept.variant_ids
    [result] = connector.update_products(products=[product], fields=ALL_FIELDS)
    saved = stored(org, product.external_id)
    assert [v["sku"] for v in saved["variants"]] == ["MUG-1-M", "MUG-1-L", "MUG-1-XL"]
    assert removed.external_id not in {v["uuid"] for v in saved["variants"]}
    assert result.variant_ids == {v["sku"]: v["uuid"] for v in saved["variants"]}
    assert saved["variants"][2]["price"] == {"amount": 10900, "currencyId": "SEK"}
    assert [p["value"] for p in saved["variantOptionDefinitions"]["definitions"][0]["properties"]] == \
        ["M", "L", "XL"]


def test_a_variant_without_a_bound_id_is_matched_by_sku(sandbox, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    uuids = [v.external_id for v in product.variants]
    for variant in product.variants:
        variant.external_id = ""
        variant.barcode = variant.barcode[:-1] + "9"
    [result] = connector.update_products(products=[product], fields=ALL_FIELDS)
    assert list(result.variant_ids.values()) == uuids
    assert [v["barcode"][-1] for v in stored(org, product.external_id)["variants"]] == ["9"] * 3


def test_a_change_made_in_zettle_between_read_and_write_is_read_again(sandbox, account, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    original = connector.client.get_product
    edits = []

    def get_then_edit_at_the_till(**kwargs):
        answer = original(**kwargs)
        if not edits:
            edits.append(sandbox.admin_update_product(account["account"], product.external_id,
                                                      {"unitName": "box"}))
        return answer

    connector.client.get_product = get_then_edit_at_the_till
    product.title = "Blue mug, renamed in Flyt"
    [result] = connector.update_products(products=[product], fields=ALL_FIELDS)
    assert result.ok
    assert [r.status for r in api_calls(sandbox, "/products/v2/", method="PUT")] == [412, 204]
    saved = stored(org, product.external_id)
    assert (saved["name"], saved["unitName"]) == ("Blue mug, renamed in Flyt", "box")


def test_updating_a_product_deleted_in_zettle_says_so(sandbox, account, org, connector):
    product = hub_product(1)
    _created(connector, org, product)
    sandbox.admin_delete_product(account["account"], product.external_id)
    [result] = connector.update_products(products=[product], fields=ALL_FIELDS)
    assert not result.ok and "no longer exists in Zettle" in result.error and "'Blue mug 1'" in result.error


def test_images_follow_the_hub_only_with_the_images_field(sandbox, org, connector):
    product = hub_product(1, images=2)
    _created(connector, org, product)
    product.images.reverse()
    for position, image in enumerate(product.images):
        image.position = position
    connector.update_products(products=[product], fields=ALL_FIELDS - {"images"})
    assert stored(org, product.external_id)["presentation"]["imageUrl"].endswith("mug-1-0.jpg")
    connector.update_products(products=[product], fields=ALL_FIELDS)
    assert stored(org, product.external_id)["presentation"]["imageUrl"].endswith("mug-1-1.jpg")


def test_delete_products_in_bulk_and_already_deleted_is_fine(sandbox, account, org, connector):
    sandbox.seed(account["account"], catalog(130))
    uuids = list(org["products"])
    sandbox.admin_delete_product(account["account"], uuids[0])
    connector.delete_products(external_ids=uuids)
    deletes = api_calls(sandbox, "/products", method="DELETE")
    assert [len(r.query["uuid"]) for r in deletes] == [100, 30]
    assert org["products"] == {}
    connector.delete_products(external_ids=[])
    assert len(api_calls(sandbox, "/products", method="DELETE")) == 2


def test_prices_in_another_currency_are_never_written(sandbox, org, connector):
    product = hub_product(1)
    product.currency = "DKK"  # the hub's price list; Zettle sells in SEK
    [created] = connector.create_products(products=[product], fields=ALL_FIELDS)
    saved = stored(org, created.external_id)
    assert created.ok and "currencies differ (DKK in Flyt vs SEK in Zettle)" in created.error
    assert [v["price"]["amount"] for v in saved["variants"]] == [0, 0, 0]
    assert all("costPrice" not in v for v in saved["variants"])
    sandbox.admin_update_product(org["organization_uuid"], created.external_id, {"name": "Till name"})
    product.external_id = created.external_id
    [updated] = connector.update_products(products=[product], fields=ALL_FIELDS)
    saved = stored(org, created.external_id)
    assert updated.ok and "currencies differ" in updated.error and saved["name"] == "Blue mug 1"
    assert [v["price"]["amount"] for v in saved["variants"]] == [0, 0, 0]


def test_initial_stock_may_be_negative_and_untracked_variants_are_left_alone(sandbox, org, connector):
    product = hub_product(1, variants=2)
    product.variants[0].stock = -2
    product.variants[1].track_stock, product.variants[1].stock = False, None
    [result] = connector.create_products(products=[product], fields=ALL_FIELDS)
    first, second = result.variant_ids.values()
    assert org["balances"]["STORE"][first] == -2 and org["balances"]["STORE"].get(second, 0) == 0


def test_updating_an_unlinked_product_fails_without_a_call(sandbox, connector):
    [result] = connector.update_products(products=[hub_product(1)], fields=ALL_FIELDS)
    assert not result.ok and "not linked" in result.error
    assert api_calls(sandbox) == []
