"""BigCommerce, as Flyt knows it before any of its code runs (see ``integrations.platform_spec``)."""

from django.utils.translation import gettext_lazy as _

from integrations.platform_spec import Capabilities, CredentialField, PlatformSpec, RateLimit, settings_schema

SPEC = PlatformSpec(
    key="bigcommerce",
    label="BigCommerce",
    account_hint="store hash",
    # access_token for the API; client_secret is the app's, which signs webhook deliveries
    credentials=(CredentialField("access_token", _("access token"), 256),
                 CredentialField("client_secret", _("client secret"), 256)),
    settings_schema=settings_schema({"store_hash": {"type": "string", "pattern": "^[a-z0-9]{1,32}$"}}, ["store_hash"]),
    capabilities=Capabilities(products_read=True, products_write=True, stock_read=True, stock_write=True,
                              orders=True, customers=True),
    credential_probe="integrations.services.setup.credentials.probe_bigcommerce",
    client="integrations.bigcommerce.client.BigCommerceClient",
    sandbox="integrations.bigcommerce.sandbox.BigCommerceSandbox",
    stock_connector="integrations.bigcommerce.stock.BigCommerceStock",
    product_connector="integrations.bigcommerce.connector.BigCommerceConnector",
    # read: everything but videos (not read back); written: every field, videos as YouTube links only
    product_fields_read=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                   "stock", "low_stock", "sku", "barcode", "seo"}),
    product_fields_write=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                    "stock", "low_stock", "sku", "barcode", "seo", "videos"}),
    webhooks_module="integrations.bigcommerce.webhooks",
    webhook_verifier="integrations.services.webhook_verifiers.verify_bigcommerce",
    # the per-store quota depends on the plan (Standard: 150 per 30 s) and is shared by every app on the store
    rate_limits=(RateLimit("requests", 150, 30.0, kind="fixed window", scope="store"),),
    page_size=250,
    batch_sizes={"products": 10, "variants": 50, "inventory": 2000, "customers": 10},
)
