"""The BigCommerce sandbox: stores (accounts), tokens and scopes, the per-store rate limit, seeding,
and merchant/shopper activity for tests (sales, admin edits, refunds) that emits the webhooks
BigCommerce would send."""

import hashlib
import re
import secrets
from decimal import Decimal

from django.conf import settings

from integrations.bigcommerce.sandbox.catalog import CatalogMixin
from integrations.bigcommerce.sandbox.channels import ChannelsMixin
from integrations.bigcommerce.sandbox.common import STATUS_TYPE, iso, v2_error, v3_error
from integrations.bigcommerce.sandbox.hooks import HooksMixin
from integrations.bigcommerce.sandbox.inventory import InventoryMixin
from integrations.bigcommerce.sandbox.orders import STATUSES, OrdersMixin
from integrations.bigcommerce.sandbox.settings import SettingsMixin
from integrations.bigcommerce.sandbox.variants import VariantsMixin
from integrations.bigcommerce.sandbox.videos import VideosMixin
from integrations.sandbox.core import Sandbox, SandboxError
from integrations.sandbox.ratelimit import FixedWindow

ALL_SCOPES = ("store_v2_products", "store_inventory", "store_channel_settings", "store_channel_listings",
              "store_v2_orders", "store_v2_transactions", "store_v2_customers", "store_v2_marketing",
              "store_v2_information")
# (path prefix after /stores/{hash}, scopes any of which grants access)
SCOPE_RULES = (
    ("/v3/catalog", ("store_v2_products",)),
    ("/v3/inventory", ("store_inventory",)),
    ("/v3/channels", ("store_channel_settings", "store_channel_listings")),
    ("/v2/orders", ("store_v2_orders",)),
    ("/v3/orders", ("store_v2_orders", "store_v2_transactions")),
    ("/v2/coupons", ("store_v2_marketing",)),
    ("/v3/customers", ("store_v2_customers",)),
    ("/v2/store", ("store_v2_information",)),
    ("/v3/settings", ("store_v2_information",)),
)
_PATH = re.compile(r"^/stores/(?P<store_hash>[a-z0-9]+)/(?P<version>v2|v3)(?P<rest>/.*)?$")


class BigCommerceSandbox(SettingsMixin, VideosMixin, CatalogMixin, VariantsMixin, ChannelsMixin, InventoryMixin,
                         OrdersMixin, HooksMixin, Sandbox):
    platform = "bigcommerce"
    webhook_retry_schedule = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)

    def not_found_body(self):
        return {"status": 404, "title": "The requested resource was not found.", "type": STATUS_TYPE}

    def outbox_random(self):
        return self.webhooks.random

    # --- accounts ---------------------------------------------------------------------------------
    def create_account(self, *, store_hash=None, quota=150, window_s=30.0, inventory_delay_s=0.0, currency="USD",
                       scopes=ALL_SCOPES, update_stock_behavior="order_placed", **options):
        with self.lock:
            seq = self.next_id()
            store_hash = store_hash or "s" + hashlib.sha1(f"bc-store-{seq}".encode()).hexdigest()[:9]  # noqa: S324
            if store_hash in self.state["accounts"]:
                raise SandboxError(409, {"status": 409, "title": f"Store {store_hash} already exists."})
            now = self.clock.now()
            token, client_id, client_secret = secrets.token_hex(16), secrets.token_hex(12), secrets.token_hex(20)
            account = {
                "store_hash": store_hash, "store_id": str(1_000_000 + seq), "currency": currency,
                "weight_measurement": options.get("weight_measurement", "KGS"),  # LBS, Ounces, KGS, Grams, Tonnes
                "quota": int(quota), "window_s": float(window_s), "rate": {"window_start": None, "used": 0},
                "inventory_delay_s": float(inventory_delay_s), "update_stock_behavior": update_stock_behavior,
                "tokens": {token: {"client_id": client_id, "scopes": list(scopes)}},
                "apps": {client_id: client_secret},
                "products": {}, "variants": {}, "stock": {}, "pending_adjustments": [],
                "categories": {}, "trees": {"1": {"id": 1, "name": "Default", "channels": [1]}},
                "category_assignments": [], "channel_assignments": [], "locations": {},
                "channels": {"1": {"id": 1, "name": "Default storefront", "type": "storefront",
                                   "platform": "bigcommerce", "external_id": "", "status": "active",
                                   "is_listable_from_ui": True, "is_visible": True, "icon_url": "",
                                   "date_created": iso(now), "date_modified": iso(now)}},
                "orders": {}, "order_products": {}, "refunds": {}, "coupons": {}, "customers": {}, "hooks": {},
            }
            self.new_location(account, code="DEFAULT", label="Default location", now=now)
            self.state["accounts"][store_hash] = account
            base_url = f"{settings.SANDBOX_BASE_URL.rstrip('/')}/bigcommerce"
            return {"account": store_hash,
                    "credentials": {"access_token": token, "client_id": client_id, "client_secret": client_secret},
                    "settings": {"sandbox": True, "base_url": base_url, "store_hash": store_hash},
                    "external_account_id": store_hash}

    def add_token(self, account_key, *, scopes=ALL_SCOPES, client_id=None):
        """Another API account on the same store (its own client id and secret unless given); returns
        ``{access_token, client_id, client_secret}``. All tokens share the store's rate limit."""
        with self.lock:
            account = self.account(account_key)
            client_id = client_id or secrets.token_hex(12)
            account["apps"].setdefault(client_id, secrets.token_hex(20))
            token = secrets.token_hex(16)
            account["tokens"][token] = {"client_id": client_id, "scopes": list(scopes)}
            return {"access_token": token, "client_id": client_id, "client_secret": account["apps"][client_id]}

    def seed(self, account_key, products):
        with self.lock:
            account = self.account(account_key)
            categories = {c["name"]: c["category_id"] for c in account["categories"].values()}
            for seed in products:
                if seed.product_type not in categories:
                    category = self.create_category_record(account, {"name": seed.product_type, "tree_id": 1})
                    categories[seed.product_type] = category["category_id"]
                first = seed.variants[0]
                body = {"name": seed.name, "type": "physical", "sku": seed.sku, "description": seed.description,
                        "weight": first.weight_grams / 1000, "price": first.price_minor / 100,
                        "cost_price": first.cost_minor / 100, "categories": [categories[seed.product_type]],
                        "brand_name": seed.brand,
                        "images": [{"image_url": url, "is_thumbnail": i == 0} for i, url in enumerate(seed.images)]}
                if seed.option_names:
                    body["variants"] = [{
                        "sku": v.sku, "price": v.price_minor / 100, "cost_price": v.cost_minor / 100,
                        "weight": v.weight_grams / 1000, "upc": v.barcode, "gtin": v.barcode,
                        "inventory_level": v.stock,
                        "option_values": [{"option_display_name": k, "label": val} for k, val in v.options.items()],
                    } for v in seed.variants]
                else:
                    body.update({"upc": first.barcode, "gtin": first.barcode, "inventory_level": first.stock})
                product = self.create_product_record(account, body, emit=False, check=False)
                self.assign_category(account, product["id"], categories[seed.product_type])
                account["channel_assignments"].append([product["id"], 1])

    # --- every request --------------------------------------------------------------------------------
    def before_route(self, request):
        match = _PATH.match(request.path)
        if not match:
            raise SandboxError(404, self.not_found_body())
        v2 = match["version"] == "v2"
        account = self.state["accounts"].get(match["store_hash"])
        if account is None:
            raise v2_error(404, "The requested store was not found.") if v2 else v3_error(
                404, "The requested store was not found.")
        token = account["tokens"].get(request.header("x-auth-token") or "")
        if token is None:
            message = "You are not authorized to access this resource. Check the X-Auth-Token header."
            raise v2_error(401, message) if v2 else v3_error(401, message)
        rest = f"/{match['version']}{match['rest'] or ''}"
        for prefix, needed in SCOPE_RULES:
            if rest.startswith(prefix):
                ok = any(s in token["scopes"] or (request.method.upper() in ("GET", "HEAD")
                                                  and f"{s}_read_only" in token["scopes"]) for s in needed)
                if not ok:
                    message = f"This API account is missing the OAuth scope {needed[0]} needed for {prefix}."
                    raise v2_error(403, message) if v2 else v3_error(403, message)
                break
        window = FixedWindow(quota=account["quota"], window_s=account["window_s"], **account["rate"])
        allowed, left, reset = window.hit(self.clock.now())
        account["rate"] = {"window_start": window.window_start, "used": window.used}
        headers = {"X-Rate-Limit-Time-Window-Ms": str(int(account["window_s"] * 1000)),
                   "X-Rate-Limit-Time-Reset-Ms": str(max(0, int(round(reset * 1000)))),
                   "X-Rate-Limit-Requests-Quota": str(account["quota"]),
                   "X-Rate-Limit-Requests-Left": str(left)}
        if not allowed:
            headers["X-Retry-After"] = str(max(1, int(-(-reset // 1))))
            body = [{"status": 429, "message": "Too many requests"}] if v2 else {
                "status": 429, "title": "Too many requests", "type": STATUS_TYPE}
            raise SandboxError(429, body, headers)
        self.apply_due_adjustments(account)
        request.client_id = token["client_id"]
        return match["store_hash"], headers

    # --- shop activity for tests and the demo --------------------------------------------------------
    def variant_by_sku(self, account, sku):
        variant = next((v for v in account["variants"].values() if v["sku"] == sku), None)
        if variant is None:
            raise KeyError(f"No variant with SKU {sku!r} in store {account['store_hash']}")
        return variant

    def stock_of(self, account_key, sku, *, location_id=None):
        account = self.account(account_key)
        variant = self.variant_by_sku(account, sku)
        levels = account["stock"].get(str(variant["id"]), {})
        if location_id is not None:
            return levels.get(str(location_id), {}).get("on_hand", 0)
        return sum(level["on_hand"] for level in levels.values())

    def sell(self, account_key, sku, quantity, *, location_id=None, status_id=11, email="jane@example.com",
             channel_id=1):
        """A shopper buys ``quantity`` of ``sku``: an order, stock moved (``update_stock_behavior``) and
        the webhooks: ``store/order/created`` and the inventory ``.../order/updated`` scope."""
        with self.lock:
            account = self.account(account_key)
            variant = self.variant_by_sku(account, sku)
            product = account["products"][str(variant["product_id"])]
            price = Decimal(str(variant["price"] if variant["price"] is not None else product["price"]))
            order = self.create_order_record(account, lines=[(variant, quantity, price)], status_id=status_id,
                                             email=email, channel_id=channel_id)
            self.emit(account, "store/order/created", {"type": "order", "id": order["id"]})
            if account["update_stock_behavior"] == "order_placed" and status_id != 0:
                location = location_id or self.default_location(account)
                level = account["stock"].get(str(variant["id"]), {}).get(str(location), {"on_hand": 0})
                self.set_on_hand(account, variant["id"], location, level["on_hand"] - quantity, emit=False)
                self.emit_inventory(account, variant["id"], method="relative", value=-quantity, order=True)
            return order

    def set_order_status(self, account_key, order_id, status_id):
        with self.lock:
            account = self.account(account_key)
            order = account["orders"][str(order_id)]
            previous = order["status_id"]
            order.update({"status_id": status_id, "status": self.order_status_name(status_id)})
            self.emit_status_change(account, order, previous)
            return order

    @staticmethod
    def order_status_name(status_id):
        return STATUSES[status_id]

    def refund(self, account_key, order_id, *, quantity=None, reason="Customer return"):
        """Refund (part of) the first line of an order; emits ``store/order/refund/created``."""
        with self.lock:
            account = self.account(account_key)
            order = account["orders"][str(order_id)]
            line = account["order_products"][str(order_id)][0]
            items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": quantity or line["quantity"],
                      "reason": reason}]
            return self.create_refund_record(account, order, items=items, reason=reason)

    def admin_update_product(self, account_key, product_id, **fields):
        """A merchant edits a product in the control panel: ``store/product/updated``."""
        with self.lock:
            account = self.account(account_key)
            product = self._find_product(account, product_id)
            return self.render_product(account, self.update_product_record(account, product, fields))

    def admin_set_stock(self, account_key, sku, quantity, *, location_id=None):
        """A merchant sets stock in the control panel: the inventory ``.../updated`` scope, method absolute."""
        with self.lock:
            account = self.account(account_key)
            variant = self.variant_by_sku(account, sku)
            self.set_on_hand(account, variant["id"], location_id or self.default_location(account), quantity)

    def admin_delete_product(self, account_key, product_id):
        with self.lock:
            account = self.account(account_key)
            self.delete_product_record(account, self._find_product(account, product_id))
