"""The push pipeline: a pass pushes page by page in full write batches, the background writer keeps
order and hands back every write, and the faster hashes read the same documents as before."""

import hashlib
import json
import threading
import time
from dataclasses import asdict
from decimal import Decimal

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.engine import push
from integrations.engine.connector import WriteResult
from integrations.engine.hub import column_set, read_hash
from integrations.engine.push import _Writer
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.errors import ConnectorError
from integrations.models import Binding
from synclog.models import SyncRun
from tests.factories import ConnectionFactory
from tests.integration.zettle_bigcommerce.conftest import Shop, bc, clock, zettle  # noqa: F401 - fixtures


def _old_read_hash(external):
    doc = asdict(external)
    doc.pop("updated_at", None)
    doc.pop("extra", None)
    if not doc.get("videos"):  # the DTO had no videos when these bindings were written
        doc.pop("videos", None)
    for variant in doc["variants"]:
        variant.pop("stock", None)
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def test_read_hash_is_the_hash_bindings_already_hold():
    external = ExternalProduct(
        external_id="7", title="Blue mug", description="<p>Stoneware</p>", options=[{"name": "Size", "values": ["S"]}],
        images=[ExternalImage(url="https://img.example/mug.jpg", alt="mug")], seo={"title": "Mug"},
        extra={"type": "physical"},
        variants=[ExternalVariant(external_id="7-1", sku="MUG-S", barcode="0570123", price=Decimal("89.50"),
                                  option_values={"Size": "S"}, stock=4, weight_grams=400)])
    assert read_hash(external) == _old_read_hash(external)


@pytest.mark.django_db
def test_column_set_touches_only_the_rows_of_its_queryset(merchant_a, merchant_b):
    mine = ConnectionFactory(merchant=merchant_a)
    theirs = ConnectionFactory(merchant=merchant_b)
    a = Binding.objects.create(merchant=merchant_a, connection=mine, kind="product", hub_id=1, external_id="x")
    b = Binding.objects.create(merchant=merchant_b, connection=theirs, kind="product", hub_id=1, external_id="x")
    column_set(Binding.objects.filter(connection=mine), "remote_hash", {a.pk: "new", b.pk: "stolen"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.remote_hash, b.remote_hash) == ("new", "")


class SlowConnector:
    """Creates in two steps like Zettle's imports; records the order of everything."""

    write_batch_size = 2
    create_ready_s = 0.05

    def __init__(self, fail_on=None):
        self.events, self.fail_on = [], fail_on
        self.threads = set()

    def start_create(self, *, products, fields, placement=None):
        self.threads.add(threading.current_thread().name)
        if self.fail_on in products:
            raise ConnectorError("Zettle is down", retryable=True, platform="zettle")
        self.events.append(("start", tuple(products)))
        return list(products)

    def finish_create(self, pending):
        self.events.append(("finish", tuple(pending)))
        return [WriteResult(ok=True, external_id=f"x{p}") for p in pending]

    def update_products(self, *, products, fields):
        self.events.append(("update", tuple(products)))
        time.sleep(0.01)
        return [WriteResult(ok=True, external_id=f"x{p}") for p in products]


def _run(writer, jobs):
    done = []
    for kind, batch in jobs:
        while not writer.offer(kind, batch):
            done += writer.take()
    writer.close()
    return done + writer.take()


def test_the_background_writer_overlaps_creates_and_hands_back_every_batch_in_order():
    connector = SlowConnector()
    writer = _Writer(connector=connector, fields=frozenset(), placement={}, threaded=True)
    batches = [[(n, n, "h")] for n in range(7)]
    done = _run(writer, [("create", b) for b in batches])
    writer.raise_failure()
    assert [batch for _, batch, _ in done] == batches
    assert all(r.ok for _, _, results in done for r in results)
    assert connector.threads == {"flyt-push-starter"}  # the engine's thread never calls the platform
    starts = [e for e in connector.events if e[0] == "start"]
    assert len(starts) == 7
    # the second import starts before the first is finished: waiting on one import overlaps the next
    assert connector.events.index(("start", (1,))) < connector.events.index(("finish", (0,)))


def test_a_failing_write_is_raised_in_the_engine_thread_and_nothing_after_it_is_sent():
    connector = SlowConnector(fail_on=3)
    writer = _Writer(connector=connector, fields=frozenset(), placement={}, threaded=True)
    with pytest.raises(ConnectorError):
        for n in range(8):
            while not writer.offer("create", [(n, n, "h")]):
                writer.take()
            time.sleep(0.02)
        writer.close()
        writer.raise_failure()
    writer.close()  # never waits forever
    assert ("start", (4,)) not in connector.events and ("start", (7,)) not in connector.events


def test_inline_writer_writes_when_offered():
    connector = SlowConnector()
    writer = _Writer(connector=connector, fields=frozenset(), placement={}, threaded=False)
    writer.offer("update", [(1, 1, "h", None, "changed in Flyt")])
    assert connector.events == [("update", (1,))]
    assert len(writer.take()) == 1


@pytest.mark.django_db
def test_a_full_pass_pushes_page_by_page_in_full_batches(merchant_a, bc, zettle, monkeypatch):  # noqa: F811
    monkeypatch.setattr("integrations.engine.runner.PULL_PAGE", 4)  # 10 products: pages of 4, 4 and 2
    monkeypatch.setattr("integrations.zettle.connector.ZettleConnector.write_batch_size", 3)
    shop = Shop(merchant_a, bc, zettle, bc_products=10, variants=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=merchant_a, integration=integration)  # creates the channel; nothing in it yet
    shop.assign_to_channel()
    pages = []
    original = push.Pusher.push

    def spy(self, product_ids=None):
        pages.append(None if product_ids is None else len(product_ids))
        return original(self, product_ids)

    monkeypatch.setattr(push.Pusher, "push", spy)
    zettle.requests.clear()
    run = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)
    assert (run.outcome, run.created_count) == ("success", 10)
    assert pages == [4, 4, 2, None]  # each page as soon as it is in the hub, then the rest of the listed
    imports = zettle.calls("POST", "/import/v2")
    assert [len(r.json()["products"]) for r in imports] == [3, 3, 3]  # batches never cut short by pages
    assert len(zettle.calls("POST", "/organizations/self/products")) == 1  # the last one alone
    assert len(shop.zettle_products()) == 10
    assert Binding.objects.filter(connection=shop.zettle_connection, kind="product").count() == 10
    assert Binding.objects.filter(connection=shop.zettle_connection, kind="variant").count() == 20

    again = integration_sync(merchant=merchant_a, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True)
    assert (again.unchanged_count, again.created_count, again.updated_count) == (10, 0, 0)


class AwaitingConnector(SlowConnector):
    """Zettle's three steps: start the import, wait for it, then the rate-limited stock."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def start_create(self, *, products, fields, placement=None):
        self.steps.append(("start", tuple(products), threading.current_thread().name))
        return list(products)

    def await_create(self, pending):
        self.steps.append(("await", tuple(pending), threading.current_thread().name))

    def finish_create(self, pending):
        self.steps.append(("finish", tuple(pending), threading.current_thread().name))
        time.sleep(0.02)
        return [WriteResult(ok=True, external_id=f"x{p}") for p in pending]


def test_imports_are_started_awaited_and_finished_each_in_its_own_thread_in_order():
    connector = AwaitingConnector()
    writer = _Writer(connector=connector, fields=frozenset(), placement={}, threaded=True)
    batches = [[(n, n, "h")] for n in range(6)]
    done = _run(writer, [("create", b) for b in batches] + [("update", [(9, 9, "h", None, "changed in Flyt")])])
    writer.raise_failure()
    assert [batch for _, batch, _ in done] == [*batches, [(9, 9, "h", None, "changed in Flyt")]]
    threads = {step: {name for s, _, name in connector.steps if s == step} for step in ("start", "await", "finish")}
    assert threads == {"start": {"flyt-push-starter"}, "await": {"flyt-push-waiter"}, "finish": {"flyt-push-writer"}}
    for n in range(6):  # each create: started, then awaited, then finished
        order = [s for s, products, _ in connector.steps if products == (n,)]
        assert order == ["start", "await", "finish"]
    # the next import is started while an earlier one is still being finished
    assert connector.steps.index(("start", (3,), "flyt-push-starter")) < \
        connector.steps.index(("finish", (1,), "flyt-push-writer"))
