"""Every platform in the registry provides what its spec claims.

Walks ``integrations.platforms.PLATFORMS``: products read / write → a product connector that
implements the reading / writing methods; stock → a stock connector on the stock contract; webhooks
→ a webhooks module with what intake calls and a verifier that refuses an unsigned delivery; polled
→ a poll interval and a stock connector that polls; a sandbox that opens an account whose settings
(with the spec's defaults) fit the schema and whose credentials pass the spec's credential rules;
product fields from ``PRODUCT_FIELDS``; positive page, batch and rate figures. A platform without
products is checked too: it must then declare no product connector and no product fields.
"""

import inspect
import re

import jsonschema
import pytest

from integrations.contracts.products import PRODUCT_FIELDS, ProductConnector
from integrations.contracts.stock import ExternalLocation, StockConnector
from integrations.errors import WebhookRejected
from integrations.platforms import PLATFORM_CHOICES, PLATFORMS, SPEC_MODULES, load, validate_settings, webhooks_module
from integrations.registry import connector_for, stock_connector_for
from integrations.sandbox import registry as sandbox_registry
from integrations.sandbox.clock import FakeClock
from integrations.services.connections import ConnectionProblem, connection_create
from integrations.services.setup.credentials import setup_credential_check, setup_credentials_probe

READ_METHODS = ("iter_products", "get_products", "existing_ids", "find_products")
WRITE_METHODS = ("create_products", "update_products", "delete_products")
STOCK_READ_METHODS = ("locations", "read_levels", "iter_levels")
STOCK_WRITE_METHODS = ("adjust",)
INTAKE_FUNCTIONS = ("delivery_id", "topic", "signed_content", "parse")

KEYS = list(PLATFORMS)


def _implemented(cls, name, base):
    """``cls`` has a concrete ``name`` that is not the contract's abstract one."""
    method = getattr(cls, name, None)
    return callable(method) and not getattr(method, "__isabstractmethod__", False) and (
        name not in getattr(base, "__abstractmethods__", ()) or method is not getattr(base, name))


@pytest.fixture
def sandbox(key):
    installed = sandbox_registry.install(key, sandbox_registry.new_sandbox(key, clock=FakeClock()))
    yield installed
    sandbox_registry.uninstall_all()


@pytest.fixture
def account(sandbox):
    return sandbox.create_account()


@pytest.fixture
def connection(key, merchant_a, account):
    return connection_create(
        merchant=merchant_a, platform=key, name="", credentials=account["credentials"],
        settings={**PLATFORMS[key].settings_defaults, **account["settings"],
                  "base_url": sandbox_registry.inprocess_base_url(key)},
        external_account_id=str(account["external_account_id"] or ""))


per_platform = pytest.mark.parametrize("key", KEYS)


# --- the registry itself -------------------------------------------------------------------------------

def test_each_spec_module_declares_one_platform_under_its_own_key():
    assert len(SPEC_MODULES) == len(PLATFORMS)
    for path, (key, spec) in zip(SPEC_MODULES, PLATFORMS.items(), strict=True):
        assert path == f"integrations.{key}.spec", f"{path} declares {key!r}: one folder per platform"
        assert spec.key == key
    assert [key for key, _ in PLATFORM_CHOICES] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_names_credentials_and_sizes(key):
    spec = PLATFORMS[key]
    assert spec.label.strip() and spec.account_hint.strip()
    assert spec.credentials, f"{key}: no credential fields"
    assert len(set(spec.credential_fields)) == len(spec.credentials)
    for credential in spec.credentials:
        assert credential.name and str(credential.label).strip() and credential.max_length > 0
        re.compile(credential.pattern)
    assert spec.page_size > 0
    assert spec.batch_sizes and all(size > 0 for size in spec.batch_sizes.values()), f"{key}: {spec.batch_sizes}"
    assert spec.rate_limits, f"{key}: no rate limit declared"
    assert all(limit.requests > 0 and limit.window_s > 0 for limit in spec.rate_limits)


@pytest.mark.parametrize("key", KEYS)
def test_settings_defaults_fit_the_settings_schema(key):
    spec = PLATFORMS[key]
    jsonschema.Draft202012Validator.check_schema(spec.settings_schema)
    properties = spec.settings_schema["properties"]
    for name, value in spec.settings_defaults.items():
        assert name in properties, f"{key}: default for {name!r}, which the schema does not describe"
        jsonschema.validate(value, properties[name])


@pytest.mark.parametrize("key", KEYS)
def test_product_fields_are_product_fields(key):
    spec = PLATFORMS[key]
    assert spec.product_fields_read <= PRODUCT_FIELDS, spec.product_fields_read - PRODUCT_FIELDS
    assert spec.product_fields_write <= PRODUCT_FIELDS, spec.product_fields_write - PRODUCT_FIELDS


@pytest.mark.parametrize("key", KEYS)
def test_product_claims_match_the_product_connector(key):
    spec = PLATFORMS[key]
    caps = spec.capabilities
    assert caps.products_read == bool(spec.product_fields_read), f"{key}: products read vs the fields it reads"
    assert caps.products_write == bool(spec.product_fields_write), f"{key}: products write vs the fields it writes"
    cls = load(key, "product_connector")
    if not (caps.products_read or caps.products_write):
        assert cls is None, f"{key}: a product connector, but no product fields read or written"
        return
    assert inspect.isclass(cls) and issubclass(cls, ProductConnector), f"{key}: {cls!r} is not a ProductConnector"
    assert cls.platform == key
    for name in ("prepare", "now", "account_currency", "call_stats", "register_webhooks", "unregister_webhooks"):
        assert _implemented(cls, name, ProductConnector), f"{key}: {cls.__name__}.{name} missing"
    if caps.products_read:
        missing = [m for m in READ_METHODS if not _implemented(cls, m, ProductConnector)]
        assert not missing, f"{key} claims to read products; {cls.__name__} lacks {missing}"
    if caps.products_write:
        missing = [m for m in WRITE_METHODS if not _implemented(cls, m, ProductConnector)]
        assert not missing, f"{key} claims to write products; {cls.__name__} lacks {missing}"
        assert cls.write_batch_size == spec.batch_sizes.get("products"), (
            f"{key}: the connector writes {cls.write_batch_size} products a call, the spec says "
            f"{spec.batch_sizes.get('products')}")


@pytest.mark.parametrize("key", KEYS)
def test_stock_claims_match_the_stock_connector(key):
    spec = PLATFORMS[key]
    caps = spec.capabilities
    cls = load(key, "stock_connector")
    if not (caps.stock_read or caps.stock_write):
        assert cls is None, f"{key}: a stock connector, but no stock capability"
        return
    assert inspect.isclass(cls) and issubclass(cls, StockConnector), f"{key}: {cls!r} is not a StockConnector"
    assert cls.platform == key
    if caps.stock_read:
        missing = [m for m in STOCK_READ_METHODS if not _implemented(cls, m, StockConnector)]
        assert not missing, f"{key} claims to read stock; {cls.__name__} lacks {missing}"
    if caps.stock_write:
        missing = [m for m in STOCK_WRITE_METHODS if not _implemented(cls, m, StockConnector)]
        assert not missing, f"{key} claims to write stock; {cls.__name__} lacks {missing}"
        assert cls.adjust_batch_size == spec.batch_sizes.get("inventory"), (
            f"{key}: the stock connector adjusts {cls.adjust_batch_size} a call, the spec says "
            f"{spec.batch_sizes.get('inventory')}")


@pytest.mark.parametrize("key", KEYS)
def test_changes_reach_flyt_by_webhooks_or_polling(key):
    spec = PLATFORMS[key]
    assert spec.webhooks or spec.polled, f"{key}: neither webhooks nor a poll interval"
    assert bool(spec.webhooks_module) == bool(spec.webhook_verifier), f"{key}: webhooks need a module and a verifier"
    if spec.webhooks:
        module = webhooks_module(key)
        missing = [f for f in INTAKE_FUNCTIONS if not callable(getattr(module, f, None))]
        assert not missing, f"{key}: {spec.webhooks_module} lacks {missing}"
        verifier = load(key, "webhook_verifier")
        assert list(inspect.signature(verifier).parameters) == ["connection", "headers", "body"]
    if spec.polled:
        assert spec.poll_interval_s > 0
        if "poll_interval_seconds" in spec.settings_schema["properties"]:
            assert spec.settings_defaults.get("poll_interval_seconds") == spec.poll_interval_s
            jsonschema.validate(spec.poll_interval_s, spec.settings_schema["properties"]["poll_interval_seconds"])
        stock = load(key, "stock_connector")
        if stock is not None:
            assert stock.poll_changes is not StockConnector.poll_changes, f"{key} is polled; {stock.__name__} cannot"


# --- against each platform's sandbox -------------------------------------------------------------------

@per_platform
def test_the_sandbox_opens_an_account_the_spec_accepts(key, sandbox, account):
    spec = PLATFORMS[key]
    assert isinstance(sandbox, load(key, "sandbox"))
    assert {"account", "settings", "credentials", "external_account_id"} <= set(account)
    settings = {**spec.settings_defaults, **account["settings"]}
    assert validate_settings(key, settings) == settings
    for name in spec.credential_fields:
        value = account["credentials"].get(name)
        assert value, f"{key}: the sandbox account has no {name}"
        assert setup_credential_check(platform=key, field=name, value=f"  {value} ") == value


@per_platform
def test_a_credential_outside_the_rules_is_refused_in_words(key):
    spec = PLATFORMS[key]
    credential = spec.credentials[0]
    with pytest.raises(ConnectionProblem) as refused:
        setup_credential_check(platform=key, field=credential.name, value="x" * (credential.max_length + 1))
    assert str(credential.label) in str(refused.value) and spec.label in str(refused.value)


@per_platform
def test_connectors_load_for_a_connection_to_the_sandbox(key, connection):
    spec = PLATFORMS[key]
    product = connector_for(connection)
    if spec.product_connector:
        assert isinstance(product, load(key, "product_connector"))
        assert {"read", "write"} <= set(product.call_stats())
    else:
        assert product is None
    stock = stock_connector_for(connection)
    if spec.stock_connector:
        assert isinstance(stock, load(key, "stock_connector"))
        locations = stock.locations()
        assert locations and all(isinstance(loc, ExternalLocation) for loc in locations)
        assert sum(1 for loc in locations if loc.is_default) == 1
    else:
        assert stock is None


@per_platform
def test_the_webhook_verifier_refuses_an_unsigned_delivery(key, connection):
    verifier = load(key, "webhook_verifier")
    if verifier is None:
        assert PLATFORMS[key].polled
        return
    with pytest.raises(WebhookRejected):
        verifier(connection, {"Content-Type": "application/json"}, b'{"id": 1}')


@per_platform
def test_the_credential_probe_names_the_sandbox_account_and_refuses_wrong_credentials(key, account):
    spec = PLATFORMS[key]
    settings = {**spec.settings_defaults, **account["settings"], "base_url": sandbox_registry.inprocess_base_url(key)}
    external_account_id, learnt = setup_credentials_probe(platform=key, credentials=account["credentials"],
                                                          settings_=settings)
    assert external_account_id == str(account["external_account_id"])
    assert validate_settings(key, {**settings, **learnt})
    wrong = {name: f"{value}x" if name in spec.credential_fields else value
             for name, value in account["credentials"].items()}
    with pytest.raises(ConnectionProblem) as refused:
        setup_credentials_probe(platform=key, credentials=wrong, settings_=settings)
    assert spec.label in str(refused.value)
