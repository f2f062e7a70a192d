"""Catalog V3 in the BigCommerce sandbox: products, variants, options, images."""

from integrations.bigcommerce.sandbox.common import (
    V3,
    body_json,
    envelope,
    id_set,
    iso,
    paginate,
    to_float,
    too_large,
    v3_error,
)
from integrations.sandbox.core import SandboxResponse, route

PRODUCT_BATCH_MAX = 10
VARIANT_BATCH_MAX = 50
DELETE_MAX = 250
REQUIRED_PRODUCT_FIELDS = ("name", "type", "weight", "price")
PRODUCT_WRITABLE = (
    "name", "type", "sku", "description", "weight", "width", "depth", "height", "price", "cost_price", "retail_price",
    "sale_price", "map_price", "tax_class_id", "product_tax_code", "categories", "brand_id", "brand_name",
    "inventory_warning_level", "inventory_tracking", "is_visible", "is_featured", "availability", "condition",
    "upc", "mpn", "gtin", "bin_picking_number", "search_keywords", "page_title", "meta_description", "sort_order",
    "is_free_shipping", "fixed_cost_shipping_price", "warranty", "layout_file", "availability_description",
)
VARIANT_WRITABLE = ("sku", "price", "sale_price", "retail_price", "map_price", "cost_price", "weight", "width",
                    "height", "depth", "upc", "mpn", "gtin", "bin_picking_number", "inventory_warning_level",
                    "purchasing_disabled", "purchasing_disabled_message", "image_url", "is_free_shipping",
                    "fixed_cost_shipping_price")


def _product_defaults(pid, now):
    return {
        "id": pid, "name": "", "type": "physical", "sku": "", "description": "", "weight": 0.0, "width": 0.0,
        "depth": 0.0, "height": 0.0, "price": 0.0, "cost_price": 0.0, "retail_price": 0.0, "sale_price": 0.0,
        "map_price": 0.0, "tax_class_id": 0, "product_tax_code": "", "calculated_price": 0.0, "categories": [],
        "brand_id": 0, "option_set_display": "right", "inventory_level": 0,
        "inventory_warning_level": 0, "inventory_tracking": "product", "reviews_rating_sum": 0, "reviews_count": 0,
        "total_sold": 0, "fixed_cost_shipping_price": 0.0, "is_free_shipping": False, "is_visible": True,
        "is_featured": False, "related_products": [-1], "warranty": "", "bin_picking_number": "", "layout_file": "",
        "upc": "", "mpn": "", "gtin": "", "search_keywords": "", "availability": "available",
        "availability_description": "", "gift_wrapping_options_type": "any", "gift_wrapping_options_list": [],
        "sort_order": 0, "condition": "New", "is_condition_shown": False, "order_quantity_minimum": 0,
        "order_quantity_maximum": 0, "page_title": "", "meta_keywords": [], "meta_description": "",
        "date_created": iso(now), "date_modified": iso(now), "view_count": 0, "preorder_release_date": None,
        "preorder_message": "", "is_preorder_only": False, "is_price_hidden": False, "price_hidden_label": "",
        "custom_url": {"url": f"/product-{pid}/", "is_customized": False}, "base_variant_id": None,
        "open_graph_type": "product", "open_graph_title": "", "open_graph_description": "",
        "open_graph_use_meta_description": True, "open_graph_use_product_name": True,
        "open_graph_use_image": True, "images": [], "options": [], "_variant_ids": [],
    }


class CatalogMixin:
    # --- reading ----------------------------------------------------------------------------------
    def _available(self, account, variant_id):
        levels = account["stock"].get(str(variant_id), {})
        return sum(max(0, lvl["on_hand"] - lvl["safety_stock"]) for lvl in levels.values())

    def render_variant(self, account, variant):
        out = {k: v for k, v in variant.items() if not k.startswith("_")}
        product = account["products"][str(variant["product_id"])]
        out["inventory_level"] = self._available(account, variant["id"])
        price = variant["price"] if variant["price"] is not None else product["price"]
        out["calculated_price"] = price
        out["calculated_weight"] = variant["weight"] if variant["weight"] is not None else product["weight"]
        return out

    def render_product(self, account, product, include=()):
        out = {k: v for k, v in product.items() if not k.startswith("_") and k not in ("images", "options")}
        variants = [self.render_variant(account, account["variants"][str(v)]) for v in product["_variant_ids"]]
        tracked = product["inventory_tracking"] != "none"
        out["inventory_level"] = sum(v["inventory_level"] for v in variants) if tracked else 0
        out["calculated_price"] = product["sale_price"] or product["price"]
        # OpenAPI: an integer, never null. A simple product's is its own (base) variant; for a product with
        # options the sandbox gives its first variant (assumed: the docs only say "the base variant")
        out["base_variant_id"] = product["base_variant_id"] or min(product["_variant_ids"], default=0)
        if "variants" in include:
            out["variants"] = variants
        if "images" in include:
            out["images"] = list(product["images"])
        if "primary_image" in include:
            out["primary_image"] = next((i for i in product["images"] if i["is_thumbnail"]), None) or {}
        if "options" in include:
            out["options"] = list(product["options"])
        if "channels" in include:
            out["channels"] = sorted(c for p, c in account["channel_assignments"] if p == product["id"])
        if "videos" in include:
            out["videos"] = sorted(product.get("_videos") or [], key=lambda v: (v["sort_order"], v["id"]))
        for key in ("custom_fields", "bulk_pricing_rules", "modifiers"):
            if key in include:
                out[key] = []
        return out

    def _find_product(self, account, product_id):
        product = account["products"].get(str(product_id))
        if product is None:
            raise v3_error(404, "The requested product was not found.")
        return product

    def _filtered_products(self, request, account):
        products = sorted(account["products"].values(), key=lambda p: p["id"])
        ids = id_set(request, "id:in")
        if request.arg("id"):
            ids = (ids or set()) | {int(request.arg("id"))}
        not_in = id_set(request, "id:not_in") or set()
        skus = id_set(request, "sku:in", cast=str)
        if request.arg("sku"):
            skus = (skus or set()) | {request.arg("sku")}
        channels = id_set(request, "channel_id:in")
        categories = id_set(request, "categories:in")
        name, name_like = request.arg("name"), request.arg("name:like")
        modified_min, visible = request.arg("date_modified:min"), request.arg("is_visible")
        assigned = {}
        for pid, cid in account["channel_assignments"]:
            assigned.setdefault(pid, set()).add(cid)
        result = []
        for p in products:
            if ids is not None and p["id"] not in ids or p["id"] in not_in:
                continue
            if skus is not None and not (({account["variants"][str(v)]["sku"] for v in p["_variant_ids"]}
                                          | {p["sku"]}) & skus):
                continue
            if channels is not None and not (assigned.get(p["id"], set()) & channels):
                continue
            if categories is not None and not (set(p["categories"]) & categories):
                continue
            if name and p["name"] != name or name_like and name_like.lower() not in p["name"].lower():
                continue
            if modified_min and p["date_modified"] < modified_min:
                continue
            if visible is not None and p["is_visible"] != (visible in ("true", "1")):
                continue
            result.append(p)
        return result

    @route("GET", V3 + "/catalog/products")
    def list_products(self, request, account, store_hash):
        include = set(filter(None, (request.arg("include") or "").split(",")))
        products = self._filtered_products(request, account)
        maximum = 10 if include & {"options", "modifiers"} else 250
        chunk, meta = paginate(request, products, maximum=250)
        chunk = chunk[:maximum]
        data = [self._fields(request, self.render_product(account, p, include)) for p in chunk]
        return envelope(data, meta)

    def _fields(self, request, product):
        only, drop = request.arg("include_fields"), request.arg("exclude_fields")
        if only:
            keep = set(only.split(",")) | {"id", "variants", "images", "options", "channels", "primary_image"}
            product = {k: v for k, v in product.items() if k in keep}
        if drop:
            product = {k: v for k, v in product.items() if k not in set(drop.split(",")) or k == "id"}
        return product

    @route("GET", V3 + r"/catalog/products/(?P<product_id>\d+)")
    def get_product(self, request, account, store_hash, product_id):
        include = set(filter(None, (request.arg("include") or "").split(",")))
        product = self._find_product(account, product_id)
        return envelope(self._fields(request, self.render_product(account, product, include)))

    # --- writing ----------------------------------------------------------------------------------
    def _check_unique(self, account, *, name=None, skus=(), product_id=None):
        if name is not None:
            for p in account["products"].values():
                if p["id"] != product_id and p["name"].strip().lower() == str(name).strip().lower():
                    raise v3_error(409, "The product name is a duplicate.",
                                   {"name": f"A product named {name!r} already exists (id {p['id']})."})
        wanted = [s for s in skus if s]
        if len(set(wanted)) != len(wanted):
            raise v3_error(409, "Sku is a duplicate.", {"sku": "The same SKU is used twice in the request."})
        for p in account["products"].values():
            if p["id"] == product_id:
                continue
            taken = {p["sku"]} | {account["variants"][str(v)]["sku"] for v in p["_variant_ids"]}
            clash = taken & set(wanted)
            if clash:
                raise v3_error(409, "Sku is a duplicate.",
                               {"sku": f"SKU {sorted(clash)[0]!r} is already used by product {p['id']}."})

    def _check_categories(self, account, categories):
        missing = [c for c in categories or [] if str(c) not in account["categories"]]
        if missing:
            raise v3_error(409, "The category id is not valid.",
                           {"categories": f"Category {missing[0]} does not exist."})

    def create_product_record(self, account, body, *, emit=True, check=True):
        if not isinstance(body, dict):
            raise v3_error(422, "JSON data is missing or invalid", {"body": "A product object is required."})
        errors = {f: "error.path.missing" for f in REQUIRED_PRODUCT_FIELDS if body.get(f) in (None, "")}
        if errors:
            raise v3_error(422, "JSON data is missing or invalid", errors)
        if body["type"] not in ("physical", "digital"):
            raise v3_error(422, "JSON data is missing or invalid", {"type": "Must be one of: physical, digital."})
        if len(str(body["name"])) > 250:
            raise v3_error(422, "JSON data is missing or invalid", {"name": "At most 250 characters."})
        variants_in = body.get("variants") or []
        if check:
            self._check_unique(account, name=body["name"],
                               skus=[body.get("sku", "")] + [v.get("sku") for v in variants_in])
            self._check_categories(account, body.get("categories"))
        now, pid = self.clock.now(), self.next_id()
        product = _product_defaults(pid, now)
        for key in PRODUCT_WRITABLE:
            if key in body:
                product[key] = body[key]
        for key in ("price", "cost_price", "retail_price", "sale_price", "map_price", "weight"):
            product[key] = to_float(product[key] or 0)
        account["products"][str(pid)] = product
        with_options = [v for v in variants_in if v.get("option_values")]
        if with_options:
            product["inventory_tracking"] = body.get("inventory_tracking", "variant")
            for v in with_options:
                self._add_variant(account, product, v)
        else:
            base = self._add_variant(account, product, {"sku": product["sku"], "price": product["price"],
                                                         "cost_price": product["cost_price"],
                                                         "upc": product["upc"], "gtin": product["gtin"]})
            product["base_variant_id"] = base["id"]
            if "inventory_level" in body:
                self.set_on_hand(account, base["id"], self.default_location(account), int(body["inventory_level"]))
        for index, image in enumerate(body.get("images") or []):
            self._add_image(account, product, image, index)
        if emit:
            self.emit(account, "store/product/created", {"type": "product", "id": pid})
        return product

    def _option_value(self, account, product, display_name, label):
        option = next((o for o in product["options"] if o["display_name"] == display_name), None)
        if option is None:
            option = {"id": self.next_id(), "product_id": product["id"], "display_name": display_name,
                      "type": "dropdown", "sort_order": len(product["options"]), "option_values": []}
            product["options"].append(option)
        value = next((v for v in option["option_values"] if v["label"] == label), None)
        if value is None:
            value = {"id": self.next_id(), "label": label, "sort_order": len(option["option_values"]),
                     "value_data": None, "is_default": False}
            option["option_values"].append(value)
        return {"id": value["id"], "label": label, "option_id": option["id"], "option_display_name": display_name}

    def _add_variant(self, account, product, body):
        vid = self.next_id()
        variant = {"id": vid, "product_id": product["id"], "sku": body.get("sku") or "", "sku_id": self.next_id(),
                   "price": None, "calculated_price": 0.0, "sale_price": None, "retail_price": None, "map_price": None,
                   "weight": None, "width": None, "height": None, "depth": None, "is_free_shipping": False,
                   "fixed_cost_shipping_price": 0.0, "calculated_weight": 0.0, "purchasing_disabled": False,
                   "purchasing_disabled_message": "", "image_url": "", "cost_price": None, "upc": "", "mpn": "",
                   "gtin": "", "inventory_level": 0, "inventory_warning_level": 0, "bin_picking_number": "",
                   "option_values": []}
        for key in VARIANT_WRITABLE:
            if key in body:
                variant[key] = body[key]
        for key in ("price", "sale_price", "retail_price", "map_price", "cost_price", "weight"):
            if variant[key] is not None:
                variant[key] = to_float(variant[key])
        variant["option_values"] = [self._option_value(account, product, ov["option_display_name"], ov["label"])
                                    for ov in body.get("option_values") or []]
        account["variants"][str(vid)] = variant
        product["_variant_ids"].append(vid)
        account["stock"][str(vid)] = {}
        if "inventory_level" in body:
            self.set_on_hand(account, vid, self.default_location(account), int(body["inventory_level"]))
        return variant

    def _add_image(self, account, product, body, index=None):
        image = {"id": self.next_id(), "product_id": product["id"], "is_thumbnail": bool(body.get("is_thumbnail")),
                 "sort_order": body.get("sort_order", index if index is not None else len(product["images"])),
                 "description": body.get("description", ""), "image_file": "",
                 "url_zoom": body["image_url"], "url_standard": body["image_url"], "url_thumbnail": body["image_url"],
                 "url_tiny": body["image_url"], "date_modified": iso(self.clock.now())}
        if not product["images"]:
            image["is_thumbnail"] = True
        product["images"].append(image)
        return image

    def update_product_record(self, account, product, body, *, emit=True):
        if "name" in body or "sku" in body:
            self._check_unique(account, name=body.get("name"), skus=[body.get("sku", "")], product_id=product["id"])
        self._check_categories(account, body.get("categories"))
        for key in PRODUCT_WRITABLE:
            if key in body:
                product[key] = body[key]
        for key in ("price", "cost_price", "retail_price", "sale_price", "map_price", "weight"):
            product[key] = to_float(product[key] or 0)
        if product["base_variant_id"]:
            base = account["variants"][str(product["base_variant_id"])]
            base.update({"sku": product["sku"], "price": product["price"], "cost_price": product["cost_price"]})
            if "inventory_level" in body:
                self.set_on_hand(account, base["id"], self.default_location(account), int(body["inventory_level"]),
                                 emit=emit)
        product["date_modified"] = iso(self.clock.now())
        if emit:
            self.emit(account, "store/product/updated", {"type": "product", "id": product["id"]})
        return product

    @route("POST", V3 + "/catalog/products")
    def create_product(self, request, account, store_hash):
        product = self.create_product_record(account, body_json(request))
        return envelope(self.render_product(account, product, {"variants", "images"}))

    @route("PUT", V3 + "/catalog/products")
    def update_products(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list):
            raise v3_error(422, "JSON data is missing or invalid", {"body": "An array of products is required."})
        if len(body) > PRODUCT_BATCH_MAX:
            raise too_large(PRODUCT_BATCH_MAX)
        missing = [i for i, item in enumerate(body) if not isinstance(item, dict) or not item.get("id")]
        if missing:
            raise v3_error(422, "JSON data is missing or invalid", {f"[{i}].id": "error.path.missing" for i in missing})
        products = [self._find_product(account, item["id"]) for item in body]
        names = [str(item["name"]).lower() for item in body if "name" in item]
        if len(set(names)) != len(names):
            raise v3_error(409, "The product name is a duplicate.", {"name": "The same name is used twice."})
        updated = [self.update_product_record(account, p, item) for p, item in zip(products, body, strict=True)]
        return envelope([self.render_product(account, p) for p in updated])

    @route("PUT", V3 + r"/catalog/products/(?P<product_id>\d+)")
    def update_product(self, request, account, store_hash, product_id):
        product = self._find_product(account, product_id)
        body = body_json(request) or {}
        return envelope(self.render_product(account, self.update_product_record(account, product, body)))

    def delete_product_record(self, account, product):
        for vid in product["_variant_ids"]:
            account["variants"].pop(str(vid), None)
            account["stock"].pop(str(vid), None)
        account["products"].pop(str(product["id"]))
        account["channel_assignments"] = [a for a in account["channel_assignments"] if a[0] != product["id"]]
        account["category_assignments"] = [a for a in account["category_assignments"] if a[0] != product["id"]]
        self.emit(account, "store/product/deleted", {"type": "product", "id": product["id"]})

    @route("DELETE", V3 + "/catalog/products")
    def delete_products(self, request, account, store_hash):
        filters = [k for k in request.query if k not in ("page", "limit")]
        if not filters:
            raise v3_error(422, "At least one filter is required to delete products.", {"id:in": "error.path.missing"})
        ids = id_set(request, "id:in")
        if ids is not None and len(ids) > DELETE_MAX:
            raise too_large(DELETE_MAX)
        for product in list(self._filtered_products(request, account)):
            self.delete_product_record(account, product)
        return SandboxResponse(status=204)

    @route("DELETE", V3 + r"/catalog/products/(?P<product_id>\d+)")
    def delete_product(self, request, account, store_hash, product_id):
        self.delete_product_record(account, self._find_product(account, product_id))
        return SandboxResponse(status=204)
