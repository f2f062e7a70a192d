"""The engine's guarantees on a real pair of sandboxes: no duplicates on first link, resume after
a pass dies half-way, dry runs write nothing, only changes are written, the command line."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.errors import ConnectorError
from integrations.models import Binding
from integrations.sandbox.seed import catalog
from synclog.models import SyncEntry, SyncRun

pytestmark = pytest.mark.django_db


def sync(shop, integration, **options):
    for connection in (shop.bc_connection, shop.zettle_connection):
        connection.refresh_from_db()
    options.setdefault("trigger", SyncRun.Trigger.MANUAL)
    return integration_sync(merchant=shop.merchant, integration=integration, **options)


# Zettle inventory calls that read with a POST (balances and tracking of listed products)
READS_BY_POST = re.compile(r"/inventory/products$|/v3/stock/[^/]+/products/?$|/v3/products/status/?$")


def writes(sandbox):
    return [r for r in sandbox.requests if r.method in ("POST", "PUT", "PATCH", "DELETE") and "/token" not in r.path
            and not (r.method == "POST" and READS_BY_POST.search(r.path))]


def test_existing_products_are_linked_by_sku_and_by_barcode_not_duplicated(shop_factory):
    shop = shop_factory(zettle_products=2)
    zettle_products = shop.zettle_products()
    by_sku, by_barcode = zettle_products
    # The same two products already exist in BigCommerce: one with the SKU, one only with the barcode.
    seeded = catalog(2, seed=5, prefix="OLD", start=300)
    seeded[0].variants[0].sku = by_sku.variants[0].sku
    seeded[1].variants[0].sku = "OTHER-SKU"
    seeded[1].variants[0].barcode = by_barcode.variants[0].barcode
    shop.bc.seed(shop.store, seeded)
    integration = shop.integration(home="zettle")
    run = integration_activate(merchant=shop.merchant, integration=integration)
    assert len(shop.bc_products()) == 2  # linked, not created
    notes = list(run.entries.filter(message__contains="linked to the existing product on BigCommerce"))
    assert sorted("same SKU" in n.message for n in notes) == [False, True]
    assert sorted("same barcode" in n.message for n in notes) == [False, True]


def test_an_ambiguous_match_is_reported_and_skipped(shop_factory):
    shop = shop_factory(zettle_products=1)
    barcode = shop.zettle_products()[0].variants[0].barcode
    twins = catalog(2, seed=6, prefix="TWIN", start=400)  # two BigCommerce products share the Zettle product's barcode
    for twin in twins:
        twin.variants[0].barcode = barcode
    shop.bc.seed(shop.store, twins)
    integration = shop.integration(home="zettle")
    run = integration_activate(merchant=shop.merchant, integration=integration)
    skipped = run.entries.get(action=SyncEntry.Action.SKIPPED)
    assert "several products on BigCommerce have the same barcode" in skipped.message
    assert len(shop.bc_products()) == 2  # nothing created, nothing guessed


def test_a_pass_killed_half_way_is_resumed_without_duplicates(shop_factory, monkeypatch):
    from integrations.zettle.connector import ZettleConnector

    monkeypatch.setattr(ZettleConnector, "write_batch_size", 10)  # several write batches for 25 products
    shop = shop_factory(bc_products=25)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.assign_to_channel()
    # Zettle goes down after the first batch of products is created: the pass dies half-way.
    real = shop.zettle.handle
    created = {"imports": 0}

    def flaky(request):
        if request.method == "POST" and "/import/" in request.path:
            created["imports"] += 1
            if created["imports"] > 1:
                shop.zettle.faults.fail_next(20, status=503)
        return real(request)

    shop.zettle.handle = flaky
    try:
        first = sync(shop, integration)
    except ConnectorError:
        first = None  # the pass died
    assert first is None or first.outcome != SyncRun.Outcome.SUCCESS
    shop.zettle.handle = real
    shop.zettle.faults.clear()
    partial = len(shop.zettle_products())
    assert 0 < partial < 25
    # and the bindings of what did get created were lost with the worker
    Binding.objects.filter(connection=shop.zettle_connection).delete()

    run = sync(shop, integration)
    assert run.outcome == SyncRun.Outcome.SUCCESS
    skus = [v.sku for p in shop.zettle_products() for v in p.variants]
    assert len(skus) == len(set(skus)) == 25  # every product once


def test_a_dry_run_logs_the_plan_and_writes_nothing(shop_factory):
    shop = shop_factory(zettle_products=3)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle.seed(shop.org, catalog(2, seed=42, prefix="DRY", start=100))
    before_bc, before_hub = len(writes(shop.bc)), Binding.objects.count()
    run = sync(shop, integration, dry_run=True)
    assert run.dry_run and run.outcome == SyncRun.Outcome.SUCCESS
    assert run.entries.filter(message__contains="would be created").count() == 2
    assert len(writes(shop.bc)) == before_bc and Binding.objects.count() == before_hub
    assert len(shop.bc_products()) == 3


def test_nothing_changed_means_no_write_at_all(shop_factory):
    shop = shop_factory(zettle_products=4, variants=2)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    sync(shop, integration)
    bc_writes, zettle_writes = len(writes(shop.bc)), len(writes(shop.zettle))
    run = sync(shop, integration, full=True)
    assert run.unchanged_count == 4
    assert len(writes(shop.bc)) == bc_writes and len(writes(shop.zettle)) == zettle_writes


def test_one_bad_product_does_not_stop_the_run(shop_factory):
    shop = shop_factory(zettle_products=3)
    names = [p.title for p in shop.zettle_products()]
    # BigCommerce refuses a product whose name is already taken by another product there.
    clash = catalog(1, seed=7, prefix="CLASH")
    clash[0].name = names[0]
    shop.bc.seed(shop.store, clash)
    integration = shop.integration(home="zettle")
    run = integration_activate(merchant=shop.merchant, integration=integration)
    assert run.outcome == SyncRun.Outcome.PARTIAL
    assert run.created_count == 2 and run.failed_count == 1
    failed = run.entries.get(action=SyncEntry.Action.FAILED)
    assert names[0] in failed.message and "BigCommerce" in failed.message


def test_the_sync_command_runs_a_pass_and_prints_its_log(shop_factory):
    shop = shop_factory(zettle_products=2)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle.seed(shop.org, catalog(1, seed=43, prefix="CMD", start=200))
    out = StringIO()
    call_command("sync", str(shop.zettle_connection.public_id), "--dry-run", stdout=out)
    assert "would be created" in out.getvalue() and "(dry run)" in out.getvalue()
    out = StringIO()
    call_command("sync", str(shop.zettle_connection.pk), stdout=out)
    assert "1 created" in out.getvalue()
    assert len(shop.bc_products()) == 3


def test_the_minute_dispatcher_runs_a_scheduled_pass_of_the_home_base(shop_factory, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.services.dispatch import connections_claim_due

    shop = shop_factory(zettle_products=1)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle_connection.refresh_from_db()
    shop.bc_connection.refresh_from_db()
    assert shop.zettle_connection.sync_interval_minutes and shop.bc_connection.next_run_at is None
    shop.zettle.seed(shop.org, catalog(1, seed=77, prefix="SCHED", start=600))
    later = shop.zettle_connection.next_run_at + timedelta(seconds=1)
    assert connections_claim_due(now=timezone.now()) == []  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert connections_claim_due(now=later) == [shop.zettle_connection.pk]
    run = SyncRun.objects.filter(merchant=shop.merchant, trigger=SyncRun.Trigger.SCHEDULE).get()
    assert run.created_count == 1 and len(shop.bc_products()) == 2


def test_a_home_product_flyt_cannot_take_in_is_reported_in_plain_words(shop_factory):
    """A product the hub refuses (a name longer than Flyt keeps) fails alone, and its line says why in
    the merchant's words, once punctuated."""
    shop = shop_factory(zettle_products=2)
    product = next(shop.zettle_client().iter_products())
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"name": "Blue mug " + "x" * 300})
    run = integration_activate(merchant=shop.merchant, integration=shop.integration(home="zettle"))
    assert run.outcome == SyncRun.Outcome.PARTIAL and run.failed_count == 1
    failed = run.entries.get(action=SyncEntry.Action.FAILED)
    assert failed.message.startswith("Product 'Blue mug ") and "could not be read into Flyt" in failed.message
    assert ".." not in failed.message and "Error" not in failed.message
