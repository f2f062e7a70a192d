"""Rackbeat sandbox: product groups, products keyed by ``number``, custom fields, locations, stock.

Evidenced: ``/product-groups``, ``/products`` and ``/products/{number}`` (URL-encoded number),
a product needs an existing group, decimal prices, ``/fields`` + ``/products/{number}/fields`` and
``field_eq[<id>]`` filters, hierarchical ``/locations``, ``/products/{number}/locations``, product
totals ``stock_quantity`` / ``available_quantity`` / ``in_order_quantity``, stock changed through
``/inventory-adjustments`` and ``/inventory-movements`` that must be booked (``.../{id}/book``;
the movements list key is ``inventory_regulations``); products with stock cannot be deleted.

Also evidenced: ``physical{weight, weight_unit, ...}`` in product answers and create bodies (R-CS,
R-TOOLS); ``expand=field_values``, ``order_by`` / ``order_direction`` (see ``base``); ``GET /self``.

Assumptions: the body shapes of product-location rows, field values, adjustments and movements
(lines ``{item: {number}, location: {number}, quantity}``), 201 on create, 422 for a missing group
and for deleting a product with stock, ``physical`` written as a whole object (defaults: weight 0 kg),
an expanded product's ``field_values`` shaped like ``/products/{number}/fields``, and which webhook
events fire (``product.created``, ``product.updated`` with ``changed`` including stock totals when
stock moves, ``product.deleted``).
"""

from integrations.sandbox.core import SandboxResponse, route

from .base import RackbeatBase, decimal_field, error, invalid

WRITABLE = ("name", "description", "barcode", "sales_price", "cost_price", "recommended_cost_price", "is_barred",
            "inventory_enabled", "picture_url", "variation_id", "min_stock", "physical")
PHYSICAL = {"weight": 0.0, "weight_unit": "kg", "height": 0.0, "width": 0.0, "depth": 0.0, "size_unit": "cm"}
STOCK_TOTALS = ["stock_quantity", "available_quantity", "in_order_quantity"]


class CatalogRoutes(RackbeatBase):
    # --- the company ------------------------------------------------------------------------------
    @route("GET", r"/self")
    def company(self, request, account):
        config = account["config"]
        return SandboxResponse(200, {"user_account": {"id": account["id"], "company_name": config["company_name"],
                                                      "currency": config["currency"]}})

    # --- product groups ---------------------------------------------------------------------------
    @route("GET", r"/product-groups")
    def list_groups(self, request, account):
        status, body = self.listing(request, account, "product_groups", list(account["groups"].values()))
        return SandboxResponse(status, body)

    @route("POST", r"/product-groups")
    def create_group(self, request, account):
        body = request.json() or {}
        errors = {}
        if not str(body.get("number", "")).isdigit():
            errors["number"] = ["The number field is required and must be an integer."]
        elif str(body["number"]) in account["groups"]:
            errors["number"] = ["The number has already been taken."]
        if not body.get("name"):
            errors["name"] = ["The name field is required."]
        if errors:
            raise invalid(errors)
        return SandboxResponse(201, {"product_group": self.add_group(account, number=body["number"],
                                                                     name=body["name"])})

    # --- products ---------------------------------------------------------------------------------
    @route("GET", r"/products")
    def list_products(self, request, account):
        items = list(account["products"].values())
        for name, values in request.query.items():
            if name.startswith("field_eq[") and name.endswith("]"):
                field_id = name[len("field_eq["):-1]
                items = [p for p in items
                         if str(account["field_values"].get(p["number"], {}).get(field_id)) == values[-1]]
        status, body = self.listing(request, account, "products", items, expand=self._expansion(request, account))
        return SandboxResponse(status, body)

    @route("GET", r"/products/(?P<number>[^/]+)")
    def get_product(self, request, account, number):
        product = self.product(account, number)
        expand = self._expansion(request, account)
        return SandboxResponse(200, {"product": {**product, **expand(product)} if expand else product})

    def _expansion(self, request, account):
        """What ``?expand=field_values`` adds to a product: its custom field values (None: nothing asked)."""
        if "field_values" not in (request.arg("expand") or "").split(","):
            return None
        return lambda product: {"field_values": self._field_values(account, product["number"])}

    @route("POST", r"/products")
    def create_product(self, request, account):
        product = self.add_product(account, request.json() or {})
        self.emit(account, "product.created", key=product["number"], data=product)
        return SandboxResponse(201, {"product": product})

    @route("PUT", r"/products/(?P<number>[^/]+)")
    def update_product(self, request, account, number):
        product, changed, old = self.change_product(account, number, request.json() or {})
        if changed:
            self.emit(account, "product.updated", key=product["number"], old_key=old, changed=changed,
                      data={"updated_at": product["updated_at"]})
        return SandboxResponse(200, {"product": product})

    @route("DELETE", r"/products/(?P<number>[^/]+)")
    def delete_product(self, request, account, number):
        self.product(account, number)
        if any(row["quantity"] for row in account["stock"].get(number, {}).values()):
            raise invalid({"number": ["Products with registered stock cannot be deleted."]})
        del account["products"][number]
        account["stock"].pop(number, None)
        self.emit(account, "product.deleted", key=number, data={"number": number, "converted_to_lot": False})
        return SandboxResponse(204)

    def product(self, account, number):
        product = account["products"].get(number)
        if product is None:
            raise error(404, "Product not found.")
        return product

    def add_product(self, account, body):
        errors = {}
        number = body.get("number")
        if not isinstance(number, str) or not number.strip():
            errors["number"] = ["The number field is required."]
        elif "/" in number:
            errors["number"] = ["The number may not contain a slash."]
        elif number in account["products"]:
            errors["number"] = ["The number has already been taken."]
        if not body.get("name"):
            errors["name"] = ["The name field is required."]
        group = account["groups"].get(str(body.get("group")))
        if group is None:
            errors["group"] = ["The selected group is invalid."]
        prices = {f: decimal_field(body, f, errors) for f in ("sales_price", "cost_price", "recommended_cost_price")}
        if errors:
            raise invalid(errors)
        now = self.now_iso()
        base = f"/products/{number}"
        product = {"id": self.next_id(), "number": number, "urlfriendly_number": number, "type": "product",
                   "name": body["name"], "description": body.get("description") or "",
                   "barcode": body.get("barcode") or "", "sales_price": prices["sales_price"] or 0.0,
                   "cost_price": prices["cost_price"] or 0.0,
                   "recommended_cost_price": prices["recommended_cost_price"] or 0.0,
                   "stock_quantity": 0.0, "available_quantity": 0.0, "in_order_quantity": 0.0,
                   "is_barred": bool(body.get("is_barred", False)),
                   "inventory_enabled": bool(body.get("inventory_enabled", group["inventory_enabled"])),
                   "picture_url": body.get("image_url") or body.get("picture_url"),
                   "variation_id": body.get("variation_id"), "min_stock": body.get("min_stock", 0),
                   "physical": {**PHYSICAL, **(body.get("physical") or {})},
                   "group_id": group["id"], "group": {k: group[k] for k in ("number", "name")},
                   "created_at": now, "updated_at": now, "self": base}
        account["products"][number] = product
        return product

    def change_product(self, account, number, body):
        product = self.product(account, number)
        errors = {}
        prices = {f: decimal_field(body, f, errors) for f in ("sales_price", "cost_price", "recommended_cost_price")
                  if f in body}
        new_number = body.get("number", number)
        if new_number != number and (not isinstance(new_number, str) or not new_number.strip() or "/" in new_number
                                     or new_number in account["products"]):
            errors["number"] = ["The number is invalid or has already been taken."]
        group = None
        if "group" in body:
            group = account["groups"].get(str(body["group"]))
            if group is None:
                errors["group"] = ["The selected group is invalid."]
        if errors:
            raise invalid(errors)
        changed = []
        for field in WRITABLE:
            if field in body:
                value = prices[field] if field in prices else body[field]
                if product.get(field) != value:
                    product[field] = value
                    changed.append(field)
        if group is not None and product["group_id"] != group["id"]:
            product.update(group_id=group["id"], group={k: group[k] for k in ("number", "name")})
            changed.append("group")
        if new_number != number:
            account["products"][new_number] = account["products"].pop(number)
            for table in ("stock", "field_values"):
                if number in account[table]:
                    account[table][new_number] = account[table].pop(number)
            product.update(number=new_number, urlfriendly_number=new_number, self=f"/products/{new_number}")
            changed.append("number")
        if changed:
            product["updated_at"] = self.now_iso()
        return product, changed, number

    # --- custom fields ----------------------------------------------------------------------------
    @route("GET", r"/fields")
    def list_fields(self, request, account):
        status, body = self.listing(request, account, "fields", list(account["fields"].values()))
        return SandboxResponse(status, body)

    @route("POST", r"/fields")
    def create_field(self, request, account):
        body = request.json() or {}
        if not body.get("name"):
            raise invalid({"name": ["The name field is required."]})
        field = {"id": self.next_id(), "name": body["name"],
                 "slug": body.get("slug") or body["name"].lower().replace(" ", "-"), "type": body.get("type", "text")}
        account["fields"][str(field["id"])] = field
        return SandboxResponse(201, {"field": field})

    @route("GET", r"/products/(?P<number>[^/]+)/fields")
    def get_product_fields(self, request, account, number):
        self.product(account, number)
        return SandboxResponse(200, {"field_values": self._field_values(account, number)})

    @route("PUT", r"/products/(?P<number>[^/]+)/fields")
    def set_product_fields(self, request, account, number):
        self.product(account, number)
        values = (request.json() or {}).get("custom_fields")
        if not isinstance(values, list):
            raise invalid({"custom_fields": ["The custom fields must be a list."]})
        for n, item in enumerate(values):
            if str(item.get("id")) not in account["fields"]:
                raise invalid({f"custom_fields.{n}.id": ["The selected field is invalid."]})
        stored = account["field_values"].setdefault(number, {})
        for item in values:
            stored[str(item["id"])] = item.get("value")
        return SandboxResponse(200, {"field_values": self._field_values(account, number)})

    def _field_values(self, account, number):
        return [{"field_id": int(fid), "slug": account["fields"][fid]["slug"], "value": value}
                for fid, value in account["field_values"].get(number, {}).items()]

    # --- locations and stock ----------------------------------------------------------------------
    @route("GET", r"/locations")
    def list_locations(self, request, account):
        status, body = self.listing(request, account, "locations", list(account["locations"].values()))
        return SandboxResponse(status, body)

    @route("POST", r"/locations")
    def create_location(self, request, account):
        body = request.json() or {}
        errors = {}
        if not body.get("number") or str(body["number"]) in account["locations"]:
            errors["number"] = ["The number is required and must be unique."]
        if not body.get("name"):
            errors["name"] = ["The name field is required."]
        parent = body.get("parent_number")
        if parent is not None and str(parent) not in account["locations"]:
            errors["parent_number"] = ["The selected parent is invalid."]
        if errors:
            raise invalid(errors)
        location = self.add_location(account, number=body["number"], name=body["name"], parent=parent)
        return SandboxResponse(201, {"location": location})

    @route("GET", r"/products/(?P<number>[^/]+)/locations")
    def product_locations(self, request, account, number):
        self.product(account, number)
        status, body = self.listing(request, account, "product_locations", self.stock_rows(account, number))
        return SandboxResponse(status, body)

    @route("GET", r"/products/(?P<number>[^/]+)/locations/(?P<location>[^/]+)")
    def product_location(self, request, account, number, location):
        self.product(account, number)
        if location not in account["locations"]:
            raise error(404, "Location not found.")
        row = next((r for r in self.stock_rows(account, number, all_locations=True)
                    if r["location"]["number"] == location), None)
        return SandboxResponse(200, {"product_location": row})

    def stock_rows(self, account, number, *, all_locations=False):
        stock = account["stock"].get(number, {})
        rows = []
        for loc_number, location in account["locations"].items():
            if loc_number not in stock and not all_locations:
                continue
            cell = stock.get(loc_number, {"quantity": 0.0, "in_order": 0.0})
            rows.append({"location": {k: location[k] for k in ("id", "number", "name", "parent_id")},
                         "stock_quantity": cell["quantity"], "in_order_quantity": cell["in_order"],
                         "available_quantity": cell["quantity"] - cell["in_order"]})
        return rows

    def move_stock(self, account, number, location, *, quantity=0.0, in_order=0.0, emit=True):
        product = self.product(account, number)
        cell = account["stock"].setdefault(number, {}).setdefault(str(location), {"quantity": 0.0, "in_order": 0.0})
        cell["quantity"] += quantity
        cell["in_order"] += in_order
        cells = account["stock"][number].values()
        product["stock_quantity"] = sum(c["quantity"] for c in cells)
        product["in_order_quantity"] = sum(c["in_order"] for c in cells)
        product["available_quantity"] = product["stock_quantity"] - product["in_order_quantity"]
        product["updated_at"] = self.now_iso()
        if emit:
            self.emit(account, "product.updated", key=number, changed=list(STOCK_TOTALS),
                      data={"updated_at": product["updated_at"], "stock_quantity": product["stock_quantity"],
                            "available_quantity": product["available_quantity"]})
