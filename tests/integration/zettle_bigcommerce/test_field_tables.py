"""The help pages' field tables, end to end through both sandboxes: a sync pass, then what the other
platform holds. BigCommerce → Zettle: weight, every image, low-stock level; Zettle → BigCommerce: weight,
SEO, images; untracked Zettle products untracked in BigCommerce; VAT never synced (new Zettle products get
the account's own default rate); prices only in the account's own currency, even with an empty library."""

import pytest

from catalog.models import Variant
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from synclog.models import SyncRun
from tests.integration.zettle_bigcommerce.conftest import Shop, connect

pytestmark = pytest.mark.django_db


def sync(shop, integration):
    for connection in (shop.bc_connection, shop.zettle_connection):
        connection.refresh_from_db()
    return integration_sync(merchant=shop.merchant, integration=integration, trigger=SyncRun.Trigger.MANUAL,
                            full=True)


def raw_bc(shop):
    client = shop.bc_client()
    return {v["sku"]: client.get_product(product_id=p.external_id)
            for p in shop.bc_products() for v in client.get_product(product_id=p.external_id)["variants"]}


def bigcommerce_home(shop):
    """Set up with BigCommerce as home base and put every product in its "PayPal Zettle" channel."""
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.assign_to_channel()
    return integration, sync(shop, integration)


def raw_zettle(shop):
    return {v["sku"]: p for p in shop.zettle_client().iter_products() for v in p["variants"]}


# --- BigCommerce as home base: its fields in Zettle --------------------------------------------------------

def test_weight_every_image_and_the_low_stock_level_reach_zettle(shop_factory):
    shop = shop_factory(bc_products=2)
    client = shop.bc_client()
    first = shop.bc_products()[0]
    client.update_product(product_id=first.external_id, fields={"inventory_warning_level": 4, "weight": 0.65})
    client.add_product_image(product_id=first.external_id, image_url="https://images.flyt.example/extra-3.jpg",
                             is_thumbnail=False)
    integration, run = bigcommerce_home(shop)
    assert (run.created_count, run.failed_count) == (2, 0)
    sku = first.variants[0].sku
    zettle_product = raw_zettle(shop)[sku]
    bc_images = sorted(client.get_product(product_id=first.external_id)["images"],
                       key=lambda i: (not i["is_thumbnail"], i["sort_order"]))
    urls = [i["url_zoom"] or i["url_standard"] for i in bc_images]
    assert len(urls) == 3
    assert zettle_product["presentation"]["imageUrl"] == urls[0]
    assert zettle_product["online"]["presentation"]["displayImageUrl"] == urls[0]
    assert zettle_product["online"]["presentation"]["additionalImageUrls"] == urls[1:]
    assert zettle_product["online"]["status"] == "HIDDEN"  # never published in Zettle's online store
    assert zettle_product["online"]["shipping"]["weightInGrams"] == 650
    assert shop.zettle.low_stock(shop.org, sku) == 4
    # a later change in BigCommerce follows
    client.update_product(product_id=first.external_id, fields={"inventory_warning_level": 7, "weight": 1.2})
    sync(shop, integration)
    assert raw_zettle(shop)[sku]["online"]["shipping"]["weightInGrams"] == 1200
    assert shop.zettle.low_stock(shop.org, sku) == 7


def test_new_zettle_products_get_the_accounts_default_vat_not_25(merchant_a, bc, zettle):
    shop = Shop(merchant_a, bc, zettle, currency="DKK", bc_products=1)
    shop.zettle_connection = connect(merchant_a, "zettle", zettle, currency="DKK", country="DK", vat_percentage=12)
    shop.org = shop.zettle_connection.sandbox_account
    bigcommerce_home(shop)
    products = list(shop.zettle_client().iter_products())
    assert len(products) == 1 and products[0]["vatPercentage"] == "12"


def test_prices_reach_an_empty_zettle_library_in_its_own_currency(merchant_a, bc, zettle):
    merchant_a.default_currency = "NOK"  # a Norwegian shop: Flyt's prices are in NOK too
    merchant_a.save(update_fields=["default_currency"])
    shop = Shop(merchant_a, bc, zettle, currency="NOK", bc_products=2)
    shop.zettle_connection = connect(merchant_a, "zettle", zettle, currency="NOK", country="NO")
    shop.org = shop.zettle_connection.sandbox_account
    _, run = bigcommerce_home(shop)
    assert (run.created_count, run.failed_count) == (2, 0)
    prices = {v["sku"]: v["price"] for p in shop.zettle_client().iter_products() for v in p["variants"]}
    bc_prices = {v.sku: v.price for p in shop.bc_products() for v in p.variants}
    assert {sku: money["currencyId"] for sku, money in prices.items()} == dict.fromkeys(bc_prices, "NOK")
    assert {sku: money["amount"] for sku, money in prices.items()} == {
        sku: int(price * 100) for sku, price in bc_prices.items()}


def test_prices_follow_the_home_base_currency_whatever_flyts_default(merchant_a, bc, zettle):
    """A Norwegian pair (NOK and NOK) for a merchant whose Flyt default is still DKK: the prices the help
    pages offer are carried in NOK, not refused as "currencies differ" nor written as 0."""
    assert merchant_a.default_currency == "DKK"
    shop = Shop(merchant_a, bc, zettle, currency="NOK", bc_products=2)
    shop.zettle_connection = connect(merchant_a, "zettle", zettle, currency="NOK", country="NO")
    shop.org = shop.zettle_connection.sandbox_account
    _, run = bigcommerce_home(shop)
    assert (run.created_count, run.failed_count) == (2, 0)
    assert not run.entries.filter(message__contains="currencies differ").exists()
    prices = {v["sku"]: v["price"] for p in shop.zettle_client().iter_products() for v in p["variants"]}
    bc_prices = {v.sku: v.price for p in shop.bc_products() for v in p.variants}
    assert {sku: money["currencyId"] for sku, money in prices.items()} == dict.fromkeys(bc_prices, "NOK")
    assert {sku: money["amount"] for sku, money in prices.items()} == {
        sku: int(price * 100) for sku, price in bc_prices.items()}
    assert all(bc_prices.values())


# --- Zettle as home base: its fields in BigCommerce --------------------------------------------------------

def _online(weight=None, title="", description="", images=()):
    online = {"status": "HIDDEN"}
    if weight is not None:
        online["shipping"] = {"weightInGrams": weight}
    if title or description:
        online["seo"] = {"title": title, "metaDescription": description}
    if images:
        online["presentation"] = {"additionalImageUrls": list(images)}
    return online


def test_weight_seo_and_images_from_zettle_reach_bigcommerce(shop_factory):
    shop = shop_factory(zettle_products=1)
    product = next(shop.zettle_client().iter_products())
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": _online(
        weight=450, title="Wool beanie – warm", description="A warm beanie for the winter.",
        images=["https://images.flyt.example/beanie-2.jpg"])})
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    sku = product["variants"][0]["sku"]
    bc_product = raw_bc(shop)[sku]
    assert bc_product["weight"] == pytest.approx(0.45)
    assert bc_product["page_title"] == "Wool beanie – warm"
    assert bc_product["meta_description"] == "A warm beanie for the winter."
    urls = {i["url_zoom"] or i["url_standard"] for i in bc_product["images"]}
    assert "https://images.flyt.example/beanie-2.jpg" in urls and product["presentation"]["imageUrl"] in urls
    # a later change in Zettle follows
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": {"shipping": {"weightInGrams": 900},
                                                                            "seo": {"title": "Beanie"}}})
    sync(shop, integration)
    bc_product = raw_bc(shop)[sku]
    assert bc_product["weight"] == pytest.approx(0.9) and bc_product["page_title"] == "Beanie"


def test_an_untracked_zettle_product_is_untracked_in_bigcommerce_and_a_later_change_carries_over(shop_factory):
    shop = shop_factory(zettle_products=2)
    tracked, untracked = list(shop.zettle_client().iter_products())
    shop.zettle_client().stop_tracking(product_uuid=untracked["uuid"])
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    bc = raw_bc(shop)
    untracked_sku, tracked_sku = untracked["variants"][0]["sku"], tracked["variants"][0]["sku"]
    assert bc[untracked_sku]["inventory_tracking"] == "none"  # not "tracked at 0, out of stock online"
    assert bc[tracked_sku]["inventory_tracking"] == "product"
    # stock syncs only for what Zettle tracks
    assert Variant.objects.get(sku=untracked_sku).track_stock is False
    assert Variant.objects.get(sku=tracked_sku).track_stock is True

    # the merchant switches tracking on for one and off for the other in Zettle: the next pass carries it over
    shop.zettle_client().start_tracking(product_uuid=untracked["uuid"])
    shop.zettle_client().stop_tracking(product_uuid=tracked["uuid"])
    sync(shop, integration)
    bc = raw_bc(shop)
    assert bc[untracked_sku]["inventory_tracking"] == "product"
    assert bc[tracked_sku]["inventory_tracking"] == "none"
    assert Variant.objects.get(sku=untracked_sku).track_stock is True
    assert Variant.objects.get(sku=tracked_sku).track_stock is False


def test_seeded_catalogs_keep_their_weights_from_zettle(shop_factory):
    """Zettle → BigCommerce never writes weight 0 over a weight Zettle has."""
    shop = shop_factory(zettle_products=3)
    weights = {}
    for index, product in enumerate(shop.zettle_client().iter_products()):
        weights[product["variants"][0]["sku"]] = 100 * (index + 1)
        shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": _online(weight=100 * (index + 1))})
    integration_activate(merchant=shop.merchant, integration=shop.integration(home="zettle"))
    assert {sku: round(p["weight"] * 1000) for sku, p in raw_bc(shop).items()} == weights


def test_weights_are_written_in_the_stores_own_weight_unit(merchant_a, bc, zettle):
    shop = Shop(merchant_a, bc, zettle, zettle_products=1)
    shop.bc_connection = connect(merchant_a, "bigcommerce", bc, currency="DKK", weight_measurement="Grams")
    shop.store = shop.bc_connection.sandbox_account
    product = next(shop.zettle_client().iter_products())
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": _online(weight=450)})
    integration_activate(merchant=shop.merchant, integration=shop.integration(home="zettle"))
    assert raw_bc(shop)[product["variants"][0]["sku"]]["weight"] == 450  # grams, not 0.45


def test_youtube_videos_from_zettle_reach_bigcommerce(shop_factory):
    shop = shop_factory(zettle_products=1)
    product = next(shop.zettle_client().iter_products())
    online = {**_online(), "presentation": {"mediaUrls": ["https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                                                          "https://videos.example/not-youtube.mp4"]}}
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": online})
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    sku = product["variants"][0]["sku"]

    def videos():
        bc_id = raw_bc(shop)[sku]["id"]
        return [v["video_id"] for v in shop.bc_client().get_product(product_id=bc_id, include=("videos",))["videos"]]

    assert videos() == ["dQw4w9WgXcQ"]  # BigCommerce takes YouTube videos only
    shop.zettle.admin_update_product(shop.org, product["uuid"], {"online": {"presentation": {"mediaUrls": [
        "https://youtu.be/9bZkp7q19f0", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"]}}})
    sync(shop, integration)
    assert videos() == ["9bZkp7q19f0", "dQw4w9WgXcQ"]
