"""Product Library endpoints of the Zettle sandbox (products.izettle.com)."""

import copy
import hashlib
import json
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from integrations.sandbox.core import SandboxError, SandboxResponse, route
from integrations.zettle.sandbox.base import violation, zettle_error

ORG = r"/products/organizations/(?P<org>[^/]+)"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
MAX_VARIANTS = 99
SERVER_FIELDS = ("etag", "created", "updated", "createdByUserUuid", "updatedByUserUuid", "organizationUuid")


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def bare_etag(value):
    value = (value or "").strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


class ProductRoutes:
    # --- model -----------------------------------------------------------------------------------
    def validate_product(self, account, product, prefix=""):
        problems = []
        if not isinstance(product, dict):
            return [violation(prefix or "product", "must be an object")]
        if not product.get("uuid"):
            problems.append(violation(f"{prefix}uuid", "must not be null", "NOT_NULL"))
        if not (product.get("name") or "").strip():
            problems.append(violation(f"{prefix}name", "must not be blank", "NOT_BLANK"))
        vat = product.get("vatPercentage")
        if vat is not None:
            try:
                Decimal(str(vat))
            except InvalidOperation:
                problems.append(violation(f"{prefix}vatPercentage", "must be a number", "INVALID"))
        problems += self.validate_online(product.get("online"), prefix)
        variants = product.get("variants") or []
        if len(variants) > MAX_VARIANTS:
            problems.append(violation(f"{prefix}variants", f"size must be between 0 and {MAX_VARIANTS}", "SIZE"))
        for index, variant in enumerate(variants):
            where = f"{prefix}variants[{index}]."
            if not variant.get("uuid"):
                problems.append(violation(where + "uuid", "must not be null", "NOT_NULL"))
            for field in ("price", "costPrice"):
                money = variant.get(field)
                if money is None:
                    continue
                if not isinstance(money.get("amount"), int):
                    problems.append(violation(where + field + ".amount", "must be an integer (minor units)"))
                if money.get("currencyId") != account["currency"]:
                    problems.append(violation(where + field + ".currencyId",
                                              f"must be the organization's currency {account['currency']}"))
        return problems

    @staticmethod
    def validate_online(online, prefix=""):
        """``online`` (OnlineProperties in Zettle's OpenAPI): ``status`` ACTIVE|HIDDEN required, at most 25
        additional images, SEO title 256 and meta description 320 characters, a weight of zero or more grams."""
        if online is None:
            return []
        where = f"{prefix}online."
        if not isinstance(online, dict):
            return [violation(where[:-1], "must be an object")]
        problems = []
        if online.get("status") not in ("ACTIVE", "HIDDEN"):
            problems.append(violation(where + "status", "must be ACTIVE or HIDDEN", "NOT_NULL"))
        images = (online.get("presentation") or {}).get("additionalImageUrls") or []
        if len(images) > 25:
            problems.append(violation(where + "presentation.additionalImageUrls", "size must be between 0 and 25",
                                      "SIZE"))
        seo = online.get("seo") or {}
        for key, most in (("title", 256), ("metaDescription", 320)):
            if len(seo.get(key) or "") > most:
                problems.append(violation(f"{where}seo.{key}", f"size must be between 0 and {most}", "SIZE"))
        grams = (online.get("shipping") or {}).get("weightInGrams")
        if grams is not None and (not isinstance(grams, int) or grams < 0):
            problems.append(violation(where + "shipping.weightInGrams", "must be zero or more", "MIN"))
        return problems

    def store_product(self, account, product, *, existing=None):
        """Save ``product`` with the server's fields; returns (saved, old copy or None)."""
        old = copy.deepcopy(existing) if existing else None
        saved = {k: v for k, v in product.items() if k not in SERVER_FIELDS}
        now = self.stamp()
        saved.update({
            "organizationUuid": account["organization_uuid"],
            "created": (existing or {}).get("created", now),
            "createdByUserUuid": (existing or {}).get("createdByUserUuid", account["user_uuid"]),
            "updated": now, "updatedByUserUuid": account["user_uuid"],
        })
        saved.setdefault("vatPercentage", self.default_vat(account))  # the organization's default VAT
        saved["vatPercentage"] = str(saved["vatPercentage"])
        saved.setdefault("variants", [])
        saved["etag"] = hashlib.sha1(  # noqa: S324 - an ETag, not security
            json.dumps(saved, sort_keys=True).encode()).hexdigest().upper()
        account["products"][saved["uuid"]] = saved
        account["events"].append({"uuid": self.uuid1(), "product": saved["uuid"], "deleted": False})
        return saved, old

    def drop_product(self, account, product_uuid):
        product = account["products"].pop(product_uuid)
        account["events"].append({"uuid": self.uuid1(), "product": product_uuid, "deleted": True})
        if product_uuid in account["tracked"]:
            account["tracked"].pop(product_uuid, None)
        self.emit(account, "ProductDeleted", product)
        return product

    def announce(self, account, saved, old):
        if old is None:
            self.emit(account, "ProductCreated", saved)
        else:
            self.emit(account, "ProductUpdated", {"organizationUuid": account["organization_uuid"],
                                                  "newEntity": saved, "oldEntity": old})

    def product_response(self, product, status=200):
        return SandboxResponse(status, product, {"ETag": f'"{product["etag"]}"'})

    def find_product(self, account, product_uuid):
        product = account["products"].get(product_uuid)
        if product is None:
            raise zettle_error(404, f"Product {product_uuid} not found", "ENTITY_NOT_FOUND")
        return product

    # --- routes ----------------------------------------------------------------------------------
    @route("POST", ORG + r"/products")
    def product_create(self, request, account, org):
        self.org_check(account, org)
        body = request.json()
        problems = self.validate_product(account, body)
        if problems:
            raise zettle_error(400, "Validation failed", None, problems)
        if body["uuid"] in account["products"]:
            raise zettle_error(400, f"Product with uuid {body['uuid']} already exists", "ITEM_ALREADY_EXIST")
        saved, _ = self.store_product(account, body)
        self.announce(account, saved, None)
        return self.product_response(saved, 201)

    @route("GET", ORG + r"/products(?:/v2)?")
    def product_list(self, request, account, org):
        self.org_check(account, org)
        return SandboxResponse(200, list(account["products"].values()))

    @route("GET", ORG + rf"/products/(?P<product_uuid>{UUID})")
    def product_get(self, request, account, org, product_uuid):
        self.org_check(account, org)
        product = self.find_product(account, product_uuid)
        if bare_etag(request.header("if-none-match")) == product["etag"]:
            return SandboxResponse(304, None, {"ETag": f'"{product["etag"]}"'})
        return self.product_response(product)

    @route("PUT", ORG + rf"/products/v2/(?P<product_uuid>{UUID})")
    def product_update(self, request, account, org, product_uuid):
        self.org_check(account, org)
        product = self.find_product(account, product_uuid)
        condition = request.header("if-match")
        if condition and bare_etag(condition) != product["etag"]:
            raise SandboxError(412, None)
        patch = request.json() or {}
        merged = merge_patch(product, {k: v for k, v in patch.items() if k not in SERVER_FIELDS})
        merged["uuid"] = product_uuid
        problems = self.validate_product(account, merged)
        if problems:
            raise zettle_error(400, "Validation failed", None, problems)
        saved, old = self.store_product(account, merged, existing=product)
        self.announce(account, saved, old)
        return SandboxResponse(204, None, {"ETag": f'"{saved["etag"]}"'})

    @route("DELETE", ORG + rf"/products/(?P<product_uuid>{UUID})")
    def product_delete(self, request, account, org, product_uuid):
        self.org_check(account, org)
        self.find_product(account, product_uuid)
        self.drop_product(account, product_uuid)
        return SandboxResponse(204)

    @route("DELETE", ORG + r"/products")
    def product_bulk_delete(self, request, account, org):
        self.org_check(account, org)
        uuids = request.query.get("uuid") or []
        if len(urlencode({"uuid": uuids}, doseq=True)) > 8000:
            raise SandboxError(414, "URI Too Long")
        if not uuids:
            raise zettle_error(400, "At least one uuid is required", None, [violation("uuid", "must not be empty")])
        for product_uuid in uuids:
            if product_uuid in account["products"]:
                self.drop_product(account, product_uuid)
        return SandboxResponse(204)

    @route("GET", ORG + r"/library")
    def library(self, request, account, org):
        self.org_check(account, org)
        self.advance_imports(account)
        page = int(account["limits"]["library_page"])
        try:
            limit = min(int(request.arg("limit", page)), page)
            offset = max(0, int(request.arg("offset", 0)))
        except ValueError as exc:
            raise zettle_error(400, "limit and offset must be numbers") from exc
        since = request.arg("eventLogUuid")
        events = account["events"]
        if since:
            index = next((i for i, e in enumerate(events) if e["uuid"] == since), None)
            if index is None:
                raise zettle_error(400, f"Unknown eventLogUuid {since}", None, [violation("eventLogUuid", "unknown")])
            touched = list(dict.fromkeys(e["product"] for e in events[index + 1:]))
            products = [account["products"][u] for u in touched if u in account["products"]]
            deleted = [u for u in touched if u not in account["products"]]
        else:
            products, deleted = list(account["products"].values()), []
        body = {"fromEventLogUuid": since, "untilEventLogUuid": events[-1]["uuid"] if events else None,
                "products": products[offset:offset + limit], "discounts": [],
                "deletedProducts": deleted if offset == 0 else [], "deletedDiscounts": []}
        headers = {}
        if offset + limit < len(products):
            query = {"limit": limit, "offset": offset + limit, **({"eventLogUuid": since} if since else {})}
            url = f"{self.public_base(request)}/products/organizations/{org}/library?{urlencode(query)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return SandboxResponse(200, body, headers)

    # --- bulk import -----------------------------------------------------------------------------
    @route("POST", ORG + r"/import/v2")
    def import_start(self, request, account, org):
        self.org_check(account, org)
        products = (request.json() or {}).get("products")
        if not isinstance(products, list) or not products:
            raise zettle_error(400, "products must be a non-empty list", None,
                               [violation("products", "must not be empty")])
        if len(products) > account["limits"]["import_max"]:
            raise zettle_error(413, f"At most {account['limits']['import_max']} products per import", None,
                               [violation("products", "too many products", "SIZE")])
        problems = [p for i, product in enumerate(products)
                    for p in self.validate_product(account, product, prefix=f"products[{i}].")
                    if not p["propertyName"].endswith("currencyId")]  # currency is checked when importing
        if problems:
            raise zettle_error(400, "Validation failed", None, problems)
        record = {"uuid": self.uuid1(), "state": "IMPORTING", "created": self.stamp(), "finished": None,
                  "items": len(products), "errorMessage": None,
                  "_due": self.clock.now() + account["limits"]["import_seconds"], "_products": products}
        account["imports"][record["uuid"]] = record
        account["import_order"].append(record["uuid"])
        return SandboxResponse(200, self.public_import(record))

    @staticmethod
    def public_import(record):
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def advance_imports(self, account):
        for record in account["imports"].values():
            if record["state"] != "IMPORTING" or self.clock.now() < record["_due"]:
                continue
            problems = [p for i, product in enumerate(record["_products"])
                        for p in self.validate_product(account, product, prefix=f"products[{i}].")]
            if problems:
                record.update(state="FINISHED_FAILED", finished=self.stamp(),
                              errorMessage="; ".join(f"{p['propertyName']}: {p['developerMessage']}"
                                                     for p in problems[:5]))
            else:
                for product in record["_products"]:
                    saved, old = self.store_product(account, product,
                                                    existing=account["products"].get(product["uuid"]))
                    self.announce(account, saved, old)
                record.update(state="FINISHED_SUCCESS", finished=self.stamp())
            record["_products"] = []

    @route("GET", ORG + r"/import/status(?:/(?P<import_uuid>[^/]+))?")
    def import_status(self, request, account, org, import_uuid=None):
        self.org_check(account, org)
        self.advance_imports(account)
        if import_uuid is None:
            if not account["import_order"]:
                raise zettle_error(404, "No imports", "ENTITY_NOT_FOUND")
            import_uuid = account["import_order"][-1]
        record = account["imports"].get(import_uuid)
        if record is None:
            raise zettle_error(404, f"Import {import_uuid} not found", "ENTITY_NOT_FOUND")
        return SandboxResponse(200, self.public_import(record))

    # --- categories ------------------------------------------------------------------------------
    @route("GET", ORG + r"/categories/v2")
    def categories_list(self, request, account, org):
        self.org_check(account, org)
        return SandboxResponse(200, {"categories": list(account["categories"].values())})

    @route("POST", ORG + r"/categories/v2")
    def categories_create(self, request, account, org):
        self.org_check(account, org)
        categories = (request.json() or {}).get("categories") or []
        problems = [violation(f"categories[{i}].{f}", "must not be blank", "NOT_BLANK")
                    for i, c in enumerate(categories) for f in ("uuid", "name") if not c.get(f)]
        if problems or not categories:
            raise zettle_error(400, "Validation failed", None,
                               problems or [violation("categories", "must not be empty")])
        for category in categories:
            if category["uuid"] in account["categories"]:
                raise zettle_error(400, f"Category {category['uuid']} already exists", "ITEM_ALREADY_EXIST")
        for category in categories:
            account["categories"][category["uuid"]] = {"uuid": category["uuid"], "name": category["name"]}
        return SandboxResponse(204)
