"""REST endpoints of the Shopify sandbox beyond products: locations, inventory items and levels,
orders (``status`` open by default, ``status=any`` for all), customers and webhook subscriptions."""

from integrations.sandbox.core import SandboxError, SandboxResponse, route
from integrations.shopify.sandbox.graphql_api import PREFIX
from integrations.shopify.sandbox.mutations import TOPICS, topic_name
from integrations.shopify.sandbox.rest import _ids, invalid, not_found
from integrations.shopify.sandbox.store import money

TOPIC_NAMES = {topic_name(t) for t in TOPICS}


class RestMoreMixin:
    # --- locations ------------------------------------------------------------------------------
    @route("GET", PREFIX + r"/locations\.json")
    def rest_locations(self, request, shop=None, version=None, account=None):
        rows = [account["locations"][k] for k in sorted(account["locations"], key=int)]
        return SandboxResponse(200, {"locations": rows})

    @route("GET", PREFIX + r"/locations/(?P<location_id>\d+)\.json")
    def rest_location(self, request, shop=None, version=None, account=None, location_id=None):
        location = account["locations"].get(str(location_id))
        if location is None:
            raise not_found()
        return SandboxResponse(200, {"location": location})

    @route("GET", PREFIX + r"/locations/(?P<location_id>\d+)/inventory_levels\.json")
    def rest_location_levels(self, request, shop=None, version=None, account=None, location_id=None):
        if str(location_id) not in account["locations"]:
            raise not_found()
        rows = [self.rest_level(account, lv) | {"id": lv["inventory_item_id"]} for lv in account["levels"].values()
                if lv["location_id"] == int(location_id)]
        return self.listing(request, "inventory_levels", sorted(rows, key=lambda r: r["id"]),
                            build=lambda r: {k: v for k, v in r.items() if k != "id"})

    # --- inventory ------------------------------------------------------------------------------
    @route("GET", PREFIX + r"/inventory_levels\.json")
    def rest_levels(self, request, shop=None, version=None, account=None):
        items, locations = _ids(request.arg("inventory_item_ids")), _ids(request.arg("location_ids"))
        if not items and not locations and not request.arg("page_info"):
            raise invalid("base", "inventory_item_ids or location_ids must be present")
        rows = [lv for lv in account["levels"].values()
                if (not items or lv["inventory_item_id"] in items)
                and (not locations or lv["location_id"] in locations)]
        rows = sorted(rows, key=lambda lv: (lv["inventory_item_id"], lv["location_id"]))
        rows = [self.rest_level(account, lv) | {"id": n} for n, lv in enumerate(rows, start=1)]
        return self.listing(request, "inventory_levels", rows,
                            build=lambda r: {k: v for k, v in r.items() if k != "id"})

    def _level_body(self, request):
        try:
            body = request.json() or {}
            item_id, location_id = int(body["inventory_item_id"]), int(body["location_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SandboxError(400, {"errors": {"inventory_item_id": "Required parameter missing or invalid",
                                                "location_id": "Required parameter missing or invalid"}}) from exc
        return body, item_id, location_id

    def _check_item_location(self, account, item_id, location_id):
        if str(item_id) not in account["inventory_items"]:
            raise invalid("inventory_item_id", "Inventory item does not exist")
        if str(location_id) not in account["locations"]:
            raise invalid("location_id", "Location does not exist")

    @route("POST", PREFIX + r"/inventory_levels/set\.json")
    def rest_level_set(self, request, shop=None, version=None, account=None):
        body, item_id, location_id = self._level_body(request)
        self._check_item_location(account, item_id, location_id)
        if not isinstance(body.get("available"), int):
            raise invalid("available", "must be an integer")
        level = self.level(account, item_id, location_id, create=True)
        self.change_level(account, level, available=body["available"])
        self.emit(account, "inventory_levels/update", self.rest_level(account, level))
        return SandboxResponse(200, {"inventory_level": self.rest_level(account, level)})

    @route("POST", PREFIX + r"/inventory_levels/adjust\.json")
    def rest_level_adjust(self, request, shop=None, version=None, account=None):
        body, item_id, location_id = self._level_body(request)
        self._check_item_location(account, item_id, location_id)
        if not isinstance(body.get("available_adjustment"), int):
            raise invalid("available_adjustment", "must be an integer")
        level = self.level(account, item_id, location_id)
        if level is None:
            raise SandboxError(422, {"errors": ["Inventory item is not stocked at the location"]})
        self.change_level(account, level, delta=body["available_adjustment"])
        self.emit(account, "inventory_levels/update", self.rest_level(account, level))
        return SandboxResponse(200, {"inventory_level": self.rest_level(account, level)})

    @route("POST", PREFIX + r"/inventory_levels/connect\.json")
    def rest_level_connect(self, request, shop=None, version=None, account=None):
        _, item_id, location_id = self._level_body(request)
        self._check_item_location(account, item_id, location_id)
        existed = self.level(account, item_id, location_id) is not None
        level = self.level(account, item_id, location_id, create=True)
        if not existed:
            self.emit(account, "inventory_levels/connect", self.rest_level(account, level))
        return SandboxResponse(201, {"inventory_level": self.rest_level(account, level)})

    @route("GET", PREFIX + r"/inventory_items\.json")
    def rest_items(self, request, shop=None, version=None, account=None):
        ids = _ids(request.arg("ids"))
        if not ids:
            raise invalid("ids", "can't be blank")
        if len(ids) > 100:
            raise invalid("ids", "is too long (maximum is 100)")
        rows = [account["inventory_items"][str(i)] for i in sorted(ids) if str(i) in account["inventory_items"]]
        return self.listing(request, "inventory_items", rows)

    @route("GET", PREFIX + r"/inventory_items/(?P<item_id>\d+)\.json")
    def rest_item(self, request, shop=None, version=None, account=None, item_id=None):
        item = account["inventory_items"].get(str(item_id))
        if item is None:
            raise not_found()
        return SandboxResponse(200, {"inventory_item": item})

    @route("PUT", PREFIX + r"/inventory_items/(?P<item_id>\d+)\.json")
    def rest_item_update(self, request, shop=None, version=None, account=None, item_id=None):
        item = account["inventory_items"].get(str(item_id))
        if item is None:
            raise not_found()
        data = self.body_of(request, "inventory_item")
        if "cost" in data:
            item["cost"] = money(data["cost"]) if data["cost"] not in (None, "") else None
        for key in ("tracked", "country_code_of_origin", "harmonized_system_code"):
            if key in data:
                item[key] = data[key]
        item["updated_at"] = self.iso(account)
        self.emit(account, "inventory_items/update", item)
        return SandboxResponse(200, {"inventory_item": item})

    # --- orders and customers -------------------------------------------------------------------
    @route("GET", PREFIX + r"/orders\.json")
    def rest_orders(self, request, shop=None, version=None, account=None):
        rows = [account["orders"][k] for k in sorted(account["orders"], key=int)]
        return self.listing(request, "orders", rows, ("ids", "since_id", "status", "updated_at_min", "updated_at_max",
                                                      "created_at_min", "created_at_max"), defaults={"status": "open"})

    @route("GET", PREFIX + r"/orders/count\.json")
    def rest_orders_count(self, request, shop=None, version=None, account=None):
        status = request.arg("status", "open")
        rows = [o for o in account["orders"].values() if self.row_matches(o, {"status": status})]
        return SandboxResponse(200, {"count": len(rows)})

    @route("GET", PREFIX + r"/orders/(?P<order_id>\d+)\.json")
    def rest_order(self, request, shop=None, version=None, account=None, order_id=None):
        order = account["orders"].get(str(order_id))
        if order is None:
            raise not_found()
        return SandboxResponse(200, {"order": order})

    @route("GET", PREFIX + r"/orders/(?P<order_id>\d+)/refunds\.json")
    def rest_order_refunds(self, request, shop=None, version=None, account=None, order_id=None):
        order = account["orders"].get(str(order_id))
        if order is None:
            raise not_found()
        return SandboxResponse(200, {"refunds": order["refunds"]})

    @route("GET", PREFIX + r"/customers\.json")
    def rest_customers(self, request, shop=None, version=None, account=None):
        rows = [account["customers"][k] for k in sorted(account["customers"], key=int)]
        return self.listing(request, "customers", rows, ("ids", "since_id", "updated_at_min", "created_at_min"))

    @route("GET", PREFIX + r"/customers/(?P<customer_id>\d+)\.json")
    def rest_customer(self, request, shop=None, version=None, account=None, customer_id=None):
        customer = account["customers"].get(str(customer_id))
        if customer is None:
            raise not_found()
        return SandboxResponse(200, {"customer": customer})

    # --- webhook subscriptions ------------------------------------------------------------------
    @route("GET", PREFIX + r"/webhooks\.json")
    def rest_webhooks(self, request, shop=None, version=None, account=None):
        rows = [account["webhooks"][k] for k in sorted(account["webhooks"], key=int)]
        topic = request.arg("topic")
        return self.listing(request, "webhooks", [w for w in rows if not topic or w["topic"] == topic])

    @route("GET", PREFIX + r"/webhooks/count\.json")
    def rest_webhooks_count(self, request, shop=None, version=None, account=None):
        return SandboxResponse(200, {"count": len(account["webhooks"])})

    @route("POST", PREFIX + r"/webhooks\.json")
    def rest_webhook_create(self, request, shop=None, version=None, account=None):
        data = self.body_of(request, "webhook")
        if data.get("topic") not in TOPIC_NAMES:
            raise invalid("topic", "Invalid topic specified. Topics allowed: " + ", ".join(sorted(TOPIC_NAMES)))
        webhook, errors = self.create_webhook(account, topic=data["topic"], address=data.get("address") or "",
                                              fields=data.get("fields") or [], version=version)
        if errors:
            raise SandboxError(422, {"errors": {"address": errors}})
        return SandboxResponse(201, {"webhook": webhook})

    @route("GET", PREFIX + r"/webhooks/(?P<webhook_id>\d+)\.json")
    def rest_webhook(self, request, shop=None, version=None, account=None, webhook_id=None):
        webhook = account["webhooks"].get(str(webhook_id))
        if webhook is None:
            raise not_found()
        return SandboxResponse(200, {"webhook": webhook})

    @route("PUT", PREFIX + r"/webhooks/(?P<webhook_id>\d+)\.json")
    def rest_webhook_update(self, request, shop=None, version=None, account=None, webhook_id=None):
        webhook = account["webhooks"].get(str(webhook_id))
        if webhook is None:
            raise not_found()
        data = self.body_of(request, "webhook")
        if "address" in data:
            problems = self.address_problems(data["address"])
            if problems:
                raise SandboxError(422, {"errors": {"address": problems}})
            webhook["address"] = data["address"]
        if "fields" in data:
            webhook["fields"] = data["fields"] or []
        webhook["updated_at"] = self.iso(account)
        return SandboxResponse(200, {"webhook": webhook})

    @route("DELETE", PREFIX + r"/webhooks/(?P<webhook_id>\d+)\.json")
    def rest_webhook_delete(self, request, shop=None, version=None, account=None, webhook_id=None):
        if account["webhooks"].pop(str(webhook_id), None) is None:
            raise not_found()
        return SandboxResponse(200, {})
