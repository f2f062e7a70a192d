import pytest

from catalog.models import Variant
from catalog.selectors import product_list, variant_get_by_sku
from catalog.services import (
    CatalogError,
    category_ensure_path,
    product_create,
    product_update,
    variant_price_set,
)
from merchants.errors import NotOwned
from tests.factories import ProductFactory


@pytest.mark.django_db
def test_product_create_makes_variants_prices_and_a_content_hash(merchant_a):
    product = product_create(
        merchant=merchant_a, title="Wool socks", options=[{"name": "Size", "values": ["S", "M"]}],
        variants=[{"sku": "SOCK-S", "option_values": {"Size": "S"}, "price": "119.00"},
                  {"sku": "SOCK-M", "option_values": {"Size": "M"}, "price": "129.00"}],
        categories=[category_ensure_path(merchant=merchant_a, path=["Clothing", "Socks"])],
    )
    assert [v.sku for v in product.variants.all()] == ["SOCK-S", "SOCK-M"]
    assert [str(v.prices.get().amount) for v in product.variants.all()] == ["119.00", "129.00"]
    assert len(product.content_hash) == 64
    assert product.categories.get().parent.name == "Clothing"


@pytest.mark.django_db
def test_content_hash_changes_with_a_synced_field_and_not_otherwise(merchant_a):
    product = product_create(merchant=merchant_a, title="Mug", variants=[{"sku": "MUG-1", "price": "89"}])
    before = product.content_hash
    assert product_update(merchant=merchant_a, product=product, title="Mug") is False
    product.refresh_from_db()
    assert product.content_hash == before
    variant_price_set(merchant=merchant_a, variant=product.variants.get(), amount="99")
    assert product_update(merchant=merchant_a, product=product, title="Blue mug") is True
    product.refresh_from_db()
    assert product.content_hash != before


@pytest.mark.django_db
def test_sku_is_unique_per_merchant_but_two_merchants_may_share_one(merchant_a, merchant_b):
    product_create(merchant=merchant_a, title="Mug", variants=[{"sku": "MUG-1"}])
    with pytest.raises(CatalogError, match="MUG-1"):
        product_create(merchant=merchant_a, title="Other mug", variants=[{"sku": "MUG-1"}])
    product_create(merchant=merchant_b, title="Mug", variants=[{"sku": "MUG-1"}])
    assert Variant.objects.filter(sku="MUG-1").count() == 2
    assert variant_get_by_sku(merchant=merchant_b, sku="MUG-1").merchant == merchant_b


@pytest.mark.django_db
def test_variants_without_sku_are_allowed_side_by_side(merchant_a):
    product_create(merchant=merchant_a, title="A", variants=[{"sku": ""}, {"sku": ""}])
    assert Variant.objects.filter(merchant=merchant_a, sku="").count() == 2


@pytest.mark.django_db
def test_a_service_refuses_another_merchants_objects(merchant_a, merchant_b):
    foreign = ProductFactory(merchant=merchant_b)
    with pytest.raises(NotOwned, match="another shop"):
        product_update(merchant=merchant_a, product=foreign, title="hijacked")
    foreign.refresh_from_db()
    assert foreign.title != "hijacked"


@pytest.mark.django_db
def test_negative_prices_are_refused(merchant_a):
    product = product_create(merchant=merchant_a, title="Mug", variants=[{"sku": "M"}])
    with pytest.raises(CatalogError, match="negative"):
        variant_price_set(merchant=merchant_a, variant=product.variants.get(), amount="-1")


@pytest.mark.django_db
def test_product_list_is_scoped_and_searchable(merchant_a, merchant_b):
    product_create(merchant=merchant_a, title="Blue mug", variants=[{"sku": "MUG-1"}])
    product_create(merchant=merchant_b, title="Blue mug", variants=[{"sku": "MUG-9"}])
    assert [p.title for p in product_list(merchant=merchant_a)] == ["Blue mug"]
    assert product_list(merchant=merchant_a, search="MUG-9").count() == 0
    assert product_list(merchant=merchant_a, search="mug-1").count() == 1


@pytest.mark.django_db
def test_many_new_products_at_once_hash_like_one_by_one(merchant_a):
    from catalog.services import product_content_hash, products_create_many

    spec = {"title": "Mug", "options": [{"name": "Size", "values": ["S", "M"]}],
            "images": [{"source_url": "https://img.example/1.jpg", "alt": "front"}],
            "variants": [{"sku": "M-S", "option_values": {"Size": "S"}, "price": "89"},
                         {"sku": "M-M", "option_values": {"Size": "M"}, "price": "99.5"}]}
    [(product, variants)] = products_create_many(merchant=merchant_a, specs=[spec])
    assert [v.sku for v in variants] == ["M-S", "M-M"] and product.images.count() == 1
    assert product.content_hash == product_content_hash(merchant=merchant_a, product=product)
    with pytest.raises(CatalogError, match="M-S"):
        products_create_many(merchant=merchant_a, specs=[dict(spec, title="Again")])
    with pytest.raises(CatalogError, match="X-1"):
        products_create_many(merchant=merchant_a, specs=[{"title": "A", "variants": [{"sku": "X-1"}]},
                                                         {"title": "B", "variants": [{"sku": "X-1"}]}])
