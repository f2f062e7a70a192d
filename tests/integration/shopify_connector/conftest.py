"""Fixtures for the Shopify product connector: a sandbox shop on a fake clock and a connector on it."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify.connector import FIELDS_WRITE, ShopifyConnector
from tests.integration.shopify import conftest as shopify_fixtures

clock, sandbox = shopify_fixtures.clock, shopify_fixtures.sandbox  # the shared fixtures: a sandbox on a FakeClock

ALL_FIELDS = FIELDS_WRITE
NO_PRICES = ALL_FIELDS - {"price", "cost_price"}


def connection_for(connect, **settings):
    """What the connector reads of a Connection (it never touches the database)."""
    return SimpleNamespace(platform="shopify", credentials=connect["credentials"],
                           settings={**connect["settings"], **settings}, external_account_id=connect["account"])


def make_connector(sandbox, clock, connect, **settings):
    return ShopifyConnector(connection_for(connect, **settings), transport=SandboxTransport(sandbox), clock=clock)


@pytest.fixture
def account(sandbox):
    return sandbox.create_account(currency="DKK")


@pytest.fixture
def connector(sandbox, clock, account):
    return make_connector(sandbox, clock, account)


@pytest.fixture
def shop(sandbox, account):
    """The sandbox's own state of the shop (to assert on what Shopify holds)."""
    return sandbox.account(account["account"])


def hub_product(n=1, *, variants=3, prefix="MUG", stock=5, price="99.00", images=1, currency="DKK"):
    """A hub product as the engine passes it for a create (no platform ids)."""
    sizes = ["S", "M", "L", "XL", "XXL"]
    rows = [ExternalVariant(external_id="", sku=f"{prefix}-{n}-{sizes[i % 5]}{i // 5 or ''}",
                            barcode=f"57{n:05d}{i:06d}", price=Decimal(price), cost_price=Decimal("40.00"),
                            weight_grams=350 + i, option_values={"Size": f"{sizes[i % 5]}{i // 5 or ''}"},
                            stock=stock + i) for i in range(variants)]
    return ExternalProduct(
        external_id="", title=f"Blue mug {n}", description="<p>Stoneware &amp; glaze</p>",
        options=[{"name": "Size", "values": [v.option_values["Size"] for v in rows]}],
        images=[ExternalImage(url=f"https://cdn.example.com/mug-{n}-{i}.jpg", position=i) for i in range(images)],
        variants=rows, currency=currency, seo={"title": f"Mug {n}", "description": "A blue mug"})


def stored(shop, product_id):
    return shop["products"][str(product_id)]


def graphql_calls(sandbox, kind=None):
    """The GraphQL requests the sandbox answered (``kind``: "query" or "mutation")."""
    calls = [r for r in sandbox.calls(path_contains="/graphql.json")]
    if kind is None:
        return calls
    return [r for r in calls if (r.json().get("query") or "").lstrip().startswith(kind)]
