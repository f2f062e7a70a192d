"""The widely used ``bigcommerce`` PyPI client (V2 API) talks to the sandbox served over HTTP."""

import bigcommerce
import pytest
from bigcommerce.exception import ClientRequestException

from integrations.sandbox.registry import persisted, reset_all
from integrations.sandbox.seed import catalog


@pytest.fixture
def served(settings, tmp_path, live_server):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    reset_all()
    with persisted("bigcommerce") as sandbox:
        connect = sandbox.create_account()
        sandbox.seed(connect["account"], catalog(3, variants=2))
        orders = [sandbox.sell(connect["account"], f"FLY-00000{n}-1", n) for n in (1, 2, 3)]
    api = bigcommerce.api.BigcommerceApi(client_id=connect["credentials"]["client_id"], store_hash=connect["account"],
                                         access_token=connect["credentials"]["access_token"])
    root = f"{live_server.url}/sandbox/bigcommerce/stores/{connect['account']}/v2/"
    api.connection.full_path = lambda url: root + url  # plain HTTP to the live server instead of https://api...
    yield api, orders
    reset_all()


@pytest.mark.django_db(transaction=True)
def test_package_lists_and_reads_orders(served):
    api, orders = served
    listed = api.Orders.all()
    assert [o.id for o in listed] == [o["id"] for o in orders]
    assert listed[0].total_inc_tax == orders[0]["total_inc_tax"] and listed[0].total_inc_tax.endswith(".0000")
    order = api.Orders.get(orders[1]["id"])
    assert order.status_id == 11 and order.billing_address["email"] == "jane@example.com"
    lines = order.products()
    assert [(line.sku, line.quantity) for line in lines] == [("FLY-000002-1", 2)]
    assert [o.id for o in api.Orders.iterall()] == [o["id"] for o in orders]  # stops at the 204 empty page
    assert api.Orders.count() == 3
    assert api.connection.rate_limit["requests_quota"] == 150


@pytest.mark.django_db(transaction=True)
def test_package_creates_coupons(served):
    api, _ = served
    coupon = api.Coupons.create(name="Spring sale", code="SPRING10", type="percentage_discount", amount="10",
                                applies_to={"entity": "categories", "ids": [0]})
    assert coupon.id and coupon.amount == "10.0000"
    assert [c.code for c in api.Coupons.all()] == ["SPRING10"]
    with pytest.raises(ClientRequestException) as caught:
        api.Coupons.create(name="Again", code="SPRING10", type="percentage_discount", amount="5",
                           applies_to={"entity": "categories", "ids": [0]})
    assert caught.value.response.status_code == 409
