"""Rackbeat, as Flyt knows it before any of its code runs (see ``integrations.platform_spec``)."""

from django.utils.translation import gettext_lazy as _

from integrations.platform_spec import Capabilities, CredentialField, PlatformSpec, RateLimit, settings_schema

SPEC = PlatformSpec(
    key="rackbeat",
    label="Rackbeat",
    account_hint="company",
    credentials=(CredentialField("api_token", _("API token"), 4096),),
    settings_schema=settings_schema({}),
    # products read / write follow the product fields declared below
    capabilities=Capabilities(stock_read=True, stock_write=True, orders=True),
    credential_probe="integrations.services.setup.credentials.probe_rackbeat",
    client="integrations.rackbeat.client.RackbeatClient",
    sandbox="integrations.rackbeat.sandbox.RackbeatSandbox",
    stock_connector="integrations.rackbeat.stock.RackbeatStock",
    product_connector="integrations.rackbeat.connector.RackbeatConnector",
    # one picture, no SEO and no videos in Rackbeat (see integrations.rackbeat.connector)
    product_fields_read=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                   "stock", "low_stock", "sku", "barcode"}),
    product_fields_write=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "stock",
                                    "low_stock", "sku", "barcode"}),
    webhooks_module="integrations.rackbeat.webhooks",
    webhook_verifier="integrations.services.webhook_verifiers.verify_rackbeat",
    rate_limits=(RateLimit("requests", 480, 60.0, kind="rolling window", scope="company"),),
    page_size=1000,
    # no batch endpoint: a product (each variant is one) per call; stock adjustments take up to 100 lines
    batch_sizes={"products": 1, "inventory": 100},
)
