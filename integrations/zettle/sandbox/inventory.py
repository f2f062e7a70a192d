"""Inventory API v3 of the Zettle sandbox (inventory.izettle.com/v3).

Source: developer.zettle.com/docs/api/inventory (overview: ``/v3/stock`` paged by a ``Link`` header
with a ``cursor`` and ``limit`` (1-1000, default 100), 4 requests/s; how-inventories-work: the
STORE, SOLD, BIN and SUPPLIER inventories; update-inventory-balance: ``POST /v3/movements`` answered
204) and the production integrations cited in ``integrations/zettle/api_inventory.py`` for the
paths and bodies of ``/v3/inventories``, ``/v3/products`` (tracking) and ``/v3/stock/{inventoryUuid}
/products[/{productUuid}]``. The pre-v3 paths (``/organizations/{org}/inventory…``,
``/organizations/{org}/v2/inventory/bulk``, ``/organizations/{org}/locations``) were retired after
31 May 2023: they are not served (404, Zettle's not-found body).

Assumed, as in the client: inventory rows ``{inventoryUuid, inventoryType, name, description,
default}``; balance rows ``{organizationUuid, inventoryUuid, productUuid, variantUuid, balance}`` with
numeric balances, one per variant of every tracked product; ``POST /v3/stock/{inventoryUuid}/products``
and ``POST /v3/products/status`` take a JSON list of product uuids (at most ``stock_read_max``);
``movements_max`` movements and ``tracking_max`` products per call (413 beyond); a movement call is
all or nothing (400 ``PRODUCT_NOT_TRACKED``, 404 ``ENTITY_NOT_FOUND``); its ``identifier`` comes
back as ``externalUuid`` in InventoryBalanceChanged.

Movements of a positive ``change`` between the four inventories; SUPPLIER is an infinite
source/sink, STORE is the on-hand stock (it may go negative, as POS sales can take it there), SOLD
and BIN count what went out. Webhook payloads keep Pusher's shape (string balances).
"""

from urllib.parse import urlencode

from integrations.sandbox.core import SandboxResponse, route
from integrations.zettle.sandbox.base import violation, zettle_error

V3 = r"/inventory/v3"


class InventoryRoutes:
    # --- model -----------------------------------------------------------------------------------
    def location_type(self, account, location_uuid):
        for kind, uuid in account["locations"].items():
            if uuid == location_uuid:
                return kind
        return None

    def variant_of(self, account, product_uuid, variant_uuid):
        product = account["products"].get(product_uuid)
        if product is None:
            raise zettle_error(404, f"Product {product_uuid} not found", "ENTITY_NOT_FOUND")
        if not any(v["uuid"] == variant_uuid for v in product.get("variants") or []):
            raise zettle_error(404, f"Variant {variant_uuid} not found", "ENTITY_NOT_FOUND")
        return product

    def start_tracking_of(self, account, product_uuid):
        product = account["products"].get(product_uuid)
        if product is None:
            raise zettle_error(404, f"Product {product_uuid} not found", "ENTITY_NOT_FOUND")
        if product_uuid not in account["tracked"]:
            account["tracked"][product_uuid] = True
            for variant in product.get("variants") or []:
                account["balances"]["STORE"].setdefault(variant["uuid"], 0)
            self.emit(account, "InventoryTrackingStarted", {
                "organizationUuid": account["organization_uuid"], "productUuid": product_uuid,
                "created": self.change_info(account)})

    def change_info(self, account, user_type="USER"):
        return {"uuid": self.uuid1(), "timestamp": self.stamp(), "userType": user_type,
                "clientUuid": account["client_id"]}

    def apply_movements(self, account, movements, *, external_uuid=None, user_type="USER", where="changes"):
        """Check then apply ``movements`` ([{productUuid, variantUuid, fromLocationUuid, toLocationUuid,
        change}]) all or nothing; emits one InventoryBalanceChanged. Returns touched (product, variant).
        ``where`` names the list in violations (``movements`` for the v3 call)."""
        problems = []
        for index, move in enumerate(movements):
            prefix = f"{where}[{index}]."
            change = move.get("change")
            if not isinstance(change, int) or isinstance(change, bool) or change <= 0:
                problems.append(violation(prefix + "change", "must be a positive integer", "POSITIVE"))
            kinds = (self.location_type(account, move.get("fromLocationUuid")),
                     self.location_type(account, move.get("toLocationUuid")))
            if None in kinds or kinds[0] == kinds[1]:
                problems.append(violation(prefix + "from", "unknown or identical inventories"))
        if problems:
            raise zettle_error(400, "Validation failed", None, problems)
        for move in movements:
            self.variant_of(account, move["productUuid"], move["variantUuid"])
            if move["productUuid"] not in account["tracked"]:
                raise zettle_error(400, f"Product {move['productUuid']} is not tracked", "PRODUCT_NOT_TRACKED")
        store = account["balances"]["STORE"]
        touched = list(dict.fromkeys((m["productUuid"], m["variantUuid"]) for m in movements))
        before = {variant: store.get(variant, 0) for _, variant in touched}
        for move in movements:
            for location, sign in ((move["fromLocationUuid"], -1), (move["toLocationUuid"], 1)):
                kind = self.location_type(account, location)
                if kind != "SUPPLIER":
                    bucket = account["balances"][kind]
                    bucket[move["variantUuid"]] = bucket.get(move["variantUuid"], 0) + sign * move["change"]
        store_uuid = account["locations"]["STORE"]
        rows = [(product, variant) for product, variant in touched if store[variant] != before[variant]]
        if rows:
            org = account["organization_uuid"]
            self.emit(account, "InventoryBalanceChanged", {
                "organizationUuid": org, "updated": self.change_info(account, user_type),
                "balanceBefore": [{"organizationUuid": org, "locationUuid": store_uuid, "productUuid": p,
                                   "variantUuid": v, "balance": str(before[v])} for p, v in rows],
                "balanceAfter": [{"organizationUuid": org, "locationUuid": store_uuid, "productUuid": p,
                                  "variantUuid": v, "created": self.stamp(), "balance": str(store[v])}
                                 for p, v in rows],
                "externalUuid": external_uuid})
        return touched

    def stock_rows(self, account, kind, product_uuids=None):
        """Balance rows of one inventory type: one per variant of every tracked product (of
        ``product_uuids`` when given), in a stable order."""
        if kind == "SUPPLIER":
            return []
        bucket = account["balances"].get(kind, {})
        rows = []
        for product_uuid in account["tracked"]:
            if product_uuids is not None and product_uuid not in product_uuids:
                continue
            for variant in account["products"].get(product_uuid, {}).get("variants") or []:
                rows.append({"organizationUuid": account["organization_uuid"],
                             "inventoryUuid": account["locations"][kind], "productUuid": product_uuid,
                             "variantUuid": variant["uuid"], "balance": bucket.get(variant["uuid"], 0)})
        return rows

    def inventory_kind(self, account, inventory_uuid):
        kind = self.location_type(account, inventory_uuid)
        if kind is None:
            raise zettle_error(404, f"Inventory {inventory_uuid} not found", "ENTITY_NOT_FOUND")
        return kind

    def uuid_list(self, account, request):
        body = request.json()
        limit = account["limits"]["stock_read_max"]
        if not isinstance(body, list) or not all(isinstance(u, str) for u in body):
            raise zettle_error(400, "Body must be a list of product uuids", None, [violation("body", "invalid")])
        if len(body) > limit:
            raise zettle_error(413, f"At most {limit} product uuids per request", None,
                               [violation("body", "too many product uuids", "SIZE")])
        return body

    def paged(self, request, account, rows, path):
        """One page of ``rows`` by ``cursor`` (the last row's variant uuid) and ``limit``, with a
        ``Link: rel="next"`` header while more follow."""
        try:
            limit = int(request.arg("limit", 100))
        except ValueError as exc:
            raise zettle_error(400, "limit must be a number", None, [violation("limit", "invalid")]) from exc
        if not 1 <= limit <= account["limits"]["stock_page_max"]:
            raise zettle_error(400, f"limit must be 1-{account['limits']['stock_page_max']}", None,
                               [violation("limit", "out of range")])
        cursor = request.arg("cursor")
        start = 0
        if cursor:
            start = next((i + 1 for i, row in enumerate(rows) if row["variantUuid"] == cursor), None)
            if start is None:
                raise zettle_error(400, "Unknown cursor", None, [violation("cursor", "invalid")])
        page = rows[start:start + limit]
        headers = {}
        if start + limit < len(rows):
            query = urlencode({"cursor": page[-1]["variantUuid"], "limit": limit})
            headers["Link"] = f'<{self.public_base(request)}{path}?{query}>; rel="next"'
        return SandboxResponse(200, page, headers)

    # --- routes ----------------------------------------------------------------------------------
    @route("GET", V3 + r"/inventories")
    def inventories(self, request, account):
        return SandboxResponse(200, [{"inventoryUuid": uuid, "inventoryType": kind, "name": kind.title(),
                                      "description": None, "default": True}
                                     for kind, uuid in account["locations"].items()])

    @route("POST", V3 + r"/products")
    def tracking(self, request, account):
        body = request.json()
        limit = account["limits"]["tracking_max"]
        if not isinstance(body, list) or not body:
            raise zettle_error(400, "Body must be a non-empty list", None, [violation("body", "must not be empty")])
        if len(body) > limit:
            raise zettle_error(413, f"At most {limit} products per request", None,
                               [violation("body", "too many products", "SIZE")])
        problems = [violation(f"[{i}].tracking", "must be enable or disable")
                    for i, row in enumerate(body) if not isinstance(row, dict)
                    or row.get("tracking") not in ("enable", "disable") or not row.get("productUuid")]
        if problems:
            raise zettle_error(400, "Validation failed", None, problems)
        for row in body:
            if row["productUuid"] not in account["products"]:
                raise zettle_error(404, f"Product {row['productUuid']} not found", "ENTITY_NOT_FOUND")
        for row in body:
            if row["tracking"] == "enable":
                self.start_tracking_of(account, row["productUuid"])
            elif row["productUuid"] in account["tracked"]:
                account["tracked"].pop(row["productUuid"], None)  # balances are kept and reappear when re-enabled
                self.emit(account, "InventoryTrackingStopped", {
                    "organizationUuid": account["organization_uuid"], "productUuid": row["productUuid"],
                    "changeInformation": self.change_info(account)})
        return SandboxResponse(204)

    @route("POST", V3 + r"/products/status")
    def tracking_status(self, request, account):
        return SandboxResponse(200, [{"productUuid": uuid, "enabled": uuid in account["tracked"]}
                                     for uuid in self.uuid_list(account, request)])

    @route("POST", V3 + r"/movements")
    def movements(self, request, account):
        body = request.json() or {}
        moves = body.get("movements") if isinstance(body, dict) else None
        limit = account["limits"]["movements_max"]
        if not isinstance(moves, list) or not moves:
            raise zettle_error(400, "Validation failed", None, [violation("movements", "must not be empty")])
        if len(moves) > limit:
            raise zettle_error(413, f"At most {limit} movements per request", None,
                               [violation("movements", "too many movements", "SIZE")])
        internal = [{"productUuid": m.get("productUuid"), "variantUuid": m.get("variantUuid"),
                     "fromLocationUuid": m.get("from"), "toLocationUuid": m.get("to"), "change": m.get("change")}
                    if isinstance(m, dict) else {} for m in moves]
        self.apply_movements(account, internal, external_uuid=body.get("identifier"), where="movements")
        return SandboxResponse(204)

    @route("GET", V3 + r"/stock")
    def stock_all(self, request, account):
        return self.paged(request, account, self.stock_rows(account, "STORE"), "/inventory/v3/stock")

    @route("GET", V3 + r"/stock/(?P<inventory_uuid>[^/]+)")
    def stock_of_inventory(self, request, account, inventory_uuid):
        kind = self.inventory_kind(account, inventory_uuid)
        return self.paged(request, account, self.stock_rows(account, kind), f"/inventory/v3/stock/{inventory_uuid}")

    @route("POST", V3 + r"/stock/(?P<inventory_uuid>[^/]+)/products")
    def stock_of_products(self, request, account, inventory_uuid):
        kind = self.inventory_kind(account, inventory_uuid)
        return SandboxResponse(200, self.stock_rows(account, kind, set(self.uuid_list(account, request))))

    @route("GET", V3 + r"/stock/(?P<inventory_uuid>[^/]+)/products/(?P<product_uuid>[^/]+)")
    def stock_of_product(self, request, account, inventory_uuid, product_uuid):
        kind = self.inventory_kind(account, inventory_uuid)
        if product_uuid not in account["products"]:
            raise zettle_error(404, f"Product {product_uuid} not found", "ENTITY_NOT_FOUND")
        return SandboxResponse(200, self.stock_rows(account, kind, {product_uuid}))
