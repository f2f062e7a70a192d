"""The Zettle sandbox's common ground: accounts, the token endpoint, auth, scopes, rate limits,
error bodies and outgoing Pusher webhooks.

Each Zettle host is the first path segment: ``/oauth``, ``/products``, ``/inventory``,
``/purchase``, ``/pusher`` (served under ``/sandbox/zettle``).

Creating a Pusher subscription posts Zettle's ``TestMessage`` to the destination there and then and
refuses the subscription when that fails: 400 ``DESTINATION_NOT_ACCESSIBLE`` (not reached) or 500
``DESTINATION_RESPONDED_WITH_ERROR_CODE`` (answered, not 2xx) — Zettle's pusher-api api-reference,
create-subscriptions and troubleshooting pages (github:iZettle/api-documentation). Assumed: the test
message gets the same 10 s as any delivery and is not retried. Deliveries go through ``reach``: a
test's ``sender``, Flyt's own app when the sandbox is served in process, else real HTTP.
"""

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import uuid as uuidlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.test import Client

from integrations.sandbox import inprocess
from integrations.sandbox.core import Sandbox, SandboxError, SandboxResponse, route
from integrations.sandbox.ratelimit import RollingRate

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SERVICES = ("oauth", "products", "inventory", "purchase", "pusher", "secure")
ALL_SCOPES = ["READ:PRODUCT", "WRITE:PRODUCT", "READ:PURCHASE", "READ:USERINFO"]
DEFAULT_LIMITS = {
    "inventory_per_s": 4.0,  # documented soft limit (rolling average)
    "products_per_s": 0, "purchase_per_s": 0, "pusher_per_s": 0, "oauth_per_s": 0,  # 0: none documented
    "library_page": 500,
    "import_max": 1000,  # not documented; configurable
    "movements_max": 500,  # movements per POST /v3/movements: not documented; configurable
    "tracking_max": 500,  # products per POST /v3/products: not documented; configurable
    "stock_read_max": 100,  # product uuids per balance or tracking-status read: not documented
    "stock_page_max": 1000,  # GET /v3/stock limit: 1-1000 (developer portal)
    "import_seconds": 2.0,  # how long an import stays IMPORTING
}
LOCATION_TYPES = ("STORE", "SOLD", "BIN", "SUPPLIER")
# v3 inventory calls that read with a POST (balances of listed products, tracking status): READ:PRODUCT
INVENTORY_READS_BY_POST = re.compile(r"/v3/(?:stock/[^/]+/products|products/status)/?$")


def zettle_error(status, message, error_type=None, violations=None, headers=None):
    """Zettle's error body: ``{developerMessage, errorType, violations[]}``."""
    body = {"developerMessage": message, "errorType": error_type, "violations": violations or []}
    return SandboxError(status, body, headers)


def violation(prop, message, constraint="INVALID"):
    return {"propertyName": prop, "developerMessage": message, "constraintType": constraint}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ZettleBase(Sandbox):
    platform = "zettle"
    # Pusher: every 60 s ×10, every 600 s ×9, hourly for 70 h; then the subscription is deleted
    webhook_retry_schedule = (60,) * 10 + (600,) * 9 + (3600,) * 70
    webhook_timeout_s = 10.0

    def __init__(self, clock=None):
        super().__init__(clock=clock)
        self.rng = random.Random(7)
        self._limiters = {}
        # how Pusher reaches a destination: ``sender(url, headers, body) -> HTTP status`` (raising when it
        # cannot reach it); None: ``reach`` (Flyt in process when served in process, else real HTTP)
        self.sender = None

    def empty_state(self):
        return {"accounts": {}, "sequence": 0, "tokens": {}}

    def reset(self):
        super().reset()
        self._limiters.clear()

    # --- ids and times ---------------------------------------------------------------------------
    def uuid1(self) -> str:
        return str(uuidlib.uuid1(node=self.rng.getrandbits(48) | 0x010000000000, clock_seq=self.rng.getrandbits(14)))

    def stamp(self) -> str:
        """Entity time: 2024-05-02T10:15:30.140+0000."""
        moment = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"

    def stamp_z(self) -> str:
        """Envelope time: 2024-05-02T10:15:30.155Z."""
        moment = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def public_base(self, request) -> str:
        """Where this sandbox is reached, for the absolute URLs Zettle puts in Link headers."""
        parts = urlsplit(settings.SANDBOX_BASE_URL)
        host = request.header("host") or parts.netloc
        return f"{parts.scheme}://{host}{parts.path.rstrip('/')}/zettle"

    # --- accounts --------------------------------------------------------------------------------
    def create_account(self, **options) -> dict:
        """Options: ``scopes``, ``currency`` (SEK), ``country`` (SE), ``token_ttl`` (7200), ``limits``
        (see DEFAULT_LIMITS)."""
        with self.lock:
            org = self.uuid1()
            client_id = str(uuidlib.uuid4())
            scopes = list(options.get("scopes", ALL_SCOPES))
            header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
            claims = b64url(json.dumps({"client_id": client_id, "scopes": scopes, "organization": org}).encode())
            api_key = f"{header}.{claims}.{b64url(secrets.token_bytes(48))}"
            self.state["accounts"][org] = {
                "organization_uuid": org, "user_uuid": self.uuid1(), "client_id": client_id, "api_key": api_key,
                "scopes": scopes, "currency": options.get("currency", "SEK"), "country": options.get("country", "SE"),
                "token_ttl": int(options.get("token_ttl", 7200)),
                "limits": {**DEFAULT_LIMITS, **(options.get("limits") or {})},
                "products": {}, "events": [], "categories": {}, "imports": {}, "import_order": [],
                "locations": {kind: self.uuid1() for kind in LOCATION_TYPES}, "tracked": {},
                "balances": {"STORE": {}, "SOLD": {}, "BIN": {}}, "purchases": [], "purchase_number": 0,
                "subscriptions": {},
            }
            return {
                "account": org,
                "credentials": {"api_key": api_key, "client_id": client_id},
                "settings": {"sandbox": True, "base_url": f"{settings.SANDBOX_BASE_URL.rstrip('/')}/zettle",
                             "organization_uuid": org},
                "external_account_id": org,
            }

    def not_found_body(self):
        return {"developerMessage": "Not found", "errorType": "ENTITY_NOT_FOUND", "violations": []}

    def org_check(self, account, org):
        if org not in ("self", account["organization_uuid"]):
            raise zettle_error(403, "Access denied to organization " + org, "FORBIDDEN")

    # --- auth, scopes, rate limits ---------------------------------------------------------------
    def before_route(self, request):
        service = request.path.strip("/").split("/", 1)[0]
        if service not in SERVICES:
            raise SandboxError(404, self.not_found_body())
        if request.path == "/oauth/token":
            return None, {}
        auth = request.header("authorization") or ""
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        grant = self.state["tokens"].get(token)
        if not token or grant is None or grant["expires_at"] <= self.clock.now():
            challenge = ('Bearer error="invalid_request", error_description="ACCESS_TOKEN_EXPIRED"' if grant
                         else 'Bearer error="invalid_token", error_description="INVALID_ACCESS_TOKEN"')
            raise SandboxError(401, None, {"WWW-Authenticate": challenge})
        key = grant["account"]
        account = self.account(key)
        self._check_scope(account, service, request)
        limit = account["limits"].get(f"{service}_per_s") or 0
        if limit:
            rate = self._limiters.setdefault((key, service), RollingRate(per_s=float(limit)))
            if not rate.hit(self.clock.now()):
                raise zettle_error(429, "Too many requests", "TOO_MANY_REQUESTS", headers={"Retry-After": "1"})
        return key, {}

    def _check_scope(self, account, service, request):
        needed = None
        if service in ("products", "inventory"):
            read = request.method in ("GET", "HEAD") or (service == "inventory" and INVENTORY_READS_BY_POST.search(
                request.path) is not None)
            needed = "READ:PRODUCT" if read else "WRITE:PRODUCT"
        elif service == "purchase":
            needed = "READ:PURCHASE"
        if needed and needed not in account["scopes"]:
            raise zettle_error(403, f"Insufficient scope, {needed} is required", "FORBIDDEN")

    @route("POST", r"/oauth/token")
    def token(self, request):
        if "application/x-www-form-urlencoded" not in (request.header("content-type") or ""):
            raise SandboxError(400, {"error": "invalid_request", "error_description": "Form-encoded body required"})
        form = request.form()
        stale = [t for t, g in self.state["tokens"].items() if g["expires_at"] < self.clock.now() - 86400]
        for old_token in stale:  # keep a day of expired tokens to answer ACCESS_TOKEN_EXPIRED, no more
            del self.state["tokens"][old_token]
        if form.get("grant_type") != JWT_BEARER:
            raise SandboxError(400, {"error": "unsupported_grant_type",
                                     "error_description": f"Unsupported grant type {form.get('grant_type')}"})
        for key, account in self.state["accounts"].items():
            if account["client_id"] == form.get("client_id") and hmac.compare_digest(
                    account["api_key"], form.get("assertion") or ""):
                token = f"{self.next_id()}.{secrets.token_urlsafe(32)}"
                self.state["tokens"][token] = {"account": key,
                                               "expires_at": self.clock.now() + account["token_ttl"]}
                return SandboxResponse(200, {"access_token": token, "expires_in": account["token_ttl"]})
        raise SandboxError(400, {"error": "invalid_grant", "error_description": "Invalid assertion"})

    @route("GET", r"/oauth/users/self")
    def users_self(self, request, account):
        return SandboxResponse(200, {"uuid": account["user_uuid"], "organizationUuid": account["organization_uuid"]})

    # --- webhooks out ----------------------------------------------------------------------------
    def emit(self, account, event_name, payload):
        """Queue ``event_name`` for every subscription of ``account`` that listens to it."""
        for sub in list(account["subscriptions"].values()):
            if sub["eventNames"] and event_name not in sub["eventNames"]:
                continue
            message_uuid = self.uuid1()
            envelope = {"organizationUuid": account["organization_uuid"], "messageUuid": message_uuid,
                        "eventName": event_name, "messageId": str(uuidlib.UUID(int=self.rng.getrandbits(128),
                                                                                version=5)),
                        "payload": json.dumps(payload, separators=(",", ":")), "timestamp": self.stamp_z()}
            self.webhooks.enqueue(account=account["organization_uuid"], topic=event_name, url=sub["destination"],
                                  body=json.dumps(envelope).encode(), sign=self._signer(sub["signingKey"], envelope),
                                  subscription_id=sub["uuid"], delivery_id=message_uuid)

    @staticmethod
    def _signer(signing_key, envelope):
        signed = f"{envelope['timestamp']}.{envelope['payload']}".encode()
        signature = hmac.new(signing_key.encode(), signed, hashlib.sha256).hexdigest()

        def sign(delivery, now):
            return {"Content-Type": "application/json", "X-iZettle-Signature": signature}

        return sign

    def on_webhook_exhausted(self, delivery):
        account = self.state["accounts"].get(delivery.account)
        if account is not None:
            account["subscriptions"].pop(delivery.subscription_id, None)

    def subscription_status(self, sub_uuid):
        failing = any(d.subscription_id == sub_uuid and d.status == "pending" and d.attempts > 0
                      for d in self.webhooks.deliveries)
        return "FAILING" if failing else "ACTIVE"

    def http_send(self, url, headers, body):
        """Deliver over HTTP the way Pusher does: POST, 10 s to answer."""
        return httpx.post(url, headers=headers, content=body, timeout=self.webhook_timeout_s).status_code

    def reach(self, url, headers, body):
        """Post one delivery: through ``sender`` when a test set one; served in process (tests: the
        registry's in-process host), there is no network: a destination on Flyt's own public address
        (``PUBLIC_BASE_URL``) goes to Flyt's app in process, any other cannot be reached; otherwise
        real HTTP."""
        if self.sender is not None:
            return self.sender(url, headers, body)
        if inprocess.installed_for(inprocess.inprocess_base_url(self.platform)) is not self:
            return self.http_send(url, headers, body)
        parts, flyt = urlsplit(url), urlsplit(getattr(settings, "PUBLIC_BASE_URL", ""))
        if (parts.scheme, parts.netloc) != (flyt.scheme, flyt.netloc):
            raise httpx.ConnectError(f"{parts.hostname} cannot be reached from the sandbox")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        return Client().generic("POST", path, data=body, content_type=headers.get("Content-Type", "application/json"),
                                secure=parts.scheme == "https", headers=extra).status_code

    def deliver_webhooks(self, send=None):
        """Send what is due now (``send(url, headers, body) -> status``; default: ``reach``)."""
        return self.webhooks.deliver_due(send or self.reach)

    def test_destination(self, account, sub):
        """What Pusher does when a subscription is created: post a TestMessage (unsigned, object payload)
        to the destination at once, through the same path as every delivery, and refuse the subscription
        when it cannot: 400 DESTINATION_NOT_ACCESSIBLE (not reached) or 500
        DESTINATION_RESPONDED_WITH_ERROR_CODE (answered, not 2xx). The test message is not retried."""
        test = {"eventName": "TestMessage", "organizationUuid": account["organization_uuid"],
                "messageId": self.uuid1(), "payload": {"data": "payload"}}
        delivery = self.webhooks.enqueue(account=account["organization_uuid"], topic="TestMessage",
                                         url=sub["destination"], body=json.dumps(test).encode(),
                                         sign=lambda delivery, now: {"Content-Type": "application/json"},
                                         subscription_id=sub["uuid"], delivery_id=test["messageId"])
        now = self.clock.now()
        try:
            status = self.reach(delivery.url, delivery.headers(now), delivery.body)
        except Exception as exc:  # not reached: DNS, refused connection, timeout, TLS
            status = type(exc).__name__
        self.webhooks.record_attempt(delivery, status, now)
        if delivery.status == "delivered":
            return
        for copy in self.webhooks.deliveries:  # the test message and any duplicate of it: not retried
            if copy.id == delivery.id and copy.status == "pending":
                copy.status = "failed"
        delivery.status = "failed"
        if isinstance(status, int):
            raise zettle_error(500, f"Destination {sub['destination']} responded with error code {status}",
                               "DESTINATION_RESPONDED_WITH_ERROR_CODE")
        raise zettle_error(400, f"Destination {sub['destination']} is not accessible", "DESTINATION_NOT_ACCESSIBLE")
