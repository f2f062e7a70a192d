"""Shared fixtures for the BigCommerce tests: a sandbox on a fake clock, a seeded store, our client."""

import httpx
import pytest

from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.http import RetryPolicy
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(clock):
    return BigCommerceSandbox(clock=clock)


def make_store(sandbox, *, products=0, variants=1, **options):
    connect = sandbox.create_account(**options)
    if products:
        sandbox.seed(connect["account"], catalog(products, variants=variants))
    return connect


def make_client(sandbox, clock, connect, *, token=None, attempts=5):
    token = token or connect["credentials"]["access_token"]
    return BigCommerceClient(store_hash=connect["account"], access_token=token,
                             base_url=connect["settings"]["base_url"], transport=SandboxTransport(sandbox),
                             clock=clock, retry=RetryPolicy(attempts=attempts))


def raw_http(sandbox, connect, *, token=None):
    """A plain httpx client on the store, for sandbox behaviour tests (no retries, no pacing)."""
    base = f"{connect['settings']['base_url']}/stores/{connect['account']}"
    return httpx.Client(base_url=base, transport=SandboxTransport(sandbox),
                        headers={"X-Auth-Token": token or connect["credentials"]["access_token"],
                                 "Accept": "application/json"})


@pytest.fixture
def store(sandbox):
    return make_store(sandbox, products=30, variants=3)


@pytest.fixture
def client(sandbox, clock, store):
    return make_client(sandbox, clock, store)


@pytest.fixture
def http(sandbox, store):
    return raw_http(sandbox, store)
