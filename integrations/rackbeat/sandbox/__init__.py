"""The Rackbeat sandbox: a fake of ``https://app.rackbeat.com/api`` served under /sandbox/rackbeat.

See ``base`` (auth, throttling, envelopes, webhooks out), ``catalog`` (groups, products, custom
fields, locations, stock) and ``documents`` (adjustments, movements, orders, webhook subscriptions)
for what is evidenced and what is assumed. Rackbeat has no documented variant model: each sellable
variant is its own product number (reference §3.7), which is how ``seed`` stores variants. The
variants of one seeded product are grouped as Flyt groups them (``integrations.rackbeat.mapping``):
the custom product fields "Flyt product" (the first variant's number) and "Flyt variant options",
which ``seed`` creates in the account when a product has variants (``group_variants=False`` leaves
them as unrelated products, as a merchant without those fields has them).
"""

import json

from .base import DEFAULTS
from .documents import DocumentRoutes

__all__ = ["DEFAULTS", "RackbeatSandbox"]

# the custom product fields Flyt groups variants with (the sandbox knows them only to seed such catalogs)
FLYT_FIELDS = ({"name": "Flyt product", "slug": "flyt-product"},
               {"name": "Flyt variant options", "slug": "flyt-variant-options"})


class RackbeatSandbox(DocumentRoutes):
    def seed(self, account_key, products, *, group_variants=True) -> None:
        with self.lock:
            account = self.account(account_key)
            location = self.default_location(account)["number"]
            for seed in products:
                grouped = group_variants and len(seed.variants) > 1
                for variant in seed.variants:
                    suffix = " / ".join(variant.options.values())
                    self.add_product(account, {
                        "number": variant.sku, "name": f"{seed.name} - {suffix}" if suffix else seed.name,
                        "group": 1, "description": seed.description, "barcode": variant.barcode,
                        "sales_price": variant.price_minor / 100, "cost_price": variant.cost_minor / 100,
                        "recommended_cost_price": variant.cost_minor / 100,
                        "picture_url": seed.images[0] if seed.images else None,
                        "physical": {"weight": variant.weight_grams, "weight_unit": "g"}})
                    if grouped:
                        group_id, options_id = self.flyt_fields(account)
                        account["field_values"].setdefault(variant.sku, {}).update(
                            {group_id: seed.variants[0].sku,
                             options_id: json.dumps(variant.options, ensure_ascii=False, separators=(",", ":"))})
                    if variant.stock:
                        self.move_stock(account, variant.sku, location, quantity=float(variant.stock), emit=False)

    def flyt_fields(self, account):
        """The ids of the custom product fields Flyt groups variants with, created when missing."""
        ids = []
        for spec in FLYT_FIELDS:
            field = next((f for f in account["fields"].values() if f["slug"] == spec["slug"]), None)
            if field is None:
                field = {"id": self.next_id(), "name": spec["name"], "slug": spec["slug"], "type": "text"}
                account["fields"][str(field["id"])] = field
            ids.append(str(field["id"]))
        return ids

    # --- merchant activity: changes state and sends the webhooks Rackbeat would send ------------------
    def admin_update_product(self, account_key, number, **fields):
        with self.lock:
            account = self.account(account_key)
            product, changed, old = self.change_product(account, number, fields)
            if changed:
                self.emit(account, "product.updated", key=product["number"], old_key=old, changed=changed,
                          data={"updated_at": product["updated_at"]})
            return product

    def admin_adjust_stock(self, account_key, number, delta, location=None):
        """A booked inventory adjustment made in Rackbeat's UI."""
        with self.lock:
            account = self.account(account_key)
            self.move_stock(account, number, location or self.default_location(account)["number"],
                            quantity=float(delta))
            return account["products"][number]

    def sell(self, account_key, number, qty, location=None):
        """An order booked and shipped in Rackbeat (e.g. a Shopbox sale arriving through Rackbeat's app)."""
        with self.lock:
            account = self.account(account_key)
            loc = location or self.default_location(account)["number"]
            lines = [{"item": {"number": number, "name": account["products"][number]["name"]},
                      "location": {"number": str(loc)}, "quantity": float(qty)}]
            order = self.add_order(account, lines)
            self.book(account, order)
            return self.ship(account, order)

    def admin_set_stock(self, account_key, number, qty, location=None):
        """A stock count entered in Rackbeat: a booked adjustment bringing the location to ``qty``."""
        with self.lock:
            account = self.account(account_key)
            loc = str(location or self.default_location(account)["number"])
            cell = account["stock"].get(number, {}).get(loc, {"quantity": 0.0})
            self.move_stock(account, number, loc, quantity=float(qty) - cell["quantity"])
            return account["products"][number]

    def refund(self, account_key, order_number, qty=None):
        """Goods of a shipped order returned: its first line's units come back into stock where they left."""
        with self.lock:
            account = self.account(account_key)
            order = self.order(account, order_number)
            line = order["lines"][0]
            quantity = float(qty if qty is not None else line["quantity"])
            self.move_stock(account, line["item"]["number"], line["location"]["number"], quantity=quantity)
            order["updated_at"] = self.now_iso()
            return order

    def stock_of(self, account_key, number, location=None) -> float:
        """The product's stock in all (``stock_quantity``), or what is available at one location."""
        account = self.account(account_key)
        if location is None:
            return account["products"][number]["stock_quantity"]
        cell = account["stock"].get(number, {}).get(str(location), {"quantity": 0.0, "in_order": 0.0})
        return cell["quantity"] - cell["in_order"]
