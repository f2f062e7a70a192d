"""Channels, channel assignments, category trees and category assignments in the BigCommerce sandbox.

Assigning a product to a channel (or removing it) sends ``store/channel/{channel_id}/product/assigned``
(``.../unassigned``) with ``data: {"product_id": <id>}`` and no ``data.id``, as in BigCommerce's
"Channel webhooks" page (bigcommerce/docs ``docs/integrations/webhooks/events/channels.mdx``, "Product
assignments").
"""

from integrations.bigcommerce.sandbox.common import V3, body_json, envelope, id_set, iso, paginate, v3_error
from integrations.sandbox.core import SandboxResponse, route

CHANNEL_TYPES = ("pos", "marketplace", "storefront", "marketing")
CHANNEL_STATUSES = ("prelaunch", "active", "inactive", "connected", "disconnected", "archived", "deleted",
                    "terminated")
ASSIGNMENT_MAX = 1000


class ChannelsMixin:
    # --- channels --------------------------------------------------------------------------------
    def create_channel_record(self, account, body):
        errors = {f: "error.path.missing" for f in ("name", "type", "platform") if not body.get(f)}
        if not errors and body["type"] not in CHANNEL_TYPES:
            errors["type"] = f"Must be one of: {', '.join(CHANNEL_TYPES)}."
        if errors:
            raise v3_error(422, "Missing or invalid data", errors)
        if any(c["name"] == body["name"] for c in account["channels"].values()):
            raise v3_error(409, "Duplicate channel", {"name": f"A channel named {body['name']!r} already exists."})
        now = self.clock.now()
        default_status = "active" if body["type"] == "storefront" else "connected"
        cid = max([int(k) for k in account["channels"]] + [0]) + 1
        channel = {"id": cid, "name": body["name"], "type": body["type"], "platform": body["platform"],
                   "external_id": body.get("external_id", ""), "status": body.get("status", default_status),
                   "is_listable_from_ui": body.get("is_listable_from_ui", True),
                   "is_visible": body.get("is_visible", True), "icon_url": "",
                   "date_created": iso(now), "date_modified": iso(now)}
        if channel["status"] not in CHANNEL_STATUSES:
            raise v3_error(422, "Missing or invalid data", {"status": "Not a valid channel status."})
        account["channels"][str(cid)] = channel
        self.emit(account, "store/channel/created", {"type": "channel", "id": cid})
        return channel

    @route("GET", V3 + "/channels")
    def list_channels(self, request, account, store_hash):
        ids = id_set(request, "id:in")
        types = id_set(request, "type:in", cast=str)
        channels = [c for c in sorted(account["channels"].values(), key=lambda c: c["id"])
                    if (ids is None or c["id"] in ids) and (types is None or c["type"] in types)]
        chunk, meta = paginate(request, channels)
        return envelope(chunk, meta)

    @route("POST", V3 + "/channels")
    def create_channel(self, request, account, store_hash):
        return envelope(self.create_channel_record(account, body_json(request) or {}))

    @route("GET", V3 + r"/channels/(?P<channel_id>\d+)")
    def get_channel(self, request, account, store_hash, channel_id):
        channel = account["channels"].get(channel_id)
        if channel is None:
            raise v3_error(404, "Channel not found", {})
        return envelope({**channel, "currencies": {"channel_id": channel["id"], "enabled_currencies": [
            account["currency"]], "default_currency": account["currency"]}})

    def _assignments_body(self, request, key):
        body = body_json(request)
        if not isinstance(body, list) or not all(isinstance(i, dict) and i.get("product_id") and i.get(key)
                                                 for i in body):
            raise v3_error(422, "JSON data is missing or invalid",
                           {"body": f"An array of {{product_id, {key}}} objects is required."})
        if len(body) > ASSIGNMENT_MAX:
            raise too_many(ASSIGNMENT_MAX)
        return body

    @route("GET", V3 + "/catalog/products/channel-assignments")
    def list_channel_assignments(self, request, account, store_hash):
        products, channels = id_set(request, "product_id:in"), id_set(request, "channel_id:in")
        rows = [{"product_id": p, "channel_id": c} for p, c in sorted(account["channel_assignments"])
                if (products is None or p in products) and (channels is None or c in channels)]
        chunk, meta = paginate(request, rows)
        return envelope(chunk, meta)

    @route("PUT", V3 + "/catalog/products/channel-assignments")
    def put_channel_assignments(self, request, account, store_hash):
        body = self._assignments_body(request, "channel_id")
        for item in body:
            if str(item["product_id"]) not in account["products"] or str(item["channel_id"]) not in account["channels"]:
                raise v3_error(422, "Invalid product or channel id",
                               {"product_id": f"Product {item['product_id']} or channel {item['channel_id']} "
                                              "does not exist."})
        existing = {tuple(a) for a in account["channel_assignments"]}
        for item in body:
            pair = (int(item["product_id"]), int(item["channel_id"]))
            if pair not in existing:
                existing.add(pair)
                account["channel_assignments"].append(list(pair))
                self.emit(account, f"store/channel/{pair[1]}/product/assigned", {"product_id": pair[0]})
        return SandboxResponse(status=204)

    @route("DELETE", V3 + "/catalog/products/channel-assignments")
    def delete_channel_assignments(self, request, account, store_hash):
        products, channels = id_set(request, "product_id:in"), id_set(request, "channel_id:in")
        if products is None and channels is None:
            raise v3_error(422, "At least one filter is required.", {"product_id:in": "error.path.missing"})
        keep = []
        for pair in account["channel_assignments"]:
            if (products is None or pair[0] in products) and (channels is None or pair[1] in channels):
                self.emit(account, f"store/channel/{pair[1]}/product/unassigned", {"product_id": pair[0]})
            else:
                keep.append(pair)
        account["channel_assignments"] = keep
        return SandboxResponse(status=204)

    # --- category trees --------------------------------------------------------------------------
    @route("GET", V3 + "/catalog/trees")
    def list_trees(self, request, account, store_hash):
        chunk, meta = paginate(request, sorted(account["trees"].values(), key=lambda t: t["id"]))
        return envelope(chunk, meta)

    @route("PUT", V3 + "/catalog/trees")
    def upsert_trees(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list) or not all(isinstance(t, dict) and t.get("name") for t in body):
            raise v3_error(422, "JSON data is missing or invalid", {"name": "error.path.missing"})
        if len(body) > 50:
            raise v3_error(413, "The request payload is too large. The maximum trees allowed in the array is 50.", {})
        out = []
        for item in body:
            tid = int(item.get("id") or max([int(k) for k in account["trees"]] + [0]) + 1)
            tree = account["trees"].setdefault(str(tid), {"id": tid, "name": "", "channels": []})
            tree.update({"name": item["name"], "channels": item.get("channels", tree["channels"])})
            out.append(tree)
        return envelope(out)

    def create_category_record(self, account, item):
        if not item.get("name") or not (item.get("tree_id") or item.get("parent_id")):
            raise v3_error(422, "JSON data is missing or invalid",
                           {"name" if not item.get("name") else "tree_id": "error.path.missing"})
        if len(item["name"]) > 50:
            raise v3_error(422, "JSON data is missing or invalid", {"name": "At most 50 characters."})
        parent_id = int(item.get("parent_id") or 0)
        if parent_id and str(parent_id) not in account["categories"]:
            raise v3_error(422, "JSON data is missing or invalid", {"parent_id": "The parent category does not exist."})
        tree_id = int(item.get("tree_id") or account["categories"][str(parent_id)]["tree_id"])
        if str(tree_id) not in account["trees"]:
            raise v3_error(422, "JSON data is missing or invalid", {"tree_id": "The tree does not exist."})
        cid = self.next_id()
        category = {"category_id": cid, "parent_id": parent_id, "tree_id": tree_id, "name": item["name"],
                    "description": item.get("description", ""), "views": 0, "sort_order": item.get("sort_order", 0),
                    "page_title": "", "meta_keywords": [], "meta_description": "", "layout_file": "category.html",
                    "image_url": "", "is_visible": item.get("is_visible", True), "search_keywords": "",
                    "default_product_sort": "use_store_settings",
                    "url": {"path": f"/{item['name'].lower().replace(' ', '-')}/", "is_customized": False}}
        account["categories"][str(cid)] = category
        self.emit(account, "store/category/created", {"type": "category", "id": cid})
        return category

    @route("GET", V3 + "/catalog/trees/categories")
    def list_tree_categories(self, request, account, store_hash):
        trees, ids = id_set(request, "tree_id:in"), id_set(request, "category_id:in")
        name = request.arg("name")
        rows = [c for c in sorted(account["categories"].values(), key=lambda c: c["category_id"])
                if (trees is None or c["tree_id"] in trees) and (ids is None or c["category_id"] in ids)
                and (not name or c["name"] == name)]
        chunk, meta = paginate(request, rows)
        return envelope(chunk, meta)

    @route("POST", V3 + "/catalog/trees/categories")
    def create_tree_categories(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list):
            raise v3_error(422, "JSON data is missing or invalid", {"body": "An array of categories is required."})
        created = [self.create_category_record(account, item) for item in body]
        return envelope(created, {"total": len(created), "success": len(created), "failed": 0}, status=201)

    @route("GET", V3 + "/catalog/products/category-assignments")
    def list_category_assignments(self, request, account, store_hash):
        products, categories = id_set(request, "product_id:in"), id_set(request, "category_id:in")
        rows = [{"product_id": p, "category_id": c} for p, c in sorted(account["category_assignments"])
                if (products is None or p in products) and (categories is None or c in categories)]
        chunk, meta = paginate(request, rows)
        return envelope(chunk, meta)

    @route("PUT", V3 + "/catalog/products/category-assignments")
    def put_category_assignments(self, request, account, store_hash):
        body = self._assignments_body(request, "category_id")
        for item in body:
            if str(item["product_id"]) not in account["products"] or str(item["category_id"]) not in account[
                    "categories"]:
                raise v3_error(422, "Invalid product or category id",
                               {"category_id": f"Product {item['product_id']} or category {item['category_id']} "
                                               "does not exist."})
        for item in body:
            self.assign_category(account, int(item["product_id"]), int(item["category_id"]))
        return SandboxResponse(status=204)

    def assign_category(self, account, product_id, category_id):
        pair = [product_id, category_id]
        if pair not in account["category_assignments"]:
            account["category_assignments"].append(pair)
            product = account["products"][str(product_id)]
            if category_id not in product["categories"]:
                product["categories"].append(category_id)


def too_many(maximum):
    return v3_error(413, f"The request payload is too large. The maximum items allowed in the array is {maximum}.", {})
