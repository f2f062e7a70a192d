"""One validation for every way a product is written: one at a time (``product_apply``, and
``product_create``) and a page at once (``products_create_many``) refuse the same bad values with
the same words, and write nothing."""

from decimal import Decimal

import pytest

from catalog.models import Image, Product, Variant, VariantPrice
from catalog.services import CatalogError, product_apply, product_create, products_create_many

GOOD = {"title": "Mug", "description": "Stoneware",
        "images": [{"source_url": "https://img.example/mug.jpg", "alt": "front"}],
        "variants": [{"sku": "MUG-S", "price": Decimal("89"), "weight_grams": 300, "cost_price": Decimal("40.00")},
                     {"sku": "MUG-M", "price": "99.50"}]}
OTHER = {"title": "Plate", "variants": [{"sku": "PLATE-1", "price": "45"}]}


def with_variant(**changes):
    """GOOD with its first variant changed."""
    return {**GOOD, "variants": [{**GOOD["variants"][0], **changes}, GOOD["variants"][1]]}


BAD = [
    pytest.param({**GOOD, "title": "x" * 300}, f"Product '{'x' * 80}': the name is longer than 255 characters.",
                 id="title too long"),
    pytest.param({**GOOD, "title": ""}, "Product '': the name is empty.", id="no title"),
    pytest.param({**GOOD, "title": None}, "Product '': the name is missing.", id="title missing"),
    pytest.param({**GOOD, "brand": "b" * 256}, "Product 'Mug': brand is longer than 255 characters.",
                 id="brand too long"),
    pytest.param(with_variant(weight_grams=-5),
                 "Product 'Mug': the weight in grams is not a whole number of zero or more.", id="negative weight"),
    pytest.param(with_variant(weight_grams=2.5),
                 "Product 'Mug': the weight in grams is not a whole number of zero or more.", id="fractional weight"),
    pytest.param(with_variant(low_stock_level=3_000_000_000), "Product 'Mug': the low-stock level is too large.",
                 id="low-stock level too large"),
    pytest.param(with_variant(cost_price=Decimal("1e10")), "Product 'Mug': the cost price is too large.",
                 id="cost too large"),
    pytest.param(with_variant(cost_price="abc"), "Product 'Mug': the cost price is not a number.",
                 id="cost not a number"),
    pytest.param(with_variant(price="-1"), "Product 'Mug': a price is negative or too large.", id="negative price"),
    pytest.param(with_variant(price=Decimal("1e10")), "Product 'Mug': a price is negative or too large.",
                 id="price too large"),
    pytest.param(with_variant(price="ten"), "Product 'Mug': a price is not a number.", id="price not a number"),
    pytest.param(with_variant(sku="S" * 256), "Product 'Mug': the SKU is longer than 255 characters.",
                 id="sku too long"),
    pytest.param(with_variant(barcode="5" * 65), "Product 'Mug': barcode is longer than 64 characters.",
                 id="barcode too long"),
    pytest.param(with_variant(track_stock=None), "Product 'Mug': track stock is missing.", id="required flag missing"),
    pytest.param({**GOOD, "images": [{"source_url": "https://img.example/" + "a" * 2000, "alt": ""}]},
                 "Product 'Mug': an image address is longer than 2000 characters.", id="image address too long"),
    pytest.param(with_variant(sku=" MUG-M "), "SKU MUG-M is given to more than one variant.", id="sku twice"),
    pytest.param(with_variant(sku="TAKEN-1"), "SKU TAKEN-1 is already used by another product in this shop.",
                 id="sku taken in the shop"),
]


def _refusal(write):
    with pytest.raises(CatalogError) as refused:
        write()
    return str(refused.value)


def _written(merchant):
    return (Product.objects.filter(merchant=merchant).count(), Variant.objects.filter(merchant=merchant).count(),
            VariantPrice.objects.filter(merchant=merchant).count(), Image.objects.filter(merchant=merchant).count())


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "message"), BAD)
def test_every_product_write_path_refuses_the_same_bad_values_with_the_same_words(merchant_a, spec, message):
    product_create(merchant=merchant_a, title="Cup", variants=[{"sku": "TAKEN-1"}])
    before = _written(merchant_a)
    one_by_one = _refusal(lambda: product_apply(merchant=merchant_a, **spec))
    created_alone = _refusal(lambda: product_create(merchant=merchant_a, **spec))
    page_alone = _refusal(lambda: products_create_many(merchant=merchant_a, specs=[spec]))
    page_of_two = _refusal(lambda: products_create_many(merchant=merchant_a, specs=[OTHER, spec]))
    assert one_by_one == created_alone == page_alone == page_of_two == message
    assert _written(merchant_a) == before


@pytest.mark.django_db
def test_an_existing_product_keeps_its_own_skus_and_a_page_may_not_repeat_one(merchant_a):
    product, variants, _ = product_apply(merchant=merchant_a, **GOOD)
    # describing the same product again, its own SKUs do not count as taken
    again = [{**data, "variant": variant} for data, variant in zip(GOOD["variants"], variants, strict=True)]
    assert product_apply(merchant=merchant_a, product=product, **{**GOOD, "variants": again})[0] == product
    message = "SKU PLATE-1 is given to more than one variant."
    assert _refusal(lambda: products_create_many(merchant=merchant_a, specs=[OTHER, {**OTHER, "title": "Bowl"}])) \
        == message
    assert _refusal(lambda: product_apply(merchant=merchant_a, title="Bowl", variants=[
        {"sku": "PLATE-1"}, {"sku": "PLATE-1"}])) == message
    assert Product.objects.filter(merchant=merchant_a).count() == 1


@pytest.mark.django_db
def test_another_shops_sku_takes_nothing_from_this_shop(merchant_a, merchant_b):
    product_create(merchant=merchant_b, title="Their mug", variants=[{"sku": "MUG-S"}, {"sku": "PLATE-1"}])
    product, _, _ = product_apply(merchant=merchant_a, **GOOD)
    [(plate, _)] = products_create_many(merchant=merchant_a, specs=[OTHER])
    assert {v.sku for v in Variant.objects.filter(merchant=merchant_a)} == {"MUG-S", "MUG-M", "PLATE-1"}
    assert product.merchant_id == plate.merchant_id == merchant_a.pk
    assert Variant.objects.filter(merchant=merchant_b).count() == 2
