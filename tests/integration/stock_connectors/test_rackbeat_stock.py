"""The Rackbeat stock connector against the in-process Rackbeat sandbox: locations, reads after a sale,
paging with SKUs, relative writes (a sale between read and write is kept), refusals, batch sizes,
webhook subscriptions (with the tokens Rackbeat issues) and the sandbox's own stock webhooks."""

import pytest

from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.errors import ConnectorError
from integrations.rackbeat import webhooks
from integrations.rackbeat.stock import RackbeatStock, known_tokens
from integrations.sandbox.seed import catalog
from tests.integration.stock_connectors.conftest import SandboxAccount, account_fixture

pytestmark = pytest.mark.django_db
URL = "https://flyt.example/webhooks/rackbeat/abc/"


class Company(SandboxAccount):
    platform = "rackbeat"

    def __init__(self, merchant, sandbox, *, products=4, **config):
        super().__init__(merchant, sandbox, sandbox.create_account(rate_per_minute=100_000, **config),
                         products and catalog(products, variants=1, prefix="RB"))
        sandbox.webhooks.clear()

    def numbers(self):
        return sorted(self.account["products"])

    def set(self, number, quantity, location="1"):
        self.sandbox.admin_set_stock(self.key, number, quantity, location=location)
        self.sandbox.webhooks.clear()

    def add_location(self, number="2", name="Shop floor"):
        with self.sandbox.lock:
            self.sandbox.add_location(self.account, number=number, name=name)

    def keep(self, issued):
        """What the engine does with the tokens ``register_webhooks`` returns."""
        self.connection.platform_webhook_secrets = [issued, *self.connection.platform_webhook_secrets][:2]
        self.connection.save()


company = account_fixture("company", Company, "rackbeat")


def test_the_registry_gives_the_rackbeat_stock_connector(company):
    connector = company.connector()
    assert isinstance(connector, RackbeatStock)
    assert connector.adjust_batch_size == 100 and connector.relative_writes


def test_locations_with_one_default(company):
    company.add_location()
    locations = company.connector().locations()
    assert [(loc.external_id, loc.name, loc.is_default) for loc in locations] == [
        ("1", "Main warehouse", True), ("2", "Shop floor", False)]


def test_read_levels_after_a_sale_one_request_per_item(company):
    number, other = company.numbers()[:2]
    company.set(number, 10)
    company.set(other, 3)
    company.sandbox.sell(company.key, number, 2)
    connector = company.connector()
    connector.locations()
    before = len(company.sandbox.requests)
    levels = connector.read_levels(refs=[StockRef(variant_id=number), StockRef(variant_id=other, location_id="1"),
                                         StockRef(variant_id="NO-SUCH-NUMBER")])
    assert len(company.sandbox.requests) == before + 3  # one product read each (one location: its totals)
    assert {(lv.variant_id, lv.location_id): lv.quantity for lv in levels} == {(number, "1"): 8, (other, "1"): 3}
    level = next(lv for lv in levels if lv.variant_id == number)
    assert level.sku == number and level.product_id == number and level.tracked
    assert level.barcode == company.account["products"][number]["barcode"]


def test_a_booked_order_counts_at_once_and_untracked_items_say_so(company):
    number, other = company.numbers()[:2]
    company.set(number, 10)
    with company.sandbox.lock:
        order = company.sandbox.add_order(company.account, [{"item": {"number": number}, "location": {"number": "1"},
                                                             "quantity": 4.0}])
        company.sandbox.book(company.account, order)  # reserved, not shipped yet
    company.account["products"][other]["inventory_enabled"] = False
    levels = company.connector().read_levels(refs=[StockRef(number), StockRef(other)])
    assert {lv.variant_id: lv.tracked for lv in levels} == {number: True, other: False}
    assert next(lv.quantity for lv in levels if lv.variant_id == number) == 6


def test_several_locations_are_read_per_location(company):
    company.add_location()
    number = company.numbers()[0]
    company.set(number, 10)
    company.set(number, 4, location="2")
    connector = company.connector()
    every = connector.read_levels(refs=[StockRef(number)])
    assert {lv.location_id: lv.quantity for lv in every} == {"1": 10, "2": 4}
    one = connector.read_levels(refs=[StockRef(number, location_id="2")])
    assert [(lv.location_id, lv.quantity) for lv in one] == [("2", 4)]
    empty = company.numbers()[1]
    company.set(empty, 0)
    assert {lv.location_id: lv.quantity for lv in connector.read_levels(refs=[StockRef(empty)])} == {"1": 0, "2": 0}


def test_iter_levels_pages_with_skus(merchant_a, rackbeat):
    company = Company(merchant_a, rackbeat, products=120, max_limit=50)
    levels = list(company.connector().iter_levels())
    assert sorted(lv.sku for lv in levels) == company.numbers()
    assert all(lv.location_id == "1" and lv.barcode for lv in levels)
    assert {lv.sku: lv.quantity for lv in levels} == {n: int(p["available_quantity"])
                                                     for n, p in company.account["products"].items()}
    assert len(company.sandbox.calls("GET", "/products")) == 3  # 50 + 50 + 20


def test_iter_levels_with_several_locations(company):
    company.add_location()
    number = company.numbers()[0]
    company.set(number, 4, location="2")
    levels = list(company.connector().iter_levels(location_ids=["2"]))
    assert {lv.sku: lv.quantity for lv in levels}[number] == 4
    assert {lv.location_id for lv in levels} == {"2"} and len(levels) == len(company.numbers())


def test_adjust_is_relative_and_a_sale_in_between_is_kept(company):
    number, other = company.numbers()[:2]
    company.set(number, 10)
    company.set(other, 5)
    connector = company.connector()
    read = {lv.variant_id: lv.quantity for lv in connector.read_levels(refs=[StockRef(number), StockRef(other)])}
    company.sandbox.sell(company.key, number, 1)  # lands between Flyt's read and Flyt's write
    results = connector.adjust(changes=[
        StockAdjustment(variant_id=number, location_id="1", delta=-3, expected=read[number]),
        StockAdjustment(variant_id=other, location_id="", delta=+2, expected=read[other])])  # "": the default
    assert [r.ok for r in results] == [True, True]
    assert company.sandbox.stock_of(company.key, number) == 6  # 10 - 1 sold - 3 written: both count
    assert company.sandbox.stock_of(company.key, other) == 7
    created = company.sandbox.calls("POST", "/inventory-adjustments")
    assert len(created) == 2  # one document and its booking
    assert [(li["item"]["number"], li["location"]["number"], li["quantity"]) for li in created[0].json()["lines"]] \
        == [(number, "1", -3), (other, "1", 2)]


def test_a_refused_line_gets_a_message_and_the_rest_is_booked(company):
    number = company.numbers()[0]
    company.set(number, 5)
    results = company.connector().adjust(changes=[
        StockAdjustment(variant_id="GONE-1", location_id="1", delta=-1, expected=3),
        StockAdjustment(variant_id=number, location_id="1", delta=-1, expected=5)])
    assert not results[0].ok and not results[0].retryable and not results[0].conflict
    assert results[0].error.startswith("Stock for SKU GONE-1 not written to Rackbeat")
    assert results[1].ok and company.sandbox.stock_of(company.key, number) == 4


def test_a_batch_is_one_adjustment_of_up_to_100_lines(merchant_a, rackbeat):
    company = Company(merchant_a, rackbeat, products=100)
    connector = company.connector()
    changes = [StockAdjustment(variant_id=n, location_id="1", delta=1, expected=None) for n in company.numbers()]
    assert all(r.ok for r in connector.adjust(changes=changes))
    created = [c for c in company.sandbox.calls("POST", "/inventory-adjustments") if not c.path.endswith("/book")]
    assert len(created) == 1 and len(created[0].json()["lines"]) == 100
    with pytest.raises(ValueError):
        connector.adjust(changes=changes + changes[:1])


def test_webhook_registration_keeps_the_tokens_and_is_idempotent(company):
    connector = company.connector()
    assert connector.missing_webhooks(url=URL) == ["product.updated"]
    issued = connector.register_webhooks(url=URL, secret="ignored")
    assert isinstance(issued, str) and len(issued.split()) == 1
    company.keep(issued)
    connector = company.connector()
    assert connector.missing_webhooks(url=URL) == []
    assert connector.register_webhooks(url=URL, secret="ignored") == ["product.updated"]  # nothing new
    hooks = company.account["webhooks"]
    assert [(h["event"], h["url"]) for h in hooks.values()] == [("product.updated", URL)]
    # Rackbeat deactivates a hook whose deliveries keep failing: it is found and turned on again
    next(iter(hooks.values()))["is_active"] = False
    assert connector.missing_webhooks(url=URL) == ["product.updated"]
    assert connector.register_webhooks(url=URL, secret="") == ["product.updated"]  # same hook, same token
    assert next(iter(hooks.values()))["is_active"] and len(hooks) == 1
    # a hook deleted in Rackbeat is re-created; the new token joins the ones Flyt keeps
    hooks.clear()
    assert connector.missing_webhooks(url=URL) == ["product.updated"]
    again = connector.register_webhooks(url=URL, secret="")
    assert issued in again.split() and len(again.split()) == 2
    company.keep(again)
    assert set(known_tokens(company.connection)) == set(again.split())
    connector.unregister_webhooks(url=URL)
    assert not hooks


def test_a_hook_whose_token_flyt_does_not_hold_is_recreated(company):
    first = company.connector().register_webhooks(url=URL, secret="")  # the token is not kept
    connector = company.connector()
    assert connector.missing_webhooks(url=URL) == ["product.updated"]
    issued = connector.register_webhooks(url=URL, secret="")
    assert isinstance(issued, str) and issued != first
    assert [h["token"] for h in company.account["webhooks"].values()] == [issued]


def test_refs_for_changes_on_the_sandboxs_own_webhook_after_a_sale(company):
    number = company.numbers()[0]
    company.set(number, 9)
    connector = company.connector()
    company.keep(connector.register_webhooks(url=URL, secret=""))
    company.sandbox.sell(company.key, number, 2)
    received = []
    company.sandbox.webhooks.run_until_idle(lambda url, headers, body: received.append((headers, body)) or 200)
    assert received
    for headers, body in received:
        webhooks.verify(headers=headers, body=body, secrets=known_tokens(company.connection))
    changes = [c for headers, body in received for c in webhooks.parse(headers=headers, body=body)]
    refs = connector.refs_for_changes(changes=changes)
    assert refs == [StockRef(variant_id=number, product_id=number)]
    assert [(lv.location_id, lv.quantity) for lv in connector.read_levels(refs=refs)] == [("1", 7)]


def test_after_some_lines_are_booked_a_failure_is_answered_per_line_not_raised(company, monkeypatch):
    first, last = company.numbers()[:2]
    company.set(first, 5)
    company.set(last, 5)
    connector = company.connector()
    real, calls = connector.client.adjust_stock, []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 4:  # the batch (refused), the first line, the bad line, then Rackbeat goes down
            raise ConnectorError("Rackbeat did not answer.", retryable=True, status=503, platform="rackbeat")
        return real(**kwargs)

    monkeypatch.setattr(connector.client, "adjust_stock", flaky)
    results = connector.adjust(changes=[StockAdjustment(variant_id=first, location_id="1", delta=-1, expected=5),
                                        StockAdjustment(variant_id="GONE-1", location_id="1", delta=-1, expected=1),
                                        StockAdjustment(variant_id=last, location_id="1", delta=-1, expected=5)])
    assert results[0].ok and company.sandbox.stock_of(company.key, first) == 4
    assert not results[1].ok and not results[1].retryable
    assert not results[2].ok and results[2].retryable and company.sandbox.stock_of(company.key, last) == 5


def test_a_failure_before_anything_is_booked_is_raised(company):
    company.sandbox.faults.fail_next(20, status=503, path_contains="/inventory-adjustments")
    number = company.numbers()[0]
    with pytest.raises(ConnectorError) as raised:
        company.connector().adjust(changes=[StockAdjustment(variant_id=number, location_id="1", delta=1,
                                                            expected=None)])
    assert raised.value.retryable
