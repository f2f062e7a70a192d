"""A "Product sync" from every platform to every other one (20 ordered pairs), end to end against the
in-process sandboxes: set-up, home-base edits, deletes and creates, an edit on the target overwritten
and logged, and a pass with nothing to do that writes nothing."""

from decimal import Decimal
from itertools import permutations

import pytest

from tests.integration.matrix.checks import assert_mirrored, assert_ok, checked_fields, run_messages
from tests.integration.matrix.conftest import HOME_CATALOG, NEW_PRODUCT, products
from tests.integration.matrix.platforms import PLATFORM_KEYS

PAIRS = list(permutations(PLATFORM_KEYS, 2))


def sku_of(entry):
    return products(*entry)[0].variants[0].sku


def skus_of(entry):
    return {v.sku for v in products(*entry)[0].variants}


def seeded_stock(*entries):
    return {v.sku: v.stock for entry in entries for v in products(*entry)[0].variants}


def assert_same_stock(pair, *entries):
    """The home base still has the stock it was seeded with, and the target's copies have it too."""
    seeded = seeded_stock(*entries)
    home, target = pair.home.stock_levels(), pair.target.stock_levels()
    assert {s: home.get(s) for s in seeded} == seeded, "stock on the home base, then as seeded"
    assert {s: target.get(s) for s in seeded} == seeded, "stock on the target, then on the home base"


@pytest.mark.parametrize(("home", "target"), PAIRS, ids=[f"{h}->{t}" for h, t in PAIRS])
def test_product_sync(pair_factory, home, target):
    pair = pair_factory(home, target)
    fields = checked_fields(home, target)
    simple, linked, edited = HOME_CATALOG
    pair.seed_home(*HOME_CATALOG)
    pair.seed_target(linked)  # the merchant already sells this one on the target (same SKUs): linked, not copied

    # 1-2. set-up: every home product is on the target once, its fields as on the home base
    assert_ok(pair.activate())
    assert_mirrored(pair, fields=fields)
    assert len(pair.target.products()) == len(HOME_CATALOG)
    assert_same_stock(pair, simple, edited)  # the copies Flyt created start with the home's stock

    # 3. the home base changes: an edit, two deletes (one copy Flyt created, one it linked), a new product
    by_sku = {p.variants[0].sku: p for p in pair.home.products()}
    pair.home.edit(by_sku[sku_of(edited)], title="Renamed at home", price=Decimal("123.00"))
    pair.home.delete(by_sku[sku_of(simple)])
    pair.home.delete(by_sku[sku_of(linked)])
    pair.seed_home(NEW_PRODUCT)
    assert_ok(pair.sync())
    copies = assert_mirrored(pair, fields=fields, only={sku_of(edited), sku_of(NEW_PRODUCT)})
    assert copies[sku_of(edited)].title == "Renamed at home"
    assert_ok(pair.sync(full=True))  # a full read notices products gone from the home base
    left = pair.target.by_sku()
    assert not skus_of(simple) & set(left), "the copy Flyt created is deleted with its home product"
    assert skus_of(linked) <= set(left), "a product the merchant had on the target before is kept"
    assert_mirrored(pair, fields=fields, only={sku_of(edited), sku_of(NEW_PRODUCT)})
    assert_same_stock(pair, NEW_PRODUCT)

    # 4. an edit on the target is overwritten with the home base's version, and the log says so
    copy = pair.target.by_sku()[sku_of(edited)][0]
    pair.target.edit(copy, title="Renamed on the target", price=Decimal("1.00"))
    run = assert_ok(pair.sync())
    assert_mirrored(pair, fields=fields, only={sku_of(edited), sku_of(NEW_PRODUCT)})
    overwritten = [m for m in run_messages(run) if "overwritten" in m]
    assert len(overwritten) == 1 and "Renamed at home" in overwritten[0], run_messages(run)

    # 5. nothing changed: nothing is written, on either side
    home_mark, target_mark = pair.home.mark(), pair.target.mark()
    assert_ok(pair.sync())
    assert pair.target.writes(target_mark) == []
    assert pair.home.writes(home_mark) == []
