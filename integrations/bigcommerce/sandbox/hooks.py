"""Webhook management (``/v3/hooks``) and signed deliveries from the BigCommerce sandbox.

A delivery is BigCommerce's thin payload ``{scope, store_id, data, hash, created_at, producer}``
with the hook's custom ``headers`` and the Standard Webhooks headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{ts}.{body}">``,
keyed by the client secret of the app that created the hook.
"""

import base64
import hashlib
import hmac
import json
import re
from urllib.parse import urlsplit

from django.conf import settings

from integrations.bigcommerce.sandbox.common import V3, body_json, envelope, paginate, v3_error
from integrations.sandbox.core import route

HOOKS_PER_SCOPE = 10


def scope_matches(pattern, scope):
    """``store/product/*`` covers every product scope; ``store/channel/*/...`` any channel id."""
    if pattern == scope:
        return True
    regex = re.escape(pattern)
    if regex.endswith(r"/\*"):
        regex = regex[:-2] + ".+"
    regex = regex.replace(r"\*", "[^/]+")
    return re.fullmatch(regex, scope) is not None


def payload_hash(data):
    """SHA-1 of the event data: identical for every copy and retry of one event."""
    return hashlib.sha1(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()  # noqa: S324


def sign(secret, msg_id, timestamp, body):
    digest = hmac.new(secret.encode(), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class HooksMixin:
    def _hook_error(self, errors, title="JSON data is missing or invalid"):
        return v3_error(422, title, errors)

    def _find_hook(self, request, account, webhook_id):
        hook = account["hooks"].get(str(webhook_id))
        if hook is None or hook["client_id"] != request.client_id:
            raise v3_error(404, f"Webhook with id [{webhook_id}] not found")
        return hook

    def _validate_hook(self, request, account, body, *, hook_id=None):
        scope, destination = body.get("scope"), body.get("destination")
        errors = {}
        if not scope:
            errors["scope"] = "error.path.missing."
        if not destination:
            errors["destination"] = "error.path.missing."
        else:
            parts = urlsplit(destination)
            # like the Zettle sandbox: plain http to a configured sandbox host (a benchmark's local intake)
            local = (parts.hostname or "") in set(getattr(settings, "SANDBOX_HOSTS", ())) and parts.scheme == "http"
            if not local and (parts.scheme != "https" or parts.port not in (None, 443)):
                errors["destination"] = "The destination must be HTTPS on port 443."
        if "headers" in body and body["headers"] is not None and not isinstance(body["headers"], dict):
            errors["headers"] = "Must be an object of header names and values."
        if errors:
            raise self._hook_error(errors)
        mine = [h for h in account["hooks"].values() if h["client_id"] == request.client_id and h["id"] != hook_id]
        if any(h["scope"] == scope and h["destination"] == destination for h in mine):
            raise self._hook_error({"destination": "A webhook with this scope and destination already exists."},
                                   "Webhook already exists")
        if sum(1 for h in mine if h["scope"] == scope) >= HOOKS_PER_SCOPE:
            raise self._hook_error({"scope": f"At most {HOOKS_PER_SCOPE} webhooks per scope."},
                                   "Too many webhooks for this scope")

    @route("GET", V3 + "/hooks")
    def list_hooks(self, request, account, store_hash):
        hooks = [h for h in sorted(account["hooks"].values(), key=lambda h: h["id"])
                 if h["client_id"] == request.client_id]
        if request.arg("is_active") is not None:
            active = request.arg("is_active") in ("true", "1")
            hooks = [h for h in hooks if h["is_active"] == active]
        for key in ("scope", "destination"):
            if request.arg(key):
                hooks = [h for h in hooks if h[key] == request.arg(key)]
        chunk, meta = paginate(request, hooks)
        return envelope(chunk, meta)

    @route("POST", V3 + "/hooks")
    def create_hook(self, request, account, store_hash):
        body = body_json(request) or {}
        self._validate_hook(request, account, body)
        now = int(self.clock.now())
        hid = self.next_id()
        hook = {"id": hid, "client_id": request.client_id, "store_hash": account["store_hash"],
                "scope": body["scope"], "destination": body["destination"], "is_active": body.get("is_active", True),
                "headers": body.get("headers") or None, "created_at": now, "updated_at": now}
        account["hooks"][str(hid)] = hook
        return envelope(hook, {})

    @route("GET", V3 + r"/hooks/(?P<webhook_id>\d+)")
    def get_hook(self, request, account, store_hash, webhook_id):
        return envelope(self._find_hook(request, account, webhook_id), {})

    @route("PUT", V3 + r"/hooks/(?P<webhook_id>\d+)")
    def update_hook(self, request, account, store_hash, webhook_id):
        hook = self._find_hook(request, account, webhook_id)
        body = body_json(request) or {}
        merged = {**hook, **{k: v for k, v in body.items() if k in ("scope", "destination", "is_active", "headers")}}
        self._validate_hook(request, account, merged, hook_id=hook["id"])
        hook.update({k: merged[k] for k in ("scope", "destination", "is_active", "headers")})
        hook["updated_at"] = int(self.clock.now())
        return envelope(hook, {})

    @route("DELETE", V3 + r"/hooks/(?P<webhook_id>\d+)")
    def delete_hook(self, request, account, store_hash, webhook_id):
        hook = self._find_hook(request, account, webhook_id)
        account["hooks"].pop(str(hook["id"]))
        return envelope(hook, {})

    # --- deliveries -------------------------------------------------------------------------------
    def emit(self, account, scope, data):
        """Queue the callback of one event for every active hook whose scope covers it."""
        created_at = int(self.clock.now())
        event_hash = payload_hash(data)
        for hook in sorted(account["hooks"].values(), key=lambda h: h["id"]):
            if not hook["is_active"] or not scope_matches(hook["scope"], scope):
                continue
            payload = {"scope": scope, "store_id": account["store_id"], "data": data, "hash": event_hash,
                       "created_at": created_at, "producer": f"stores/{account['store_hash']}"}
            body = json.dumps(payload).encode()
            secret = account["apps"][hook["client_id"]]
            custom = dict(hook["headers"] or {})

            def signer(delivery, now, secret=secret, custom=custom):
                timestamp = str(int(now))
                return {"Content-Type": "application/json", **custom, "webhook-id": delivery.id,
                        "webhook-timestamp": timestamp,
                        "webhook-signature": sign(secret, delivery.id, timestamp, delivery.body)}

            self.webhooks.enqueue(account=account["store_hash"], topic=scope, url=hook["destination"], body=body,
                                  sign=signer, subscription_id=str(hook["id"]))

    def on_webhook_exhausted(self, delivery):
        """After the last retry BigCommerce sets the hook ``is_active: false``."""
        account = self.state["accounts"].get(delivery.account)
        hook = (account or {}).get("hooks", {}).get(str(delivery.subscription_id))
        if hook is not None:
            hook["is_active"] = False
            hook["updated_at"] = int(self.clock.now())
