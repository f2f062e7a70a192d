"""Fixtures for the Rackbeat product connector: a sandbox company on a fake clock and a connector on it."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations.dto import ExternalImage, ExternalProduct, ExternalVariant
from integrations.rackbeat.connector import FIELDS_WRITE, RackbeatConnector
from integrations.sandbox.transport import SandboxTransport
from tests.unit.rackbeat import support

account, clock, sandbox = support.account, support.clock, support.sandbox  # the shared fixtures

FIELDS = FIELDS_WRITE - {"stock"}  # what most tests write (products with stock cannot be deleted in Rackbeat)


def connection_for(connect, *, tokens=(), **settings):
    """What the connector reads of a Connection (it never touches the database)."""
    return SimpleNamespace(platform="rackbeat", credentials=connect["credentials"],
                           settings={**connect["settings"], **settings}, external_account_id=connect["account"],
                           platform_webhook_secrets=list(tokens))


def make_connector(sandbox, clock, connect, **settings):
    return RackbeatConnector(connection_for(connect, **settings), transport=SandboxTransport(sandbox), clock=clock)


@pytest.fixture
def connector(sandbox, clock, account):
    return make_connector(sandbox, clock, account)


@pytest.fixture
def company(sandbox, account):
    """The sandbox's own state of the company (to assert on what Rackbeat holds)."""
    return sandbox.account(account["account"])


def hub_product(n=1, *, variants=3, prefix="MUG", stock=5, price="99.50", images=1):
    """A hub product as the engine passes it for a create (no platform ids)."""
    sizes = ["S", "M", "L", "XL", "XXL"]
    options = variants > 1
    rows = [ExternalVariant(external_id="", sku=f"{prefix}-{n}-{sizes[i]}" if options else f"{prefix}-{n}",
                            barcode=f"57{n:05d}{i:06d}", price=Decimal(price), cost_price=Decimal("40.25"),
                            weight_grams=350 + i, option_values={"Size": sizes[i]} if options else {},
                            low_stock_level=3, stock=stock + i) for i in range(variants)]
    return ExternalProduct(
        external_id="", title=f"Blue mug {n}", description="<p>Stoneware &amp; glaze</p>",
        options=[{"name": "Size", "values": [v.option_values["Size"] for v in rows]}] if options else [],
        images=[ExternalImage(url=f"https://cdn.example.com/mug-{n}-{i}.jpg", position=i) for i in range(images)],
        variants=rows, currency="DKK")


def writes(sandbox):
    return [r for r in sandbox.requests if r.method != "GET"]


def reads(sandbox, path=""):
    return [r for r in sandbox.requests if r.method == "GET" and path in r.path]
