"""Inventory v2 endpoints of the Zettle sandbox (inventory.izettle.com).

Movements of a positive ``change`` between the four system locations; SUPPLIER is an infinite
source/sink, STORE is the on-hand stock (it may go negative, as POS sales can take it there), SOLD
and BIN count what went out. Balances are strings when read and numbers in update answers.
"""

from integrations.sandbox.core import SandboxResponse, route
from integrations.zettle.sandbox.base import violation, zettle_error

ORG = r"/inventory/organizations/(?P<org>[^/]+)"


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

    def apply_movements(self, account, movements, *, external_uuid=None, user_type="USER"):
        """Check then apply ``movements`` ([{productUuid, variantUuid, fromLocationUuid, toLocationUuid,
        change}]) all or nothing; emits one InventoryBalanceChanged. Returns touched (product, variant)."""
        problems = []
        for index, move in enumerate(movements):
            where = f"changes[{index}]."
            change = move.get("change")
            if not isinstance(change, int) or isinstance(change, bool) or change <= 0:
                problems.append(violation(where + "change", "must be a positive integer", "POSITIVE"))
            kinds = (self.location_type(account, move.get("fromLocationUuid")),
                     self.location_type(account, move.get("toLocationUuid")))
            if None in kinds or kinds[0] == kinds[1]:
                problems.append(violation(where + "fromLocationUuid", "unknown or identical locations"))
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

    def update_answer(self, account, touched, location_uuid=None):
        kind = self.location_type(account, location_uuid) or "STORE"
        bucket = account["balances"].get(kind, {})
        return {"locationUuid": account["locations"][kind],
                "variants": [{"productUuid": p, "variantUuid": v, "balance": bucket.get(v, 0)} for p, v in touched]}

    def balances_answer(self, account, kind, product_uuids=None):
        bucket = account["balances"].get(kind, {})
        tracked = [u for u in account["tracked"] if product_uuids is None or u in product_uuids]
        variants = []
        if kind != "SUPPLIER":
            for product_uuid in tracked:
                for variant in account["products"].get(product_uuid, {}).get("variants") or []:
                    variants.append({"locationUuid": account["locations"][kind], "locationType": kind,
                                     "productUuid": product_uuid, "variantUuid": variant["uuid"],
                                     "balance": str(bucket.get(variant["uuid"], 0))})
        return {"locationUuid": account["locations"][kind], "trackedProducts": tracked, "variants": variants}

    # --- routes ----------------------------------------------------------------------------------
    @route("GET", ORG + r"/locations")
    def locations(self, request, account, org):
        self.org_check(account, org)
        return SandboxResponse(200, [{"uuid": uuid, "type": kind, "name": kind.title(), "description": None,
                                      "default": kind == "STORE"} for kind, uuid in account["locations"].items()])

    @route("POST", ORG + r"/inventory")
    def tracking_start(self, request, account, org):
        self.org_check(account, org)
        product_uuid = (request.json() or {}).get("productUuid")
        if not product_uuid:
            raise zettle_error(400, "Validation failed", None, [violation("productUuid", "must not be null")])
        self.start_tracking_of(account, product_uuid)
        variants = account["products"][product_uuid].get("variants") or []
        return SandboxResponse(200, self.update_answer(account, [(product_uuid, v["uuid"]) for v in variants]))

    @route("DELETE", ORG + r"/inventory/products/(?P<product_uuid>[^/]+)")
    def tracking_stop(self, request, account, org, product_uuid):
        self.org_check(account, org)
        if product_uuid not in account["products"]:
            raise zettle_error(404, f"Product {product_uuid} not found", "ENTITY_NOT_FOUND")
        if product_uuid in account["tracked"]:
            account["tracked"].pop(product_uuid, None)  # balances are kept and reappear when re-enabled
            self.emit(account, "InventoryTrackingStopped", {
                "organizationUuid": account["organization_uuid"], "productUuid": product_uuid,
                "changeInformation": self.change_info(account)})
        return SandboxResponse(204)

    @route("PUT", ORG + r"/inventory")
    def movements(self, request, account, org):
        self.org_check(account, org)
        body = request.json() or {}
        changes = body.get("changes") or []
        if not changes:
            raise zettle_error(400, "Validation failed", None, [violation("changes", "must not be empty")])
        touched = self.apply_movements(account, changes, external_uuid=body.get("externalUuid"))
        return SandboxResponse(200, self.update_answer(account, touched, body.get("returnBalanceForLocationUuid")))

    @route("POST", ORG + r"/v2/inventory/bulk")
    def bulk(self, request, account, org):
        self.org_check(account, org)
        body = request.json() or {}
        product_changes = body.get("productChanges") or []
        if len(product_changes) > account["limits"]["bulk_max"]:
            raise zettle_error(413, f"At most {account['limits']['bulk_max']} product changes per request", None,
                               [violation("productChanges", "too many product changes", "SIZE")])
        movements = []
        for change in product_changes:
            status = change.get("trackingStatusChange") or "NO_CHANGE"
            if status == "START_TRACKING":
                self.start_tracking_of(account, change.get("productUuid"))
            elif status == "STOP_TRACKING" and change.get("productUuid") in account["tracked"]:
                account["tracked"].pop(change["productUuid"], None)
            movements += [{**v, "productUuid": change.get("productUuid")} for v in change.get("variantChanges") or []]
        touched = self.apply_movements(account, movements, external_uuid=body.get("externalUuid")) if movements else []
        return SandboxResponse(200, self.update_answer(account, touched, body.get("returnBalanceForLocationUuid")))

    @route("GET", ORG + r"/inventory/locations")
    def balances_by_type(self, request, account, org):
        self.org_check(account, org)
        kind = (request.arg("type") or "STORE").upper()
        if kind not in account["locations"]:
            raise zettle_error(400, f"Unknown location type {kind}", None, [violation("type", "unknown")])
        return SandboxResponse(200, self.balances_answer(account, kind))

    @route("GET", ORG + r"/inventory/locations/(?P<location_uuid>[^/]+)")
    def balances_of_location(self, request, account, org, location_uuid):
        self.org_check(account, org)
        kind = self.location_type(account, location_uuid)
        if kind is None:
            raise zettle_error(404, f"Location {location_uuid} not found", "ENTITY_NOT_FOUND")
        return SandboxResponse(200, self.balances_answer(account, kind))

    @route("GET", ORG + r"/inventory/locations/(?P<location_uuid>[^/]+)/products/(?P<product_uuid>[^/]+)")
    def balances_of_product(self, request, account, org, location_uuid, product_uuid):
        self.org_check(account, org)
        kind = self.location_type(account, location_uuid)
        if kind is None or product_uuid not in account["products"]:
            raise zettle_error(404, "Location or product not found", "ENTITY_NOT_FOUND")
        return SandboxResponse(200, self.balances_answer(account, kind, {product_uuid}))

    @route("POST", ORG + r"/inventory/products")
    def balances_of_products(self, request, account, org):
        self.org_check(account, org)
        body = request.json() or {}
        kind = (body.get("locationType") or "STORE").upper()
        if kind not in account["locations"]:
            raise zettle_error(400, f"Unknown location type {kind}", None, [violation("locationType", "unknown")])
        return SandboxResponse(200, self.balances_answer(account, kind, set(body.get("productUuids") or [])))
