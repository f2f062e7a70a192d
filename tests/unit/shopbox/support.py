import pytest

from integrations.http import RetryPolicy
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.transport import SandboxTransport
from integrations.shopbox.client import ShopboxClient
from integrations.shopbox.sandbox import ShopboxSandbox


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(clock):
    return ShopboxSandbox(clock=clock)


@pytest.fixture
def account(sandbox):
    return sandbox.create_account()


def make_client(sandbox, account, clock, **overrides):
    params = {"username": account["credentials"]["username"], "password": account["credentials"]["password"],
              "client_id": account["settings"]["client_id"], "base_url": account["settings"]["base_url"],
              "transport": SandboxTransport(sandbox), "clock": clock, "retry": RetryPolicy(attempts=4, base_s=1)}
    return ShopboxClient(**{**params, **overrides})


@pytest.fixture
def client(sandbox, account, clock):
    return make_client(sandbox, account, clock)
