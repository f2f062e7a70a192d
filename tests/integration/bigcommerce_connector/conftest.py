"""Fixtures for the BigCommerce product connector: a sandbox store on a fake clock and a connector on it."""

from types import SimpleNamespace

import pytest

from integrations.bigcommerce.connector import BigCommerceConnector
from integrations.sandbox.transport import SandboxTransport
from tests.unit.bigcommerce import support
from tests.unit.bigcommerce.support import make_client, make_store

clock, sandbox = support.clock, support.sandbox  # the shared fixtures: a sandbox on a FakeClock


def connection_for(connect, **settings):
    """What the connector reads of a Connection (it never touches the database)."""
    return SimpleNamespace(platform="bigcommerce", credentials=connect["credentials"],
                           settings={**connect["settings"], "currency": "USD", **settings},
                           external_account_id=connect["account"])


def make_connector(sandbox, clock, connect, **settings):
    return BigCommerceConnector(connection_for(connect, **settings), transport=SandboxTransport(sandbox), clock=clock)


@pytest.fixture
def store(sandbox):
    return make_store(sandbox, products=12, variants=3)


@pytest.fixture
def client(sandbox, clock, store):
    return make_client(sandbox, clock, store)


@pytest.fixture
def connector(sandbox, clock, store):
    return make_connector(sandbox, clock, store)


@pytest.fixture
def account(sandbox, store):
    return sandbox.account(store["account"])
