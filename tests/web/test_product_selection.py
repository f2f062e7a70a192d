"""Choosing the products that sync to BigCommerce (Zettle home base): the product list with its
checkboxes, "Assign channels" → BigCommerce → "Update products", and "Unassign products"."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Variant
from integrations.models import Binding, Listing
from synclog.models import SyncRun
from tests.factories import (
    BindingFactory,
    ConnectionFactory,
    IntegrationFactory,
    ListingFactory,
    ProductFactory,
    VariantFactory,
)
from tests.web.conftest import set_up

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def running(merchant, home="zettle"):
    return IntegrationFactory(merchant=merchant, home_platform=home, completed_at=timezone.now(), setup_step="done",
                              zettle=ConnectionFactory(merchant=merchant, platform="zettle", settings={},
                                                       external_account_id="org-1"))


def urls(integration):
    return {name: reverse(f"integration-{name}", args=[integration.pk])
            for name in ("products", "products-assign", "products-unassign")}


def test_the_product_list_shows_checkboxes_and_whether_each_product_is_synced(client_a, merchant_a):
    integration = running(merchant_a)
    synced, waiting, alone = (ProductFactory(merchant=merchant_a, title=t) for t in ("Blue mug", "Red mug", "Tote"))
    VariantFactory(product=synced, sku="MUG-1")
    ListingFactory(integration=integration, product=synced)
    BindingFactory(connection=integration.connection_for("bigcommerce"), hub_id=synced.pk)
    ListingFactory(integration=integration, product=waiting)
    ProductFactory(merchant=ConnectionFactory().merchant, title="Someone else's product")

    page = html(client_a.get(urls(integration)["products"]))
    assert "Assign channels" in page and "Unassign" in page
    for product in (synced, waiting, alone):
        assert f'name="product" value="{product.pk}"' in page
    assert "Someone else" not in page and "MUG-1" in page
    rows = {p.title: page.split(p.title, 2)[-1].split("</tr>")[0] for p in (synced, waiting, alone)}
    assert "Synced" in rows["Blue mug"] and "Waiting" in rows["Red mug"] and "Not synced" in rows["Tote"]


def test_assign_channels_asks_for_the_channel_then_updates_the_products(client_a, merchant_a,
                                                                       django_capture_on_commit_callbacks):
    integration = running(merchant_a)
    mugs = [ProductFactory(merchant=merchant_a, title=f"Mug {n}") for n in range(2)]
    query = "?" + "&".join(f"product={p.pk}" for p in mugs)
    dialog = client_a.get(urls(integration)["products-assign"] + query)
    page = html(dialog)
    assert dialog.status_code == 200 and "BigCommerce" in page and "Update products" in page
    assert "Mug 0" in page and "Mug 1" in page
    assert not Listing.objects.exists()  # showing the dialog changes nothing

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_a.post(urls(integration)["products-assign"],
                                 {"product": [p.pk for p in mugs], "channel": "bigcommerce"})
    assert response.status_code == 302 and response.url == urls(integration)["products"]
    listings = Listing.objects.filter(integration=integration, active=True)
    assert sorted(listing.product_id for listing in listings) == sorted(p.pk for p in mugs)
    assert {listing.source for listing in listings} == {Listing.Source.SELECTED}
    assert len(callbacks) == 1  # the push is enqueued once the transaction commits
    assert "2 product(s) will be synced to BigCommerce" in html(client_a.get(urls(integration)["products"]))


def test_assigning_without_ticking_bigcommerce_is_refused_with_a_message(client_a, merchant_a):
    integration = running(merchant_a)
    mug = ProductFactory(merchant=merchant_a)
    response = client_a.post(urls(integration)["products-assign"], {"product": [mug.pk]})
    assert response.status_code == 400 and "Tick BigCommerce" in html(response)
    assert not Listing.objects.exists()


def test_selecting_nothing_says_so(client_a, merchant_a):
    integration = running(merchant_a)
    assert "Select products" in html(client_a.get(urls(integration)["products-assign"]))
    response = client_a.post(urls(integration)["products-assign"], {"channel": "bigcommerce"})
    assert response.status_code == 400 and "Select at least one product" in html(response)


def test_another_shops_product_cannot_be_assigned(client_a, merchant_a, merchant_b):
    integration = running(merchant_a)
    mine, theirs = ProductFactory(merchant=merchant_a), ProductFactory(merchant=merchant_b)
    for method, data in (("get", {"product": [mine.pk, theirs.pk]}),
                         ("post", {"product": [mine.pk, theirs.pk], "channel": "bigcommerce"})):
        assert getattr(client_a, method)(urls(integration)["products-assign"], data).status_code == 404
    assert client_a.post(urls(integration)["products-assign"], {"product": ["x"], "channel": "bigcommerce"}
                         ).status_code == 404
    assert not Listing.objects.exists()


def test_another_merchant_cannot_reach_the_product_pages(client_b, merchant_a):
    integration = running(merchant_a)
    mug = ProductFactory(merchant=merchant_a)
    for url in urls(integration).values():
        assert client_b.get(url).status_code == 404
        assert client_b.post(url, {"product": [mug.pk], "channel": "bigcommerce"}).status_code == 404
    assert client_b.get(reverse("integration-product", args=[integration.pk, mug.pk])).status_code == 404
    assert not Listing.objects.exists()


def test_assign_and_unassign_from_a_products_detail_page(client_a, merchant_a, django_capture_on_commit_callbacks):
    integration = running(merchant_a)
    mug = ProductFactory(merchant=merchant_a, title="Blue mug")
    detail = reverse("integration-product", args=[integration.pk, mug.pk])
    page = html(client_a.get(detail))
    assert "Not synced" in page and f"{urls(integration)['products-assign']}?product={mug.pk}" in page

    with django_capture_on_commit_callbacks(execute=False):
        response = client_a.post(urls(integration)["products-assign"],
                                 {"product": [mug.pk], "channel": "bigcommerce", "next": "product"})
    assert response.status_code == 302 and response.url == detail
    page = html(client_a.get(detail))
    assert "Waiting for the next sync" in page and f"{urls(integration)['products-unassign']}?product={mug.pk}" in page


def test_unassign_asks_for_confirmation_then_stops_the_sync_and_keeps_the_copy(client_a, merchant_a):
    integration = running(merchant_a)
    mug = ProductFactory(merchant=merchant_a, title="Blue mug")
    ListingFactory(integration=integration, product=mug, source=Listing.Source.SELECTED)
    BindingFactory(connection=integration.connection_for("bigcommerce"), hub_id=mug.pk, external_id="77")

    confirm = client_a.get(urls(integration)["products-unassign"], {"product": [mug.pk]})
    page = html(confirm)
    assert confirm.status_code == 200 and "<h1>Unassign products</h1>" in page and "Blue mug" in page
    assert Listing.objects.get(product=mug).active  # asking changes nothing

    response = client_a.post(urls(integration)["products-unassign"], {"product": [mug.pk]})
    assert response.status_code == 302
    assert not Listing.objects.get(product=mug).active
    assert not Binding.objects.filter(connection=integration.connection_for("bigcommerce"), hub_id=mug.pk).exists()
    run = SyncRun.objects.get(connection=integration.connection_for("bigcommerce"))
    assert "unassigned" in run.entries.get().message
    assert "Not synced" in html(client_a.get(urls(integration)["products"]))


def test_with_bigcommerce_as_home_base_products_are_chosen_in_bigcommerce(client_a, merchant_a):
    integration = running(merchant_a, home="bigcommerce")
    mug = ProductFactory(merchant=merchant_a)
    page = html(client_a.get(urls(integration)["products"]))
    assert 'name="product"' not in page and "PayPal Zettle" in page
    response = client_a.post(urls(integration)["products-assign"], {"product": [mug.pk], "channel": "bigcommerce"})
    assert response.status_code == 400 and "channel &#x27;PayPal Zettle&#x27;" in html(response)
    assert not Listing.objects.exists()


def test_products_cannot_be_chosen_before_setup_is_finished(client_a, merchant_a):
    integration = IntegrationFactory(merchant=merchant_a, home_platform="zettle", setup_step="finish")
    mug = ProductFactory(merchant=merchant_a)
    response = client_a.post(urls(integration)["products-assign"], {"product": [mug.pk], "channel": "bigcommerce"})
    assert response.status_code == 400 and "Finish setting up" in html(response)


# --- end to end against the sandboxes ---------------------------------------------------------------------

def test_selected_zettle_products_reach_bigcommerce_and_unassigned_ones_stay_there(
        client_a, bc, zettle, django_capture_on_commit_callbacks):
    from integrations.sandbox.seed import catalog

    integration, bc_account, _, _ = set_up(client_a, bc, zettle, home="zettle", scope="selected",
                                           zettle_seed=catalog(3, seed=8, prefix="ZT"))
    store = bc.state["accounts"][bc_account["account"]]
    assert not store["products"]
    page = html(client_a.get(urls(integration)["products"]))
    assert page.count('name="product"') == 3  # pulled into Flyt at set-up, none synced yet
    first = integration.connection_for("zettle").bindings.filter(kind="product").order_by("hub_id").first().hub_id

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(urls(integration)["products-assign"], {"product": [first], "channel": "bigcommerce"})
    sku = Variant.objects.get(product_id=first).sku
    assert [p["sku"] for p in store["products"].values()] == [sku]
    assert "Synced" in html(client_a.get(reverse("integration-product", args=[integration.pk, first])))

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(urls(integration)["products-unassign"], {"product": [first]})
    assert len(store["products"]) == 1  # the copy on BigCommerce stays, unbound
    assert not Listing.objects.get(product_id=first).active



def test_the_help_pages_unassign_flow_untick_bigcommerce_then_confirm(client_a, merchant_a):
    """Tick → "Assign channels" → untick BigCommerce → "Update products" → confirm "Unassign products"."""
    integration = running(merchant_a)
    mug, cup = (ProductFactory(merchant=merchant_a, title=t) for t in ("Blue mug", "Green cup"))
    for product, external_id in ((mug, "77"), (cup, "78")):
        ListingFactory(integration=integration, product=product, source=Listing.Source.SELECTED)
        BindingFactory(connection=integration.connection_for("bigcommerce"), hub_id=product.pk, external_id=external_id)

    # the product list's form sends the ticked products to "Assign channels" (GET)
    dialog = client_a.get(urls(integration)["products-assign"], {"product": [mug.pk]})
    assert dialog.status_code == 200 and 'name="channel" value="bigcommerce"' in html(dialog)
    # BigCommerce unticked, "Update products": an unticked checkbox is simply not sent
    answer = client_a.post(urls(integration)["products-assign"], {"product": [mug.pk], "next": ""})
    page = html(answer)
    assert answer.status_code == 200, page
    assert "<h1>Unassign products</h1>" in page and "Blue mug" in page and "Green cup" not in page
    assert "Unassign products</button>" in page
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    assert action == urls(integration)["products-unassign"]
    assert Listing.objects.get(product=mug).active  # nothing changes before the confirmation

    confirmed = client_a.post(action, {"product": [mug.pk], "next": ""})
    assert confirmed.status_code == 302 and confirmed.url == urls(integration)["products"]
    assert not Listing.objects.get(product=mug).active and Listing.objects.get(product=cup).active
    assert not Binding.objects.filter(connection=integration.connection_for("bigcommerce"), hub_id=mug.pk).exists()
    assert "1 product(s) no longer sync to BigCommerce" in html(client_a.get(confirmed.url))

