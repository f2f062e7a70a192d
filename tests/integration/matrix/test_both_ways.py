"""Products synced both ways between two platforms: each side's products reach the other, an edit on
either side reaches the other, Flyt's own writes are never taken for edits, and a product changed on
both sides keeps the newest change with a line in the log naming the conflict."""

import pytest

from integrations.services.connections import ConnectionProblem
from integrations.services.integrations import integration_create
from synclog.models import SyncEntry

PAIRS = [("shopify", "bigcommerce"), ("shopbox", "rackbeat")]


def both_ways(pair):
    pair.integration = integration_create(
        merchant=pair.merchant, kind="product_sync", prices_included=True, setup_step="finish",
        members=[(pair.home_connection, {"products": "both", "stock": "both"}),
                 (pair.target_connection, {"products": "both", "stock": "both"})])
    return pair.integration


def titles(tools):
    return {p.variants[0].sku: p.title for p in tools.products()}


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}<->{b}" for a, b in PAIRS])
def test_products_sync_both_ways(pair_factory, first, second):
    pair = pair_factory(first, second)
    a, b = pair.home, pair.target
    pair.seed_home((1, 2), (2, 1))
    pair.seed_target((3, 1))
    both_ways(pair)
    assert pair.integration.both_ways == [pair.home_connection, pair.target_connection]
    pair.activate()
    assert titles(a) == titles(b) and len(titles(a)) == 3  # each side's products on the other

    # nothing changed: neither side is written, Flyt's own writes are not taken for edits
    mark_a, mark_b = a.mark(), b.mark()
    pair.sync()
    assert a.writes(mark_a) == [] and b.writes(mark_b) == []

    # an edit on the second side reaches the first
    edited = sorted(b.products(), key=lambda p: p.variants[0].sku)[0]
    b.edit(edited, title="Renamed on the second side", price="99.00")
    pair.sync()
    assert titles(a)[edited.variants[0].sku] == "Renamed on the second side"
    assert titles(a) == titles(b)
    mark_a, mark_b = a.mark(), b.mark()
    pair.sync()
    assert a.writes(mark_a) == [] and b.writes(mark_b) == []


@pytest.mark.parametrize(("first", "second"), PAIRS[:1], ids=[f"{a}<->{b}" for a, b in PAIRS[:1]])
def test_a_product_changed_on_both_sides_keeps_the_newest_change(pair_factory, clock, first, second):
    pair = pair_factory(first, second)
    a, b = pair.home, pair.target
    pair.seed_home((1, 1))
    both_ways(pair)
    pair.activate()
    [on_a], [on_b] = a.products(), b.products()
    a.edit(on_a, title="Older change", price="10.00")
    clock.advance(60)
    b.edit(on_b, title="Newest change", price="20.00")
    pair.sync()
    assert [p.title for p in a.products()] == ["Newest change"] == [p.title for p in b.products()]
    conflict = SyncEntry.objects.filter(run__merchant=pair.merchant, level=SyncEntry.Level.WARNING,
                                        message__contains="was changed on both").get()
    assert "Product 'Older change' was changed on both" in conflict.message
    label_a, label_b = pair.home_connection.platform_info.label, pair.target_connection.platform_info.label
    assert f"made on {label_b}, was kept and {label_a}'s copy is overwritten" in conflict.message


def test_both_ways_is_between_two_platforms_without_a_home_base(pair_factory):
    pair = pair_factory("shopify", "bigcommerce")
    with pytest.raises(ConnectionProblem, match="home base"):
        integration_create(merchant=pair.merchant, kind="product_sync",
                           members=[(pair.home_connection, {"products": "home"}),
                                    (pair.target_connection, {"products": "both"})])
