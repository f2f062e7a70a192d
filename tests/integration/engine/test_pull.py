from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.services import price_list_get_default, product_create
from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.engine.hub import pull_product
from integrations.models import Binding
from inventory.selectors import stock_quantity
from tests.factories import ConnectionFactory


def mug(external_id="p1", sku="MUG-1", barcode="5701234000017", title="Blue mug", price="89.00", stock=7):
    return ExternalProduct(
        external_id=external_id, title=title, description="<p>Stoneware</p>",
        images=[ExternalImage(url="https://img.example/mug.jpg")],
        variants=[ExternalVariant(external_id=f"{external_id}-v1", sku=sku, barcode=barcode,
                                  price=Decimal(price), stock=stock, weight_grams=400)],
    )


@pytest.fixture
def home(merchant_a):
    return ConnectionFactory(merchant=merchant_a)


def pull(merchant, home, external):
    return pull_product(merchant=merchant, connection=home, external=external,
                        price_list=price_list_get_default(merchant=merchant))


@pytest.mark.django_db
def test_a_new_product_is_created_bound_and_its_stock_counted_once(merchant_a, home):
    outcome = pull(merchant_a, home, mug())
    assert outcome.action == "created" and outcome.newly_bound
    product = outcome.product
    variant = product.variants.get()
    assert (product.title, variant.sku, variant.weight_grams) == ("Blue mug", "MUG-1", 400)
    assert variant.prices.get().amount == Decimal("89.00")
    assert stock_quantity(merchant=merchant_a, variant=variant) == 7
    assert Binding.objects.filter(connection=home, kind="product", external_id="p1", hub_id=product.pk).exists()
    again = pull(merchant_a, home, mug(stock=3))  # stock is the ledger's business after the first read
    assert again.action == "unchanged" and stock_quantity(merchant=merchant_a, variant=variant) == 7


@pytest.mark.django_db
def test_changes_on_the_home_base_update_the_hub_product(merchant_a, home):
    product = pull(merchant_a, home, mug()).product
    outcome = pull(merchant_a, home, mug(title="Blue mug, large", price="99.00"))
    assert outcome.action == "updated" and outcome.product.pk == product.pk
    product.refresh_from_db()
    assert product.title == "Blue mug, large"
    assert product.variants.get().prices.get().amount == Decimal("99.00")


@pytest.mark.django_db
@pytest.mark.parametrize("match", ["sku", "barcode"])
def test_an_existing_hub_product_is_linked_by_sku_then_barcode_not_duplicated(merchant_a, home, match):
    existing = product_create(merchant=merchant_a, title="Mug (hub)",
                              variants=[{"sku": "MUG-1" if match == "sku" else "", "barcode": "5701234000017"}])
    outcome = pull(merchant_a, home, mug(sku="MUG-1" if match == "sku" else "OTHER-SKU"))
    assert outcome.product.pk == existing.pk and outcome.newly_bound
    assert match in outcome.message
    assert Product.objects.filter(merchant=merchant_a).count() == 1


@pytest.mark.django_db
def test_an_ambiguous_match_is_reported_and_skipped(merchant_a, home):
    product_create(merchant=merchant_a, title="A", variants=[{"sku": "", "barcode": "5701234000017"}])
    product_create(merchant=merchant_a, title="B", variants=[{"sku": "", "barcode": "5701234000017"}])
    outcome = pull(merchant_a, home, mug(sku=""))
    assert outcome.action == "skipped" and outcome.product is None
    assert "several products" in outcome.message and "5701234000017" in outcome.message
    assert Product.objects.filter(merchant=merchant_a).count() == 2


@pytest.mark.django_db
def test_matching_never_crosses_merchants(merchant_a, merchant_b):
    product_create(merchant=merchant_b, title="B's mug", variants=[{"sku": "MUG-1"}])
    home_a = ConnectionFactory(merchant=merchant_a)
    outcome = pull(merchant_a, home_a, mug())
    assert outcome.action == "created" and outcome.product.merchant == merchant_a
