"""Shopbox, as Flyt knows it before any of its code runs (see ``integrations.platform_spec``)."""

from django.utils.translation import gettext_lazy as _

from integrations.platform_spec import Capabilities, CredentialField, PlatformSpec, RateLimit, settings_schema

POLL_INTERVAL_S = 60  # Shopbox sends no webhooks: Flyt polls it this often unless the merchant chose otherwise

SPEC = PlatformSpec(
    key="shopbox",
    label="Shopbox",
    account_hint="account",
    credentials=(CredentialField("username", _("username"), 256),
                 CredentialField("password", _("password"), 256, pattern=r"[^\x00-\x1f\x7f]+")),  # sent in a body
    settings_schema=settings_schema({"poll_interval_seconds": {"type": "integer", "minimum": 30, "maximum": 3600},
                                     "client_id": {"type": ["string", "integer"]},
                                     "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                                     "branch_id": {"type": ["string", "integer"]}}),
    settings_defaults={"poll_interval_seconds": POLL_INTERVAL_S},
    capabilities=Capabilities(stock_read=True, stock_write=True, orders=True),
    credential_probe="integrations.services.setup.credentials.probe_shopbox",
    client="integrations.shopbox.client.ShopboxClient",
    sandbox="integrations.shopbox.sandbox.ShopboxSandbox",
    stock_connector="integrations.shopbox.stock.ShopboxStock",
    product_connector="integrations.shopbox.connector.ShopboxConnector",
    # Shopbox holds no weight, low-stock level, SEO texts or videos; stock is written on create (in the stock
    # branch) and read through the stock connector
    product_fields_read=frozenset({"name", "description", "price", "cost_price", "variants", "images", "sku",
                                   "barcode"}),
    product_fields_write=frozenset({"name", "description", "price", "cost_price", "variants", "images", "stock",
                                    "sku", "barcode"}),
    poll_interval_s=POLL_INTERVAL_S,
    rate_limits=(RateLimit("requests", 600, 60.0, kind="rolling window", scope="client"),),
    page_size=100,
    batch_sizes={"products": 50, "inventory": 100, "deletes": 50},
)
