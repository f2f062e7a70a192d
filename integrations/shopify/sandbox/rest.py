"""The Shopify sandbox's REST Admin endpoints (``/admin/api/{version}/<resource>.json``): resource-
wrapped bodies, money as strings, ``Link`` header cursor pagination with an opaque ``page_info``
(``limit`` default 50, at most 250), 404 ``{"errors": "Not Found"}``, 422 ``{"errors": {field:
[...]}}`` and 400 on writes to ``inventory_quantity``."""

import base64
import json
from datetime import datetime

from integrations.sandbox.core import SandboxError, SandboxResponse, route
from integrations.shopify.sandbox.graphql_api import PREFIX
from integrations.shopify.sandbox.store import money

INVENTORY_QUANTITY_ERROR = ("Write requests to inventory_quantity and inventory_quantity_adjustment are no longer "
                            "supported. Please use the Inventory Levels API.")


def not_found():
    return SandboxError(404, {"errors": "Not Found"})


def invalid(field, message, status=422):
    return SandboxError(status, {"errors": {field: [message]}})


def _ids(value):
    try:
        return {int(v) for v in str(value).split(",") if v.strip()} if value else None
    except ValueError as exc:
        raise invalid("ids", "must be a comma-separated list of numbers", 400) from exc


class RestMixin:
    # --- pagination -----------------------------------------------------------------------------
    def page(self, request, rows, filters=(), defaults=None):
        """One page of ``rows`` (dicts with ``id``, in id order) and the ``Link`` header."""
        try:
            limit = min(250, int(request.arg("limit", 50)))
            if limit < 1:
                raise ValueError
        except ValueError as exc:
            raise invalid("limit", "must be a number from 1 to 250", 400) from exc
        token = request.arg("page_info")
        defaults = defaults or {}
        state = {"filters": {**defaults, **{k: request.arg(k) for k in filters if request.arg(k) is not None}}}
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            except ValueError as exc:
                raise invalid("page_info", "Invalid value.", 400) from exc
        rows = [r for r in rows if self.row_matches(r, state["filters"])]
        if "after" in state:
            rows_after = [r for r in rows if r["id"] > state["after"]]
            start = len(rows) - len(rows_after)
        elif "before" in state:
            start = max(0, len([r for r in rows if r["id"] < state["before"]]) - limit)
        else:
            start = 0
        chunk = rows[start:start + limit]
        links = []
        base = self.page_url(request)
        if chunk and start > 0:
            links.append(f'<{base}?limit={limit}&page_info={self.token(state, before=chunk[0]["id"])}>; rel="previous"')
        if chunk and start + limit < len(rows):
            links.append(f'<{base}?limit={limit}&page_info={self.token(state, after=chunk[-1]["id"])}>; rel="next"')
        return chunk, ({"Link": ", ".join(links)} if links else {})

    @staticmethod
    def token(state, **position):
        data = {"filters": state["filters"], **position}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    @staticmethod
    def page_url(request):
        host = request.header("host", "")
        if host.endswith(".myshopify.com"):
            return f"https://{host}{request.path}"
        scheme = request.header("x-forwarded-proto", "http")
        return f"{scheme}://{host}/sandbox/shopify{request.path}"

    @staticmethod
    def row_matches(row, filters):
        for key, value in filters.items():
            if key == "ids" and row["id"] not in _ids(value):
                return False
            if key == "since_id" and not row["id"] > int(value):
                return False
            if key == "status":
                if "financial_status" in row:  # an order: open, closed, cancelled or any
                    state = "cancelled" if row["cancelled_at"] else "closed" if row["closed_at"] else "open"
                    if value not in ("any", state):
                        return False
                elif value != "any" and row.get("status") != value:
                    return False
            if key in ("vendor", "product_type", "handle") and row.get(key) != value:
                return False
            if key.endswith(("_min", "_max")):
                try:
                    have = datetime.fromisoformat(row[key[:-4]])
                    want = datetime.fromisoformat(value.replace("Z", "+00:00"))
                except (KeyError, ValueError):
                    return False
                if (key.endswith("_min") and have < want) or (key.endswith("_max") and have > want):
                    return False
        return True

    def listing(self, request, wrapper, rows, filters=(), build=lambda r: r, defaults=None):
        chunk, headers = self.page(request, rows, filters, defaults)
        fields = request.arg("fields")
        out = [build(r) for r in chunk]
        if fields:
            wanted = {f.strip() for f in fields.split(",")}
            out = [{k: v for k, v in r.items() if k in wanted} for r in out]
        return SandboxResponse(200, {wrapper: out}, headers)

    def body_of(self, request, wrapper):
        try:
            body = request.json() or {}
        except ValueError as exc:
            raise SandboxError(400, {"errors": {wrapper: "Required parameter missing or invalid"}}) from exc
        if not isinstance(body.get(wrapper), dict):
            raise SandboxError(400, {"errors": {wrapper: "Required parameter missing or invalid"}})
        return body[wrapper]

    def refuse_stock_writes(self, account, variants):
        """400 when a write would change ``inventory_quantity`` (echoing the current value is tolerated,
        as clients such as ShopifyAPI send the whole object back)."""
        for data in variants:
            if not isinstance(data, dict):
                continue
            current = None
            if data.get("id"):
                _, variant = self.find_variant(account, data["id"])
                current = self.rest_variant(account, variant)["inventory_quantity"] if variant else None
            changed = "inventory_quantity" in data and data["inventory_quantity"] not in (current, None) and \
                not (current is None and data["inventory_quantity"] == 0)
            if changed or data.get("inventory_quantity_adjustment"):
                raise SandboxError(400, {"errors": {"inventory_quantity": [INVENTORY_QUANTITY_ERROR]}})

    @staticmethod
    def refuse_options_over_limit(options):
        """Shopify keeps at most three options per product (``option1``..``option3``); the wording is assumed."""
        if isinstance(options, list) and len(options) > 3:
            raise invalid("options", "are limited to 3 per product")

    # --- shop -----------------------------------------------------------------------------------
    @route("GET", PREFIX + r"/shop\.json")
    def rest_shop(self, request, shop=None, version=None, account=None):
        return SandboxResponse(200, {"shop": {"id": account["id"], "name": account["name"], "email": account["email"],
                                              "domain": account["domain"], "myshopify_domain": account["domain"],
                                              "currency": account["currency"], "iana_timezone": "Europe/Copenhagen",
                                              "plan_name": account["plan_name"]}})

    # --- products -------------------------------------------------------------------------------
    @route("GET", PREFIX + r"/products\.json")
    def rest_products(self, request, shop=None, version=None, account=None):
        return self.listing(request, "products", self.products_sorted(account),
                            ("ids", "since_id", "status", "vendor", "product_type", "handle", "updated_at_min",
                             "updated_at_max", "created_at_min"), lambda p: self.rest_product(account, p))

    @route("GET", PREFIX + r"/products/count\.json")
    def rest_products_count(self, request, shop=None, version=None, account=None):
        return SandboxResponse(200, {"count": len(account["products"])})

    def product_or_404(self, account, product_id):
        product = account["products"].get(str(product_id))
        if product is None:
            raise not_found()
        return product

    @route("GET", PREFIX + r"/products/(?P<product_id>\d+)\.json")
    def rest_product_get(self, request, shop=None, version=None, account=None, product_id=None):
        product = self.product_or_404(account, product_id)
        return SandboxResponse(200, {"product": self.rest_product(account, product, request.arg("fields"))})

    @route("POST", PREFIX + r"/products\.json")
    def rest_product_create(self, request, shop=None, version=None, account=None):
        data = self.body_of(request, "product")
        if not str(data.get("title") or "").strip():
            raise invalid("title", "can't be blank")
        self.refuse_stock_writes(account, data.get("variants") or [])
        self.refuse_options_over_limit(data.get("options"))
        variants = [self.variant_input(v) for v in data.get("variants") or []]
        product = self.new_product(account, {**data, "variants": variants or None,
                                             "options": self.options_input(data.get("options"), variants)})
        self.refresh_option_values(product)
        self.emit(account, "products/create", self.rest_product(account, product))
        return SandboxResponse(201, {"product": self.rest_product(account, product)})

    @staticmethod
    def variant_input(data):
        out = {k: data.get(k) for k in ("sku", "barcode", "price", "compare_at_price", "option1", "option2",
                                        "option3", "inventory_policy", "taxable", "grams") if k in data}
        if "inventory_management" in data:
            out["inventory_management"] = data["inventory_management"]
        if "weight" in data and "grams" not in data:
            out["grams"] = int(float(data["weight"] or 0) * (1000 if data.get("weight_unit", "kg") == "kg" else 1))
        return out

    @staticmethod
    def options_input(options, variants):
        if options:
            return [{"name": o["name"] if isinstance(o, dict) else str(o),
                     "values": o.get("values", []) if isinstance(o, dict) else []} for o in options]
        if any(v.get("option1") for v in variants):
            return [{"name": "Title", "values": []}]
        return []

    @route("PUT", PREFIX + r"/products/(?P<product_id>\d+)\.json")
    def rest_product_update(self, request, shop=None, version=None, account=None, product_id=None):
        product = self.product_or_404(account, product_id)
        data = self.body_of(request, "product")
        if "title" in data and not str(data["title"] or "").strip():
            raise invalid("title", "can't be blank")
        self.refuse_stock_writes(account, data.get("variants") or [])
        self.refuse_options_over_limit(data.get("options"))
        for key in ("title", "body_html", "vendor", "product_type", "tags", "status", "handle", "template_suffix"):
            if key in data:
                product[key] = data[key] if data[key] is not None else ("" if key != "template_suffix" else None)
        if data.get("options"):
            self.set_options(product, self.options_input(data["options"], []))
        if data.get("images") is not None:
            self.set_images(account, product, data["images"])
        if data.get("variants") is not None:
            kept = []
            for position, item in enumerate(data["variants"], start=1):
                current = next((v for v in product["variants"] if v["id"] == item.get("id")), None)
                if current is None:
                    current = self.new_variant(account, product, self.variant_input(item), position)
                self.update_variant(account, current, item)
                current["position"] = position
                kept.append(current)
            for variant in product["variants"]:
                if variant not in kept:
                    self.delete_variant_data(account, variant)
            product["variants"] = kept
        self.refresh_option_values(product)
        product["updated_at"] = self.iso(account)
        self.emit(account, "products/update", self.rest_product(account, product))
        return SandboxResponse(200, {"product": self.rest_product(account, product)})

    def update_variant(self, account, variant, data):
        for key in ("sku", "barcode", "option1", "option2", "option3", "inventory_policy", "taxable",
                    "inventory_management"):
            if key in data:
                variant[key] = data[key]
        for key in ("price", "compare_at_price"):
            if key in data:
                variant[key] = money(data[key]) if data[key] not in (None, "") else (None if key != "price" else "0.00")
        if "grams" in data or "weight" in data:
            variant.update({"grams": int(self.variant_input(data).get("grams") or 0)})
            variant["weight"] = round(variant["grams"] / 1000, 3)
        account["inventory_items"][str(variant["inventory_item_id"])]["sku"] = variant["sku"] or ""
        variant["updated_at"] = self.iso(account)
        self.retitle_variant(variant)

    @route("DELETE", PREFIX + r"/products/(?P<product_id>\d+)\.json")
    def rest_product_delete(self, request, shop=None, version=None, account=None, product_id=None):
        product = self.product_or_404(account, product_id)
        for variant in product["variants"]:
            self.delete_variant_data(account, variant)
        del account["products"][str(product_id)]
        self.emit(account, "products/delete", {"id": product["id"]})
        return SandboxResponse(200, {})

    # --- variants -------------------------------------------------------------------------------
    @route("GET", PREFIX + r"/products/(?P<product_id>\d+)/variants\.json")
    def rest_variants(self, request, shop=None, version=None, account=None, product_id=None):
        product = self.product_or_404(account, product_id)
        return self.listing(request, "variants", product["variants"], ("since_id",),
                            lambda v: self.rest_variant(account, v))

    @route("POST", PREFIX + r"/products/(?P<product_id>\d+)/variants\.json")
    def rest_variant_create(self, request, shop=None, version=None, account=None, product_id=None):
        product = self.product_or_404(account, product_id)
        raw = self.body_of(request, "variant")
        self.refuse_stock_writes(account, [raw])
        data = self.variant_input(raw)
        values = tuple(data.get(f"option{n}") for n in (1, 2, 3))
        if any(tuple(v.get(f"option{n}") for n in (1, 2, 3)) == values for v in product["variants"]):
            raise invalid("base", f"The variant '{' / '.join(v for v in values if v)}' already exists.")
        variant = self.new_variant(account, product, data, len(product["variants"]) + 1)
        product["variants"].append(variant)
        self.refresh_option_values(product)
        product["updated_at"] = self.iso(account)
        self.emit(account, "products/update", self.rest_product(account, product))
        return SandboxResponse(201, {"variant": self.rest_variant(account, variant)})

    def variant_or_404(self, account, variant_id):
        product, variant = self.find_variant(account, int(variant_id))
        if variant is None:
            raise not_found()
        return product, variant

    @route("GET", PREFIX + r"/variants/(?P<variant_id>\d+)\.json")
    def rest_variant_get(self, request, shop=None, version=None, account=None, variant_id=None):
        return SandboxResponse(200, {"variant": self.rest_variant(account, self.variant_or_404(account,
                                                                                              variant_id)[1])})

    @route("PUT", PREFIX + r"/variants/(?P<variant_id>\d+)\.json")
    def rest_variant_update(self, request, shop=None, version=None, account=None, variant_id=None):
        product, variant = self.variant_or_404(account, variant_id)
        data = self.body_of(request, "variant")
        self.refuse_stock_writes(account, [{**data, "id": variant["id"]}])
        self.update_variant(account, variant, data)
        self.refresh_option_values(product)
        product["updated_at"] = self.iso(account)
        self.emit(account, "products/update", self.rest_product(account, product))
        return SandboxResponse(200, {"variant": self.rest_variant(account, variant)})

    @route("DELETE", PREFIX + r"/products/(?P<product_id>\d+)/variants/(?P<variant_id>\d+)\.json")
    def rest_variant_delete(self, request, shop=None, version=None, account=None, product_id=None, variant_id=None):
        product = self.product_or_404(account, product_id)
        variant = next((v for v in product["variants"] if v["id"] == int(variant_id)), None)
        if variant is None:
            raise not_found()
        self.delete_variant_data(account, variant)
        product["variants"].remove(variant)
        return SandboxResponse(200, {})
