"""Every ordered pair of platforms end to end: the five sandboxes served in process on one fake clock, a
"Product sync" integration set up through the services the wizard calls, the targets asserted through
their own APIs (``platforms.Tools``)."""

import time

import pytest

from integrations.engine.runner import integration_sync
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.services.connections import connection_create
from integrations.services.integrations import integration_create
from integrations.services.setup.wizard import setup_finish
from synclog.models import SyncRun
from tests.integration.matrix.platforms import PLATFORM_KEYS, tools_for

CURRENCY = "DKK"
SEED, PREFIX = 7, "MX"
# the home base's catalog: three products of one, two and three variants
HOME_CATALOG = ((0, 1), (1, 2), (2, 3))  # (number, variants)
NEW_PRODUCT = (3, 2)  # the product created on the home base after set-up

# settings the merchant gives when connecting (Shopbox has no endpoint that says its currency)
CONNECT_SETTINGS = {"shopbox": {"currency": CURRENCY}}


def products(number, variants):
    return catalog(1, variants=variants, seed=SEED + number, prefix=PREFIX, start=number)


@pytest.fixture
def clock():
    return FakeClock(start=time.time())


@pytest.fixture
def sandboxes(clock):
    installed = {key: registry.install(key, registry.sandbox_class(key)(clock=clock)) for key in PLATFORM_KEYS}
    yield installed
    registry.uninstall_all()


def connect(merchant, platform, sandbox):
    account = sandbox.create_account(currency=CURRENCY)
    settings = {**account["settings"], **CONNECT_SETTINGS.get(platform, {}),
                "base_url": registry.inprocess_base_url(platform)}
    connection = connection_create(merchant=merchant, platform=platform, name=platform.title(),
                                   credentials=account["credentials"], settings=settings,
                                   external_account_id=account["external_account_id"])
    connection.sandbox_account = account["account"]
    return connection


class Pair:
    """A merchant's home base and target accounts and the product sync between them."""

    def __init__(self, merchant, sandboxes, home, target, capture):
        self.merchant, self.capture = merchant, capture
        self.home_connection = connect(merchant, home, sandboxes[home])
        self.target_connection = connect(merchant, target, sandboxes[target])
        self.home = tools_for(self.home_connection, sandboxes[home])
        self.target = tools_for(self.target_connection, sandboxes[target])
        self.integration = None

    def seed_home(self, *entries):
        for number, variants in entries:
            self.home.sandbox.seed(self.home.account, products(number, variants))

    def seed_target(self, *entries):
        for number, variants in entries:
            self.target.sandbox.seed(self.target.account, products(number, variants))

    def create_integration(self, *, prices_included=True):
        self.integration = integration_create(
            merchant=self.merchant, kind="product_sync", prices_included=prices_included, setup_step="finish",
            members=[(self.home_connection, {"products": "home", "stock": "both"}),
                     (self.target_connection, {"products": "target", "stock": "both"})])
        return self.integration

    def activate(self, **options):
        """The set-up wizard's last step: ``integration_activate`` (prepare, webhooks, the setup pass), then
        stock sync starts on both sides (its tasks run when the step commits; tasks are eager in tests)."""
        if self.integration is None:
            self.create_integration(**options)
        with self.capture(execute=True):
            return setup_finish(merchant=self.merchant, integration=self.integration)

    def sync(self, *, full=False):
        """One pass, as "Sync now" runs it; what it hands on (stock pushes) runs when it commits."""
        self.integration.refresh_from_db()
        with self.capture(execute=True):
            return integration_sync(merchant=self.merchant, integration=self.integration,
                                    trigger=SyncRun.Trigger.MANUAL, full=full)


@pytest.fixture
def pair_factory(merchant_a, sandboxes, django_capture_on_commit_callbacks):
    def make(home, target):
        return Pair(merchant_a, sandboxes, home, target, django_capture_on_commit_callbacks)

    return make
