"""Purchase API (purchase.izettle.com) and Pusher subscriptions (pusher.izettle.com) of the sandbox."""

import base64
import re
import secrets
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from integrations.sandbox.core import SandboxResponse, route
from integrations.zettle.sandbox.base import violation, zettle_error

EVENTS = {"PurchaseCreated": "READ:PURCHASE", "OrganizationUpdated": "READ:USERINFO",
          "ProductCreated": "READ:PRODUCT", "ProductUpdated": "READ:PRODUCT", "ProductDeleted": "READ:PRODUCT",
          "InventoryBalanceChanged": "READ:PRODUCT", "InventoryTrackingStarted": "READ:PRODUCT",
          "InventoryTrackingStopped": "READ:PRODUCT", "ApplicationConnectionRemoved": None,
          "PersonalAssertionDeleted": None}
PUSHER = r"/pusher/organizations/(?P<org>[^/]+)/subscriptions"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hash(index):
    return base64.urlsafe_b64encode(f"purchase:{index}".encode()).decode().rstrip("=")


def _unhash(value):
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        kind, index = text.split(":")
        if kind == "purchase":
            return int(index)
    except (ValueError, UnicodeDecodeError):
        pass
    raise zettle_error(400, "Invalid lastPurchaseHash", None, [violation("lastPurchaseHash", "invalid")])


def _when(value, name):
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise zettle_error(400, f"Invalid {name}", None, [violation(name, "must be ISO-8601")]) from exc


class PurchaseRoutes:
    @route("GET", r"/purchase/purchases/v2")
    def purchases(self, request, account):
        try:
            limit = int(request.arg("limit", 100))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            raise zettle_error(400, "limit must be between 1 and 1000", None, [violation("limit", "1..1000", "RANGE")])
        descending = (request.arg("descending") or "").lower() == "true"
        start = _when(request.arg("startDate"), "startDate") if request.arg("startDate") else None
        end = _when(request.arg("endDate"), "endDate") if request.arg("endDate") else None
        indexes = [i for i, p in enumerate(account["purchases"])
                   if (start is None or p["_at"] >= start) and (end is None or p["_at"] < end)]
        if descending:
            indexes.reverse()
        if request.arg("lastPurchaseHash"):
            after = _unhash(request.arg("lastPurchaseHash"))
            indexes = [i for i in indexes if (i < after if descending else i > after)]
        page = indexes[:limit]
        body = {"purchases": [self.public_purchase(account["purchases"][i]) for i in page],
                "firstPurchaseHash": _hash(page[0]) if page else None,
                "lastPurchaseHash": _hash(page[-1]) if page else None, "linkUrls": []}
        if page:
            query = {k: v[-1] for k, v in request.query.items()}
            query["lastPurchaseHash"] = body["lastPurchaseHash"]
            body["linkUrls"] = [f'<{self.public_base(request)}/purchase/purchases/v2?{urlencode(query)}>; rel="next"']
        return SandboxResponse(200, body)

    @route("GET", r"/purchase/purchase/v2/(?P<purchase_uuid>[^/]+)")
    def purchase_one(self, request, account, purchase_uuid):
        for purchase in account["purchases"]:
            if purchase["purchaseUUID1"] == purchase_uuid:
                return SandboxResponse(200, self.public_purchase(purchase))
        raise zettle_error(404, f"Purchase {purchase_uuid} not found", "ENTITY_NOT_FOUND")

    @staticmethod
    def public_purchase(purchase):
        return {k: v for k, v in purchase.items() if not k.startswith("_")}

    def purchase_event(self, purchase):
        """PurchaseCreated payload: ``purchaseUuid`` and epoch-millisecond ``timestamp``."""
        payload = {k: v for k, v in self.public_purchase(purchase).items() if k not in ("purchaseUUID1",)}
        payload.update(purchaseUuid=purchase["purchaseUUID1"], timestamp=int(purchase["_at"] * 1000))
        payload["products"] = [{**line, "taxRates": [{"percentage": line.get("vatPercentage")}]}
                               for line in purchase["products"]]
        return payload


class PusherRoutes:
    def check_destination(self, destination):
        parts = urlsplit(destination or "")
        sandbox_host = (parts.hostname or "") in set(getattr(settings, "SANDBOX_HOSTS", ()))
        if not parts.hostname or not (parts.scheme == "https" or (sandbox_host and parts.scheme == "http")):
            raise zettle_error(422, "destination must be a public https URL", None,
                               [violation("destination", "invalid destination")])

    def check_events(self, account, names):
        unknown = [n for n in names if n not in EVENTS]
        if unknown:
            raise zettle_error(400, f"Unknown event names {unknown}", None, [violation("eventNames", "unknown")])
        needed = {EVENTS[n] for n in (names or EVENTS) if EVENTS[n]}
        missing = sorted(needed - set(account["scopes"]))
        if missing:
            raise zettle_error(403, f"Missing scopes {missing} for the requested events", "FORBIDDEN")

    def check_email(self, email):
        if not email or len(email) > 512 or not EMAIL.match(email):
            raise zettle_error(422, "contactEmail must be a valid email of at most 512 characters", None,
                               [violation("contactEmail", "invalid email")])

    def public_subscription(self, sub):
        return {**sub, "status": self.subscription_status(sub["uuid"])}

    @route("POST", PUSHER)
    def subscription_create(self, request, account, org):
        self.org_check(account, org)
        body = request.json() or {}
        if not body.get("uuid"):
            raise zettle_error(400, "uuid must not be null", None, [violation("uuid", "must not be null")])
        if body.get("transportName") != "WEBHOOK":
            raise zettle_error(400, "transportName must be WEBHOOK", None, [violation("transportName", "invalid")])
        if body["uuid"] in account["subscriptions"]:
            raise zettle_error(400, f"Subscription {body['uuid']} already exists", "SUBSCRIPTION_ALREADY_EXIST")
        names = list(body.get("eventNames") or [])
        self.check_events(account, names)
        self.check_destination(body.get("destination"))
        self.check_email(body.get("contactEmail"))
        sub = {"uuid": body["uuid"], "transportName": "WEBHOOK", "eventNames": names, "updated": self.stamp_z(),
               "destination": body["destination"], "contactEmail": body["contactEmail"],
               "signingKey": secrets.token_urlsafe(48)}
        self.test_destination(account, sub)  # Zettle tests the destination first (pusher api-reference)
        account["subscriptions"][sub["uuid"]] = sub
        return SandboxResponse(200, self.public_subscription(sub))

    @route("GET", PUSHER)
    def subscription_list(self, request, account, org):
        self.org_check(account, org)
        return SandboxResponse(200, [self.public_subscription(s) for s in account["subscriptions"].values()])

    def find_subscription(self, account, sub_uuid):
        sub = account["subscriptions"].get(sub_uuid)
        if sub is None:
            raise zettle_error(404, f"Subscription {sub_uuid} not found", "SUBSCRIPTION_NOT_FOUND")
        return sub

    @route("PUT", PUSHER + r"/(?P<sub_uuid>[^/]+)")
    def subscription_update(self, request, account, org, sub_uuid):
        self.org_check(account, org)
        sub = self.find_subscription(account, sub_uuid)
        body = request.json() or {}
        if "eventNames" in body:
            self.check_events(account, list(body["eventNames"] or []))
        if "destination" in body:
            self.check_destination(body["destination"])
        if "contactEmail" in body:
            self.check_email(body["contactEmail"])
        for key in ("eventNames", "destination", "contactEmail"):
            if key in body:
                sub[key] = list(body[key] or []) if key == "eventNames" else body[key]
        sub["updated"] = self.stamp_z()
        return SandboxResponse(200)

    @route("DELETE", PUSHER + r"/(?:uuid/)?(?P<sub_uuid>[^/]+)")
    def subscription_delete(self, request, account, org, sub_uuid):
        self.org_check(account, org)
        self.find_subscription(account, sub_uuid)
        del account["subscriptions"][sub_uuid]
        return SandboxResponse(204)
