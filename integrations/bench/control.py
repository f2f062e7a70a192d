"""The sandbox server's control surface for ``bench stock`` (the merchant's side of the platforms: no
auth, no rate limit), mixed into ``serve.SandboxApp``:

    POST /sandbox-control/sell      {"platform", "account", "sku", "qty"} -> {"level": the SKU's level after}
    GET  /sandbox-control/levels    ?platform=..&account=..  -> {sku: level} (read from memory)
    POST /sandbox-control/stock     {"platform", "account", "level"}: every variant set to ``level``, silently
    POST /sandbox-control/deliver   {"on": true}: start the webhook delivery thread (``WebhookDeliverer``)
    GET  /sandbox-control/outbox    {platform: {"pending", "in_flight", "delivered", "failed_attempts", ...}}

Also the JSON answer and status line every endpoint of the server uses.
"""

import json
from http import HTTPStatus
from urllib.parse import parse_qs

from integrations.bench.deliver import WebhookDeliverer
from integrations.sandbox.core import SandboxError

CONTROL_PATH = "/sandbox-control"


class ControlSurface:
    """The ``/sandbox-control/<action>`` endpoints over ``self.sandboxes`` ({platform: sandbox});
    ``self.deliverer`` is the webhook delivery thread once started (None before)."""

    def control(self, environ, start_response, action, method):
        """The ``/sandbox-control/<action>`` endpoints (see the module docstring)."""
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING") or "").items()}
        if action == "outbox" and method == "GET":
            return json_response(start_response, 200, self.outbox())
        if action in ("levels", "sell", "stock", "deliver"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length > 0 else {}
            except ValueError:
                return json_response(start_response, 400, {"error": "the body must be JSON"})
            if action == "deliver":
                if method != "POST":
                    return json_response(start_response, 405, {"error": "POST"})
                if body.get("on", True):
                    self.start_delivering()
                return json_response(start_response, 200, {"delivering": self.deliverer is not None})
            args = {**query, **body}
            platform, account_key = args.get("platform"), str(args.get("account") or "")
            sandbox = self.sandboxes.get(platform)
            if sandbox is None or platform not in LEVELS:
                return json_response(start_response, 404, {"error": f"No controllable sandbox {platform!r}"})
            try:
                with sandbox.lock:
                    account = sandbox.account(account_key)
                    if action == "levels" and method == "GET":
                        return json_response(start_response, 200, LEVELS[platform](sandbox, account))
                    if action == "sell" and method == "POST":
                        sku, qty = str(args["sku"]), int(args.get("qty") or 1)
                        sandbox.sell(account_key, sku, qty)
                        return json_response(start_response, 200,
                                             {"level": LEVELS[platform](sandbox, account, skus={sku})[sku]})
                    if action == "stock" and method == "POST":
                        STOCK_SETTERS[platform](sandbox, account, int(args["level"]))
                        return json_response(start_response, 200, LEVELS[platform](sandbox, account))
            except (KeyError, ValueError, TypeError) as exc:
                return json_response(start_response, 400, {"error": f"{type(exc).__name__}: {exc}"})
            except SandboxError as exc:
                return json_response(start_response, exc.response.status, {"error": str(exc)})
            return json_response(start_response, 405, {"error": f"{method} not allowed on {action}"})
        return json_response(start_response, 404, {"error": f"No control endpoint {action!r}"})

    def start_delivering(self):
        if self.deliverer is None:
            self.deliverer = WebhookDeliverer(self.sandboxes)
            self.deliverer.start()
        return self.deliverer

    def outbox(self):
        """{platform: counts} of the webhook deliveries: queued, being sent, delivered, failed attempts."""
        out = {}
        for platform, sandbox in self.sandboxes.items():
            with sandbox.lock:
                pending = [d for d in sandbox.webhooks.deliveries if d.status == "pending"]
                row = {"pending": len(pending), "failed": sum(1 for d in sandbox.webhooks.deliveries
                                                                if d.status == "failed")}
            if self.deliverer is not None:
                row.update(self.deliverer.counts(platform))
            out[platform] = row
        return out


def _bigcommerce_levels(sandbox, account, skus=None):
    """{sku: on hand over every location} (what the sandbox's ``stock_of`` says), for ``skus`` or all."""
    out = {}
    for variant in account["variants"].values():
        sku = variant.get("sku")
        if sku and (skus is None or sku in skus):
            out[sku] = sum(level["on_hand"] for level in account["stock"].get(str(variant["id"]), {}).values())
    return out


def _zettle_levels(sandbox, account, skus=None):
    """{sku: STORE balance} (what the sandbox's ``store_balance`` says), for ``skus`` or all."""
    store = account["balances"]["STORE"]
    out = {}
    for product in account["products"].values():
        for variant in product.get("variants") or []:
            sku = variant.get("sku")
            if sku and (skus is None or sku in skus):
                out[sku] = store.get(variant["uuid"], 0)
    return out


def _bigcommerce_set_stock(sandbox, account, level):
    location = sandbox.default_location(account)
    for variant_id in list(account["variants"]):
        sandbox.set_on_hand(account, int(variant_id), location, level, emit=False)


def _zettle_set_stock(sandbox, account, level):
    tracked = set(account["tracked"])
    for product in account["products"].values():
        if product["uuid"] in tracked:
            for variant in product.get("variants") or []:
                account["balances"]["STORE"][variant["uuid"]] = level


LEVELS = {"bigcommerce": _bigcommerce_levels, "zettle": _zettle_levels}
STOCK_SETTERS = {"bigcommerce": _bigcommerce_set_stock, "zettle": _zettle_set_stock}


def json_response(start_response, status, body):
    """Answer ``body`` as JSON with ``status``."""
    content = json.dumps(body).encode()
    start_response(status_line(status), [("Content-Type", "application/json"),
                                         ("Content-Length", str(len(content)))])
    return [content]


def status_line(status):
    """``200`` -> ``"200 OK"``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}"
