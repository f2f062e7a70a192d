"""Zettle ↔ BigCommerce, as the help page describes it.

- BigCommerce home base: only the products assigned to the BigCommerce channel "PayPal Zettle" are
  read, and each of them is synced; one taken out of the channel stops syncing.
- Zettle home base: new products land in BigCommerce in the category "PayPal Zettle", hidden from
  the storefront; at set-up the merchant syncs all products or selects them, and products created in
  Zettle afterwards are always synced.
- Prices only when both accounts sell in the same currency (the prices step); the field tables below.
"""

from django.utils.translation import gettext_lazy as _

from integrations.kinds.base import IntegrationKind, Step
from integrations.models import Listing

CHANNEL = "PayPal Zettle"
CATEGORY = "PayPal Zettle"

# What each home base writes to the other side (the help page's field tables).
FIELDS_FROM_HOME = {
    "bigcommerce": frozenset({"name", "price", "cost_price", "weight", "description", "variants", "images", "stock",
                              "low_stock", "sku"}),
    "zettle": frozenset({"name", "price", "description", "variants", "images", "stock", "seo", "weight", "sku",
                         "barcode", "videos"}),
}


class ZettleBigCommerce(IntegrationKind):
    key = "zettle_bigcommerce"
    label = "Zettle ↔ BigCommerce"
    platforms = ("bigcommerce", "zettle")
    one_to_one = True
    steps = (
        Step("bigcommerce", _("Connect BigCommerce")),
        Step("zettle", _("Connect Zettle")),
        Step("home", _("Choose the home base")),
        Step("prices", _("Prices")),
        Step("scope", _("Products to sync")),
        Step("finish", _("Finish")),
    )

    def fields_from(self, *, home, target):
        return FIELDS_FROM_HOME[home]

    def placement(self, integration, *, target):
        if target.platform == "bigcommerce":
            return {"category": CATEGORY, "visible": False}
        return {}

    def prepare_options(self, integration, *, connection, role):
        if connection.platform != "bigcommerce":
            return {}
        return {"channel": CHANNEL} if role == "home" else {"category": CATEGORY}

    def listing_source(self, integration, *, newly_bound):
        if integration.home_platform == "bigcommerce":  # only channel products are read: each one is listed
            return Listing.Source.CHANNEL
        if integration.completed_at is None:  # Zettle home base, the setup pass
            return Listing.Source.SETUP if integration.initial_scope == integration.Scope.ALL else None
        return Listing.Source.CREATED if newly_bound else None  # created on Zettle after setup: always synced

    def unlisted_reason(self, integration, *, target):
        return (f"is no longer assigned to the channel {CHANNEL}; its sync stopped and its copy on "
                f"{target.platform_info.label} is left as it is")

    def selectable(self, integration):
        return integration.home_platform == "zettle"

    def steps_for(self, integration):
        return [s for s in self.steps if s.key != "scope" or integration.home_platform != "bigcommerce"]
