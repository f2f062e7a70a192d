"""Inventory V3 and locations in the BigCommerce sandbox.

Adjustments answer ``{transaction_id}`` at once and apply after ``inventory_delay_s`` (0 by
default), as the real API processes them asynchronously. Stock is kept per variant (a product
without options has one base variant) per location: ``on_hand`` and ``safety_stock``;
``available_to_sell = on_hand - safety_stock``.
"""

import uuid

from integrations.bigcommerce.sandbox.common import V3, body_json, id_set, iso, paginate, v3_error
from integrations.sandbox.core import SandboxResponse, route

ADJUSTMENT_MAX = 2000
MAX_UNITS = 2_147_483_647


def problem(title, errors=None):
    return v3_error(422, title, errors if errors is not None else {}, problem=True)


class InventoryMixin:
    def default_location(self, account):
        return int(min(account["locations"], key=int))

    def new_location(self, account, *, code, label, now):
        lid = max([int(k) for k in account["locations"]] + [0]) + 1
        address = {"address1": "1 Harbour St", "address2": "", "city": "Copenhagen", "state": "", "zip": "1000",
                   "email": "shop@example.com", "phone": "", "country_code": "DK",
                   "geo_coordinates": {"latitude": 55.6761, "longitude": 12.5683}}
        account["locations"][str(lid)] = {
            "id": lid, "code": code, "label": label, "description": "", "managed_by_external_source": False,
            "type_id": "PHYSICAL", "enabled": True, "operating_hours": {}, "time_zone": "Etc/UTC",
            "created_at": iso(now), "updated_at": iso(now), "address": address, "storefront_visibility": True,
            "special_hours": [],
        }
        return lid

    def set_on_hand(self, account, variant_id, location_id, quantity, *, method="absolute", emit=True, value=None):
        levels = account["stock"].setdefault(str(variant_id), {})
        level = levels.setdefault(str(location_id), {"on_hand": 0, "safety_stock": 0, "warning_level": 0,
                                                     "bin_picking_number": ""})
        level["on_hand"] = max(0, min(MAX_UNITS, int(quantity)))
        if emit:
            self.emit_inventory(account, variant_id, method=method,
                                value=level["on_hand"] if value is None else value)

    def emit_inventory(self, account, variant_id, *, method, value, order=False):
        """The webhook BigCommerce sends for a stock change, by tracking mode (see reference 1.9)."""
        variant = account["variants"][str(variant_id)]
        product = account["products"][str(variant["product_id"])]
        suffix = "inventory/order/updated" if order else "inventory/updated"
        if product["inventory_tracking"] == "variant":
            self.emit(account, f"store/sku/{suffix}", {
                "type": "sku", "id": variant["sku_id"],
                "inventory": {"product_id": product["id"], "method": method, "value": value,
                              "variant_id": variant["id"]}})
        elif product["inventory_tracking"] == "product":
            self.emit(account, f"store/product/{suffix}", {
                "type": "product", "id": product["id"],
                "inventory": {"product_id": product["id"], "method": method, "value": value}})

    # --- adjustments ------------------------------------------------------------------------------
    def _resolve_item(self, account, item):
        keys = [k for k in ("variant_id", "sku", "product_id") if item.get(k) not in (None, "")]
        if len(keys) != 1:
            raise problem("Each item needs exactly one of variant_id, sku or product_id.",
                          {"items": "Exactly one identifier per item."})
        key = keys[0]
        if key == "product_id":
            product = account["products"].get(str(item["product_id"]))
            if product is None:
                raise problem(f"Items with identity: [product_id {item['product_id']}] not found")
            if product["inventory_tracking"] == "variant":
                raise problem(f"[Item with product_id {product['id']} is tracked by variant, please update stock "
                              "by variant id or sku]")
            return product["base_variant_id"] or product["_variant_ids"][0]
        if key == "sku":
            variant = next((v for v in account["variants"].values() if v["sku"] == item["sku"]), None)
            if variant is None:
                raise problem(f"Items with identity: [sku {item['sku']}] not found")
            return variant["id"]
        variant = account["variants"].get(str(item["variant_id"]))
        if variant is None:
            raise problem(f"Items with identity: [variant_id {item['variant_id']}] not found")
        if account["products"][str(variant["product_id"])]["inventory_tracking"] == "product":
            raise problem(f"[Item with variant_id {variant['id']} is tracked by product, please update stock by "
                          "product id]")
        return variant["id"]

    def _adjustment(self, request, account, mode):
        body = body_json(request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise problem("JSON data is missing or invalid", {"items": "error.path.missing"})
        if len(items) > ADJUSTMENT_MAX:
            raise v3_error(413, "The request payload is too large. The maximum items allowed in the array is "
                                f"{ADJUSTMENT_MAX}.", {}, problem=True)
        resolved = []
        for item in items:
            if not isinstance(item, dict) or "quantity" not in item or not item.get("location_id"):
                raise problem("JSON data is missing or invalid", {"items": "location_id and quantity are required."})
            if str(item["location_id"]) not in account["locations"]:
                raise problem(f"Location with id {item['location_id']} not found")
            vid = self._resolve_item(account, item)
            level = account["stock"].get(str(vid), {}).get(str(item["location_id"]))
            quantity = int(item["quantity"])
            if mode == "absolute" and not 0 <= quantity <= MAX_UNITS:
                raise problem("Quantity must be between 0 and 2147483647", {"quantity": str(quantity)})
            if mode == "relative":
                if level is None:
                    raise problem(f"Items with identity: [variant_id {vid}] requires absolute adjustment before "
                                  "relative")
                if level["on_hand"] + quantity < level["safety_stock"]:
                    raise problem(f"Items with identity: [variant_id {vid}] would go below safety stock")
            resolved.append({"variant_id": vid, "location_id": int(item["location_id"]), "quantity": quantity})
        transaction_id = str(uuid.UUID(int=self.outbox_random().getrandbits(128)))
        pending = {"apply_at": self.clock.now() + account["inventory_delay_s"], "mode": mode, "items": resolved}
        if account["inventory_delay_s"] > 0:
            account["pending_adjustments"].append(pending)
        else:
            self.apply_adjustment(account, pending)
        return SandboxResponse(body={"transaction_id": transaction_id})

    def apply_adjustment(self, account, pending):
        for item in pending["items"]:
            level = account["stock"].get(str(item["variant_id"]), {}).get(str(item["location_id"]))
            if pending["mode"] == "absolute":
                self.set_on_hand(account, item["variant_id"], item["location_id"], item["quantity"])
            else:
                current = level["on_hand"] if level else 0
                self.set_on_hand(account, item["variant_id"], item["location_id"], current + item["quantity"],
                                 method="relative", value=item["quantity"])

    def apply_due_adjustments(self, account):
        now = self.clock.now()
        due = [p for p in account["pending_adjustments"] if p["apply_at"] <= now]
        if due:
            account["pending_adjustments"] = [p for p in account["pending_adjustments"] if p["apply_at"] > now]
            for pending in due:
                self.apply_adjustment(account, pending)

    @route("PUT", V3 + "/inventory/adjustments/absolute")
    def adjust_absolute(self, request, account, store_hash):
        return self._adjustment(request, account, "absolute")

    @route("POST", V3 + "/inventory/adjustments/relative")
    def adjust_relative(self, request, account, store_hash):
        return self._adjustment(request, account, "relative")

    # --- reads ------------------------------------------------------------------------------------
    @route("GET", V3 + "/inventory/items")
    def inventory_items(self, request, account, store_hash):
        variants, products = id_set(request, "variant_id:in"), id_set(request, "product_id:in")
        skus, locations = id_set(request, "sku:in", cast=str), id_set(request, "location_id:in")
        rows = []
        for variant in sorted(account["variants"].values(), key=lambda v: v["id"]):
            if (variants is not None and variant["id"] not in variants) or (
                    products is not None and variant["product_id"] not in products) or (
                    skus is not None and variant["sku"] not in skus):
                continue
            rows.append(variant)
        chunk, meta = paginate(request, rows)
        data = []
        for variant in chunk:
            levels = []
            for lid, level in sorted(account["stock"].get(str(variant["id"]), {}).items(), key=lambda kv: int(kv[0])):
                if locations is not None and int(lid) not in locations:
                    continue
                location = account["locations"][lid]
                available = max(0, level["on_hand"] - level["safety_stock"])
                levels.append({"location_id": int(lid), "location_code": location["code"],
                               "location_name": location["label"], "location_enabled": location["enabled"],
                               "available_to_sell": available, "total_inventory_onhand": level["on_hand"],
                               "settings": {"safety_stock": level["safety_stock"], "is_in_stock": available > 0,
                                            "warning_level": level["warning_level"],
                                            "bin_picking_number": level["bin_picking_number"]}})
            data.append({"identity": {"sku": variant["sku"], "variant_id": variant["id"],
                                      "product_id": variant["product_id"], "sku_id": variant["sku_id"]},
                         "locations": levels})
        return SandboxResponse(body={"data": data, "meta": meta})

    @route("GET", V3 + "/inventory/locations")
    def list_locations(self, request, account, store_hash):
        ids = id_set(request, "location_id:in")
        codes = id_set(request, "location_code:in", cast=str)
        rows = [loc for loc in sorted(account["locations"].values(), key=lambda loc: loc["id"])
                if (ids is None or loc["id"] in ids) and (codes is None or loc["code"] in codes)]
        chunk, meta = paginate(request, rows)
        return SandboxResponse(body={"data": chunk, "meta": meta})

    @route("POST", V3 + "/inventory/locations")
    def create_locations(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list) or not all(isinstance(i, dict) and i.get("label") for i in body):
            raise problem("JSON data is missing or invalid", {"label": "error.path.missing"})
        codes = {loc["code"] for loc in account["locations"].values()}
        for item in body:
            code = item.get("code") or item["label"].upper().replace(" ", "_")
            if code in codes:
                raise problem(f"Location with code {code} already exists")
            codes.add(code)
            lid = self.new_location(account, code=code, label=item["label"], now=self.clock.now())
            self.emit(account, "store/inventory/location/created", {"type": "location", "id": lid})
        return SandboxResponse(body={"transaction_id": str(uuid.UUID(int=self.outbox_random().getrandbits(128)))})
