"""Fixtures for the Shopbox product connector: a sandbox account on a fake clock and a connector on it."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.http import RetryPolicy
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.transport import SandboxTransport
from integrations.shopbox.client import AUTH_PATH
from integrations.shopbox.connector import FIELDS_WRITE, ShopboxConnector
from integrations.shopbox.sandbox import ShopboxSandbox

ALL_FIELDS = FIELDS_WRITE


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(clock):
    return ShopboxSandbox(clock=clock)


def connection_for(connect, **settings):
    """What the connector reads of a Connection (it never touches the database)."""
    return SimpleNamespace(platform="shopbox", credentials=connect["credentials"],
                           settings={**connect["settings"], **settings}, external_account_id=connect["account"])


def make_connector(sandbox, clock, connect, **settings):
    connector = ShopboxConnector(connection_for(connect, **settings), transport=SandboxTransport(sandbox),
                                 clock=clock)
    connector.client.retry = RetryPolicy(attempts=3, base_s=1)
    return connector


@pytest.fixture
def account(sandbox):
    return sandbox.create_account()


@pytest.fixture
def connector(sandbox, clock, account):
    return make_connector(sandbox, clock, account)


@pytest.fixture
def shop(sandbox, account):
    """The sandbox's own state of the account (to assert on what Shopbox holds)."""
    return sandbox.account(account["account"])


def hub_product(n=1, *, variants=3, prefix="MUG", stock=5, price="99.00", images=1):
    """A hub product as the engine passes it for a create (no platform ids)."""
    sizes = ["S", "M", "L", "XL", "XXL"]
    rows = [ExternalVariant(external_id="", sku=f"{prefix}-{n}-{sizes[i % 5]}{i // 5 or ''}",
                            barcode=f"57{n:05d}{i:06d}", price=Decimal(price), cost_price=Decimal("40.00"),
                            weight_grams=350, option_values={"Size": f"{sizes[i % 5]}{i // 5 or ''}"},
                            stock=stock + i) for i in range(variants)]
    return ExternalProduct(
        external_id="", title=f"Blue mug {n}", description="<p>Stoneware &amp; glaze</p>",
        options=[{"name": "Size", "values": [v.option_values["Size"] for v in rows]}],
        images=[ExternalImage(url=f"https://cdn.example.com/mug-{n}-{i}.jpg", position=i) for i in range(images)],
        variants=rows, currency="DKK")


def simple_product(n=1, *, prefix="CUP", price="49.50", stock=7):
    """A hub product with one variant and no options."""
    variant = ExternalVariant(external_id="", sku=f"{prefix}-{n}", barcode=f"58{n:011d}", price=Decimal(price),
                              cost_price=Decimal("20.00"), stock=stock)
    return ExternalProduct(external_id="", title=f"Espresso cup {n}", description="Small",
                           images=[ExternalImage(url=f"https://cdn.example.com/cup-{n}.jpg")], variants=[variant],
                           currency="DKK")


def with_ids(product, result):
    """``product`` as the engine passes it for an update after ``result`` of its create."""
    product.external_id = result.external_id
    for index, variant in enumerate(product.variants):
        variant.external_id = result.variant_ids[variant.sku or f"#{index}"]
    return product


def stored(shop, product_id):
    return shop["products"][str(product_id)]


def api_calls(sandbox, path_contains="", method=None):
    """Recorded requests other than the login."""
    return [r for r in sandbox.calls(method=method, path_contains=path_contains) if not r.path.endswith(AUTH_PATH)]


def writes(sandbox, path_contains=""):
    return [r for r in api_calls(sandbox, path_contains) if r.method != "GET"]
