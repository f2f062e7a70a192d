"""Shared by the stock connector tests: each platform's in-process sandbox as a fixture (``bc``,
``zettle``, ``shopify``, ``shopbox``, ``rackbeat``), a sandbox account connected to a merchant
(``connect``, ``SandboxAccount``) and the webhooks a sandbox has pending, parsed (``deliveries``)."""

import pytest

from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.rackbeat.sandbox import RackbeatSandbox
from integrations.registry import stock_connector_for
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.services.connections import connection_create
from integrations.shopbox.sandbox import ShopboxSandbox
from integrations.shopify.sandbox import ShopifySandbox
from integrations.zettle.sandbox import ZettleSandbox


def installed(platform, sandbox_class):
    """The body of a sandbox fixture: ``sandbox_class`` on a fake clock, served in process for the test."""
    sandbox = registry.install(platform, sandbox_class(clock=FakeClock()))
    yield sandbox
    registry.uninstall_all()


def sandbox_fixture(name, platform, sandbox_class):
    @pytest.fixture(name=name)
    def fixture():
        yield from installed(platform, sandbox_class)

    return fixture


bc = sandbox_fixture("bc", "bigcommerce", BigCommerceSandbox)
zettle = sandbox_fixture("zettle", "zettle", ZettleSandbox)
shopify = sandbox_fixture("shopify", "shopify", ShopifySandbox)
shopbox = sandbox_fixture("shopbox", "shopbox", ShopboxSandbox)
rackbeat = sandbox_fixture("rackbeat", "rackbeat", RackbeatSandbox)


def account_fixture(name, account_class, sandbox):
    """A fixture ``name``: ``account_class(merchant_a, <the sandbox fixture named sandbox>)``."""

    @pytest.fixture(name=name)
    def fixture(merchant_a, request):
        return account_class(merchant_a, request.getfixturevalue(sandbox))

    return fixture


NAMES = {"bigcommerce": "BigCommerce"}  # the others: the platform's name, capitalised


def connect(merchant, platform, account):
    """A connection of ``merchant`` to the sandbox ``account`` (what ``create_account`` returned)."""
    return connection_create(
        merchant=merchant, platform=platform, name=NAMES.get(platform, platform.title()),
        credentials=account["credentials"],
        settings={**account["settings"], "base_url": registry.inprocess_base_url(platform)},
        external_account_id=account["external_account_id"])


class SandboxAccount:
    """One sandbox ``account``, seeded with ``seeds`` (catalogs; empty ones skipped), then connected to
    ``merchant`` (``connection``); ``connector()`` is the stock connector the registry builds for it."""

    platform = ""

    def __init__(self, merchant, sandbox, account, *seeds):
        self.sandbox = sandbox
        self.key = account["account"]
        for seed in seeds:
            if seed:
                sandbox.seed(self.key, seed)
        self.connection = connect(merchant, self.platform, account)

    @property
    def account(self):
        return self.sandbox.account(self.key)

    def connector(self):
        return stock_connector_for(self.connection)

    def skus(self):
        """Every SKU of the account (platforms that keep variants in their products)."""
        return sorted(v["sku"] for p in self.account["products"].values() for v in p["variants"])


def deliveries(sandbox, parse):
    """The sandbox's pending webhook deliveries, parsed with ``parse`` (the platform's
    ``webhooks.parse``) and marked delivered."""
    changes = []
    for delivery in sandbox.webhooks.pending:
        changes += parse(headers={}, body=delivery.body)
        delivery.status = "delivered"
    return changes
