"""The platforms Flyt connects to: one ``PlatformSpec`` per platform, declared in
``integrations/<platform>/spec.py`` and collected here in the order people see them.

Adding a platform is one folder (client, mapping, connectors, webhooks, sandbox, ``spec.py``) and one
line in ``SPEC_MODULES``; ``tests/contract/test_platform_specs.py`` says what the folder still lacks.
Everything else that depends on the platform (its connectors, sandbox, webhook handling, credential
rules, polling) asks this registry instead of keeping its own list.
"""

from importlib import import_module

import jsonschema
from django.utils.module_loading import import_string

from integrations.platform_spec import PlatformSpec

SPEC_MODULES = (
    "integrations.bigcommerce.spec",
    "integrations.shopify.spec",
    "integrations.zettle.spec",
    "integrations.shopbox.spec",
    "integrations.rackbeat.spec",
)


def _collect(paths):
    specs = {}
    for path in paths:
        spec = import_module(path).SPEC
        if not isinstance(spec, PlatformSpec):
            raise TypeError(f"{path}.SPEC is not a PlatformSpec")
        if spec.key in specs:
            raise ValueError(f"Platform {spec.key!r} is declared twice ({path})")
        specs[spec.key] = spec
    return specs


PLATFORMS = _collect(SPEC_MODULES)
PLATFORM_CHOICES = [(p.key, p.label) for p in PLATFORMS.values()]


def spec_for(platform_key):
    """The spec of ``platform_key``; KeyError names the known platforms when there is none."""
    try:
        return PLATFORMS[platform_key]
    except KeyError:
        raise KeyError(f"No platform {platform_key!r}; known: {', '.join(PLATFORMS)}") from None


def platforms_with(*, products_read=None, products_write=None, stock=None, polled=None, webhooks=None):
    """The keys of the platforms matching every given condition, in registry order."""
    def fits(spec):
        caps = spec.capabilities
        checks = ((products_read, caps.products_read), (products_write, caps.products_write),
                  (stock, caps.stock_read or caps.stock_write), (polled, spec.polled), (webhooks, spec.webhooks))
        return all(wanted is None or bool(have) == wanted for wanted, have in checks)

    return tuple(key for key, spec in PLATFORMS.items() if fits(spec))


def poll_interval_s(platform_key, settings=None):
    """How often a polled platform's connection is polled: the merchant's ``poll_interval_seconds``
    setting, else the spec's interval; None for a platform that sends webhooks instead."""
    spec = spec_for(platform_key)
    if spec.poll_interval_s is None:
        return None
    return int((settings or {}).get("poll_interval_seconds") or spec.poll_interval_s)


def load(platform_key, part):
    """The object a spec names by dotted path (``part``: "product_connector", "stock_connector",
    "sandbox", "client", "webhook_verifier", "credential_probe"), or None when the platform declares none."""
    path = getattr(spec_for(platform_key), part)
    return import_string(path) if path else None


def webhooks_module(platform_key):
    """The platform's webhooks module (``delivery_id``, ``topic``, ``signed_content``, ``parse``), or
    None when it sends none."""
    spec = PLATFORMS.get(platform_key)
    return import_module(spec.webhooks_module) if spec is not None and spec.webhooks_module else None


class SettingsInvalid(ValueError):
    """Per-platform settings that do not fit the platform's schema; the message is for people."""


def validate_settings(platform_key, settings):
    platform = PLATFORMS.get(platform_key)
    if platform is None:
        raise SettingsInvalid(f"Flyt does not know the platform {platform_key!r}.")
    try:
        jsonschema.validate(settings, platform.settings_schema)
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "settings"
        raise SettingsInvalid(f"{platform.label} {where}: {exc.message}") from exc
    return settings
