import pytest

from integrations.http import RetryPolicy
from integrations.rackbeat.client import RackbeatClient
from integrations.rackbeat.sandbox import RackbeatSandbox
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.transport import SandboxTransport


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(clock):
    return RackbeatSandbox(clock=clock)


@pytest.fixture
def account(sandbox):
    return sandbox.create_account()


def make_client(sandbox, account, clock, **overrides):
    params = {"api_token": account["credentials"]["api_token"], "base_url": account["settings"]["base_url"],
              "transport": SandboxTransport(sandbox), "clock": clock, "retry": RetryPolicy(attempts=4, base_s=1)}
    return RackbeatClient(**{**params, **overrides})


@pytest.fixture
def client(sandbox, account, clock):
    return make_client(sandbox, account, clock)
