"""Writing through ZettleClient: products, bulk delete and import, stock movements, purchases."""

import json
import math
from decimal import Decimal

import pytest

from integrations.dto import ExternalStockLevel
from integrations.errors import ConnectorError
from integrations.sandbox.seed import catalog
from integrations.zettle import mapping
from integrations.zettle.api_products import DELETE_CHUNK
from integrations.zettle.client import ZettleClient
from integrations.zettle.mapping import new_uuid1
from tests.integration.zettle.conftest import api_calls, beanie


def test_create_then_conditional_merge_patch_update(sandbox, client):
    created = client.create_product(product=beanie())
    assert created["etag"] and created["organizationUuid"]
    assert api_calls(sandbox, "/products", method="POST")[0].status == 201
    _, etag = client.get_product(uuid=created["uuid"])
    new_etag = client.update_product(uuid=created["uuid"], changes={"name": "Beanie", "description": None},
                                     etag=etag)
    product, _ = client.get_product(uuid=created["uuid"])
    assert product["name"] == "Beanie" and "description" not in product and len(product["variants"]) == 2
    assert new_etag.strip('"') == product["etag"]
    with pytest.raises(ConnectorError) as caught:  # someone else's etag is stale now
        client.update_product(uuid=created["uuid"], changes={"name": "Lost update"}, etag=etag)
    assert caught.value.status == 412 and "read it again" in caught.value.message
    assert client.get_product(uuid=created["uuid"])[0]["name"] == "Beanie"


def test_duplicate_uuid_and_validation_errors_are_clear(client):
    product = beanie()
    client.create_product(product=product)
    with pytest.raises(ConnectorError) as caught:
        client.create_product(product=product)
    assert caught.value.status == 400 and "ITEM_ALREADY_EXIST" in caught.value.message
    with pytest.raises(ConnectorError) as caught:
        client.create_product(product={**beanie(), "name": ""})
    assert "name" in caught.value.message and caught.value.retryable is False


def test_categories_are_created_with_client_uuids_and_listed(client):
    category = {"uuid": new_uuid1(), "name": "Hats"}
    client.create_categories(categories=[category])
    assert client.list_categories() == [category]
    with pytest.raises(ConnectorError) as caught:
        client.create_categories(categories=[category])
    assert "ITEM_ALREADY_EXIST" in caught.value.message


def test_more_than_99_variants_is_refused_before_sending(sandbox, client):
    product = beanie()
    product["variants"] = [dict(product["variants"][0], uuid=new_uuid1(), sku=f"S-{i}") for i in range(100)]
    with pytest.raises(ConnectorError) as caught:
        client.create_product(product=product)
    assert "99 variants" in caught.value.message
    assert api_calls(sandbox, "/products") == []


def test_bulk_delete_goes_in_chunks_of_100(sandbox, account, client):
    sandbox.seed(account["account"], catalog(250))
    uuids = [p["uuid"] for p in client.iter_products()]
    client.delete_products(uuids=uuids)
    deletes = api_calls(sandbox, "/products", method="DELETE")
    assert [len(r.query["uuid"]) for r in deletes] == [100, 100, 50]
    assert len(deletes) == math.ceil(250 / DELETE_CHUNK)
    assert list(client.iter_products()) == []


def test_bulk_import_batches_and_finishes_asynchronously(sandbox, client, clock):
    products = [dict(beanie(), uuid=new_uuid1(), name=f"Beanie {i}",
                     variants=[dict(v, uuid=new_uuid1()) for v in beanie()["variants"]]) for i in range(1200)]
    imports = client.import_products(products=iter(products))
    assert [r["state"] for r in imports] == ["IMPORTING"] * 3
    assert [len(r.json()["products"]) for r in api_calls(sandbox, "/import/v2")] == [500, 500, 200]
    before = clock.now()
    for record in imports:
        assert client.wait_for_import(import_uuid=record["uuid"])["state"] == "FINISHED_SUCCESS"
    assert clock.now() - before >= 2  # imports took time on the sandbox clock
    assert sum(1 for _ in client.iter_products()) == 1200


def test_a_failed_import_surfaces_its_error_message(client):
    product = beanie()
    product["variants"][0]["price"]["currencyId"] = "EUR"
    [record] = client.import_products(products=[product])
    with pytest.raises(ConnectorError) as caught:
        client.wait_for_import(import_uuid=record["uuid"])
    assert "currencyId" in caught.value.message and caught.value.retryable is False


def test_import_larger_than_the_sandbox_limit_is_413(sandbox, make_client):
    client = make_client(sandbox.create_account(limits={"import_max": 10}))
    with pytest.raises(ConnectorError) as caught:
        client.import_products(products=[dict(beanie(), uuid=new_uuid1()) for _ in range(11)], batch_size=11)
    assert caught.value.status == 413


def test_set_stock_moves_the_difference_and_starts_tracking(sandbox, account, client):
    sandbox.seed(account["account"], catalog(150))
    products = list(client.iter_products())
    untracked = products[0]["uuid"]
    client.stop_tracking(product_uuid=untracked)
    store = sandbox.state["accounts"][account["account"]]["balances"]["STORE"]
    levels = [ExternalStockLevel(external_variant_id=p["variants"][0]["uuid"], external_product_id=p["uuid"],
                                 quantity=store[p["variants"][0]["uuid"]] + (5 if i % 2 else -1))
              for i, p in enumerate(products)]
    levels[0].quantity = 42
    plan = client.set_stock(levels=levels)
    assert {lv.external_variant_id: store[lv.external_variant_id] for lv in levels} == \
        {lv.external_variant_id: lv.quantity for lv in levels}
    assert plan["start"] == [] and len(plan["movements"]) == 150  # tracking was switched on before the read
    tracking = [r for r in api_calls(sandbox, "/inventory/v3/products", method="POST") if r.path.endswith("/products")]
    assert [r.json() for r in tracking] == [[{"productUuid": untracked, "tracking": "disable"}],
                                            [{"productUuid": untracked, "tracking": "enable"}]]
    reads = api_calls(sandbox, "/inventory/v3/stock/")
    assert [len(r.json()) for r in reads] == [100, 50, 1]  # 100 products a read, then the one switched on
    [call] = api_calls(sandbox, "/inventory/v3/movements")  # 150 movements: one call (500 at most)
    movements = call.json()["movements"]
    assert len(movements) == 150 and all(m["change"] > 0 for m in movements)
    locations = client.locations()
    assert {(m["from"], m["to"]) for m in movements} == {
        (locations["SUPPLIER"], locations["STORE"]), (locations["STORE"], locations["BIN"])}
    assert client.set_stock(levels=levels)["movements"] == []  # nothing left to move
    assert len(api_calls(sandbox, "/inventory/v3/movements")) == 1


def test_movements_on_an_untracked_product_are_product_not_tracked(sandbox, seeded, client):
    product = next(client.iter_products())
    client.stop_tracking(product_uuid=product["uuid"])
    move = {"productUuid": product["uuid"], "variantUuid": product["variants"][0]["uuid"], "from": "SUPPLIER",
            "to": "STORE", "change": 1}
    with pytest.raises(ConnectorError) as caught:
        client.move(movements=[move])
    assert "PRODUCT_NOT_TRACKED" in caught.value.message
    client.start_tracking(product_uuid=product["uuid"])
    assert client.move(movements=[dict(move, change=3)], identifier="flyt-run-1") is None  # 204: no balances
    [row] = [r for r in client.product_balances(product_uuids=[product["uuid"]])[1]
             if r["variantUuid"] == move["variantUuid"]]
    assert isinstance(row["balance"], int)  # v3 balances are numbers


def test_purchases_page_with_the_hash_cursor_until_an_empty_page(sandbox, seeded, client):
    sku = next(client.iter_products())["variants"][0]["sku"]
    for _ in range(2300):
        sandbox.sell(seeded["account"], sku, 1)
    purchases = list(client.iter_purchases())
    assert len(purchases) == 2300 and len({mapping.purchase_uuid(p) for p in purchases}) == 2300
    pages = api_calls(sandbox, "/purchases/v2")
    assert len(pages) == math.ceil(2300 / 1000) + 1  # Zettle's rule: read on until a page comes back empty
    assert all(r.query["limit"] == ["1000"] for r in pages)
    assert [p["purchaseNumber"] for p in purchases[:3]] == [1, 2, 3]


def test_a_refund_is_its_own_negative_purchase_linked_both_ways(sandbox, seeded, client):
    variant = next(client.iter_products())["variants"][0]
    before = sandbox.store_balance(seeded["account"], variant["uuid"])
    sale = sandbox.sell(seeded["account"], variant["sku"], 2)
    assert sandbox.store_balance(seeded["account"], variant["uuid"]) == before - 2
    refund = sandbox.refund(seeded["account"], sale["purchaseUUID1"], lines={variant["sku"]: 1})
    assert sandbox.store_balance(seeded["account"], variant["uuid"]) == before - 1
    original = client.get_purchase(purchase_uuid=sale["purchaseUUID1"])
    assert original["refunded"] is True and original["refundedByPurchaseUUIDs1"] == [refund["purchaseUUID1"]]
    orders = [mapping.order_from_purchase(p) for p in client.iter_purchases()]
    assert [(o.status, o.lines[0].quantity) for o in orders] == [("refunded", 2), ("refund", -1)]
    assert orders[1].total == -Decimal(variant["price"]["amount"]) / 100
    assert refund["products"][0]["quantity"] == "-1" and refund["refundsPurchaseUUID1"] == sale["purchaseUUID1"]


@pytest.mark.django_db
def test_from_connection_uses_the_sandbox_base_url(sandbox, clock, merchant_a):
    from integrations.models import Connection
    from integrations.platforms import validate_settings
    from integrations.sandbox.transport import SandboxTransport

    connect = sandbox.create_account()
    sandbox.seed(connect["account"], catalog(2))
    validate_settings("zettle", connect["settings"])
    connection = Connection.objects.create(merchant=merchant_a, platform="zettle", name="POS",
                                           credentials=connect["credentials"], settings=connect["settings"],
                                           external_account_id=connect["external_account_id"])
    client = ZettleClient.from_connection(Connection.objects.get(pk=connection.pk),
                                          transport=SandboxTransport(sandbox), clock=clock)
    assert client.users_self()["organizationUuid"] == connect["external_account_id"]
    assert len(list(client.iter_products())) == 2
    assert json.loads(sandbox.calls(path_contains="/users/self")[0].body or b"null") is None
