"""Shopbox sandbox: products (upsert), variance types, branches, per-branch stock.

Evidenced paths (reference §2.2-2.3): ``GET /products``, ``GET /products/{id}``,
``POST /products/create-or-update`` (upsert), ``POST /variance-type/create-or-update``,
``GET /branches``, ``GET /branches/{id}``, ``GET/POST /product-inventories`` (per branch).

Assumptions (field-level bodies are not evidenced): a product is
``{id, uid, name, description, sku, barcode, price, cost_price, vat_rate, active, tags, images,
variance_type_ids, variants: [{id, uid, name, sku, barcode, price, cost_price, options}],
created_at, updated_at}`` with money as decimal strings in major units; create-or-update takes one
object or a JSON array of up to ``max_batch`` objects and matches on ``id``, then ``uid``, then
``sku`` (variants likewise within their product); a stock record is
``{id, product_id, variant_id, branch_id, quantity, updated_at}`` and POST sets the absolute
quantity; ``updated_since`` (inclusive, ISO-8601) filters the lists for polling.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from integrations.sandbox.core import SandboxResponse, route

from .base import ShopboxBase, error, invalid, parse_since

PRODUCT_FIELDS = ("name", "description", "sku", "barcode", "price", "cost_price", "vat_rate", "active", "tags")
VARIANT_FIELDS = ("name", "sku", "barcode", "price", "cost_price", "options")


def money(value, field):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise invalid({field: [f"The {field} must be a number."]}) from None
    if amount < 0:
        raise invalid({field: [f"The {field} must be at least 0."]})
    return f"{amount.quantize(Decimal('0.01'))}"


def since_filter(items, request):
    since = parse_since(request.arg("updated_since"))
    if since is None:
        return items
    return [i for i in items if datetime.fromisoformat(i["updated_at"]).timestamp() >= since]


def batch(body, limit, what):
    items = body if isinstance(body, list) else [body]
    if not items or not all(isinstance(i, dict) for i in items):
        raise invalid({what: [f"Send one {what} object or a list of them."]})
    if len(items) > limit:
        raise error(413, f"Too many {what}s in one request: {len(items)}; at most {limit} are accepted.")
    return items


class CatalogRoutes(ShopboxBase):
    # --- products ---------------------------------------------------------------------------------
    @route("GET", r"/products")
    def list_products(self, request, account):
        items = since_filter(list(account["products"].values()), request)
        return SandboxResponse(200, self.paginate(request, account, items))

    @route("GET", r"/products/(?P<product_id>\d+)")
    def get_product(self, request, account, product_id):
        product = account["products"].get(product_id)
        if product is None:
            raise error(404, "Product not found.")
        return SandboxResponse(200, {"data": product})

    @route("POST", r"/products/create-or-update")
    def upsert_products(self, request, account):
        body = request.json()
        items = batch(body, account["config"]["max_batch"], "product")
        # validate everything first so a bad item changes nothing
        for index, item in enumerate(items):
            self._validate_product(account, item, index if isinstance(body, list) else None)
        saved = [self.save_product(account, item) for item in items]
        return SandboxResponse(200, {"data": saved if isinstance(body, list) else saved[0]})

    def find_product(self, account, item):
        if item.get("id") not in (None, ""):
            return account["products"].get(str(item["id"]))
        for key in ("uid", "sku"):
            if item.get(key):
                found = next((p for p in account["products"].values() if p.get(key) == item[key]), None)
                if found is not None:
                    return found
        return None

    def _validate_product(self, account, item, index):
        prefix = f"{index}." if index is not None else ""
        existing = self.find_product(account, item)
        if item.get("id") not in (None, "") and existing is None:
            raise invalid({f"{prefix}id": ["The selected id is invalid."]})
        if existing is None and not item.get("name"):
            raise invalid({f"{prefix}name": ["The name field is required."]})
        for field in ("price", "cost_price"):
            money(item.get(field), f"{prefix}{field}")
        variants = item.get("variants", [])
        if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
            raise invalid({f"{prefix}variants": ["The variants must be a list of objects."]})
        for n, variant in enumerate(variants):
            for field in ("price", "cost_price"):
                money(variant.get(field), f"{prefix}variants.{n}.{field}")

    def save_product(self, account, item):
        now = self.now_iso()
        product = self.find_product(account, item)
        if product is None:
            product_id = self.next_id()
            product = {"id": product_id, "uid": self.uid(), "name": "", "description": "", "sku": "", "barcode": "",
                       "price": "0.00", "cost_price": None, "vat_rate": 25, "active": True, "tags": [],
                       "images": [], "variance_type_ids": [], "variants": [], "created_at": now}
            account["products"][str(product_id)] = product
        for field in PRODUCT_FIELDS:
            if field in item:
                product[field] = money(item[field], field) if field in ("price", "cost_price") else item[field]
        if "images" in item:
            product["images"] = [{"id": self.next_id(), "url": img if isinstance(img, str) else img.get("url"),
                                  "position": n} for n, img in enumerate(item["images"] or [])]
        if "variance_type_ids" in item:
            product["variance_type_ids"] = list(item["variance_type_ids"] or [])
        for variant_body in item.get("variants", []):
            self._save_variant(product, variant_body)
        if not product["variants"]:
            self._save_variant(product, {"name": product["name"], "sku": product["sku"],
                                         "barcode": product["barcode"], "price": product["price"]})
        product["updated_at"] = now
        return product

    def _save_variant(self, product, body):
        variant = None
        for key in ("id", "uid", "sku"):
            if body.get(key) not in (None, ""):
                variant = next((v for v in product["variants"] if str(v.get(key)) == str(body[key])), None)
                if variant is not None:
                    break
        if variant is None:
            variant = {"id": self.next_id(), "uid": self.uid(), "name": "", "sku": "", "barcode": "",
                       "price": product.get("price"), "cost_price": None, "options": {}}
            product["variants"].append(variant)
        for field in VARIANT_FIELDS:
            if field in body:
                variant[field] = money(body[field], field) if field in ("price", "cost_price") else body[field]
        return variant

    # --- variance types ---------------------------------------------------------------------------
    @route("GET", r"/variance-type")
    def list_variance_types(self, request, account):
        return SandboxResponse(200, self.paginate(request, account, list(account["variance_types"].values())))

    @route("POST", r"/variance-type/create-or-update")
    def upsert_variance_type(self, request, account):
        body = request.json() or {}
        if not isinstance(body, dict) or not body.get("name"):
            raise invalid({"name": ["The name field is required."]})
        values = body.get("values", [])
        if not isinstance(values, list):
            raise invalid({"values": ["The values must be a list."]})
        existing = account["variance_types"].get(str(body.get("id"))) or next(
            (t for t in account["variance_types"].values() if t["name"] == body["name"]), None)
        if existing is None:
            existing = {"id": self.next_id(), "name": body["name"], "values": []}
            account["variance_types"][str(existing["id"])] = existing
        existing["name"] = body["name"]
        existing["values"] = [str(v) for v in values] or existing["values"]
        existing["updated_at"] = self.now_iso()
        return SandboxResponse(200, {"data": existing})

    # --- branches ---------------------------------------------------------------------------------
    @route("GET", r"/branches")
    def list_branches(self, request, account):
        return SandboxResponse(200, self.paginate(request, account, list(account["branches"].values())))

    @route("GET", r"/branches/(?P<branch_id>\d+)")
    def get_branch(self, request, account, branch_id):
        branch = account["branches"].get(branch_id)
        if branch is None:
            raise error(404, "Branch not found.")
        return SandboxResponse(200, {"data": branch})

    # --- stock per branch -------------------------------------------------------------------------
    @route("GET", r"/product-inventories")
    def list_inventories(self, request, account):
        items = list(account["inventories"].values())
        branch = request.arg("branch")
        if branch:
            if branch not in account["branches"]:
                raise invalid({"branch": ["The selected branch is invalid."]})
            items = [i for i in items if str(i["branch_id"]) == branch]
        return SandboxResponse(200, self.paginate(request, account, since_filter(items, request)))

    @route("POST", r"/product-inventories")
    def set_inventories(self, request, account):
        body = request.json()
        items = batch(body, account["config"]["max_inventory_batch"], "inventory")
        resolved = []
        for n, item in enumerate(items):
            prefix = f"{n}." if isinstance(body, list) else ""
            variant = self.variant_by_id(account, item.get("variant_id"))
            if variant is None:
                raise invalid({f"{prefix}variant_id": ["The selected variant id is invalid."]})
            if str(item.get("branch_id")) not in account["branches"]:
                raise invalid({f"{prefix}branch_id": ["The selected branch id is invalid."]})
            quantity = item.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool):
                raise invalid({f"{prefix}quantity": ["The quantity must be an integer."]})
            resolved.append((variant, item["branch_id"], quantity))
        saved = [self.set_stock(account, product, variant, branch_id, quantity)
                 for (product, variant), branch_id, quantity in resolved]
        return SandboxResponse(200, {"data": saved if isinstance(body, list) else saved[0]})

    def variant_by_id(self, account, variant_id):
        for product in account["products"].values():
            for variant in product["variants"]:
                if str(variant["id"]) == str(variant_id):
                    return product, variant
        return None

    def variant_by_sku(self, account, sku):
        for product in account["products"].values():
            for variant in product["variants"]:
                if variant["sku"] == sku:
                    return product, variant
        return None

    def stock_record(self, account, product, variant, branch_id):
        key = f"{variant['id']}:{branch_id}"
        record = account["inventories"].get(key)
        if record is None:
            record = {"id": self.next_id(), "product_id": product["id"], "variant_id": variant["id"],
                      "branch_id": int(branch_id), "quantity": 0, "updated_at": self.now_iso()}
            account["inventories"][key] = record
        return record

    def set_stock(self, account, product, variant, branch_id, quantity):
        record = self.stock_record(account, product, variant, branch_id)
        record["quantity"] = quantity
        record["updated_at"] = self.now_iso()
        return record

    def change_stock(self, account, product, variant, branch_id, delta):
        record = self.stock_record(account, product, variant, branch_id)
        return self.set_stock(account, product, variant, branch_id, record["quantity"] + delta)
