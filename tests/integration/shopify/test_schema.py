"""The Shopify sandbox checks every GraphQL request against Shopify's published Admin schema of the
requested version and answers as Shopify does; Flyt's own documents pass it on the pinned version
and use nothing the schema marks deprecated."""

import gzip
import json
from decimal import Decimal
from pathlib import Path

import httpx
from django.test import override_settings
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    build_client_schema,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.validation import NoDeprecatedCustomRule

from integrations.dto import ExternalProduct, ExternalVariant
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify import queries
from integrations.shopify.client import ShopifyClient
from tests.integration.shopify.conftest import make_client

SCHEMAS = Path(__file__).resolve().parents[3] / "integrations" / "shopify" / "sandbox" / "schema"
SET_QUANTITIES = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { field message code } }
}
"""


def schema(version):
    with gzip.open(SCHEMAS / f"admin_{version}.json.gz", "rt") as handle:
        return build_client_schema(json.load(handle)["data"], assume_valid=True)


def api(sandbox, shop):
    return httpx.Client(transport=SandboxTransport(sandbox), base_url=shop["settings"]["base_url"],
                        headers={"X-Shopify-Access-Token": shop["credentials"]["access_token"]})


def post(http, version, query, variables=None):
    response = http.post(f"/admin/api/{version}/graphql.json", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    return response


def first_item(sandbox, shop):
    sandbox.seed(shop["account"], catalog(1))
    account = sandbox.account(shop["account"])
    item = sorted(account["inventory_items"], key=int)[0]
    location = sandbox.primary_location(account)["id"]
    return account, int(item), location


def test_a_field_the_type_lacks_is_refused_before_anything_runs(sandbox, shop):
    body = post(api(sandbox, shop), "2026-10", "query Q { products(first: 1) { nodes { id colour } } }").json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "Field 'colour' doesn't exist on type 'Product'"
    assert error["extensions"] == {"code": "undefinedField", "typeName": "Product", "fieldName": "colour"}
    assert error["path"] == ["query Q", "products", "nodes", "colour"]
    assert error["locations"] == [{"line": 1, "column": 43}]


def test_a_variable_that_does_not_fit_its_type_is_refused(sandbox, shop):
    body = post(api(sandbox, shop), "2026-10", "query P($id: ID!, $n: Int!) { product(id: $id) { variants(first: $n) "
                "{ nodes { id } } } }", {"n": 3}).json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "Variable $id of type ID! was provided invalid value"
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"] == [{"path": [], "explanation": "Expected value to not be null"}]


def test_compare_quantity_is_gone_from_2026_04_on_and_accepted_on_2026_01(sandbox, shop):
    account, item, location = first_item(sandbox, shop)
    before = sandbox.level(account, item, location)["available"]
    row = {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": f"gid://shopify/Location/{location}",
           "quantity": before + 1, "compareQuantity": before}
    variables = {"key": "k1", "input": {"name": "available", "reason": "correction", "quantities": [row]}}
    http = api(sandbox, shop)
    newer = post(http, "2026-10", SET_QUANTITIES, variables).json()
    assert "data" not in newer
    assert newer["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert newer["errors"][0]["extensions"]["problems"] == [
        {"path": ["quantities", 0, "compareQuantity"], "explanation": "Field is not defined on InventoryQuantityInput"}]
    assert sandbox.level(account, item, location)["available"] == before
    older = post(http, "2026-01", SET_QUANTITIES, {**variables, "key": "k2"}).json()
    assert older["data"]["inventorySetQuantities"]["userErrors"] == []
    assert sandbox.level(account, item, location)["available"] == before + 1


def test_change_from_quantity_is_compare_and_set_on_2026_10(sandbox, shop):
    account, item, location = first_item(sandbox, shop)
    before = sandbox.level(account, item, location)["available"]
    row = {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": f"gid://shopify/Location/{location}",
           "quantity": 40, "changeFromQuantity": before + 3}
    variables = {"key": "stale", "input": {"name": "available", "reason": "correction", "quantities": [row]}}
    stale = post(api(sandbox, shop), "2026-10", SET_QUANTITIES, variables).json()
    [error] = stale["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE" and error["field"] == ["input", "quantities", "0",
                                                                               "changeFromQuantity"]
    left_out = {**row}
    del left_out["changeFromQuantity"]
    missing = post(api(sandbox, shop), "2026-10", SET_QUANTITIES,
                   {"key": "missing", "input": {**variables["input"], "quantities": [left_out]}}).json()
    assert missing["data"]["inventorySetQuantities"]["userErrors"][0]["field"][-1] == "changeFromQuantity"
    assert sandbox.level(account, item, location)["available"] == before


def test_an_idempotency_key_is_bound_to_its_parameters(sandbox, shop):
    account, item, location = first_item(sandbox, shop)
    before = sandbox.level(account, item, location)["available"]
    row = {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": f"gid://shopify/Location/{location}",
           "quantity": before + 5, "changeFromQuantity": before}
    variables = {"key": "once", "input": {"name": "available", "reason": "correction", "quantities": [row]}}
    http = api(sandbox, shop)
    for _ in range(2):  # a transport retry: same key, same parameters, applied once
        assert post(http, "2026-10", SET_QUANTITIES, variables).json()["data"]["inventorySetQuantities"][
            "userErrors"] == []
    assert sandbox.level(account, item, location)["available"] == before + 5
    other = {**variables, "input": {**variables["input"], "quantities": [{**row, "quantity": 1,
                                                                          "changeFromQuantity": before + 5}]}}
    [error] = post(http, "2026-10", SET_QUANTITIES, other).json()["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert sandbox.level(account, item, location)["available"] == before + 5


def test_an_item_not_stocked_at_the_location_is_refused_on_2026_01_and_stocked_on_2026_10(sandbox):
    shop = sandbox.create_account(locations=("Main warehouse", "Outlet"))
    account, item, _ = first_item(sandbox, shop)
    outlet = sorted(account["locations"], key=int)[1]
    account["levels"].pop(f"{item}:{outlet}", None)
    row = {"inventoryItemId": f"gid://shopify/InventoryItem/{item}", "locationId": f"gid://shopify/Location/{outlet}",
           "quantity": 4, "changeFromQuantity": 0}
    variables = {"input": {"name": "available", "reason": "correction", "quantities": [row]}}
    http = api(sandbox, shop)
    older = post(http, "2026-01", SET_QUANTITIES, {**variables, "key": "a"}).json()
    assert older["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "ITEM_NOT_STOCKED_AT_LOCATION"
    assert sandbox.level(account, item, int(outlet)) is None
    newer = post(http, "2026-10", SET_QUANTITIES, {**variables, "key": "b"}).json()
    assert newer["data"]["inventorySetQuantities"]["userErrors"] == []
    assert sandbox.level(account, item, int(outlet))["available"] == 4


def test_a_version_the_sandbox_does_not_serve_is_answered_by_the_oldest(sandbox, shop):
    response = post(api(sandbox, shop), "2024-01", "{ shop { name } }")
    assert response.headers["X-Shopify-API-Version"] == "2026-01"
    assert response.json()["data"]["shop"]["name"]
    assert post(api(sandbox, shop), "2026-10", "{ shop { name } }").headers["X-Shopify-API-Version"] == "2026-10"


def test_productset_refuses_more_than_three_options(sandbox, shop):
    options = [{"name": name, "values": [{"name": "A"}]} for name in ("Size", "Colour", "Material", "Fit")]
    variables = {"input": {"title": "Jacket", "productOptions": options, "variants": [
        {"sku": "J-1", "optionValues": [{"optionName": o["name"], "name": "A"} for o in options]}]}}
    body = post(api(sandbox, shop), "2026-10", "mutation S($input: ProductSetInput!) { productSet(input: $input) "
                "{ product { id } userErrors { field message code } } }", variables).json()
    [error] = body["data"]["productSet"]["userErrors"]
    assert error["code"] == "OPTIONS_OVER_LIMIT" and error["field"] == ["input", "productOptions"]
    assert body["data"]["productSet"]["product"] is None
    assert sandbox.account(shop["account"])["products"] == {}


def test_productcreate_refuses_more_than_three_options_and_rest_too(sandbox, shop):
    http = api(sandbox, shop)
    create = ("mutation C($product: ProductCreateInput!) { productCreate(product: $product) "
              "{ product { id options { name values } } userErrors { field message } } }")
    four = [{"name": name, "values": [{"name": "A"}]} for name in ("Size", "Colour", "Material", "Fit")]
    refused = post(http, "2026-10", create, {"product": {"title": "Jacket", "productOptions": four}}).json()
    [error] = refused["data"]["productCreate"]["userErrors"]
    assert error["field"] == ["productOptions"] and refused["data"]["productCreate"]["product"] is None
    made = post(http, "2026-10", create, {"product": {"title": "Jacket", "productOptions": four[:3]}}).json()
    assert [o["name"] for o in made["data"]["productCreate"]["product"]["options"]] == ["Size", "Colour", "Material"]
    rest = http.post("/admin/api/2026-10/products.json", json={"product": {
        "title": "Coat", "options": [{"name": n} for n in ("Size", "Colour", "Material", "Fit")]}})
    assert rest.status_code == 422 and "options" in rest.json()["errors"]
    assert len(sandbox.account(shop["account"])["products"]) == 1


# --- Flyt's own documents ---------------------------------------------------------------------------------
def _deprecated_inputs(value, input_type, path=()):
    """Deprecated (or removed) input fields used in a variable value (graphql-core's rule sees only literals)."""
    if isinstance(input_type, GraphQLNonNull):
        return _deprecated_inputs(value, input_type.of_type, path)
    if isinstance(input_type, GraphQLList) and isinstance(value, list):
        return [found for n, item in enumerate(value) for found in _deprecated_inputs(item, input_type.of_type,
                                                                                       (*path, n))]
    if isinstance(input_type, GraphQLInputObjectType) and isinstance(value, dict):
        found = []
        for name, item in value.items():
            field = input_type.fields.get(name)
            if field is None:
                found.append(f"{input_type.name}.{name} does not exist")
                continue
            if field.deprecation_reason:
                found.append(f"{input_type.name}.{name} at {'.'.join(map(str, (*path, name)))}")
            found.extend(_deprecated_inputs(item, field.type, (*path, name)))
        return found
    return []


def exercise_flyt(sandbox, shop, clock):
    """Every GraphQL call Flyt makes on Shopify, through Flyt's own client (a top-level error raises)."""
    client = make_client(sandbox, shop, clock, variants_per_product=2)
    sandbox.seed(shop["account"], catalog(3))
    products = list(client.iter_products())
    client.get_product(product_id=products[0].external_id)
    hub = ExternalProduct(external_id="", title="Cap", options=[{"name": "Size", "values": ["S", "M"]}], variants=[
        ExternalVariant(external_id="", sku=f"CAP-{s}", price=Decimal("10"), stock=1, option_values={"Size": s})
        for s in ("S", "M")])
    location = client.locations()[0]["external_id"]
    created = client.set_products(products=[hub], location_id=location)[0]
    hub.external_id = created["product_id"]
    client.set_products(products=[hub])
    items = list(created["inventory_item_ids"].values())
    list(client.iter_stock_levels())
    client.stock_levels(inventory_item_ids=items)
    client.stock_items(inventory_item_ids=items)
    list(client.iter_location_stock(location_id=location))
    client.set_stock(quantities=[{"inventory_item_id": items[0], "location_id": location, "quantity": 4,
                                  "compare_quantity": 1}])
    client.set_stock(quantities=[{"inventory_item_id": items[0], "location_id": location, "quantity": 5,
                                  "compare_quantity": None}])
    client.adjust_stock(changes=[{"inventory_item_id": items[1], "location_id": location, "delta": 2}])
    sandbox.sell(shop["account"], "CAP-S")
    list(client.iter_orders())
    list(client.iter_customers())
    subscription = client.subscribe(topic="inventory_levels/update", address="https://flyt.example/webhooks/1/")
    client.webhook_subscriptions()
    client.unsubscribe(subscription_id=subscription)


def test_flyt_sends_only_valid_documents_without_deprecated_fields(sandbox, shop, clock):
    exercise_flyt(sandbox, shop, clock)
    admin = schema("2026-10")
    calls = sandbox.calls("POST", "graphql.json")
    assert len(calls) > 15
    problems = set()
    for call in calls:
        body = json.loads(call.body)
        document = parse(body["query"])
        problems.update(e.message for e in validate(admin, document))
        problems.update(e.message for e in validate(admin, document, [NoDeprecatedCustomRule]))
        for operation in document.definitions:
            for definition in operation.variable_definitions or ():
                name = definition.variable.name.value
                if name in (body.get("variables") or {}):
                    problems.update(_deprecated_inputs(body["variables"][name], type_from_ast(admin,
                                                                                             definition.type)))
    assert problems == set()
    assert {call.path.split("/admin/api/")[1] for call in calls} == {"2026-10/graphql.json"}
    assert {call.status for call in calls} == {200}


def test_every_document_flyt_declares_is_valid_and_uses_no_deprecated_field():
    admin = schema("2026-10")
    documents = {name: text for name, text in vars(queries).items()
                 if isinstance(text, str) and text.strip().startswith(("query ", "mutation "))}
    assert {"PRODUCTS", "PRODUCT_VARIANTS", "ORDER_LINES", "CUSTOMERS", "SET_QUANTITIES", "STOCK_ITEMS"} <= \
        set(documents)
    problems = {f"{name}: {error.message}" for name, text in documents.items()
                for error in validate(admin, parse(text), [*specified_rules, NoDeprecatedCustomRule])}
    assert problems == set()


@override_settings(SHOPIFY_API_VERSION="2026-07")
def test_the_api_version_comes_from_the_setting(sandbox, shop, clock):
    client = make_client(sandbox, shop, clock)
    client.locations()
    assert client.api_version == "2026-07"
    assert sandbox.calls("POST")[-1].path.endswith("/admin/api/2026-07/graphql.json")


def test_the_api_version_defaults_to_2026_10():
    assert ShopifyClient(shop_domain="nordic.myshopify.com", access_token="x").api_version == "2026-10"
