import copy
import json
from pathlib import Path

import pytest

from integrations.http import RetryPolicy
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.sandbox.transport import SandboxTransport
from integrations.zettle.client import ZettleClient
from integrations.zettle.sandbox import ZettleSandbox


@pytest.fixture
def clock():
    return FakeClock()


def flyt_answers(url, headers, body):
    """Flyt's webhook address is up: it answers every delivery 200."""
    return 200


@pytest.fixture
def sandbox(clock):
    """A Zettle sandbox whose deliveries reach a Flyt that is up (Pusher's test message on a new
    subscription included); a test sets ``sandbox.sender`` to see a destination fail."""
    sandbox = ZettleSandbox(clock=clock)
    sandbox.sender = flyt_answers
    return sandbox


@pytest.fixture
def account(sandbox):
    return sandbox.create_account()


@pytest.fixture
def make_client(sandbox, clock):
    def make(connect, **kwargs):
        return ZettleClient(api_key=connect["credentials"]["api_key"], client_id=connect["credentials"]["client_id"],
                            base_url=connect["settings"]["base_url"], transport=SandboxTransport(sandbox),
                            clock=clock, retry=RetryPolicy(attempts=4, base_s=1), **kwargs)

    return make


@pytest.fixture
def client(make_client, account):
    return make_client(account)


@pytest.fixture
def seeded(sandbox, account):
    sandbox.seed(account["account"], catalog(6, variants=2))
    return account


def api_calls(sandbox, path_contains="", method=None):
    """Recorded requests other than the token endpoint."""
    return [r for r in sandbox.calls(method=method, path_contains=path_contains) if r.path != "/oauth/token"]


FIXTURE_PRODUCT = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "zettle"
                              / "products__create_two_variants.json").read_text())["request"]


def beanie():
    """The fixture product (two variants), a fresh copy each time."""
    return copy.deepcopy(FIXTURE_PRODUCT)
