"""The Shopify sandbox's data: shops, products, variants, inventory items and levels, orders,
customers, in Shopify's REST shapes (the canonical form; GraphQL objects are derived from it).

Everything lives in plain JSON-able dicts keyed by string ids so the state can be saved to disk.
"""

import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

GID = "gid://shopify/{}/{}"


def gid(kind, number):
    return GID.format(kind, number)


def gid_number(value, kind=None):
    """The numeric id in ``gid://shopify/<kind>/<n>`` (or a bare number); None when malformed."""
    text = str(value or "")
    if text.startswith("gid://shopify/"):
        parts = text[len("gid://shopify/"):].split("?")[0].split("/")
        if len(parts) != 2 or (kind and parts[0] != kind):
            return None
        text = parts[1]
    return int(text) if text.isdigit() else None


def money(value) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


class StoreMixin:
    """Data helpers mixed into the sandbox (needs ``self.clock`` and ``self.next_id``)."""

    def iso(self, account, ts=None):
        offset = timezone(timedelta(minutes=account.get("utc_offset_minutes", 60)))
        moment = datetime.fromtimestamp(self.clock.now() if ts is None else ts, UTC).astimezone(offset)
        return moment.isoformat(timespec="seconds")

    # --- products -------------------------------------------------------------------------------
    def products_sorted(self, account):
        return [account["products"][k] for k in sorted(account["products"], key=int)]

    def find_variant(self, account, variant_id):
        for product in account["products"].values():
            for variant in product["variants"]:
                if variant["id"] == variant_id:
                    return product, variant
        return None, None

    def variant_by_sku(self, account, sku):
        for product in self.products_sorted(account):
            for variant in product["variants"]:
                if variant["sku"] == sku:
                    return product, variant
        return None, None

    def variant_for_item(self, account, item_id):
        for product in account["products"].values():
            for variant in product["variants"]:
                if variant["inventory_item_id"] == item_id:
                    return product, variant
        return None, None

    def new_variant(self, account, product, data, position):
        now = self.iso(account)
        item_id = self.next_id()
        account["inventory_items"][str(item_id)] = {
            "id": item_id, "sku": data.get("sku") or "", "cost": money(data["cost"]) if data.get("cost") else None,
            "tracked": data.get("inventory_management", "shopify") == "shopify" if "tracked" not in data
            else bool(data["tracked"]),
            "requires_shipping": True, "country_code_of_origin": None, "province_code_of_origin": None,
            "harmonized_system_code": None, "created_at": now, "updated_at": now,
            "admin_graphql_api_id": gid("InventoryItem", item_id),
        }
        variant_id = self.next_id()
        variant = {
            "id": variant_id, "product_id": product["id"], "title": "", "price": money(data.get("price") or 0),
            "compare_at_price": money(data["compare_at_price"]) if data.get("compare_at_price") else None,
            "sku": data.get("sku") or "", "barcode": data.get("barcode"), "position": position,
            "inventory_policy": data.get("inventory_policy", "deny"),
            "fulfillment_service": "manual", "inventory_management": data.get("inventory_management", "shopify"),
            "option1": data.get("option1"), "option2": data.get("option2"), "option3": data.get("option3"),
            "created_at": now, "updated_at": now, "taxable": data.get("taxable", True),
            "grams": int(data.get("grams") or 0), "weight": round(int(data.get("grams") or 0) / 1000, 3),
            "weight_unit": "kg", "image_id": None, "inventory_item_id": item_id, "inventory_quantity": 0,
            "old_inventory_quantity": 0, "requires_shipping": True,
            "admin_graphql_api_id": gid("ProductVariant", variant_id),
        }
        self.retitle_variant(variant)
        quantity = data.get("stock")
        if quantity is not None:
            location = data.get("location_id") or self.primary_location(account)["id"]
            self.level(account, item_id, location, create=True)["available"] = int(quantity)
        return variant

    @staticmethod
    def retitle_variant(variant):
        values = [variant.get(f"option{n}") for n in (1, 2, 3) if variant.get(f"option{n}")]
        variant["title"] = " / ".join(values) if values else "Default Title"
        if not values:
            variant["option1"] = "Default Title"

    def new_product(self, account, data):
        now = self.iso(account)
        product_id = self.next_id()
        handle = data.get("handle") or "-".join(data["title"].lower().split())
        product = {
            "id": product_id, "title": data["title"], "body_html": data.get("body_html") or "",
            "vendor": data.get("vendor") or account["name"], "product_type": data.get("product_type") or "",
            "created_at": now, "handle": self.unique_handle(account, handle), "updated_at": now,
            "published_at": now if data.get("status", "active") == "active" else None,
            "template_suffix": None, "published_scope": "web", "tags": data.get("tags") or "",
            "status": data.get("status", "active"), "admin_graphql_api_id": gid("Product", product_id),
            "variants": [], "options": [], "images": [], "image": None,
        }
        self.set_options(product, data.get("options") or [])
        for position, variant in enumerate(data.get("variants") or [{}], start=1):
            product["variants"].append(self.new_variant(account, product, variant, position))
        if not product["options"]:
            self.set_options(product, [{"name": "Title", "values": ["Default Title"]}])
        self.set_images(account, product, data.get("images") or [])
        account["products"][str(product_id)] = product
        return product

    def unique_handle(self, account, handle):
        taken = {p["handle"] for p in account["products"].values()}
        candidate, n = handle, 1
        while candidate in taken:
            n += 1
            candidate = f"{handle}-{n}"
        return candidate

    def set_options(self, product, options):
        product["options"] = []
        for position, option in enumerate(options[:3], start=1):
            values = option.get("values") or []
            product["options"].append({"id": self.next_id(), "product_id": product["id"], "name": option["name"],
                                       "position": position, "values": [str(v) for v in values]})

    def refresh_option_values(self, product):
        for index, option in enumerate(product["options"], start=1):
            seen = []
            for variant in product["variants"]:
                value = variant.get(f"option{index}")
                if value and value not in seen:
                    seen.append(value)
            option["values"] = seen or option["values"]

    def set_images(self, account, product, images):
        now = self.iso(account)
        product["images"] = []
        for position, image in enumerate(images, start=1):
            src = image if isinstance(image, str) else image.get("src") or image.get("originalSource")
            alt = None if isinstance(image, str) else image.get("alt")
            image_id = self.next_id()
            product["images"].append({"id": image_id, "product_id": product["id"], "position": position,
                                      "created_at": now, "updated_at": now, "alt": alt, "width": 1200,
                                      "height": 1200, "src": src, "variant_ids": [],
                                      "admin_graphql_api_id": gid("ProductImage", image_id)})
        product["image"] = product["images"][0] if product["images"] else None

    def delete_variant_data(self, account, variant):
        item_id = variant["inventory_item_id"]
        account["inventory_items"].pop(str(item_id), None)
        for key in [k for k in account["levels"] if k.startswith(f"{item_id}:")]:
            del account["levels"][key]

    # --- inventory ------------------------------------------------------------------------------
    def primary_location(self, account):
        return account["locations"][sorted(account["locations"], key=int)[0]]

    def level(self, account, item_id, location_id, *, create=False):
        key = f"{item_id}:{location_id}"
        level = account["levels"].get(key)
        if level is None and create:
            level = account["levels"][key] = {"inventory_item_id": int(item_id), "location_id": int(location_id),
                                              "available": 0, "committed": 0, "updated_at": self.iso(account)}
        return level

    def levels_for_item(self, account, item_id):
        prefix = f"{item_id}:"
        return [v for k, v in account["levels"].items() if k.startswith(prefix)]

    def rest_level(self, account, level):
        return {"inventory_item_id": level["inventory_item_id"], "location_id": level["location_id"],
                "available": level["available"], "updated_at": level["updated_at"],
                "admin_graphql_api_id": (f"gid://shopify/InventoryLevel/{level['location_id']}"
                                         f"?inventory_item_id={level['inventory_item_id']}")}

    def change_level(self, account, level, *, available=None, delta=0, committed_delta=0):
        before = level["available"]
        level["available"] = (before if available is None else int(available)) + int(delta)
        level["committed"] = level.get("committed", 0) + int(committed_delta)
        level["updated_at"] = self.iso(account)
        return before

    # --- REST representations -------------------------------------------------------------------
    def rest_product(self, account, product, fields=None):
        out = copy.deepcopy(product)
        out.pop("seo", None)  # GraphQL only: REST has no SEO fields on a product
        for variant in out["variants"]:
            variant["inventory_quantity"] = sum(
                lv["available"] for lv in self.levels_for_item(account, variant["inventory_item_id"]))
            variant["old_inventory_quantity"] = variant["inventory_quantity"]
        if fields:
            wanted = {f.strip() for f in fields.split(",")}
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def rest_variant(self, account, variant):
        out = dict(variant)
        out["inventory_quantity"] = sum(lv["available"] for lv in self.levels_for_item(account,
                                                                                       variant["inventory_item_id"]))
        out["old_inventory_quantity"] = out["inventory_quantity"]
        return out

    def rest_item(self, account, item):
        return {k: v for k, v in item.items()}
