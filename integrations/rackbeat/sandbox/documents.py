"""Rackbeat sandbox: stock adjustments and movements (booked to take effect), orders, webhooks.

Evidenced: ``/inventory-adjustments``, ``/inventory-movements`` (+ ``/{id}/book``; movement list key
``inventory_regulations``); orders ``GET /orders`` (``is_booked`` / ``is_shipped`` filters),
``GET /orders/{number}``, ``POST /orders/drafts``, ``POST /orders/{number}/book`` (``{"mail":
{"send": bool}}``), ``POST /orders/{number}/create-shipment`` and the order flags; webhooks
``POST /webhooks {event, url, is_active}`` upserting on event+url with a 32-char token only on
creation, and ``order.created``.

Assumptions: document lines ``{item: {number}, location: {number}, quantity}`` (orders add
``line_price``); booking an order reserves stock (``in_order_quantity``), a shipment takes it out;
events ``order.booked`` / ``order.shipped``; ``GET/PUT/DELETE /webhooks/{id}``.
"""

import secrets
from urllib.parse import urlsplit

from integrations.sandbox.core import SandboxResponse, route

from .base import decimal_field, error, invalid
from .catalog import CatalogRoutes


class DocumentRoutes(CatalogRoutes):
    # --- adjustments and movements ----------------------------------------------------------------
    def _lines(self, account, body, *, with_location=True):
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines:
            raise invalid({"lines": ["The lines field is required."]})
        limit = account["config"]["max_adjustment_lines"]
        if len(lines) > limit:
            raise invalid({"lines": [f"The lines may not have more than {limit} items."]})
        clean = []
        for n, line in enumerate(lines):
            number = (line.get("item") or {}).get("number")
            if number not in account["products"]:
                raise invalid({f"lines.{n}.item.number": ["The selected item is invalid."]})
            errors = {}
            quantity = decimal_field(line, "quantity", errors, required=True)
            if errors:
                raise invalid({f"lines.{n}.quantity": errors["quantity"]})
            location = str((line.get("location") or {}).get("number") or self.default_location(account)["number"])
            if with_location and location not in account["locations"]:
                raise invalid({f"lines.{n}.location.number": ["The selected location is invalid."]})
            clean.append({"item": {"number": number, "name": account["products"][number]["name"]},
                          "location": {"number": location}, "quantity": quantity,
                          **({"line_price": line["line_price"]} if "line_price" in line else {})})
        return clean

    @route("POST", r"/inventory-adjustments")
    def create_adjustment(self, request, account):
        body = request.json() or {}
        doc = {"id": self.next_id(), "comment": body.get("comment", ""), "is_booked": False, "booked_at": None,
               "lines": self._lines(account, body), "created_at": self.now_iso()}
        account["adjustments"][str(doc["id"])] = doc
        return SandboxResponse(201, {"inventory_adjustment": doc})

    @route("GET", r"/inventory-adjustments")
    def list_adjustments(self, request, account):
        return SandboxResponse(*self.listing(request, account, "inventory_adjustments",
                                             list(account["adjustments"].values())))

    @route("POST", r"/inventory-adjustments/(?P<doc_id>\d+)/book")
    def book_adjustment(self, request, account, doc_id):
        doc = self._document(account["adjustments"], doc_id, "Inventory adjustment")
        for line in doc["lines"]:
            self.move_stock(account, line["item"]["number"], line["location"]["number"], quantity=line["quantity"])
        return SandboxResponse(200, {"inventory_adjustment": doc})

    @route("POST", r"/inventory-movements")
    def create_movement(self, request, account):
        body = request.json() or {}
        errors = {}
        for side in ("from_location", "to_location"):
            if str((body.get(side) or {}).get("number")) not in account["locations"]:
                errors[f"{side}.number"] = ["The selected location is invalid."]
        if errors:
            raise invalid(errors)
        doc = {"id": self.next_id(), "from_location": {"number": str(body["from_location"]["number"])},
               "to_location": {"number": str(body["to_location"]["number"])}, "is_booked": False, "booked_at": None,
               "lines": self._lines(account, body, with_location=False), "created_at": self.now_iso()}
        account["movements"][str(doc["id"])] = doc
        return SandboxResponse(201, {"inventory_movement": doc})

    @route("GET", r"/inventory-movements")
    def list_movements(self, request, account):
        return SandboxResponse(*self.listing(request, account, "inventory_regulations",
                                             list(account["movements"].values())))

    @route("POST", r"/inventory-movements/(?P<doc_id>\d+)/book")
    def book_movement(self, request, account, doc_id):
        doc = self._document(account["movements"], doc_id, "Inventory movement")
        for line in doc["lines"]:
            number = line["item"]["number"]
            self.move_stock(account, number, doc["from_location"]["number"], quantity=-line["quantity"], emit=False)
            self.move_stock(account, number, doc["to_location"]["number"], quantity=line["quantity"])
        return SandboxResponse(200, {"inventory_movement": doc})

    def _document(self, table, doc_id, label):
        doc = table.get(doc_id)
        if doc is None:
            raise error(404, f"{label} not found.")
        if doc["is_booked"]:
            raise invalid({"is_booked": [f"The {label.lower()} is already booked."]})
        doc["is_booked"], doc["booked_at"] = True, self.now_iso()
        return doc

    # --- orders -----------------------------------------------------------------------------------
    @route("GET", r"/orders")
    def list_orders(self, request, account):
        items = list(account["orders"].values())
        for flag in ("is_booked", "is_shipped"):
            if request.arg(flag) is not None:
                wanted = request.arg(flag).lower() in ("1", "true")
                items = [o for o in items if o[flag] == wanted]
        return SandboxResponse(*self.listing(request, account, "orders", items))

    @route("GET", r"/orders/(?P<number>\d+)")
    def get_order(self, request, account, number):
        return SandboxResponse(200, {"order": self.order(account, number)})

    @route("POST", r"/orders/drafts")
    def create_order_draft(self, request, account):
        body = request.json() or {}
        return SandboxResponse(201, {"order": self.add_order(account, self._lines(account, body),
                                                             our_reference=body.get("our_reference", ""),
                                                             customer=body.get("customer"))})

    @route("POST", r"/orders/(?P<number>\d+)/book")
    def book_order(self, request, account, number):
        return SandboxResponse(200, {"order": self.book(account, self.order(account, number))})

    @route("POST", r"/orders/(?P<number>\d+)/create-shipment")
    def create_shipment(self, request, account, number):
        order = self.order(account, number)
        if not order["is_booked"]:
            raise invalid({"order": ["Only booked orders can be shipped."]})
        return SandboxResponse(201, {"order": self.ship(account, order)})

    def order(self, account, number):
        order = account["orders"].get(str(number))
        if order is None:
            raise error(404, "Order not found.")
        return order

    def add_order(self, account, lines, *, our_reference="", customer=None):
        account["next_order_number"] += 1
        number = account["next_order_number"]
        now = self.now_iso()
        for n, line in enumerate(lines):
            line["id"] = self.next_id()
            line["line_price"] = float(line.get("line_price")
                                       or account["products"][line["item"]["number"]]["sales_price"])
            line["position"] = n
        order = {"id": self.next_id(), "number": number, "customer": customer, "our_reference": our_reference,
                 "currency": account["config"]["currency"], "lines": lines,
                 "total": sum(li["line_price"] * li["quantity"] for li in lines),
                 "is_draft": True, "is_booked": False, "is_shipped": False, "is_cancelled": False,
                 "is_archived": False, "is_invoiced": False, "created_at": now, "updated_at": now, "booked_at": None,
                 "self": f"/orders/{number}"}
        account["orders"][str(number)] = order
        self.emit(account, "order.created", key=number, data={"number": number, "is_booked": False})
        return order

    def book(self, account, order):
        if order["is_booked"]:
            raise invalid({"order": ["The order is already booked."]})
        for line in order["lines"]:
            self.move_stock(account, line["item"]["number"], line["location"]["number"], in_order=line["quantity"])
        order.update(is_draft=False, is_booked=True, booked_at=self.now_iso(), updated_at=self.now_iso())
        self.emit(account, "order.booked", key=order["number"], data={"number": order["number"]})
        return order

    def ship(self, account, order):
        if order["is_shipped"]:
            raise invalid({"order": ["The order is already shipped."]})
        for line in order["lines"]:
            self.move_stock(account, line["item"]["number"], line["location"]["number"], quantity=-line["quantity"],
                            in_order=-line["quantity"])
        order.update(is_shipped=True, updated_at=self.now_iso())
        self.emit(account, "order.shipped", key=order["number"], data={"number": order["number"]})
        return order

    # --- webhook subscriptions --------------------------------------------------------------------
    @route("GET", r"/webhooks")
    def list_webhooks(self, request, account):
        return SandboxResponse(*self.listing(request, account, "webhooks",
                                             [self._public(h) for h in account["webhooks"].values()]))

    @route("POST", r"/webhooks")
    def create_webhook(self, request, account):
        body = request.json() or {}
        errors = {}
        if not body.get("event") or "." not in str(body["event"]):
            errors["event"] = ["The event field is required (e.g. product.updated)."]
        parts = urlsplit(str(body.get("url", "")))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = ["The url must be a valid, reachable URL."]
        if errors:
            raise invalid(errors)
        now = self.now_iso()
        for hook in account["webhooks"].values():
            if hook["event"] == body["event"] and hook["url"] == body["url"]:
                hook.update(is_active=bool(body.get("is_active", True)), updated_at=now)
                return SandboxResponse(200, {"webhook": self._public(hook)})
        hook = {"id": self.next_id(), "event": body["event"], "url": body["url"],
                "is_active": bool(body.get("is_active", True)), "plugin": None, "failures_since_last_success": 0,
                "token": secrets.token_hex(16), "created_at": now, "updated_at": now}
        account["webhooks"][str(hook["id"])] = hook
        return SandboxResponse(201, {"webhook": dict(hook)})  # the only answer that shows the token

    @route("GET", r"/webhooks/(?P<hook_id>\d+)")
    def get_webhook(self, request, account, hook_id):
        return SandboxResponse(200, {"webhook": self._public(self._hook(account, hook_id))})

    @route("PUT", r"/webhooks/(?P<hook_id>\d+)")
    def update_webhook(self, request, account, hook_id):
        hook = self._hook(account, hook_id)
        body = request.json() or {}
        if "is_active" in body:
            hook["is_active"] = bool(body["is_active"])
            if hook["is_active"]:
                hook["failures_since_last_success"] = 0
        if body.get("url"):
            hook["url"] = body["url"]
        hook["updated_at"] = self.now_iso()
        return SandboxResponse(200, {"webhook": self._public(hook)})

    @route("DELETE", r"/webhooks/(?P<hook_id>\d+)")
    def delete_webhook(self, request, account, hook_id):
        self._hook(account, hook_id)
        del account["webhooks"][hook_id]
        return SandboxResponse(204)

    def _hook(self, account, hook_id):
        hook = account["webhooks"].get(hook_id)
        if hook is None:
            raise error(404, "Webhook not found.")
        return hook

    @staticmethod
    def _public(hook):
        return {k: v for k, v in hook.items() if k != "token"}
