"""The push pipeline: a pass pushes page by page in full write batches, and the faster hashes read the
same documents as before. (The writer's threads: ``test_push_writer``.)"""

import hashlib
import json
from dataclasses import asdict
from decimal import Decimal

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.engine import push
from integrations.engine.hub import column_set, read_hash
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
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


