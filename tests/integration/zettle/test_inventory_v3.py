"""Zettle Inventory v3: the client, the stock connector and the sandbox use only the v3 paths; the
endpoints retired after 31 May 2023 answer as Zettle answers them now (not found)."""

import json
from pathlib import Path

import httpx
import pytest

from integrations.dto import ExternalStockLevel
from integrations.errors import ConnectorError
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.zettle.client import ZettleClient
from tests.integration.zettle.conftest import api_calls
from tests.integration.zettle.test_sandbox_behaviour import raw, token_for

RETIRED = [
    ("GET", "/inventory/organizations/self/locations", None),
    ("GET", "/inventory/organizations/self/inventory/locations", None),
    ("POST", "/inventory/organizations/self/inventory/products", {"locationType": "STORE", "productUuids": []}),
    ("POST", "/inventory/organizations/self/inventory", {"productUuid": "x"}),
    ("PUT", "/inventory/organizations/self/inventory", {"changes": []}),
    ("POST", "/inventory/organizations/self/v2/inventory/bulk", {"productChanges": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), RETIRED)
def test_the_retired_inventory_endpoints_are_not_found(sandbox, account, method, path, body):
    answer = raw(sandbox, method, path, token=token_for(sandbox, account), body=body)
    assert answer.status == 404
    assert answer.body["errorType"] == "ENTITY_NOT_FOUND"


def _inventory_paths(sandbox):
    return {(r.method, r.path) for r in api_calls(sandbox, "/inventory/")}


def test_set_stock_uses_v3_tracking_reads_and_movements(sandbox, account, client):
    sandbox.seed(account["account"], catalog(3, variants=2))
    products = list(client.iter_products())
    client.stop_tracking(product_uuid=products[0]["uuid"])
    store = sandbox.state["accounts"][account["account"]]["balances"]["STORE"]
    levels = [ExternalStockLevel(external_variant_id=v["uuid"], external_product_id=p["uuid"], quantity=9)
              for p in products for v in p["variants"]]

    client.set_stock(levels=levels)

    assert {lv.external_variant_id: store[lv.external_variant_id] for lv in levels} == \
        {lv.external_variant_id: 9 for lv in levels}
    paths = {path for _, path in _inventory_paths(sandbox)}
    assert all(path.startswith("/inventory/v3/") for path in paths), paths
    assert "/inventory/v3/movements" in paths and "/inventory/v3/products" in paths
    [start] = [r for r in api_calls(sandbox, "/inventory/v3/products", method="POST") if r.path.endswith("/products")
               and r.json() and r.json()[0].get("tracking") == "enable"]
    assert start.json() == [{"productUuid": products[0]["uuid"], "tracking": "enable"}]
    movements = [m for r in api_calls(sandbox, "/inventory/v3/movements") for m in r.json()["movements"]]
    locations = client.locations()
    assert movements and all(set(m) == {"productUuid", "variantUuid", "from", "to", "change"} and m["change"] > 0
                             for m in movements)
    assert {(m["from"], m["to"]) for m in movements} <= {(locations["SUPPLIER"], locations["STORE"]),
                                                         (locations["STORE"], locations["BIN"])}
    assert all(r.status == 204 for r in api_calls(sandbox, "/inventory/v3/movements"))


def test_store_balances_follow_the_cursor_link(sandbox, account, client):
    sandbox.seed(account["account"], catalog(30, variants=40))  # 1,200 balances: two pages of 1,000
    tracked, rows = client.store_balances()
    assert len(rows) == 1200 and len({r["variantUuid"] for r in rows}) == 1200 and len(tracked) == 30
    pages = api_calls(sandbox, "/inventory/v3/stock/")
    assert len(pages) == 2 and pages[1].query["cursor"]
    assert all(isinstance(r["balance"], int) for r in rows)


def test_untracked_products_and_movements_on_them(sandbox, seeded, client):
    product = next(client.iter_products())
    client.stop_tracking(product_uuid=product["uuid"])
    tracked, rows = client.product_balances(product_uuids=[product["uuid"]])
    assert tracked == set() and rows == []
    move = {"productUuid": product["uuid"], "variantUuid": product["variants"][0]["uuid"], "from": "SUPPLIER",
            "to": "STORE", "change": 1}
    with pytest.raises(ConnectorError) as caught:
        client.move(movements=[move])
    assert "PRODUCT_NOT_TRACKED" in caught.value.message and caught.value.status == 400
    client.start_tracking(product_uuid=product["uuid"])
    before = sandbox.store_balance(seeded["account"], move["variantUuid"])
    client.move(movements=[dict(move, change=3)], identifier="flyt-run-1")
    tracked, rows = client.product_balances(product_uuids=[product["uuid"]])
    assert tracked == {product["uuid"]}
    assert {r["variantUuid"]: r["balance"] for r in rows}[move["variantUuid"]] == before + 3


def test_too_many_movements_in_one_call_is_refused(sandbox, make_client):
    connect = sandbox.create_account(limits={"movements_max": 2})
    token = token_for(sandbox, connect)
    answer = raw(sandbox, "POST", "/inventory/v3/movements", token=token, body={"movements": [{}] * 3})
    assert answer.status == 413


def test_a_new_products_stock_goes_out_in_the_published_v3_shapes():
    """The client alone against Zettle's published request shapes (fixture): tracking switched on,
    then the movements, with no balance read for products that were never tracked."""
    fixture = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "zettle"
                          / "inventory__v3_start_tracking_and_stock.json").read_text())
    sent = []

    def zettle(request):
        sent.append((request.method, request.url.host, request.url.path,
                     json.loads(request.content) if request.content and request.url.path != "/token" else None))
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})
        if request.url.path == "/v3/inventories":
            return httpx.Response(200, json=fixture["inventories_response"])
        return httpx.Response(204)

    client = ZettleClient(api_key="key", client_id="client", transport=httpx.MockTransport(zettle), clock=FakeClock())
    levels = [ExternalStockLevel(external_variant_id=row["variantUuid"], external_product_id=row["productUuid"],
                                 quantity=row["quantity"]) for row in fixture["levels"]]
    client.set_new_stock(levels=levels)
    inventory = [(method, path, body) for method, host, path, body in sent if host == "inventory.izettle.com"]
    assert inventory == [("GET", "/v3/inventories", None),
                         ("POST", "/v3/products", fixture["tracking_request"]),
                         ("POST", "/v3/movements", fixture["movements_request"])]
