"""Property: whatever happens on the platforms and to the notifications, stock converges.

Random sales, refunds and manual adjustments on every platform, with duplicated, reordered,
delayed and dropped notifications, echoes of our own writes, and a worker dying in the middle of
applying one. Afterwards (deliver what is left, reconcile for the dropped ones, sweep the inbox):
every platform shows the expected level, the ledger counts each platform's changes exactly once,
and there was no write ping-pong.
"""

import itertools
import time
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Variant
from integrations.bigcommerce.sandbox import BigCommerceSandbox
from integrations.engine.stock import common
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.services.stock import stock_connection_reconcile, stock_connection_start
from integrations.services.webhooks import webhook_events_requeue
from integrations.shopify.sandbox import ShopifySandbox
from integrations.zettle.api_inventory import is_read_by_post
from integrations.zettle.sandbox import ZettleSandbox
from inventory.models import StockMovement
from inventory.selectors import stock_quantity
from tests.factories import MerchantFactory
from tests.integration.stock.conftest import StockShop
from tests.integration.zettle_bigcommerce.conftest import connect

pytestmark = pytest.mark.django_db

PRODUCTS = 2


class WorkerDied(Exception):
    pass


class Platform:
    """One sandbox account as the test drives it: what a shopper or the merchant does there."""

    def __init__(self, name, sandbox, account, connection):
        self.name, self.sandbox, self.account, self.connection = name, sandbox, account, connection
        self.sales = []  # (order or purchase id, sku, qty) not refunded yet

    def level(self, sku):
        if self.name == "zettle":
            return self.sandbox.store_balance(self.account, sku)
        return self.sandbox.stock_of(self.account, sku)

    def sell(self, sku, qty):
        result = self.sandbox.sell(self.account, sku, qty)
        if self.name == "zettle":
            self.sales.append((result["purchaseUUID1"] if "purchaseUUID1" in result else result.get("purchaseUuid"),
                               sku, qty))
        elif self.name == "shopify":
            self.sales.append((result["id"], sku, qty))

    def refund(self):
        if not self.sales:
            return False
        ref, _sku, qty = self.sales.pop(0)
        if self.name == "zettle":
            self.sandbox.refund(self.account, ref)
        else:
            self.sandbox.refund(self.account, ref, quantity=qty, restock=True)
        return True

    def adjust(self, sku, level):
        self.sandbox.admin_set_stock(self.account, sku, level)

    def writes(self):
        return sum(1 for r in self.sandbox.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")
                   and ("inventory" in r.path or "graphql" in r.path)
                   and not (self.name == "zettle" and is_read_by_post(r.path))
                   and (self.name == "zettle" or b"inventory" in (r.body or b"inventory")))


operation = st.one_of(
    st.tuples(st.just("sale"), st.integers(0, 2), st.integers(0, PRODUCTS - 1), st.integers(1, 3)),
    st.tuples(st.just("refund"), st.integers(0, 2)),
    st.tuples(st.just("adjust"), st.integers(0, 2), st.integers(0, PRODUCTS - 1), st.integers(0, 40)),
    st.tuples(st.just("deliver"), st.integers(0, 2)),
    st.tuples(st.just("wait"), st.integers(1, 30)),
    st.tuples(st.just("crash")),
)
faults = st.fixed_dictionaries({
    "duplicate_rate": st.sampled_from([0.0, 0.5, 1.0]),
    "drop_rate": st.sampled_from([0.0, 0.0, 0.3]),
    "reorder": st.booleans(),
    "delay_s": st.sampled_from([0.0, 5.0]),
})


def run_scenario(*, shop, platforms, ops, crash_hook):
    skus = shop.skus()
    expected = {sku: platforms[0].level(sku) for sku in skus}
    changed = {p.name: {sku: 0 for sku in skus} for p in platforms}
    for p in platforms:
        assert all(p.level(sku) == expected[sku] for sku in skus), f"{p.name} starts out of step"
    writes_before = {p.name: p.writes() for p in platforms}

    for op in ops:
        kind = op[0]
        if kind in ("sale", "adjust", "refund"):
            platform = platforms[op[1] % len(platforms)]
            levels = {sku: platform.level(sku) for sku in skus}
            if kind == "sale":
                platform.sell(skus[op[2]], op[3])
            elif kind == "adjust":
                platform.adjust(skus[op[2]], op[3])
            elif not platform.refund():
                continue
            for sku in skus:
                delta = platform.level(sku) - levels[sku]
                expected[sku] += delta
                changed[platform.name][sku] += delta
        elif kind == "deliver":
            platform = platforms[op[1] % len(platforms)]
            platform.sandbox.webhooks.deliver_due(shop.send)
        elif kind == "wait":
            shop.bc.clock.advance(op[1])
        elif kind == "crash":
            crash_hook["armed"] = True

    # quiet: no more faults; deliver what is left, reconcile what was dropped, sweep the inbox
    for p in platforms:
        p.sandbox.webhooks.drop_rate = p.sandbox.webhooks.duplicate_rate = 0.0
    crash_hook["armed"] = False
    shop.deliver_all()
    with shop.capture(execute=True):
        webhook_events_requeue(now=timezone.now() + timedelta(hours=3))
    shop.deliver_all()
    for p in platforms:
        with shop.capture(execute=True):
            stock_connection_reconcile(merchant=shop.merchant, connection=p.connection, trigger="reconcile")
        shop.deliver_all()

    for sku in skus:
        variant = Variant.objects.get(merchant=shop.merchant, sku=sku)
        assert stock_quantity(merchant=shop.merchant, variant=variant) == expected[sku], f"hub {sku}"
        for p in platforms:
            shows = max(0, expected[sku]) if p.name == "bigcommerce" else expected[sku]  # BigCommerce: never < 0
            assert p.level(sku) == shows, f"{p.name} {sku}"
            counted = StockMovement.objects.filter(merchant=shop.merchant, variant=variant,
                                                   source_connection=p.connection) \
                .exclude(reason=StockMovement.Reason.INITIAL).aggregate(total=Sum("delta"))["total"] or 0
            assert counted == changed[p.name][sku], f"ledger counts {p.name} {sku}"
    changes_made = sum(1 for op in ops if op[0] in ("sale", "adjust", "refund"))
    for p in platforms:
        # each write answers a change made elsewhere (coalesced) or corrects drift; never a loop
        assert p.writes() - writes_before[p.name] <= 2 * changes_made + 2 * len(skus), f"{p.name} ping-pong"


class PropertyShop(StockShop):
    extra = ()

    def deliver_all(self, rounds=8):
        sandboxes = [self.bc, self.zettle, *[p.sandbox for p in self.extra]]
        for _ in range(rounds):
            if not any(s.webhooks.pending for s in sandboxes):
                return
            for sandbox in sandboxes:
                sandbox.webhooks.run_until_idle(self.send)
        raise AssertionError("webhooks kept coming: a write ping-pong")

    def deliver(self, rounds=8):
        self.deliver_all(rounds)


@pytest.fixture
def crash_hook(monkeypatch):
    """When armed, the next stock movement is written and then the worker dies before commit."""
    hook = {"armed": False, "fired": 0}
    real = common.stock_movement_record

    def record(**kwargs):
        result = real(**kwargs)
        if hook["armed"]:
            hook["armed"] = False
            hook["fired"] += 1
            raise WorkerDied("the worker died while applying a stock change")
        return result

    monkeypatch.setattr(common, "stock_movement_record", record)
    return hook


@pytest.fixture
def sandboxes():
    """Fresh sandboxes on a fresh clock for each example (signed deliveries must look fresh)."""
    examples = itertools.count(1)

    def install():
        registry.uninstall_all()
        clock, offset = FakeClock(start=time.time()), next(examples) * 1000
        installed = (registry.install("bigcommerce", BigCommerceSandbox(clock=clock)),
                     registry.install("zettle", ZettleSandbox(clock=clock)),
                     registry.install("shopify", ShopifySandbox(clock=clock)))
        for sandbox in installed:  # new account ids, unlike the previous example's (one account, one shop)
            sandbox.state["sequence"] = offset
        return installed

    yield install
    registry.uninstall_all()


@pytest.mark.parametrize("count", [2, 3])
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=3, max_size=14), zettle_faults=faults, bc_faults=faults,
       shopify_faults=faults)
def test_stock_converges_and_counts_every_change_once(count, ops, zettle_faults, bc_faults, shopify_faults, sandboxes,
                                                      crash_hook, django_capture_on_commit_callbacks):
    bc, zettle, shopify = sandboxes()
    shop = PropertyShop(MerchantFactory(), bc, zettle, django_capture_on_commit_callbacks, bc_products=PRODUCTS)
    shop.start()
    platforms = [Platform("zettle", zettle, shop.org, shop.zettle_connection),
                 Platform("bigcommerce", bc, shop.store, shop.bc_connection)]
    if count == 3:
        connection = connect(shop.merchant, "shopify", shopify)
        shopify.seed(connection.sandbox_account, catalog(PRODUCTS, variants=1, seed=11, prefix="BC"))
        connection.stock_direction = "both"
        connection.status = "active"
        connection.save(update_fields=["stock_direction", "status"])
        with shop.capture(execute=True):
            stock_connection_start(merchant=shop.merchant, connection=connection)
        platforms.append(Platform("shopify", shopify, connection.sandbox_account, connection))
        shop.extra = platforms[2:]
        shop.deliver_all()
    for platform, knobs in zip(platforms, (zettle_faults, bc_faults, shopify_faults), strict=False):
        for knob, value in knobs.items():
            setattr(platform.sandbox.webhooks, knob, value)
    run_scenario(shop=shop, platforms=platforms, ops=ops, crash_hook=crash_hook)
