"""Product sync between any two platforms: the home base's products, all of them, kept in step on
the target. The fields are those the home base can read and the target can hold (each platform's
spec); prices only when the merchant includes them (and both sell in the same currency). Stock
travels (tracking, and the level a new product starts with) whenever the home base keeps stock, even
when its product read carries no stock (Shopbox: its stock connector reads it), so that the target's
copies are tracked and the stock sync keeps them in step."""

from django.utils.translation import gettext_lazy as _

from integrations.kinds.base import IntegrationKind, Step
from integrations.platforms import PLATFORMS


class ProductSync(IntegrationKind):
    key = "product_sync"
    label = "Product sync"
    steps = (
        Step("connect_home", _("Connect the home base")),
        Step("connect_target", _("Connect the target")),
        Step("prices", _("Prices")),
        Step("finish", _("Finish")),
    )

    def fields_from(self, *, home, target):
        home_spec, target_spec = PLATFORMS[home], PLATFORMS[target]
        read = home_spec.product_fields_read | ({"stock"} if home_spec.capabilities.stock_read else set())
        return read & target_spec.product_fields_write
