"""Shopify, as Flyt knows it before any of its code runs (see ``integrations.platform_spec``)."""

from django.utils.translation import gettext_lazy as _

from integrations.platform_spec import Capabilities, CredentialField, PlatformSpec, RateLimit, settings_schema

SPEC = PlatformSpec(
    key="shopify",
    label="Shopify",
    account_hint="shop domain",
    # the app's client secret signs Shopify's webhooks (intake verifies them with it)
    credentials=(CredentialField("access_token", _("access token"), 256),
                 CredentialField("client_secret", _("client secret"), 256)),
    settings_schema=settings_schema(
        {
            "shop_domain": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9\-]*\.myshopify\.com$"},
            "api_version": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        },
        ["shop_domain"],
    ),
    capabilities=Capabilities(products_read=True, products_write=True, stock_read=True, stock_write=True,
                              orders=True, customers=True),
    credential_probe="integrations.services.setup.credentials.probe_shopify",
    client="integrations.shopify.client.ShopifyClient",
    sandbox="integrations.shopify.sandbox.ShopifySandbox",
    stock_connector="integrations.shopify.stock.ShopifyStock",
    product_connector="integrations.shopify.connector.ShopifyConnector",
    # read and written alike (integrations.shopify.connector.FIELDS_READ / FIELDS_WRITE); Shopify has no
    # low-stock level, and videos are not synced
    product_fields_read=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                   "stock", "sku", "barcode", "seo"}),
    product_fields_write=frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images",
                                    "stock", "sku", "barcode", "seo"}),
    webhooks_module="integrations.shopify.webhooks",
    webhook_verifier="integrations.services.webhook_verifiers.verify_shopify",
    # GraphQL: a bucket of 1,000 cost points restored at 100 a second (Advanced plan figures double);
    # REST: a leaky bucket of 40 calls leaking 2 a second
    rate_limits=(RateLimit("GraphQL cost points", 100, 1.0, kind="cost points", scope="shop"),
                 RateLimit("REST requests", 2, 1.0, kind="leaky bucket", scope="shop")),
    page_size=250,  # GraphQL's page maximum; a page of products is smaller, sized by its query cost (12)
    # products: productSet mutations aliased into one request; deletes: productDelete mutations likewise
    batch_sizes={"products": 25, "deletes": 50, "inventory": 250},
)
