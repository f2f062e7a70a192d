"""A local Zettle: Product Library, Inventory v3, Purchases, Pusher webhooks and the token endpoint,
in Zettle's own paths, envelopes and error bodies. Each Zettle host is a first path segment
(``/oauth``, ``/products``, ``/inventory``, ``/purchase``, ``/pusher``).

Besides the API, tests (and the demo) act as the merchant: ``sell`` and ``refund`` at the POS,
``admin_set_stock``, ``admin_update_product`` and ``admin_delete_product`` in the back office; each
changes state and queues the webhooks Zettle would send.
"""

import re

from integrations.sandbox.core import SandboxError
from integrations.zettle.sandbox.base import ZettleBase, zettle_error
from integrations.zettle.sandbox.inventory import InventoryRoutes
from integrations.zettle.sandbox.low_stock import LowStockRoutes
from integrations.zettle.sandbox.organization import OrganizationRoutes
from integrations.zettle.sandbox.products import ProductRoutes, merge_patch
from integrations.zettle.sandbox.purchases import PurchaseRoutes, PusherRoutes


class ZettleSandbox(OrganizationRoutes, LowStockRoutes, ProductRoutes, InventoryRoutes, PurchaseRoutes, PusherRoutes,
                    ZettleBase):
    # --- seeding ---------------------------------------------------------------------------------
    def seed(self, account_key, products):
        """Fill the account with ``SeedProduct``s: products with their variants, tracked, STORE stock
        set. No webhooks (it is the state before anyone subscribed)."""
        with self.lock:
            account = self.account(account_key)
            currency = account["currency"]
            for seed in products:
                product = {
                    "uuid": self.uuid1(), "name": seed.name,
                    "description": re.sub(r"<[^>]+>", "", seed.description or "").strip(),
                    "vatPercentage": "25", "variants": [],
                    "metadata": {"inPos": True, "source": {"name": "POS", "external": False}},
                }
                if seed.images:
                    product["presentation"] = {"imageUrl": seed.images[0]}
                if seed.option_names:
                    product["variantOptionDefinitions"] = {"definitions": [
                        {"name": name, "properties": [{"value": value} for value in
                                                      dict.fromkeys(v.options.get(name) for v in seed.variants)]}
                        for name in seed.option_names]}
                for variant in seed.variants:
                    product["variants"].append({
                        "uuid": self.uuid1(), "name": " / ".join(variant.options.values()) or None,
                        "sku": variant.sku, "barcode": variant.barcode,
                        "price": {"amount": variant.price_minor, "currencyId": currency},
                        "costPrice": {"amount": variant.cost_minor, "currencyId": currency},
                        "options": [{"name": k, "value": v} for k, v in variant.options.items()],
                    })
                saved, _ = self.store_product(account, product)
                account["tracked"][saved["uuid"]] = True
                for variant, seeded in zip(saved["variants"], seed.variants, strict=True):
                    account["balances"]["STORE"][variant["uuid"]] = seeded.stock

    # --- acting as the merchant ------------------------------------------------------------------
    def find_variant(self, account, item):
        """(product, variant) by variant uuid or SKU."""
        for product in account["products"].values():
            for variant in product.get("variants") or []:
                if item in (variant["uuid"], variant.get("sku")):
                    return product, variant
        raise SandboxError(404, {"developerMessage": f"No variant {item}", "errorType": "ENTITY_NOT_FOUND",
                                 "violations": []})

    def sell(self, account_key, item, qty=1, *, payment_type="IZETTLE_CARD"):
        """A POS sale: a purchase, STORE→SOLD when tracked, PurchaseCreated + InventoryBalanceChanged."""
        with self.lock:
            account = self.account(account_key)
            product, variant = self.find_variant(account, item)
            unit = (variant.get("price") or {}).get("amount", 0)
            line = self._line(product, variant, qty, unit)
            purchase = self._purchase(account, [line], refund=False, payment_type=payment_type)
            if product["uuid"] in account["tracked"]:
                locations = account["locations"]
                self.apply_movements(account, [{"productUuid": product["uuid"], "variantUuid": variant["uuid"],
                                                "fromLocationUuid": locations["STORE"],
                                                "toLocationUuid": locations["SOLD"], "change": int(qty)}],
                                     user_type="USER")
            self.emit(account, "PurchaseCreated", self.purchase_event(purchase))
            return self.public_purchase(purchase)

    def refund(self, account_key, purchase_uuid, *, lines=None):
        """Refund a purchase (all of it, or ``lines`` = {variant uuid or sku: qty}): a new negative
        purchase linked both ways; refunded items go back SOLD→STORE when tracked."""
        with self.lock:
            account = self.account(account_key)
            original = next((p for p in account["purchases"] if p["purchaseUUID1"] == purchase_uuid), None)
            if original is None:
                raise zettle_error(404, f"Purchase {purchase_uuid} not found", "ENTITY_NOT_FOUND")
            refund_lines, moves = [], []
            for line in original["products"]:
                wanted = int(line["quantity"])
                if lines is not None:
                    wanted = next((q for k, q in lines.items() if k in (line["variantUuid"], line.get("sku"))), 0)
                if wanted <= 0:
                    continue
                product = account["products"].get(line["productUuid"], {"uuid": line["productUuid"],
                                                                         "name": line["name"]})
                variant = {"uuid": line["variantUuid"], "sku": line.get("sku"), "barcode": line.get("barcode"),
                           "name": line.get("variantName")}
                refund_lines.append(self._line(product, variant, -wanted, line["unitPrice"]))
                if line["productUuid"] in account["tracked"]:
                    moves.append({"productUuid": line["productUuid"], "variantUuid": line["variantUuid"],
                                  "fromLocationUuid": account["locations"]["SOLD"],
                                  "toLocationUuid": account["locations"]["STORE"], "change": wanted})
            purchase = self._purchase(account, refund_lines, refund=True, refunds=original)
            original["refunded"] = True
            original.setdefault("refundedByPurchaseUUIDs1", []).append(purchase["purchaseUUID1"])
            if moves:
                self.apply_movements(account, moves)
            self.emit(account, "PurchaseCreated", self.purchase_event(purchase))
            return self.public_purchase(purchase)

    def admin_set_stock(self, account_key, item, qty):
        """The merchant types a new STORE quantity in the back office (tracking switched on if off)."""
        with self.lock:
            account = self.account(account_key)
            product, variant = self.find_variant(account, item)
            self.start_tracking_of(account, product["uuid"])
            current = account["balances"]["STORE"].get(variant["uuid"], 0)
            delta, locations = int(qty) - current, account["locations"]
            if delta:
                source, dest = ("SUPPLIER", "STORE") if delta > 0 else ("STORE", "BIN")
                self.apply_movements(account, [{"productUuid": product["uuid"], "variantUuid": variant["uuid"],
                                                "fromLocationUuid": locations[source],
                                                "toLocationUuid": locations[dest], "change": abs(delta)}])
            return account["balances"]["STORE"][variant["uuid"]]

    def admin_update_product(self, account_key, product_uuid, changes):
        """A back-office edit (merge patch); emits ProductUpdated."""
        with self.lock:
            account = self.account(account_key)
            product = self.find_product(account, product_uuid)
            saved, old = self.store_product(account, merge_patch(product, changes), existing=product)
            self.announce(account, saved, old)
            return saved

    def admin_delete_product(self, account_key, product_uuid):
        with self.lock:
            account = self.account(account_key)
            self.find_product(account, product_uuid)
            return self.drop_product(account, product_uuid)

    def store_balance(self, account_key, item):
        account = self.account(account_key)
        _, variant = self.find_variant(account, item)
        return account["balances"]["STORE"].get(variant["uuid"], 0)

    # --- purchase records ------------------------------------------------------------------------
    @staticmethod
    def _line(product, variant, qty, unit):
        net = round(unit * qty / 1.25)
        return {"quantity": str(qty), "productUuid": product["uuid"], "variantUuid": variant["uuid"],
                "name": product.get("name"), "variantName": variant.get("name"), "sku": variant.get("sku"),
                "barcode": variant.get("barcode"), "unitPrice": unit, "vatPercentage": 25.0,
                "rowTaxableAmount": net, "type": "PRODUCT", "libraryProduct": True}

    def _purchase(self, account, lines, *, refund, refunds=None, payment_type="IZETTLE_CARD"):
        amount = sum(line["unitPrice"] * int(line["quantity"]) for line in lines)
        vat = amount - sum(line["rowTaxableAmount"] for line in lines)
        account["purchase_number"] += 1
        number = account["purchase_number"]
        payment = {"uuid": self.uuid1(), "amount": amount, "type": refunds["payments"][0]["type"] if refunds
                   else payment_type, "attributes": {}}
        if refunds:
            payment["references"] = {"refundsPayment": refunds["payments"][0]["uuid"]}
        purchase = {
            "source": "POS", "purchaseUUID1": self.uuid1(), "amount": amount, "vatAmount": vat,
            "country": account["country"], "currency": account["currency"], "timestamp": self.stamp(),
            "created": self.stamp(), "purchaseNumber": number, "globalPurchaseNumber": number,
            "refund": refund, "refunded": False, "products": lines, "payments": [payment], "discounts": [],
            "groupedVatAmounts": {"25.0": vat}, "_at": self.clock.now(),
        }
        if refunds:
            purchase["refundsPurchaseUUID1"] = refunds["purchaseUUID1"]
        account["purchases"].append(purchase)
        return purchase


__all__ = ["ZettleSandbox"]
