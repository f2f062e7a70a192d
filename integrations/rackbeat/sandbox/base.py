"""Rackbeat sandbox: accounts, bearer auth, throttling, list envelopes and outgoing webhooks.

Evidenced (reference §3): ``Authorization: Bearer <API key>``; the SDK sends ``User-Agent`` with
contact details and ``API-Version`` (recorded with every request); 401 / 404 / 422 / 429;
lists ``{"<plural>": [...], "page", "pages", "limit", "total"}`` with ``page``, ``limit``,
``fields`` and ``field_eq[<field id>]`` parameters, sometimes answered with **206**; single objects
wrapped in the singular key; webhooks upserted on event+url, a 32-char token shown once, deliveries
with ``Rackbeat-Webhook-Token`` / ``-Event`` / ``Rackbeat-Account-Id`` and
``{key, key_name, event, data}`` (+ ``old_key``, ``new_key``, ``changed`` on updates).

Also evidenced (R-SDK, R-KG): ``order_by`` / ``order_direction`` on lists; ``expand=field_values``
(the only expansion, per R-KG) on product lists and single products; ``GET /self`` answering
``{"user_account": {"id", "company_name", ...}}`` (R-TOOLS).

Assumptions: error bodies follow Laravel (``{"message"}``; 422 ``{"message", "errors": {field:
[...]}}``); 206 is answered whenever more pages follow; ``limit`` is clamped to ``max_limit``
(1000, what a production third-party client pages with); the limit is ``rate_per_minute`` (480,
the third-party client's default) over a rolling minute with ``X-RateLimit-Limit`` /
``X-RateLimit-Remaining`` headers and ``Retry-After`` on 429; the webhook retry schedule and
deactivating a hook after its last failed retry (only ``failures_since_last_success`` is evidenced);
``user_account.currency`` (the company's base currency, ``currency`` option, DKK by default); items
without the ``order_by`` key sort first; lists have no ``updated_at`` filter (none is evidenced:
changed products are found by ordering on ``updated_at``).
"""

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings

from integrations.sandbox.core import Sandbox, SandboxError
from integrations.sandbox.ratelimit import RollingRate

DEFAULTS = {"currency": "DKK", "company_name": "Flyt Demo ApS", "rate_per_minute": 480, "max_limit": 1000,
            "default_limit": 20, "max_adjustment_lines": 100}
RATE_WINDOW_S = 60.0


def error(status, message, headers=None):
    return SandboxError(status, {"message": message}, headers)


def invalid(errors):
    return SandboxError(422, {"message": "The given data was invalid.", "errors": errors})


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")


def decimal_field(body, field, errors, *, required=False):
    value = body.get(field)
    if value is None:
        if required:
            errors[field] = [f"The {field} field is required."]
        return None
    if isinstance(value, bool):
        errors[field] = [f"The {field} must be a number."]
        return None
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        errors[field] = [f"The {field} must be a number."]
        return None


class RackbeatBase(Sandbox):
    platform = "rackbeat"
    webhook_retry_schedule = (60, 300, 1800, 3600, 21_600)

    def not_found_body(self):
        return {"message": "Not found."}

    # --- accounts ---------------------------------------------------------------------------------
    def create_account(self, **options) -> dict:
        with self.lock:
            account_id = 4700 + self.next_id()
            key = str(account_id)
            api_key = secrets.token_hex(32)
            self.state["accounts"][key] = {
                "id": account_id, "api_keys": [api_key],
                "config": {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}},
                "groups": {}, "fields": {}, "locations": {}, "products": {}, "stock": {}, "field_values": {},
                "adjustments": {}, "movements": {}, "orders": {}, "webhooks": {}, "next_order_number": 1000,
            }
            account = self.state["accounts"][key]
            self.add_group(account, number=1, name="Products")
            self.add_location(account, number="1", name="Main warehouse", is_default=True)
        base_url = f"{settings.SANDBOX_BASE_URL.rstrip('/')}/rackbeat"
        return {"account": key, "credentials": {"api_token": api_key},
                "settings": {"sandbox": True, "base_url": base_url}, "external_account_id": key}

    def configure(self, account_key, **config):
        with self.lock:
            self.account(account_key)["config"].update(config)
            self.__dict__.setdefault("_rates", {}).pop(str(account_key), None)

    def now_iso(self):
        return iso(self.clock.now())

    # --- auth, throttling -------------------------------------------------------------------------
    def before_route(self, request):
        header = request.header("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise error(401, "Unauthenticated.")
        key = next((k for k, a in self.state["accounts"].items()
                    if any(secrets.compare_digest(token.strip(), t) for t in a["api_keys"])), None)
        if key is None:
            raise error(401, "Unauthenticated.")
        limit = int(self.state["accounts"][key]["config"]["rate_per_minute"])
        rate = self.__dict__.setdefault("_rates", {}).setdefault(
            key, RollingRate(per_s=limit / RATE_WINDOW_S, window_s=RATE_WINDOW_S))
        now = self.clock.now()
        if not rate.hit(now):
            wait = max(1, int(min(rate.stamps) + RATE_WINDOW_S - now + 0.999))
            raise error(429, "Too Many Attempts.", {"Retry-After": str(wait), "X-RateLimit-Limit": str(limit),
                                                    "X-RateLimit-Remaining": "0"})
        return key, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - len(rate.stamps)))}

    # --- lists ------------------------------------------------------------------------------------
    def listing(self, request, account, plural, items, expand=None):
        """The list envelope; 206 while more pages follow. ``order_by`` (a key of the items) and
        ``order_direction`` (asc, desc) sort before paging; ``expand`` (item -> extra keys) adds what
        ``?expand=`` asks for to each item of the page, after ``fields`` picked its keys."""
        order_by = request.arg("order_by")
        if order_by:
            descending = (request.arg("order_direction") or "asc").lower() == "desc"
            items = sorted(items, key=lambda item: (item.get(order_by) is not None, item.get(order_by) or 0),
                           reverse=descending)
        try:
            page = max(1, int(request.arg("page", 1)))
            limit = int(request.arg("limit", account["config"]["default_limit"]))
        except ValueError:
            raise invalid({"page": ["The page and limit must be integers."]}) from None
        limit = max(1, min(limit, account["config"]["max_limit"]))
        total = len(items)
        pages = max(1, -(-total // limit))
        chunk = items[(page - 1) * limit: page * limit]
        fields = [f for f in (request.arg("fields") or "").split(",") if f]
        if fields:
            chunk = [{k: v for k, v in item.items() if k in fields} for item in chunk]
        if expand is not None:
            chunk = [{**item, **expand(original)} for item, original in
                     zip(chunk, items[(page - 1) * limit: page * limit], strict=True)]
        body = {plural: chunk, "page": page, "pages": pages, "limit": limit, "total": total}
        return 206 if page < pages else 200, body

    # --- webhooks out -----------------------------------------------------------------------------
    def emit(self, account, event, *, key, key_name="number", data=None, old_key=None, changed=None):
        body = {"key": key, "key_name": key_name, "event": event}
        if changed is not None:
            body.update({"old_key": old_key if old_key is not None else key, "new_key": key, "changed": changed})
        body["data"] = data or {}
        raw = json.dumps(body).encode()
        for hook in account["webhooks"].values():
            if hook["is_active"] and hook["event"] == event:
                self.webhooks.enqueue(account=str(account["id"]), topic=event, url=hook["url"], body=raw,
                                      sign=self._signer(account["id"], hook["token"], event),
                                      subscription_id=str(hook["id"]))

    @staticmethod
    def _signer(account_id, token, event):
        def sign(delivery, now):
            return {"Content-Type": "application/json", "User-Agent": "Rackbeat Webhook",
                    "Rackbeat-Webhook-Token": token, "Rackbeat-Webhook-Event": event,
                    "Rackbeat-Account-Id": str(account_id)}
        return sign

    def on_webhook_exhausted(self, delivery):
        account = self.state["accounts"].get(delivery.account)
        hook = account and account["webhooks"].get(delivery.subscription_id)
        if hook:
            hook["failures_since_last_success"] += delivery.attempts
            hook["is_active"] = False

    # --- shared records ---------------------------------------------------------------------------
    def add_group(self, account, *, number, name):
        group = {"id": self.next_id(), "number": int(number), "name": name, "vat_domestic": 25.0,
                 "vat_eu": 0.0, "vat_abroad": 0.0, "vat_domestic_exempt": False, "inventory_enabled": True}
        account["groups"][str(group["number"])] = group
        return group

    def add_location(self, account, *, number, name, parent=None, is_default=False):
        parent_row = account["locations"].get(str(parent)) if parent is not None else None
        location = {"id": self.next_id(), "number": str(number), "name": name, "barcode": None,
                    "is_default": is_default, "parent_id": parent_row["id"] if parent_row else None,
                    "toplevel_parent_id": (parent_row["toplevel_parent_id"] or parent_row["id"]) if parent_row
                    else None,
                    "nesting_level": parent_row["nesting_level"] + 1 if parent_row else 0,
                    "nest_list": [*parent_row["nest_list"], parent_row["number"]] if parent_row else [],
                    "children_count": 0}
        if parent_row:
            parent_row["children_count"] += 1
        account["locations"][location["number"]] = location
        return location

    def default_location(self, account):
        return next(loc for loc in account["locations"].values() if loc["is_default"])
