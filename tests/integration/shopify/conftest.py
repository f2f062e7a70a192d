import pytest

from integrations.sandbox.clock import FakeClock
from integrations.sandbox.registry import new_sandbox
from integrations.sandbox.transport import SandboxTransport
from integrations.shopify.client import ShopifyClient


class NoJitter:
    """Deterministic backoff so recorded request times can be asserted."""

    attempts = 5

    def backoff(self, attempt):
        return 0.5 * (2**attempt)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(clock):
    return new_sandbox("shopify", clock=clock)


@pytest.fixture
def shop(sandbox):
    return sandbox.create_account()


def make_client(sandbox, connect, clock, **kwargs):
    return ShopifyClient(shop_domain=connect["settings"]["shop_domain"],
                         access_token=connect["credentials"]["access_token"],
                         base_url=connect["settings"]["base_url"], transport=SandboxTransport(sandbox), clock=clock,
                         retry=NoJitter(), **kwargs)


@pytest.fixture
def client(sandbox, shop, clock):
    return make_client(sandbox, shop, clock)
