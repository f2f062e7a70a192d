"""What Flyt knows about each platform before any connector code runs.

Each entry names the platform, what it needs to connect (credentials, shown masked once
stored), the JSON schema of its per-connection settings, and how changes reach us.
"""

from dataclasses import dataclass, field

import jsonschema


@dataclass(frozen=True)
class Platform:
    key: str
    label: str
    credential_fields: tuple
    settings_schema: dict
    webhooks: bool = True
    account_hint: str = ""
    resources: tuple = ("products", "stock")
    extra: dict = field(default_factory=dict)


def _schema(properties, required=()):
    return {
        "type": "object",
        "properties": {
            "sandbox": {"type": "boolean"},
            "base_url": {"type": "string", "format": "uri"},
            **properties,
        },
        "required": list(required),
        "additionalProperties": True,
    }


PLATFORMS = {
    "bigcommerce": Platform(
        key="bigcommerce",
        label="BigCommerce",
        # access_token for the API; client_secret is the app's, which signs webhook deliveries
        credential_fields=("access_token", "client_secret"),
        settings_schema=_schema({"store_hash": {"type": "string", "pattern": "^[a-z0-9]{1,32}$"}}, ["store_hash"]),
        account_hint="store hash",
        resources=("products", "stock", "orders", "customers"),
    ),
    "shopify": Platform(
        key="shopify",
        label="Shopify",
        # the app's client secret signs Shopify's webhooks (intake verifies them with it)
        credential_fields=("access_token", "client_secret"),
        settings_schema=_schema(
            {
                "shop_domain": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9\-]*\.myshopify\.com$"},
                "api_version": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            },
            ["shop_domain"],
        ),
        account_hint="shop domain",
        resources=("products", "stock", "orders", "customers"),
    ),
    "zettle": Platform(
        key="zettle",
        label="Zettle",
        credential_fields=("api_key", "client_id"),
        settings_schema=_schema({"organization_uuid": {"type": "string"}}),
        account_hint="organization",
    ),
    "shopbox": Platform(
        key="shopbox",
        label="Shopbox",
        credential_fields=("username", "password"),
        settings_schema=_schema({"poll_interval_seconds": {"type": "integer", "minimum": 30, "maximum": 3600}}),
        webhooks=False,
        account_hint="account",
        resources=("products", "stock", "orders"),
    ),
    "rackbeat": Platform(
        key="rackbeat",
        label="Rackbeat",
        credential_fields=("api_token",),
        settings_schema=_schema({}),
        account_hint="company",
        resources=("products", "stock", "orders"),
    ),
}

PLATFORM_CHOICES = [(p.key, p.label) for p in PLATFORMS.values()]


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
