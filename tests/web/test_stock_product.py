"""A product's stock on its page: the hub level and each platform's last known level, "Enable stock
tracking", "Separate stock for <platform>" and "Turn off separate stock" with its confirmation.

These tests are about the page: pushes are enqueued on commit and not run here (the sandboxes test
in test_stock_sandboxes.py runs them)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from integrations.models import RemoteStock
from integrations.services.stock import StockProblem, product_separate_stock_on
from inventory.models import Allocation, StockLevel
from synclog.models import SyncEntry
from tests.factories import (
    ConnectionFactory,
    IntegrationFactory,
    LocationFactory,
    ProductFactory,
    StockLevelFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def remote(connection, variant, *, last_known, location):
    return RemoteStock.objects.create(merchant=connection.merchant, connection=connection, variant=variant,
                                      location=location, external_variant_id=f"{connection.platform}-{variant.pk}",
                                      external_location_id="loc-1", last_known=last_known)


class Linked:
    """A Zettle ↔ BigCommerce shop with one two-variant product linked on both platforms. Zettle's
    location of MUG-2 is not mapped."""

    def __init__(self, merchant):
        self.integration = IntegrationFactory(merchant=merchant, completed_at=timezone.now(), setup_step="done",
                                              bigcommerce__name="Web shop", bigcommerce__stock_direction="both",
                                              zettle__name="Shop till", zettle__stock_direction="both")
        self.bc, self.zettle = self.integration.connection_for("bigcommerce"), self.integration.connection_for("zettle")
        self.product = ProductFactory(merchant=merchant, title="Blue mug")
        self.mug1 = VariantFactory(product=self.product, sku="MUG-1", position=1)
        self.mug2 = VariantFactory(product=self.product, sku="MUG-2", position=2)
        self.home = LocationFactory(merchant=merchant, name="Main warehouse", is_default=True)
        StockLevelFactory(variant=self.mug1, location=self.home, quantity=10)
        StockLevelFactory(variant=self.mug2, location=self.home, quantity=4)
        remote(self.bc, self.mug1, last_known=10, location=self.home)
        remote(self.zettle, self.mug1, last_known=9, location=self.home)
        remote(self.bc, self.mug2, last_known=4, location=self.home)
        remote(self.zettle, self.mug2, last_known=7, location=None)

    def url(self, name=""):
        return reverse(f"integration-product{name}", args=[self.integration.pk, self.product.pk])

    def share(self, variant, connection):
        return f"share-{variant.pk}-{connection.pk}"

    def shares(self, mug1_bc=6, mug1_zettle=4, mug2_bc=3):
        return {self.share(self.mug1, self.bc): mug1_bc, self.share(self.mug1, self.zettle): mug1_zettle,
                self.share(self.mug2, self.bc): mug2_bc}


@pytest.fixture
def shop(merchant_a):
    return Linked(merchant_a)


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def test_the_stock_section_shows_the_hub_level_and_what_each_platform_last_showed(client_a, shop, merchant_b):
    other = ConnectionFactory(merchant=merchant_b, name="Bravo till", stock_direction="both")
    remote(other, VariantFactory(product=ProductFactory(merchant=merchant_b), sku="B-1"), last_known=99,
           location=LocationFactory(merchant=merchant_b))

    page = html(client_a.get(shop.url()))

    stock = page.split('id="stock"', 1)[1]
    assert "Enable stock tracking" in stock and 'name="track_stock" value="1" checked' in stock
    assert "Web shop" in stock and "Shop till" in stock and "Bravo till" not in page
    rows = {sku: stock.split(f"<td>{sku}</td>", 1)[1].split("</tr>", 1)[0] for sku in ("MUG-1", "MUG-2")}
    cells = [cell.split("</td>")[0].strip() for cell in rows["MUG-1"].split("<td>")[1:4]]
    assert cells == ["10", "9", "10"]  # Flyt, "Shop till" (Zettle), "Web shop" (BigCommerce)
    assert "Location not synced" in rows["MUG-2"]
    assert "Separate stock for Zettle and BigCommerce" in page
    # the level on hand proposed split evenly, not the full level in every box
    assert f'name="{shop.share(shop.mug1, shop.bc)}" value="5"' in page
    assert f'name="{shop.share(shop.mug1, shop.zettle)}" value="5"' in page
    assert f'name="{shop.share(shop.mug2, shop.zettle)}"' not in page  # unmapped: no share to enter
    assert "Use separate stock" in page and "Turn off separate stock" not in page


def test_turning_stock_tracking_off_and_on(client_a, shop, django_capture_on_commit_callbacks):
    RemoteStock.objects.filter(connection=shop.bc).update(dirty=True)

    response = client_a.post(shop.url("-stock-tracking"), {})
    assert response.status_code == 302 and response.url == shop.url()
    shop.product.refresh_from_db()
    assert shop.product.track_stock is False
    assert not RemoteStock.objects.filter(variant__product=shop.product, dirty=True).exists()
    page = html(client_a.get(shop.url()))
    assert "Stock tracking is off for &#x27;Blue mug&#x27;" in page
    assert "Flyt neither reads nor writes this product" in page
    assert 'name="track_stock" value="1" >' in page and "Use separate stock" not in page

    # turned on again, each platform's level is read first (test_stock_tracking.py does it with the
    # sandboxes); these connections cannot be reached, so tracking stays off and the page says why
    with django_capture_on_commit_callbacks() as pushes:
        response = client_a.post(shop.url("-stock-tracking"), {"track_stock": "1"})
    assert response.status_code == 400
    assert "Stock tracking was not turned on: the stock of &#x27;Blue mug&#x27; could not be read from" \
        in html(response)
    shop.product.refresh_from_db()
    assert shop.product.track_stock is False and not pushes
    assert not RemoteStock.objects.filter(variant__product=shop.product, dirty=True).exists()


def test_use_separate_stock_gives_each_platform_its_share(client_a, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as pushes:
        response = client_a.post(shop.url("-separate-stock"), shop.shares())
    assert response.status_code == 302, html(response)

    shop.product.refresh_from_db()
    assert shop.product.separate_stock is True
    shares = {(a.variant.sku, a.connection.name): a.quantity for a in Allocation.objects.filter(
        variant__product=shop.product)}
    assert shares == {("MUG-1", "Web shop"): 6, ("MUG-1", "Shop till"): 4, ("MUG-2", "Web shop"): 3}
    assert level(shop.mug1) == 10 and level(shop.mug2) == 4  # the level on hand: 1 unit of MUG-2 unallocated
    assert len(pushes) == 2
    assert SyncEntry.objects.filter(merchant=shop.product.merchant,
                                    message__contains="Separate stock turned on").exists()

    page = html(client_a.get(shop.url()))
    assert "Separate stock is on for &#x27;Blue mug&#x27;" in page
    assert "Share: 6" in page and "Share: 4" in page
    assert f'name="{shop.share(shop.mug1, shop.bc)}" value="6"' in page  # prefilled with the share now
    assert "Save shares" in page and "Turn off separate stock" in page


@pytest.mark.parametrize("typed", ["-1", "two", ""])
def test_a_share_that_is_not_a_whole_number_is_refused_in_plain_words(client_a, shop, typed):
    response = client_a.post(shop.url("-separate-stock"), {**shop.shares(), shop.share(shop.mug1, shop.zettle): typed})

    assert response.status_code == 400
    assert "Enter a whole number of 0 or more for Zettle (MUG-1)." in html(response)
    assert f'name="{shop.share(shop.mug1, shop.zettle)}" value="{typed}"' in html(response)
    shop.product.refresh_from_db()
    assert shop.product.separate_stock is False and not Allocation.objects.exists()


def test_a_stock_problem_from_the_service_is_shown_on_the_page(client_a, shop, monkeypatch):
    def refuse(**kwargs):
        raise StockProblem("This product is not linked to any platform's stock yet.")

    monkeypatch.setattr("integrations.views.products.product_separate_stock_on", refuse)
    response = client_a.post(shop.url("-separate-stock"), shop.shares())
    assert response.status_code == 400
    assert "This product is not linked to any platform&#x27;s stock yet." in html(response)


def test_a_product_not_linked_anywhere_has_no_separate_stock_form(client_a, shop):
    RemoteStock.objects.all().delete()
    page = html(client_a.get(shop.url()))
    assert "Not linked" in page and "Use separate stock" not in page
    response = client_a.post(shop.url("-separate-stock"), shop.shares())
    assert response.status_code == 400 and "not linked to any platform" in html(response)


def test_turn_off_separate_stock_asks_first_then_merges_the_shares(client_a, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        product_separate_stock_on(merchant=shop.product.merchant, product=shop.product,
                                  shares={(shop.mug1.pk, shop.bc.pk): 6, (shop.mug1.pk, shop.zettle.pk): 4,
                                          (shop.mug2.pk, shop.bc.pk): 3})
    shop.product.refresh_from_db()
    RemoteStock.objects.update(dirty=False)
    cache.clear()  # as if the pushes queued by turning it on had run

    confirm = client_a.get(shop.url("-separate-stock-off"))
    assert confirm.status_code == 200
    page = html(confirm)
    assert "<title>Turn off separate stock" in page and "<h1>Turn off separate stock</h1>" in page
    assert "merged into one shared level" in page
    row = page.split("<td>MUG-1</td>", 1)[1].split("</tr>", 1)[0]
    assert "BigCommerce 6" in row and "Zettle 4" in row and "<strong>10</strong>" in row
    assert Allocation.objects.count() == 3  # nothing happens before the answer

    with django_capture_on_commit_callbacks() as pushes:
        response = client_a.post(shop.url("-separate-stock-off"))
    assert response.status_code == 302 and response.url == shop.url()
    shop.product.refresh_from_db()
    assert shop.product.separate_stock is False and not Allocation.objects.exists()
    assert len(pushes) == 2  # one push per platform, each writing the shared level
    assert RemoteStock.objects.filter(dirty=True).count() == RemoteStock.objects.count()
    page = html(client_a.get(shop.url()))
    assert "Separate stock is off for &#x27;Blue mug&#x27;. The shares were merged into one shared level per " \
           "variant: MUG-1: 10, MUG-2: 4." in page
    entry = SyncEntry.objects.get(message__contains="Separate stock turned off for 'Blue mug' (SKU MUG-1)")
    assert "merged into one shared level of 10" in entry.message
    assert "Use separate stock" in page


def test_turn_off_separate_stock_when_it_is_not_on_goes_back_to_the_product(client_a, shop):
    for method in (client_a.get, client_a.post):
        response = method(shop.url("-separate-stock-off"))
        assert response.status_code == 302 and response.url == shop.url()
    assert "already shares one stock level" in html(client_a.get(shop.url()))


def test_another_merchants_product_page_and_stock_forms_answer_404(client_b, shop):
    assert client_b.get(shop.url()).status_code == 404
    assert client_b.post(shop.url("-separate-stock"), shop.shares()).status_code == 404
    assert client_b.post(shop.url("-stock-tracking"), {}).status_code == 404
    assert client_b.post(shop.url("-separate-stock-off")).status_code == 404
    shop.product.refresh_from_db()
    assert shop.product.track_stock is True and shop.product.separate_stock is False
