"""The Shopbox sandbox: a fake of ``https://api.shopbox.com/api/v3`` served under /sandbox/shopbox.

Shopbox has no public API documentation (reference §2); see ``base`` and ``catalog`` for what is
evidenced and what is assumed. Baskets (sales receipts) are evidenced as ``GET /baskets``,
``GET /baskets/{uid}``, ``POST /baskets`` and ``PUT /baskets/{id}/cancel`` with a ``uid`` and a
``canceled`` flag; their lines and amounts are assumptions:
``{id, uid, branch_id, canceled, currency, total, lines: [{id, product_id, variant_id, sku, name,
quantity, unit_price}], created_at, updated_at}`` with money as decimal strings in major units.
A basket takes stock out of its branch; cancelling puts it back (assumed). Shopbox sends no
webhooks, so nothing is enqueued on ``self.webhooks``: Flyt polls (see ``integrations.shopbox.polling``).
"""

from decimal import Decimal

from integrations.sandbox.core import SandboxResponse, route

from .base import AUTH_PATH, DEFAULTS, error, invalid
from .catalog import CatalogRoutes, money, since_filter

__all__ = ["DEFAULTS", "ShopboxSandbox"]


class ShopboxSandbox(CatalogRoutes):
    @route("POST", AUTH_PATH)
    def authenticate(self, request):
        return SandboxResponse(200, self.login(request))

    # --- baskets ----------------------------------------------------------------------------------
    @route("GET", r"/baskets")
    def list_baskets(self, request, account):
        items = list(account["baskets"].values())
        if request.arg("branch"):
            items = [b for b in items if str(b["branch_id"]) == request.arg("branch")]
        return SandboxResponse(200, self.paginate(request, account, since_filter(items, request)))

    @route("GET", r"/baskets/(?P<ref>[A-Za-z0-9\-]+)")
    def get_basket(self, request, account, ref):
        return SandboxResponse(200, {"data": self._basket(account, ref)})

    @route("POST", r"/baskets")
    def create_basket(self, request, account):
        body = request.json() or {}
        if not isinstance(body, dict):
            raise invalid({"lines": ["Send one basket object."]})
        branch_id = body.get("branch_id") or self.default_branch(account)["id"]
        if str(branch_id) not in account["branches"]:
            raise invalid({"branch_id": ["The selected branch id is invalid."]})
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines:
            raise invalid({"lines": ["The lines field is required."]})
        resolved = []
        for n, line in enumerate(lines):
            found = (self.variant_by_id(account, line.get("variant_id")) if line.get("variant_id")
                     else self.variant_by_sku(account, line.get("sku")))
            if found is None:
                raise invalid({f"lines.{n}.variant_id": ["The selected variant id is invalid."]})
            quantity = line.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
                raise invalid({f"lines.{n}.quantity": ["The quantity must be a non-zero integer."]})
            resolved.append((found, quantity, money(line.get("unit_price"), f"lines.{n}.unit_price")))
        return SandboxResponse(201, {"data": self.record_basket(account, branch_id, resolved)})

    @route("PUT", r"/baskets/(?P<ref>[A-Za-z0-9\-]+)/cancel")
    def cancel_basket(self, request, account, ref):
        basket = self._basket(account, ref)
        if basket["canceled"]:
            raise error(409, "The basket is already canceled.")
        for line in basket["lines"]:
            found = self.variant_by_id(account, line["variant_id"])
            if found is not None:
                self.change_stock(account, *found, basket["branch_id"], line["quantity"])
        basket["canceled"] = True
        basket["updated_at"] = self.now_iso()
        return SandboxResponse(200, {"data": basket})

    def _basket(self, account, ref):
        basket = account["baskets"].get(ref) or next((b for b in account["baskets"].values() if b["uid"] == ref), None)
        if basket is None:
            raise error(404, "Basket not found.")
        return basket

    def record_basket(self, account, branch_id, resolved):
        now = self.now_iso()
        basket_id = self.next_id()
        lines, total = [], Decimal("0")
        for (product, variant), quantity, unit_price in resolved:
            price = unit_price or variant.get("price") or product.get("price") or "0.00"
            total += Decimal(price) * quantity
            lines.append({"id": self.next_id(), "product_id": product["id"], "variant_id": variant["id"],
                          "sku": variant["sku"], "name": variant.get("name") or product["name"],
                          "quantity": quantity, "unit_price": price})
            self.change_stock(account, product, variant, branch_id, -quantity)
        basket = {"id": basket_id, "uid": self.uid(), "branch_id": int(branch_id), "canceled": False,
                  "currency": account["config"]["currency"], "total": f"{total.quantize(Decimal('0.01'))}",
                  "lines": lines, "created_at": now, "updated_at": now}
        account["baskets"][str(basket_id)] = basket
        return basket

    # --- seeding and merchant activity (tests, demo) -------------------------------------------------
    def seed(self, account_key, products) -> None:
        with self.lock:
            account = self.account(account_key)
            branch_id = self.default_branch(account)["id"]
            for seed in products:
                type_ids = []
                for name in seed.option_names:
                    values = sorted({v.options[name] for v in seed.variants if name in v.options})
                    existing = next((t for t in account["variance_types"].values() if t["name"] == name), None)
                    if existing is None:
                        existing = {"id": self.next_id(), "name": name, "values": [], "updated_at": self.now_iso()}
                        account["variance_types"][str(existing["id"])] = existing
                    existing["values"] = sorted(set(existing["values"]) | set(values))
                    type_ids.append(existing["id"])
                first = seed.variants[0]
                product = self.save_product(account, {
                    "name": seed.name, "description": seed.description, "sku": seed.sku, "barcode": first.barcode,
                    "price": _major(first.price_minor), "cost_price": _major(first.cost_minor),
                    "tags": [seed.product_type], "images": seed.images, "variance_type_ids": type_ids,
                    "variants": [{"name": " / ".join(v.options.values()) or seed.name, "sku": v.sku,
                                  "barcode": v.barcode, "price": _major(v.price_minor),
                                  "cost_price": _major(v.cost_minor), "options": dict(v.options)}
                                 for v in seed.variants]})
                for variant, seed_variant in zip(product["variants"], seed.variants, strict=True):
                    self.set_stock(account, product, variant, branch_id, seed_variant.stock)

    def sell(self, account_key, sku, qty, branch=None):
        """A sale at the till: a basket with one line; the branch's stock goes down. Returns the basket."""
        return self._till(account_key, sku, qty, branch)

    def refund(self, account_key, sku, qty, branch=None):
        """Goods returned at the till: a basket with a negative line; the branch's stock goes up."""
        return self._till(account_key, sku, -abs(int(qty)), branch)

    def _till(self, account_key, sku, qty, branch):
        with self.lock:
            account = self.account(account_key)
            found = self.variant_by_sku(account, sku)
            if found is None:
                raise KeyError(f"No variant with SKU {sku!r} in Shopbox account {account_key}")
            branch_id = branch or self.default_branch(account)["id"]
            return self.record_basket(account, branch_id, [(found, qty, None)])

    def cancel(self, account_key, basket_uid):
        """The shop cancels a receipt at the till."""
        with self.lock:
            account = self.account(account_key)
            basket = self._basket(account, basket_uid)
            for line in basket["lines"]:
                self.change_stock(account, *self.variant_by_id(account, line["variant_id"]), basket["branch_id"],
                                  line["quantity"])
            basket["canceled"] = True
            basket["updated_at"] = self.now_iso()
            return basket

    def product_by_ref(self, account, ref):
        """A product by its SKU, a variant's SKU or its id (the merchant helpers' way of naming one)."""
        product = next((p for p in account["products"].values() if p["sku"] == ref), None)
        if product is None:
            found = self.variant_by_sku(account, ref)
            product = found[0] if found is not None else account["products"].get(str(ref))
        if product is None:
            raise KeyError(f"No product {ref!r} in Shopbox account {account['client_id']}")
        return product

    def admin_update_product(self, account_key, sku, **fields):
        """The merchant edits a product in Shopbox's back office (by product SKU, variant SKU or product id)."""
        with self.lock:
            account = self.account(account_key)
            product = self.product_by_ref(account, sku)
            return self.save_product(account, {"id": product["id"], **fields})

    def admin_delete_product(self, account_key, ref):
        """The merchant deletes a product in the back office (by product SKU, variant SKU or product id).
        Assumed: it is gone from the API (404, out of the lists) with its stock records; the API itself offers
        no delete (``admin_update_product(..., active=False)`` is the back office's "deactivate")."""
        with self.lock:
            account = self.account(account_key)
            product = self.product_by_ref(account, ref)
            del account["products"][str(product["id"])]
            variant_ids = {v["id"] for v in product["variants"]}
            account["inventories"] = {key: record for key, record in account["inventories"].items()
                                      if record["variant_id"] not in variant_ids}
            return product

    def admin_set_stock(self, account_key, sku, quantity, branch=None):
        """The merchant counts stock in the back office: an absolute quantity for one branch."""
        with self.lock:
            account = self.account(account_key)
            found = self.variant_by_sku(account, sku)
            if found is None:
                raise KeyError(f"No variant with SKU {sku!r} in Shopbox account {account_key}")
            return self.set_stock(account, *found, branch or self.default_branch(account)["id"], quantity)

    def stock_of(self, account_key, sku, branch=None) -> int:
        account = self.account(account_key)
        product, variant = self.variant_by_sku(account, sku)
        branch_id = branch or self.default_branch(account)["id"]
        record = account["inventories"].get(f"{variant['id']}:{branch_id}")
        return record["quantity"] if record else 0


def _major(minor: int) -> str:
    return f"{(Decimal(minor) / 100).quantize(Decimal('0.01'))}"
