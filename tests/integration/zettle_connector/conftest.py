"""Fixtures for the Zettle product connector: a sandbox organization on a fake clock and a connector on it."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.sandbox.transport import SandboxTransport
from integrations.zettle.api_inventory import is_read_by_post
from integrations.zettle.connector import ZettleConnector
from tests.integration.zettle import conftest as zettle_fixtures
from tests.integration.zettle.conftest import api_calls

clock, sandbox = zettle_fixtures.clock, zettle_fixtures.sandbox  # the shared fixtures: a sandbox on a FakeClock

ALL_FIELDS = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images", "stock",
                        "low_stock", "sku", "barcode"})
NO_PRICES = ALL_FIELDS - {"price", "cost_price"}


def connection_for(connect, **settings):
    """What the connector reads of a Connection (it never touches the database)."""
    return SimpleNamespace(platform="zettle", credentials=connect["credentials"],
                           settings={**connect["settings"], **settings}, external_account_id=connect["account"])


def make_connector(sandbox, clock, connect, **settings):
    return ZettleConnector(connection_for(connect, **settings), transport=SandboxTransport(sandbox), clock=clock)


@pytest.fixture
def account(sandbox):
    return sandbox.create_account(currency="SEK")


@pytest.fixture
def connector(sandbox, clock, account):
    # a prepared connection: the account's currency and default VAT rate are known
    return make_connector(sandbox, clock, account, currency="SEK", vat_percentage="25")


@pytest.fixture
def org(sandbox, account):
    """The sandbox's own state of the organization (to assert on what Zettle holds)."""
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
        variants=rows, currency="SEK")


def stored(org, uuid):
    return org["products"][uuid]


def writes(sandbox):
    return [r for r in api_calls(sandbox) if r.method != "GET" and not is_read_by_post(r.path)]
