"""Zettle ↔ BigCommerce end to end: both sandboxes served in process, an integration set up
through the same services the wizard calls, assertions on the sandboxes' own state."""

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client

from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.mapping import product_from_bc
from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.models import Integration
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.services.connections import connection_create
from integrations.services.integrations import integration_create
from integrations.zettle.client import ZettleClient
from integrations.zettle.mapping import product_from_zettle
from integrations.zettle.sandbox import ZettleSandbox


@pytest.fixture
def clock():
    # starts at the real time: signed webhooks from the sandboxes must look fresh to our intake
    return FakeClock(start=time.time())


@pytest.fixture
def bc(clock):
    sandbox = registry.install("bigcommerce", BigCommerceSandbox(clock=clock))
    yield sandbox
    registry.uninstall_all()


@pytest.fixture
def zettle(clock):
    sandbox = registry.install("zettle", ZettleSandbox(clock=clock))
    yield sandbox
    registry.uninstall_all()


def connect(merchant, platform, sandbox, **account_options):
    account = sandbox.create_account(**account_options)
    settings = {**account["settings"], "base_url": registry.inprocess_base_url(platform)}
    connection = connection_create(merchant=merchant, platform=platform, name=platform.title(),
                                   credentials=account["credentials"], settings=settings,
                                   external_account_id=account["external_account_id"])
    connection.sandbox_account = account["account"]
    return connection


class Shop:
    """One merchant's two sandbox accounts and the integration between them."""

    def __init__(self, merchant, bc, zettle, *, currency="DKK", bc_products=0, zettle_products=0, variants=1):
        self.merchant, self.bc, self.zettle = merchant, bc, zettle
        self.bc_connection = connect(merchant, "bigcommerce", bc, currency=currency)
        self.zettle_connection = connect(merchant, "zettle", zettle, currency=currency)
        self.store = self.bc_connection.sandbox_account
        self.org = self.zettle_connection.sandbox_account
        if bc_products:
            bc.seed(self.store, catalog(bc_products, variants=variants, seed=11, prefix="BC"))
        if zettle_products:
            zettle.seed(self.org, catalog(zettle_products, variants=variants, seed=12, prefix="ZT"))

    def integration(self, *, home, prices_included=True, scope=Integration.Scope.ALL):
        pair = [(self.bc_connection, "bigcommerce"), (self.zettle_connection, "zettle")]
        return integration_create(
            merchant=self.merchant, kind="zettle_bigcommerce", prices_included=prices_included, initial_scope=scope,
            setup_step="finish", members=[(connection, {"products": "home" if platform == home else "target",
                                                        "stock": "both"}) for connection, platform in pair])

    def assign_to_channel(self, products=None):
        """Put ``products`` (default: every BigCommerce product) in the channel "PayPal Zettle" that set-up
        made, as the merchant does in BigCommerce. Returns the channel id."""
        self.bc_connection.refresh_from_db()
        channel_id = self.bc_connection.settings["channel_id"]
        products = self.bc_products() if products is None else products
        self.bc_client().assign_products_to_channel(product_ids=[p.external_id for p in products],
                                                    channel_id=channel_id)
        return channel_id

    def bc_client(self):
        return BigCommerceClient.from_connection(self.bc_connection, transport=registry.transport_for(
            self.bc_connection.settings["base_url"]), clock=self.bc.clock)

    def zettle_client(self):
        return ZettleClient.from_connection(self.zettle_connection, transport=registry.transport_for(
            self.zettle_connection.settings["base_url"]), clock=self.zettle.clock)

    def bc_products(self):
        """Every product of the store, as the hub reads it (the raw JSON via ``bc_client``)."""
        return [product_from_bc(p) for p in self.bc_client().iter_products()]

    def zettle_products(self):
        return [product_from_zettle(p) for p in self.zettle_client().iter_products()]


@pytest.fixture
def shop_factory(merchant_a, bc, zettle):
    def make(merchant=None, **options):
        return Shop(merchant or merchant_a, bc, zettle, **options)

    return make


def deliver(sandbox, capture):
    """Every webhook the sandbox has queued, posted to Flyt as the platform would; the worker runs
    after each commit (tasks are eager in tests). Returns the answers."""
    client, answers = Client(), []

    def send(url, headers, body):
        with capture(execute=True):
            response = client.post(urlsplit(url).path, data=body, content_type=headers.get("Content-Type",
                                   "application/json"), **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                           for k, v in headers.items() if k.lower() != "content-type"})
        answers.append(response.status_code)
        return response.status_code

    sandbox.webhooks.run_until_idle(send)
    assert all(200 <= a < 300 for a in answers), answers
    return answers
