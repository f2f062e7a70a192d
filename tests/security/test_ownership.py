"""One ownership check: every service (and engine entry point) that takes ``merchant`` and an
object refuses another merchant's object with ``NotOwned``, and changes nothing of theirs."""

import importlib
import inspect
from datetime import timedelta

import pytest

from catalog.models import Product, Variant, VariantPrice
from integrations.models import Binding, Connection, Integration, Listing
from inventory.models import StockLevel, StockMovement
from merchants.errors import FlytError, NotOwned
from merchants.tenancy import ensure_owned
from synclog.models import SyncEntry, SyncRun
from tests.factories import (
    CategoryFactory,
    ConnectionFactory,
    IntegrationFactory,
    LocationFactory,
    PriceListFactory,
    ProductFactory,
    SyncRunFactory,
    VariantFactory,
    WebhookEventFactory,
)

MODULES = (
    "catalog.services.products", "catalog.services.prices", "catalog.services.bulk", "catalog.services.hashing",
    "inventory.services", "synclog.services",
    "integrations.services.connections", "integrations.services.listings",
    "integrations.services.stock", "integrations.services.webhooks", "integrations.services.setup.reading",
    "integrations.services.setup.running", "integrations.services.setup.wizard",
    "integrations.services.integrations",
    "integrations.engine.bindings", "integrations.engine.connections", "integrations.engine.cursors",
    "integrations.engine.setup", "integrations.engine.hub", "integrations.engine.stock.apply",
    "integrations.engine.stock.links", "integrations.engine.stock.push", "integrations.engine.stock.reconcile",
    "integrations.engine.stock.resume",
)

# the parameters that carry one of the merchant's objects (a list of them for the plural names)
OBJECTS = {"connection", "integration", "run", "event", "product", "variant", "location", "source", "destination",
           "price_list", "source_connection", "categories", "products"}

# values for the other required parameters: the object check comes before any of them is looked at
FILLERS = {
    "title": "Hijacked", "trigger": "manual", "kind": "product", "rows": [], "changes": [], "message": "x",
    "delta": -1, "reason": "sale", "idempotency_key": "hijack", "quantity": 1, "amount": "1.00", "enabled": False,
    "shares": {}, "include": False, "scope": "all", "home_platform": "bigcommerce", "platform": "bigcommerce",
    "remove_products": True, "external_location_id": "x", "variant_ids": [], "credentials": {}, "specs": [],
    "pairs": [], "summary": "", "channels": ["bigcommerce"], "product_id": 0, "externals": [], "external": None,
    "outcome": None, "step": "connect_home", "resource": "products", "roles": {}, "since": None,
    "every": timedelta(seconds=60),
}


def _services():
    """Every public function of MODULES with a keyword-only ``merchant`` and an object parameter."""
    found = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, fn in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != name:
                continue
            params = inspect.signature(inspect.unwrap(fn)).parameters
            merchant = params.get("merchant")
            if merchant is None or merchant.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue
            if OBJECTS & set(params):
                found[f"{name}.{attr}"] = fn
    return found


SERVICES = _services()


def test_the_walk_finds_the_services():
    assert len(SERVICES) >= 50  # one per tenant check replaced, and the new ones as they come


@pytest.fixture
def foreign(merchant_b):
    """One of each kind of object, all merchant B's."""
    connection = ConnectionFactory(merchant=merchant_b, platform="bigcommerce")
    integration = IntegrationFactory(merchant=merchant_b, bigcommerce=connection)
    variant = VariantFactory(product__merchant=merchant_b)
    location = LocationFactory(merchant=merchant_b)
    return {
        "connection": connection, "source_connection": connection, "integration": integration,
        "run": SyncRunFactory(merchant=merchant_b, connection=connection),
        "event": WebhookEventFactory(merchant=merchant_b, connection=connection),
        "product": variant.product, "products": [variant.product], "variant": variant,
        "location": location, "source": location, "destination": LocationFactory(merchant=merchant_b),
        "price_list": PriceListFactory(merchant=merchant_b), "categories": [CategoryFactory(merchant=merchant_b)],
        "entries": [{"variant": variant, "location": location, "delta": 1, "reason": "sale",
                     "idempotency_key": "hijack", "message": "x"}],
    }


def _counts(merchant):
    return [model.objects.filter(merchant=merchant).count() for model in (
        Product, Variant, VariantPrice, StockLevel, StockMovement, SyncRun, SyncEntry, Binding, Listing,
        Connection, Integration)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_service_refuses_another_merchants_object(name, merchant_a, merchant_b, foreign):
    fn = SERVICES[name]
    params = inspect.signature(inspect.unwrap(fn)).parameters
    kwargs = {"merchant": merchant_a}
    for param in params.values():
        if param.name == "merchant":
            continue
        if param.name in foreign and (param.name in OBJECTS or param.default is inspect.Parameter.empty):
            kwargs[param.name] = foreign[param.name]
        elif param.default is inspect.Parameter.empty and param.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[param.name] = FILLERS[param.name]
    before = _counts(merchant_b)
    with pytest.raises(NotOwned, match="another shop"):
        result = fn(**kwargs)
        if hasattr(result, "__enter__"):  # a context manager checks when entered
            with result:
                pass
    assert _counts(merchant_b) == before


@pytest.mark.django_db
def test_ensure_owned_lets_the_merchants_own_objects_and_none_through(merchant_a, merchant_b):
    mine = ProductFactory(merchant=merchant_a)
    ensure_owned(mine, None, merchant=merchant_a)
    with pytest.raises(NotOwned, match="That product belongs to another shop.") as refused:
        ensure_owned(mine, ProductFactory(merchant=merchant_b), merchant=merchant_a)
    assert isinstance(refused.value, FlytError) and refused.value.message == str(refused.value)
    with pytest.raises(ValueError, match="merchant is required"):
        ensure_owned(mine, merchant=None)
