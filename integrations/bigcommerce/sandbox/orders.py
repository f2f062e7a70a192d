"""Orders (V2), refunds (V3), coupons (V2) and customers (V3) in the BigCommerce sandbox.

V2 quirks kept on purpose: bare JSON arrays, money as strings with four decimals, RFC-2822
dates, sub-resources as ``{url, resource}`` links and **204 with an empty body** for an empty page.
"""

from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime

from integrations.bigcommerce.sandbox.common import (
    V2,
    V3,
    body_json,
    envelope,
    id_set,
    iso,
    money2,
    page_params,
    paginate,
    rfc2822,
    v2_error,
    v3_error,
)
from integrations.sandbox.core import SandboxResponse, route

STATUSES = {0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
            6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
            11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded"}
CUSTOMER_BATCH_MAX = 10


def _v2_page(request, rows):
    page, limit = page_params(request, v2=True)
    chunk = rows[(page - 1) * limit:page * limit]
    if not chunk:
        return SandboxResponse(status=204, body=b"")
    return SandboxResponse(body=chunk)


class OrdersMixin:
    # --- orders ----------------------------------------------------------------------------------
    def create_order_record(self, account, *, lines, status_id=11, email="jane@example.com", channel_id=1,
                            customer_id=0):
        """``lines``: [(variant dict, quantity, unit price Decimal)]. Returns the V2 order."""
        now, oid = self.clock.now(), max([int(k) for k in account["orders"]] + [99]) + 1
        api = f"https://api.bigcommerce.com/stores/{account['store_hash']}/v2/orders/{oid}"
        subtotal = sum((price * qty for _, qty, price in lines), Decimal(0))
        products = []
        for variant, qty, price in lines:
            product = account["products"][str(variant["product_id"])]
            products.append({
                "id": self.next_id(), "order_id": oid, "product_id": product["id"], "variant_id": variant["id"],
                "order_address_id": 1, "name": product["name"], "sku": variant["sku"], "type": product["type"],
                "base_price": money2(price), "price_ex_tax": money2(price), "price_inc_tax": money2(price),
                "price_tax": money2(0), "base_total": money2(price * qty), "total_ex_tax": money2(price * qty),
                "total_inc_tax": money2(price * qty), "total_tax": money2(0), "quantity": qty,
                "is_refunded": False, "quantity_refunded": 0, "refund_amount": money2(0), "return_id": 0,
                "quantity_shipped": 0, "upc": variant["upc"], "applied_discounts": [], "product_options": [],
            })
        order = {
            "id": oid, "customer_id": customer_id, "date_created": rfc2822(now), "date_modified": rfc2822(now),
            "date_shipped": "", "status_id": status_id, "status": STATUSES[status_id], "channel_id": channel_id,
            "subtotal_ex_tax": money2(subtotal), "subtotal_inc_tax": money2(subtotal), "subtotal_tax": money2(0),
            "base_shipping_cost": money2(0), "shipping_cost_ex_tax": money2(0), "shipping_cost_inc_tax": money2(0),
            "shipping_cost_tax": money2(0), "handling_cost_ex_tax": money2(0), "handling_cost_inc_tax": money2(0),
            "total_ex_tax": money2(subtotal), "total_inc_tax": money2(subtotal), "total_tax": money2(0),
            "items_total": sum(q for _, q, _ in lines), "items_shipped": 0, "payment_method": "Cash",
            "payment_status": "captured" if status_id not in (0, 7) else "pending",
            "refunded_amount": money2(0), "discount_amount": money2(0), "coupon_discount": money2(0),
            "store_credit_amount": money2(0), "gift_certificate_amount": money2(0),
            "currency_code": account["currency"], "default_currency_code": account["currency"],
            "currency_exchange_rate": "1.0000000000", "is_tax_inclusive_pricing": False, "external_id": None,
            "order_source": "www", "is_deleted": False, "customer_message": "", "staff_notes": "",
            "billing_address": {"first_name": "Jane", "last_name": "Doe", "company": "", "street_1": "1 Main St",
                                "street_2": "", "city": "Copenhagen", "state": "", "zip": "1000",
                                "country": "Denmark", "country_iso2": "DK", "phone": "", "email": email},
            "products": {"url": f"{api}/products", "resource": f"/orders/{oid}/products"},
            "shipping_addresses": {"url": f"{api}/shipping_addresses", "resource": f"/orders/{oid}/shipping_addresses"},
            "coupons": {"url": f"{api}/coupons", "resource": f"/orders/{oid}/coupons"},
        }
        account["orders"][str(oid)] = order
        account["order_products"][str(oid)] = products
        return order

    def _find_order(self, account, order_id, *, v3=False):
        order = account["orders"].get(str(order_id))
        if order is None or order["is_deleted"]:
            if v3:
                raise v3_error(404, f"Order {order_id} not found.")
            raise v2_error(404, "The requested resource was not found.")
        return order

    def _filtered_orders(self, request, account):
        def num(name):
            value = request.arg(name)
            return int(value) if value not in (None, "") else None

        min_id, max_id, status_id = num("min_id"), num("max_id"), num("status_id")
        channel_id, customer_id = num("channel_id"), num("customer_id")
        email = request.arg("email")
        rows = [o for o in account["orders"].values() if not o["is_deleted"]
                and (min_id is None or o["id"] >= min_id) and (max_id is None or o["id"] <= max_id)
                and (status_id is None or o["status_id"] == status_id)
                and (channel_id is None or o["channel_id"] == channel_id)
                and (customer_id is None or o["customer_id"] == customer_id)
                and (not email or o["billing_address"]["email"] == email)]
        modified_min = request.arg("min_date_modified")
        if modified_min:
            since = _parse_when(modified_min)
            rows = [o for o in rows if _parse_when(o["date_modified"]) >= since]
        field, _, direction = (request.arg("sort") or "id:asc").partition(":")
        if field in ("date_modified", "date_created"):
            key = lambda o: (_parse_when(o[field]), o["id"])  # noqa: E731
        else:
            key = lambda o: o.get(field, o["id"]) if field in ("id", "status_id") else o["id"]  # noqa: E731
        return sorted(rows, key=key, reverse=direction == "desc")

    @route("GET", V2 + "/orders")
    def v2_orders(self, request, account, store_hash):
        return _v2_page(request, self._filtered_orders(request, account))

    @route("GET", V2 + "/orders/count")
    def v2_orders_count(self, request, account, store_hash):
        rows = [o for o in account["orders"].values() if not o["is_deleted"]]
        statuses = [{"id": sid, "name": name, "system_label": name, "custom_label": name, "system_description": "",
                     "count": sum(1 for o in rows if o["status_id"] == sid), "sort_order": sid}
                    for sid, name in STATUSES.items()]
        return SandboxResponse(body={"count": len(rows), "statuses": statuses})

    @route("GET", V2 + r"/orders/(?P<order_id>\d+)")
    def v2_order(self, request, account, store_hash, order_id):
        return SandboxResponse(body=self._find_order(account, order_id))

    @route("GET", V2 + r"/orders/(?P<order_id>\d+)/products")
    def v2_order_products(self, request, account, store_hash, order_id):
        self._find_order(account, order_id)
        return _v2_page(request, account["order_products"][str(order_id)])

    # --- refunds ---------------------------------------------------------------------------------
    @route("GET", V3 + r"/orders/(?P<order_id>\d+)/payment_actions/refunds")
    def order_refunds(self, request, account, store_hash, order_id):
        self._find_order(account, order_id, v3=True)
        rows = [r for r in sorted(account["refunds"].values(), key=lambda r: r["id"]) if r["order_id"] == int(order_id)]
        return envelope(rows, {})

    @route("GET", V3 + "/orders/payment_actions/refunds")
    def all_refunds(self, request, account, store_hash):
        orders = id_set(request, "order_id:in")
        rows = [r for r in sorted(account["refunds"].values(), key=lambda r: r["id"])
                if orders is None or r["order_id"] in orders]
        chunk, meta = paginate(request, rows)
        return envelope(chunk, meta)

    @route("POST", V3 + r"/orders/(?P<order_id>\d+)/payment_actions/refunds")
    def create_refund(self, request, account, store_hash, order_id):
        order = self._find_order(account, order_id, v3=True)
        body = body_json(request) or {}
        refund = self.create_refund_record(account, order, items=body.get("items"), payments=body.get("payments"))
        return envelope(refund, {}, status=201)

    def create_refund_record(self, account, order, *, items, payments=None, reason=""):
        if not isinstance(items, list) or not items:
            raise v3_error(422, "JSON data is missing or invalid", {"items": "error.path.missing"})
        lines = {p["id"]: p for p in account["order_products"][str(order["id"])]}
        total = Decimal(0)
        out_items = []
        for item in items:
            if item.get("item_type") == "PRODUCT":
                line = lines.get(item.get("item_id"))
                if line is None or int(item.get("quantity") or 0) > line["quantity"] - line["quantity_refunded"]:
                    raise v3_error(422, "Refund is not valid",
                                   {"items": f"Order product {item.get('item_id')} cannot be refunded that much."})
                qty = int(item["quantity"])
                amount = Decimal(line["price_inc_tax"]) * qty
                line["quantity_refunded"] += qty
                line["is_refunded"] = line["quantity_refunded"] == line["quantity"]
                line["refund_amount"] = money2(Decimal(line["refund_amount"]) + amount)
            else:
                amount = Decimal(str(item.get("amount") or 0))
            total += amount
            out_items.append({"item_type": item.get("item_type", "ORDER"), "item_id": item.get("item_id", 0),
                              "quantity": item.get("quantity"), "requested_amount": float(amount),
                              "reason": item.get("reason", reason)})
        refunded = Decimal(order["refunded_amount"]) + total
        if refunded > Decimal(order["total_inc_tax"]):
            raise v3_error(422, "Refund is not valid", {"amount": "The refund is more than what is left on the order."})
        previous = order["status_id"]
        full = refunded == Decimal(order["total_inc_tax"])
        order.update({"refunded_amount": money2(refunded), "status_id": 4 if full else 14,
                      "payment_status": "refunded" if full else "partially refunded",
                      "date_modified": rfc2822(self.clock.now())})
        order["status"] = STATUSES[order["status_id"]]
        rid = max([int(k) for k in account["refunds"]] + [0]) + 1
        refund = {"id": rid, "order_id": order["id"], "user_id": 0, "created": iso(self.clock.now()),
                  "reason": reason, "total_amount": float(total), "total_tax": 0.0,
                  "uses_merchant_override_values": False, "items": out_items,
                  "payments": [{"id": self.next_id(), "provider_id": p.get("provider_id", "storecredit"),
                                "amount": float(p.get("amount", total)), "offline": bool(p.get("offline", False)),
                                "is_declined": False, "declined_message": ""}
                               for p in (payments or [{"provider_id": "storecredit", "amount": float(total)}])]}
        account["refunds"][str(rid)] = refund
        self.emit(account, "store/order/refund/created", {"type": "order", "id": order["id"],
                                                           "refund": {"refund_id": rid}})
        self.emit_status_change(account, order, previous)
        return refund

    def emit_status_change(self, account, order, previous):
        if previous != order["status_id"]:
            self.emit(account, "store/order/statusUpdated", {
                "type": "order", "id": order["id"],
                "status": {"previous_status_id": previous, "new_status_id": order["status_id"]}})
        self.emit(account, "store/order/updated", {"type": "order", "id": order["id"]})

    # --- coupons (V2) ----------------------------------------------------------------------------
    @route("GET", V2 + "/coupons")
    def v2_coupons(self, request, account, store_hash):
        rows = sorted(account["coupons"].values(), key=lambda c: c["id"])
        code = request.arg("code")
        if code:
            rows = [c for c in rows if c["code"] == code]
        return _v2_page(request, rows)

    @route("GET", V2 + r"/coupons/(?P<coupon_id>\d+)")
    def v2_coupon(self, request, account, store_hash, coupon_id):
        coupon = account["coupons"].get(coupon_id)
        if coupon is None:
            raise v2_error(404, "The requested resource was not found.")
        return SandboxResponse(body=coupon)

    @route("POST", V2 + "/coupons")
    def v2_create_coupon(self, request, account, store_hash):
        try:
            body = body_json(request) or {}
        except Exception as exc:  # a V2 endpoint answers V2-style errors
            raise v2_error(400, "The request body is not valid JSON.") from exc
        missing = [f for f in ("name", "code", "type", "amount", "applies_to") if body.get(f) in (None, "")]
        if missing:
            raise v2_error(400, f"The required field '{missing[0]}' was not supplied.")
        if body["type"] not in ("per_item_discount", "percentage_discount", "per_total_discount",
                                "shipping_discount", "free_shipping", "promotion"):
            raise v2_error(400, "The field 'type' is invalid.")
        if any(c["code"] == body["code"] for c in account["coupons"].values()):
            raise v2_error(409, "The field 'code' must be unique.", {"conflict_reason": "code"})
        cid = max([int(k) for k in account["coupons"]] + [0]) + 1
        coupon = {"id": cid, "name": body["name"], "type": body["type"], "amount": money2(body["amount"]),
                  "min_purchase": money2(body.get("min_purchase", 0)), "expires": body.get("expires", ""),
                  "enabled": body.get("enabled", True), "code": body["code"], "applies_to": body["applies_to"],
                  "num_uses": 0, "max_uses": body.get("max_uses", 0),
                  "max_uses_per_customer": body.get("max_uses_per_customer", 0),
                  "restricted_to": body.get("restricted_to", []), "shipping_methods": body.get("shipping_methods"),
                  "date_created": rfc2822(self.clock.now())}
        account["coupons"][str(cid)] = coupon
        return SandboxResponse(status=201, body=coupon)

    # --- customers (V3) --------------------------------------------------------------------------
    @route("GET", V3 + "/customers")
    def list_customers(self, request, account, store_hash):
        ids, emails = id_set(request, "id:in"), id_set(request, "email:in", cast=str)
        modified_min = request.arg("date_modified:min")
        rows = [c for c in sorted(account["customers"].values(), key=lambda c: c["id"])
                if (ids is None or c["id"] in ids) and (emails is None or c["email"] in emails)
                and (not modified_min or c["date_modified"] >= modified_min)]
        chunk, meta = paginate(request, rows)
        return envelope(chunk, meta)

    @route("POST", V3 + "/customers")
    def create_customers(self, request, account, store_hash):
        body = body_json(request)
        if not isinstance(body, list):
            raise v3_error(422, "JSON data is missing or invalid", {"body": "An array of customers is required."})
        if len(body) > CUSTOMER_BATCH_MAX:
            raise v3_error(413, "The request payload is too large. The maximum number of items allowed in the array "
                                "is 10.", {})
        created = [self.create_customer_record(account, item) for item in body]
        return envelope(created, {})

    def create_customer_record(self, account, item):
        errors = {f"{f}": "error.path.missing" for f in ("email", "first_name", "last_name") if not item.get(f)}
        if errors:
            raise v3_error(422, "JSON data is missing or invalid", errors)
        if any(c["email"].lower() == item["email"].lower() for c in account["customers"].values()):
            raise v3_error(422, "The email address is already in use.", {"email": "Must be unique."})
        now, cid = self.clock.now(), max([int(k) for k in account["customers"]] + [0]) + 1
        customer = {"id": cid, "email": item["email"], "first_name": item["first_name"],
                    "last_name": item["last_name"], "company": item.get("company", ""), "phone": item.get("phone", ""),
                    "notes": "", "tax_exempt_category": "", "customer_group_id": 0, "registration_ip_address": "",
                    "date_created": iso(now), "date_modified": iso(now), "origin_channel_id": 1,
                    "channel_ids": [1], "accepts_product_review_abandoned_cart_emails": False}
        account["customers"][str(cid)] = customer
        self.emit(account, "store/customer/created", {"type": "customer", "id": cid})
        return customer


def _parse_when(value):
    """RFC-2822 or ISO-8601, as the V2 date filters accept."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
