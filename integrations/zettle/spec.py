"""Zettle, as Flyt knows it before any of its code runs (see ``integrations.platform_spec``)."""

from django.utils.translation import gettext_lazy as _

from integrations.platform_spec import Capabilities, CredentialField, PlatformSpec, RateLimit, settings_schema

SPEC = PlatformSpec(
    key="zettle",
    label="Zettle",
    account_hint="organization",
    # the API key is exchanged for a bearer token with the client id (an assertion grant)
    credentials=(CredentialField("api_key", _("API key"), 4096),
                 CredentialField("client_id", _("client id"), 128)),
    settings_schema=settings_schema({"organization_uuid": {"type": "string"}}),
    capabilities=Capabilities(products_read=True, products_write=True, stock_read=True, stock_write=True),
    credential_probe="integrations.services.setup.credentials.probe_zettle",
    client="integrations.zettle.client.ZettleClient",
    sandbox="integrations.zettle.sandbox.ZettleSandbox",
    stock_connector="integrations.zettle.stock.ZettleStock",
    product_connector="integrations.zettle.connector.ZettleConnector",
    # read: the Product Library with its online part (weight, SEO texts, media URLs as videos) and stock
    # tracking; no low-stock level is read back. Written: no SEO texts and no videos
    product_fields_read=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                   "stock", "sku", "barcode", "seo", "videos"}),
    product_fields_write=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                    "stock", "low_stock", "sku", "barcode"}),
    webhooks_module="integrations.zettle.webhooks",
    webhook_verifier="integrations.services.webhook_verifiers.verify_zettle",
    # documented soft limit of the Inventory API (rolling average); none documented for the others
    rate_limits=(RateLimit("inventory requests", 4, 1.0, kind="rolling window", scope="organization"),),
    page_size=500,
    batch_sizes={"products": 500, "inventory": 500, "inventory_tracking": 500, "deletes": 100},
)
