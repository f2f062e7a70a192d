"""A "Product sync" writes the pair's fields and nothing else: a home-base edit of a field the target cannot
hold stays out of the target (and does not fail the pass), and what the merchant set on the target outside
the field set (categories, visibility, vendor, tags, product group) survives the home base's edits."""

from decimal import Decimal

import pytest

from tests.integration.matrix.checks import assert_mirrored, assert_ok, checked_fields, facts, pair_fields
from tests.integration.matrix.conftest import HOME_CATALOG, products

SIMPLE, WITH_VARIANTS = HOME_CATALOG[0], HOME_CATALOG[2]


def bc_simple(pair):
    sku = products(*SIMPLE)[0].variants[0].sku
    return next(p for p in pair.home.products() if p.variants[0].sku == sku)


def bc_weight(pair):
    product = bc_simple(pair)
    pair.home.client().update_product(product_id=product.external_id, fields={"weight": 1.75})
    return product.variants[0].sku, lambda p: p.variants[0].weight_grams == 1750


def bc_seo(pair):
    product = bc_simple(pair)
    pair.home.client().update_product(product_id=product.external_id, fields={
        "page_title": "The mug for Nordic mornings", "meta_description": "Stoneware, 35 cl"})
    return product.variants[0].sku, lambda p: p.seo.get("title") == "The mug for Nordic mornings"


def bc_image(pair):
    product = bc_simple(pair)
    pair.home.client().add_product_image(product_id=product.external_id,
                                         image_url="https://images.flyt.example/products/extra-side.jpg")
    return product.variants[0].sku, lambda p: len(p.images) == len(product.images) + 1


def bc_low_stock(pair):
    product = bc_simple(pair)
    pair.home.client().update_product(product_id=product.external_id, fields={
        "inventory_tracking": "product", "inventory_warning_level": 4})
    return product.variants[0].sku, lambda p: p.variants[0].low_stock_level == 4


def zettle_weight(pair):
    sku = products(*WITH_VARIANTS)[0].variants[0].sku
    product = next(p for p in pair.home.products() if p.variants[0].sku == sku)
    pair.home.client().update_product(uuid=product.external_id, changes={
        "online": {"status": "ACTIVE", "shipping": {"weightInGrams": 650}}})
    return sku, lambda p: all(v.weight_grams == 650 for v in p.variants)


CANNOT_HOLD = [
    ("bigcommerce", "shopbox", "weight", bc_weight),
    ("zettle", "shopbox", "weight", zettle_weight),
    ("bigcommerce", "zettle", "seo", bc_seo),
    ("bigcommerce", "rackbeat", "images", bc_image),
    ("bigcommerce", "shopify", "low_stock", bc_low_stock),
]


@pytest.mark.parametrize(("home", "target", "field", "edit"), CANNOT_HOLD,
                         ids=[f"{h}->{t}:{f}" for h, t, f, _e in CANNOT_HOLD])
def test_a_field_the_target_cannot_hold_stays_out(pair_factory, home, target, field, edit):
    assert field not in pair_fields(home, target)
    pair = pair_factory(home, target)
    pair.seed_home(*HOME_CATALOG)
    assert_ok(pair.activate())
    fields = checked_fields(home, target)
    before = {key: facts(copy, fields) for key, copy in assert_mirrored(pair, fields=fields).items()}

    sku, edited = edit(pair)
    assert edited(next(p for p in pair.home.products() if p.variants[0].sku == sku)), "the home base took the edit"
    mark = pair.target.mark()
    assert_ok(pair.sync())
    assert_ok(pair.sync(full=True))

    assert pair.target.writes(mark) == []
    after = {key: facts(copy, fields) for key, copy in assert_mirrored(pair, fields=fields).items()}
    assert after == before


OWN_FIELDS = [("zettle", "bigcommerce"), ("bigcommerce", "shopify"), ("shopify", "shopbox"),
              ("shopbox", "rackbeat")]


@pytest.mark.parametrize(("home", "target"), OWN_FIELDS, ids=[f"{h}->{t}" for h, t in OWN_FIELDS])
def test_the_targets_own_fields_are_left_alone(pair_factory, home, target):
    pair = pair_factory(home, target)
    pair.seed_home(*HOME_CATALOG)
    assert_ok(pair.activate())
    sku = products(*WITH_VARIANTS)[0].variants[0].sku
    copy = pair.target.by_sku()[sku][0]
    pair.target.set_own_fields(copy)
    own = pair.target.own_fields(pair.target.by_sku()[sku][0])

    home_product = next(p for p in pair.home.products() if p.variants[0].sku == sku)
    pair.home.edit(home_product, title="Renamed at home", price=Decimal("321.00"))
    assert_ok(pair.sync())
    assert_ok(pair.sync(full=True))

    copy = assert_mirrored(pair, fields=checked_fields(home, target), only={sku})[sku]
    assert copy.title == "Renamed at home"
    assert pair.target.own_fields(copy) == own
    assert own != pair.target.own_fields(pair.target.by_sku()[products(*SIMPLE)[0].variants[0].sku][0])
