"""A product sync between any two platforms, set up through the wizard its kind declares: connect the
home base, connect the target, prices, finish — then the home base's products are on the target."""

import pytest
from django.urls import reverse

from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.models import Integration, IntegrationMember
from integrations.platforms import PLATFORMS
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.shopify.client import ShopifyClient
from integrations.shopify.sandbox import ShopifySandbox
from tests.web.conftest import step_url


def html(response):
    return response.content.decode()


@pytest.fixture
def shopify_and_bc(settings):
    settings.PUBLIC_BASE_URL = "https://flyt.example"
    clock = FakeClock()
    shopify = registry.install("shopify", ShopifySandbox(clock=clock))
    bc = registry.install("bigcommerce", BigCommerceSandbox(clock=clock))
    yield shopify, bc
    registry.uninstall_all()


def start_product_sync(client):
    response = client.post(reverse("integration-new"), {"kind": "product_sync"})
    assert response.status_code == 302
    integration = Integration.objects.get(pk=int(response.url.strip("/").split("/")[1]))
    assert integration.kind == "product_sync" and response.url == step_url(integration, "connect_home")
    return integration


def test_the_wizard_shows_the_steps_of_the_kind(client_a):
    integration = start_product_sync(client_a)
    page = html(client_a.get(step_url(integration, "connect_home")))
    for label in ("Connect the home base", "Connect the target", "Prices", "Finish"):
        assert label in page
    assert "Choose the home base" not in page  # Zettle ↔ BigCommerce's step, not this kind's
    # every platform whose spec says it can give products is offered
    for spec in PLATFORMS.values():
        if spec.capabilities.products_read:
            assert f'value="{spec.key}"' in page
    # the Zettle ↔ BigCommerce steps do not exist for this kind
    assert client_a.get(step_url(integration, "zettle")).status_code == 404


def test_the_connect_step_asks_for_the_platforms_own_credentials(client_a):
    integration = start_product_sync(client_a)
    page = html(client_a.get(step_url(integration, "connect_home") + "?platform=shopify"))
    assert 'name="credential_access_token"' in page and 'name="setting_shop_domain"' in page
    response = client_a.post(step_url(integration, "connect_home"), {"platform": "shopify"})
    assert response.status_code == 400 and "Enter access token" in html(response)
    assert not IntegrationMember.objects.filter(integration=integration).exists()


def test_an_unknown_platform_or_kind_is_refused(client_a):
    assert client_a.post(reverse("integration-new"), {"kind": "teleport"}).status_code == 404
    integration = start_product_sync(client_a)
    response = client_a.post(step_url(integration, "connect_home"), {"platform": "myspace"})
    assert response.status_code == 400 and "Choose a platform" in html(response)


def test_a_product_sync_set_up_through_the_wizard_brings_the_products_over(client_a, merchant_a, shopify_and_bc):
    shopify, _bc = shopify_and_bc
    integration = start_product_sync(client_a)
    response = client_a.post(step_url(integration, "connect_home"), {"platform": "shopify", "sandbox": "1"})
    assert response.status_code == 302 and response.url == step_url(integration, "connect_target")
    integration.refresh_from_db()
    home = integration.home
    assert home.platform == "shopify" and integration.target is None
    shopify.seed(home.settings["shop_domain"].split(".")[0], catalog(3, variants=2, seed=5, prefix="SY"))
    response = client_a.post(step_url(integration, "connect_target"), {"platform": "bigcommerce", "sandbox": "1"})
    assert response.status_code == 302 and response.url == step_url(integration, "prices")
    response = client_a.post(step_url(integration, "prices"), {"prices_included": "no"})
    assert response.status_code == 302 and response.url == step_url(integration, "finish")
    response = client_a.post(step_url(integration, "finish"))
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.completed_at is not None
    target = integration.target
    assert target.platform == "bigcommerce" and target.merchant == merchant_a
    client = ShopifyClient.from_connection(home, transport=registry.transport_for(home.settings["base_url"]),
                                           clock=shopify.clock)
    home_skus = sorted(v.sku for p in client.iter_products() for v in p.variants)
    bc_client = BigCommerceClient.from_connection(target, transport=registry.transport_for(
        target.settings["base_url"]))
    target_skus = sorted(v["sku"] for p in bc_client.iter_products() for v in p.get("variants") or [])
    assert len(home_skus) == 6 and target_skus == home_skus
