"""The set-based paths of the initial sync: what they write is what the one-by-one paths write."""

from decimal import Decimal

import pytest

from catalog.models import Image, Product, Variant, VariantPrice
from catalog.services import CatalogError, price_list_get_default, products_create_many
from dbtools.bulk import rows_insert
from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.engine.desired import desired_product, hub_products, product_hash
from integrations.engine.hub import pull_new_products
from integrations.models import Binding
from inventory.selectors import stock_quantity
from synclog.models import SyncEntry, SyncRun
from synclog.services import sync_entries_add, sync_run_start
from tests.factories import ConnectionFactory

FIELDS = frozenset({"name", "price", "description", "variants", "images", "sku", "barcode", "weight"})


def shirt(n, *, title=None, weight=250):
    return ExternalProduct(
        external_id=f"p{n}", title=f"Shirt {n}" if title is None else title, description="Cotton",
        options=[{"name": "Size", "values": ["S", "M"]}],
        images=[ExternalImage(url=f"https://img.example/{n}-{i}.jpg", position=i) for i in range(2)],
        variants=[ExternalVariant(external_id=f"p{n}-{size}", sku=f"SH-{n}-{size}", barcode=f"57{n:05d}{i}",
                                  price=Decimal("99.50"), cost_price=Decimal("40.00"), weight_grams=weight,
                                  option_values={"Size": size}, stock=3 + i)
                  for i, size in enumerate(("S", "M"))])


@pytest.mark.django_db
def test_a_page_of_new_products_is_stored_bound_and_counted_like_one_by_one(merchant_a, merchant_b):
    home = ConnectionFactory(merchant=merchant_a)
    price_list = price_list_get_default(merchant=merchant_a)
    outcomes = pull_new_products(merchant=merchant_a, connection=home, externals=[shirt(1), shirt(2)],
                                 price_list=price_list)
    assert [o.action for o in outcomes] == ["created", "created"]
    product = Product.objects.get(pk=outcomes[0].product.pk, merchant=merchant_a)
    variants = list(product.variants.order_by("position"))
    assert [(v.sku, v.option_values, v.weight_grams, v.cost_price) for v in variants] == [
        ("SH-1-S", {"Size": "S"}, 250, Decimal("40.00")), ("SH-1-M", {"Size": "M"}, 250, Decimal("40.00"))]
    assert [v.pk for v in outcomes[0].product.variants.all()] == [v.pk for v in variants]
    prices = VariantPrice.objects.filter(variant__in=variants, price_list=price_list, amount=Decimal("99.50"))
    assert prices.count() == 2
    assert list(Image.objects.filter(product=product).values_list("position", flat=True)) == [0, 1]
    assert [stock_quantity(merchant=merchant_a, variant=v) for v in variants] == [3, 4]
    assert Binding.objects.filter(connection=home, kind="variant").count() == 4
    assert product.created_at is not None and product.merchant_id == merchant_a.pk
    assert not Product.objects.filter(merchant=merchant_b).exists()
    # what the push reads back as plain rows describes the product as the model does
    rows = hub_products(merchant=merchant_a, product_ids=[product.pk])[product.pk]
    as_model = desired_product(product=product, prices_included=True, price_list=price_list)
    as_rows = desired_product(product=rows, prices_included=True, price_list=price_list)
    assert product_hash(as_rows, FIELDS) == product_hash(as_model, FIELDS)
    assert hub_products(merchant=merchant_b, product_ids=[product.pk]) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [{"title": "x" * 300}, {"title": ""}, {"weight": -5}, {"weight": 2.5}])
def test_values_the_database_would_refuse_stop_the_page_with_a_catalog_error(merchant_a, bad):
    home = ConnectionFactory(merchant=merchant_a)
    with pytest.raises(CatalogError):
        pull_new_products(merchant=merchant_a, connection=home, externals=[shirt(1), shirt(2, **bad)],
                          price_list=price_list_get_default(merchant=merchant_a))
    assert not Product.objects.filter(merchant=merchant_a).exists()  # the engine retries one by one


@pytest.mark.django_db
def test_products_create_many_refuses_a_taken_sku(merchant_a):
    spec = {"title": "A", "variants": [{"sku": "X-1", "price": "10"}]}
    products_create_many(merchant=merchant_a, specs=[spec])
    with pytest.raises(CatalogError):
        products_create_many(merchant=merchant_a, specs=[dict(spec, title="B")])
    assert Variant.objects.filter(merchant=merchant_a).count() == 1


@pytest.mark.django_db
def test_rows_insert_returns_keys_in_order_and_fills_defaults(merchant_a):
    home = ConnectionFactory(merchant=merchant_a)
    pks = rows_insert(Binding, pks=True, common={"merchant_id": merchant_a.pk, "connection_id": home.pk,
                                                  "kind": "image"},
                      columns=("hub_id", "external_id"), rows=[(n, f"img-{n}") for n in range(5)])
    saved = {b.pk: b for b in Binding.objects.filter(connection=home, kind="image")}
    assert [saved[pk].hub_id for pk in pks] == list(range(5))
    assert all(b.origin == Binding.Origin.LINKED and b.created_at and b.remote_hash == "" for b in saved.values())
    run = sync_run_start(merchant=merchant_a, trigger=SyncRun.Trigger.MANUAL)
    sync_entries_add(merchant=merchant_a, run=run, entries=[
        {"action": SyncEntry.Action.CREATED, "message": "made", "detail": {"price": Decimal("1.50")}},
        {"action": SyncEntry.Action.FAILED, "message": "no"}])
    run.refresh_from_db()
    assert (run.created_count, run.failed_count, run.processed) == (1, 1, 2)
    assert list(SyncEntry.objects.filter(run=run).order_by("pk").values_list("level", "detail")) == [
        ("info", {"price": "1.50"}), ("error", {})]
