"""Separate stock shares out the stock on hand: the form proposes a split of Flyt's level (an even
split, so every platform keeps selling), shows what is left unallocated, refuses shares that add up
to more than the level, and refuses numbers out of range instead of storing a wrapped value. Turning
separate stock on or off never changes the level."""

import pytest

from inventory.models import Allocation, StockLevel, StockMovement
from tests.web.test_stock_product import Linked, html

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(merchant_a):
    return Linked(merchant_a)  # MUG-1: level 10, on BigCommerce and Zettle; MUG-2: level 4, on BigCommerce only


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def nothing_changed(shop, levels=(10, 4)):
    shop.product.refresh_from_db()
    return (shop.product.separate_stock is False and not Allocation.objects.exists()
            and (level(shop.mug1), level(shop.mug2)) == levels and not StockMovement.objects.exists())


def test_the_form_proposes_an_even_split_of_the_level_with_nothing_unallocated(client_a, shop):
    page = html(client_a.get(shop.url()))
    form = page.split("Separate stock for", 1)[1]
    assert f'name="{shop.share(shop.mug1, shop.bc)}" value="5"' in form  # 10 split over two platforms
    assert f'name="{shop.share(shop.mug1, shop.zettle)}" value="5"' in form
    assert f'name="{shop.share(shop.mug2, shop.bc)}" value="4"' in form  # one platform: all of it
    assert form.count("Unallocated: 0") == 2


def test_an_odd_level_gives_the_extra_unit_to_the_home_base(client_a, shop):
    StockLevel.objects.filter(variant=shop.mug1).update(quantity=7)
    form = html(client_a.get(shop.url())).split("Separate stock for", 1)[1]
    assert f'name="{shop.share(shop.mug1, shop.bc)}" value="4"' in form  # BigCommerce is the home base
    assert f'name="{shop.share(shop.mug1, shop.zettle)}" value="3"' in form


def test_shares_above_the_level_are_refused_naming_the_product(client_a, shop):
    StockLevel.objects.filter(variant=shop.mug1).update(quantity=2)
    response = client_a.post(shop.url("-separate-stock"), shop.shares(mug1_bc=10, mug1_zettle=10, mug2_bc=4))
    assert response.status_code == 400
    assert ("The shares of &#x27;Blue mug&#x27; (SKU MUG-1) add up to 20, but Flyt has only 2 in stock."
            in html(response))
    assert nothing_changed(shop, levels=(2, 4))


@pytest.mark.parametrize("typed", ["99999999999", "2147483648", "-99999999999"])
def test_a_share_out_of_range_is_refused_with_a_form_error_never_wrapped(client_a, shop, typed):
    response = client_a.post(shop.url("-separate-stock"), {**shop.shares(), shop.share(shop.mug1, shop.zettle): typed})
    assert response.status_code == 400
    page = html(response)
    assert "for Zettle (MUG-1)." in page and f'value="{typed}"' in page
    assert nothing_changed(shop)


def test_a_split_below_the_level_keeps_the_rest_unallocated_and_never_changes_the_level(client_a, shop):
    response = client_a.post(shop.url("-separate-stock"), shop.shares(mug1_bc=6, mug1_zettle=3, mug2_bc=1))
    assert response.status_code == 302, html(response)
    assert (level(shop.mug1), level(shop.mug2)) == (10, 4)  # the level on hand stays what it was
    assert not StockMovement.objects.exists()
    form = html(client_a.get(shop.url())).split("Separate stock for", 1)[1]
    assert "Unallocated: 1" in form and "Unallocated: 3" in form

    confirm = html(client_a.get(shop.url("-separate-stock-off")))
    row = confirm.split("<td>MUG-2</td>", 1)[1].split("</tr>", 1)[0]
    assert "BigCommerce 1" in row and "<td>3</td>" in row and "<strong>4</strong>" in row  # 3 unallocated
    response = client_a.post(shop.url("-separate-stock-off"))
    assert response.status_code == 302
    assert (level(shop.mug1), level(shop.mug2)) == (10, 4)  # merged back: the same level
    assert not StockMovement.objects.exists()
