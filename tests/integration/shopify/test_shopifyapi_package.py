"""Shopify's own Python package (ShopifyAPI) lists, creates and updates products on the sandbox
served over HTTP, as it would on a real shop."""

import pytest
import shopify

from integrations.sandbox.registry import persisted
from integrations.sandbox.seed import catalog


@pytest.fixture
def shop_site(live_server, settings, tmp_path):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_STATE_DIR = str(tmp_path)
    with persisted("shopify") as sandbox:
        sandbox.reset()
        connect = sandbox.create_account()
        sandbox.seed(connect["account"], catalog(60, variants=2))
    site = f"{live_server.url}/sandbox/shopify/{connect['account']}/admin/api/2026-01"
    shopify.ShopifyResource.clear_session()
    shopify.ShopifyResource.site = site
    shopify.ShopifyResource.headers = {"X-Shopify-Access-Token": connect["credentials"]["access_token"]}
    yield connect
    shopify.ShopifyResource.clear_session()


@pytest.mark.django_db
def test_shopifyapi_lists_creates_and_updates_products(shop_site):
    page = shopify.Product.find(limit=50)
    assert len(page) == 50
    assert page.has_next_page()
    rest = page.next_page()
    assert len(rest) == 10 and not rest.has_next_page()
    assert rest[0].id > page[-1].id
    assert shopify.Product.count() == 60

    product = shopify.Product({"title": "Harbour lamp", "vendor": "Flyt", "product_type": "Home",
                               "options": [{"name": "Colour"}],
                               "variants": [{"option1": "Brass", "sku": "LAMP-BR", "price": "499.00"},
                                            {"option1": "Black", "sku": "LAMP-BL", "price": "449.00"}]})
    assert product.save(), product.errors.full_messages()
    assert product.id and [v.sku for v in product.variants] == ["LAMP-BR", "LAMP-BL"]
    assert product.variants[0].price == "499.00"

    product.title = "Harbour lamp (large)"
    assert product.save(), product.errors.full_messages()
    fetched = shopify.Product.find(product.id)
    assert fetched.title == "Harbour lamp (large)"

    invalid = shopify.Product({"title": ""})
    assert not invalid.save()
    assert "can't be blank" in " ".join(invalid.errors.full_messages())

    with persisted("shopify", write=False) as sandbox:
        stored = sandbox.account(shop_site["account"])["products"][str(product.id)]
    assert stored["title"] == "Harbour lamp (large)"
