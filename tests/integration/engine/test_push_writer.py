"""The push's writer threads, run by a whole pass on the fake clock exactly as in production: Zettle's
imports are started, awaited and finished each in its own thread, in the order the products were
offered; a write failing in a writer thread fails the pass with the merchant-facing message, and nothing
offered after it is started; a few creates at most are under way at once. Reading one page ahead
(``read_ahead``) holds at most two pages and raises a reading error where the page would have been."""

import threading
import time

import pytest

from catalog.models import Product
from integrations.engine.push import WRITER_IN_FLIGHT
from integrations.engine.reading import read_ahead
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.errors import ConnectorError
from integrations.models import Binding
from integrations.zettle.connector import ZettleConnector
from synclog.models import SyncEntry, SyncRun
from tests.integration.zettle_bigcommerce.conftest import Shop, bc, clock, zettle  # noqa: F401 - fixtures

# creates started and not finished at most: the starter, the waiter and the writer each hold one, and
# WRITER_IN_FLIGHT wait between each two of them
MOST_UNDER_WAY = 3 + 2 * WRITER_IN_FLIGHT


class Steps:
    """Wraps the Zettle connector's create steps (behaviour unchanged): who ran which step of which
    create, and how many creates were started and not finished yet whenever one starts."""

    def __init__(self, monkeypatch, *, start_hook=None, finish_hook=None):
        self.lock = threading.Lock()
        self.log, self.under_way, self.started, self.finished = [], [], 0, 0
        self.first_overlapped = threading.Event()
        start, await_, finish, update = (ZettleConnector.start_create, ZettleConnector.await_create,
                                         ZettleConnector.finish_create, ZettleConnector.update_products)
        steps = self

        def start_create(connector, *, products, fields, placement=None):
            with steps.lock:
                steps.started += 1
                steps.under_way.append(steps.started - steps.finished)
                if steps.started >= 2:
                    steps.first_overlapped.set()
            steps._note("start", products)
            if start_hook is not None:
                start_hook(steps)
            return start(connector, products=products, fields=fields, placement=placement)

        def await_create(connector, pending):
            if not pending.awaited:  # finish_create calls it again, to do nothing
                steps._note("await", pending.products)
            return await_(connector, pending)

        def finish_create(connector, pending):
            steps._note("finish", pending.products)
            if finish_hook is not None:
                finish_hook(steps)
            try:
                return finish(connector, pending)
            finally:
                with steps.lock:
                    steps.finished += 1

        def update_products(connector, *, products, fields):
            steps._note("update", products)
            return update(connector, products=products, fields=fields)

        monkeypatch.setattr(ZettleConnector, "start_create", start_create)
        monkeypatch.setattr(ZettleConnector, "await_create", await_create)
        monkeypatch.setattr(ZettleConnector, "finish_create", finish_create)
        monkeypatch.setattr(ZettleConnector, "update_products", update_products)

    def _note(self, step, products):
        with self.lock:
            self.log.append((step, tuple(p.title for p in products), threading.current_thread().name))

    def threads(self, step):
        return {thread for s, _, thread in self.log if s == step}

    def order_of(self, titles):
        return [s for s, products, _ in self.log if products == titles]


def _shop(merchant, bc, zettle, monkeypatch, *, products):  # noqa: F811
    monkeypatch.setattr("integrations.engine.runner.PULL_PAGE", 4)
    monkeypatch.setattr("integrations.zettle.connector.ZettleConnector.write_batch_size", 3)
    shop = Shop(merchant, bc, zettle, bc_products=products, variants=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=merchant, integration=integration)  # creates the channel; nothing in it yet
    shop.assign_to_channel()
    zettle.requests.clear()
    return shop, integration


@pytest.mark.django_db
def test_a_pass_writes_from_the_writer_threads_in_the_order_offered(merchant_a, bc, zettle, monkeypatch):  # noqa: F811
    shop, integration = _shop(merchant_a, bc, zettle, monkeypatch, products=12)
    steps = Steps(monkeypatch)

    run = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)

    assert (run.outcome, run.created_count) == ("success", 12)
    hub_order = list(Product.objects.filter(merchant=merchant_a).order_by("pk").values_list("title", flat=True))
    imports = zettle.calls("POST", "/import/v2")
    assert [[p["name"] for p in r.json()["products"]] for r in imports] == [hub_order[n:n + 3] for n in range(0, 12, 3)]
    # each import is asked about once, when it is done: never early (that would cost a poll interval)
    assert len(zettle.calls("GET", "/import/status")) == len(imports) == 4
    # the engine's thread never writes: each step in its own thread, each create's steps in order
    assert (steps.threads("start"), steps.threads("await"), steps.threads("finish")) == (
        {"flyt-push-starter"}, {"flyt-push-waiter"}, {"flyt-push-writer"})
    for n in range(0, 12, 3):
        assert steps.order_of(tuple(hub_order[n:n + 3])) == ["start", "await", "finish"]
    # handed back in the order offered: bindings and log lines follow the hub's order
    created = SyncEntry.objects.filter(run=run, action=SyncEntry.Action.CREATED).order_by("pk")
    assert [e.message for e in created] == [f"Product '{title}' created on Zettle." for title in hub_order]
    assert sorted(p.title for p in shop.zettle_products()) == sorted(hub_order)
    assert Binding.objects.filter(connection=shop.zettle_connection, kind="product").count() == 12

    # an update goes out from the writer thread too, and is saved by the engine's
    shop.bc_client().update_product(product_id=shop.bc_products()[0].external_id, fields={"name": "Renamed mug"})
    again = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)
    assert (again.outcome, again.created_count, again.updated_count, again.unchanged_count) == ("success", 0, 1, 11)
    assert steps.threads("update") == {"flyt-push-writer"}
    assert "Renamed mug" in {p.title for p in shop.zettle_products()}
    assert SyncEntry.objects.filter(run=again, action=SyncEntry.Action.UPDATED,
                                    message="Product 'Renamed mug' updated on Zettle.").count() == 1


@pytest.mark.django_db
def test_a_write_failing_in_a_writer_thread_fails_the_pass_and_nothing_after_it_starts(
        merchant_a, bc, zettle, monkeypatch):  # noqa: F811
    def zettle_down_from_the_second_import(steps):
        if steps.started == 2:  # every attempt at the second import is answered 503
            zettle.faults.fail_next(5, status=503, path_contains="/import/v2")

    shop, integration = _shop(merchant_a, bc, zettle, monkeypatch, products=30)
    steps = Steps(monkeypatch, start_hook=zettle_down_from_the_second_import)

    with pytest.raises(ConnectorError) as failure:
        integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)

    assert failure.value.retryable
    run = SyncRun.objects.filter(merchant=merchant_a, trigger=SyncRun.Trigger.MANUAL).get()
    message = "Zettle had a temporary problem (HTTP 503); Flyt will try again later."
    assert (run.outcome, run.summary) == ("failed", message)
    line = SyncEntry.objects.get(run=run, action=SyncEntry.Action.FAILED)
    assert (line.object_type, line.message) == ("connection", message)
    # nothing offered after the failure was started; the create started before it was finished and saved
    assert (steps.started, steps.finished) == (2, 1)
    imports = zettle.calls("POST", "/import/v2")
    assert [r.status for r in imports] == [200] + [503] * 5
    first = [p["name"] for p in imports[0].json()["products"]]
    assert [e.message for e in SyncEntry.objects.filter(run=run, action=SyncEntry.Action.CREATED).order_by("pk")] == [
        f"Product '{title}' created on Zettle." for title in first]
    assert Binding.objects.filter(connection=shop.zettle_connection, kind="product").count() == 3
    assert sorted(p.title for p in shop.zettle_products()) == sorted(first)

    # the next pass creates the rest: no duplicates
    again = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)
    assert (again.outcome, again.created_count, again.unchanged_count) == ("success", 27, 3)
    titles = [p.title for p in shop.zettle_products()]
    assert sorted(titles) == sorted(p.title for p in shop.bc_products()) and len(titles) == 30
    assert Binding.objects.filter(connection=shop.zettle_connection, kind="product").count() == 30


@pytest.mark.django_db
def test_few_creates_are_under_way_at_once_whatever_the_catalog(merchant_a, bc, zettle, monkeypatch):  # noqa: F811
    def slow_first_finish(steps):
        if steps.finished == 0:  # hold the first create until the next one has started, then a while more
            assert steps.first_overlapped.wait(timeout=10), "the next create did not start while one was finishing"
            time.sleep(0.5)

    shop, integration = _shop(merchant_a, bc, zettle, monkeypatch, products=36)
    steps = Steps(monkeypatch, finish_hook=slow_first_finish)

    run = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)

    assert (run.outcome, run.created_count, steps.started, steps.finished) == ("success", 36, 12, 12)
    assert 2 <= max(steps.under_way) <= MOST_UNDER_WAY


def test_reading_ahead_holds_at_most_two_pages():
    read, held = [], []
    lock = threading.Lock()

    def pages():
        for n in range(6):
            with lock:
                read.append(n)
            yield [n]

    for page in read_ahead(pages()):
        time.sleep(0.05)  # the reader has time to run ahead if it would
        with lock:
            held.append(len(read) - page[0])
    assert max(held) <= 2 and read == list(range(6))


def test_a_reading_error_is_raised_where_the_page_would_have_been_and_leaving_early_stops_the_reader():
    def failing():
        yield [1]
        raise ConnectorError("BigCommerce had a temporary problem (HTTP 503)", retryable=True,
                             platform="bigcommerce")

    got = []
    with pytest.raises(ConnectorError):
        for page in read_ahead(failing()):
            got.append(page)
    assert got == [[1]]

    read = []

    def endless():
        n = 0
        while True:
            read.append(n)
            yield [n]
            n += 1

    before = set(threading.enumerate())
    for page in read_ahead(endless()):
        if page == [2]:
            break
    assert not [t for t in threading.enumerate() if t not in before]  # the reader is gone
    assert len(read) <= 4
