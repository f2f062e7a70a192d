"""The Shopbox sandbox's accounts, authentication, rate limit, list envelope and merchant helpers.

What is evidenced (reference §2): ``POST /authenticate/credentials`` with ``{username, password}``
answering ``{accessToken}``; the token travels as the ``accessToken`` query parameter together with
the integer ``client`` id (legacy bridges send ``api-token`` alone); 401 on a bad token; list
envelope ``{data, meta: {pagination: {..., links}}}`` with ``page`` / ``per-page`` (``-1`` = all).

Assumptions (no public Shopbox docs; kept in one place so they are easy to change):
- token lifetime ``token_ttl_s`` (default 24 h) and the ``expiresIn`` field of the login answer;
- the pagination block follows Laravel/Fractal: ``total, count, per_page, current_page,
  total_pages, links{next, previous}``; ``per-page`` above ``max_per_page`` is clamped;
- error bodies follow Laravel: ``{"message", "status_code"}`` and 422 ``{"message", "errors"}``;
- rate limit: ``rate_per_minute`` per client over a rolling minute, headers ``X-RateLimit-Limit`` /
  ``X-RateLimit-Remaining``; a 429 carries ``Retry-After`` and ``X-RateLimit-Reset``.
"""

import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings

from integrations.sandbox.core import Sandbox, SandboxError
from integrations.sandbox.ratelimit import RollingRate

DEFAULTS = {
    "max_per_page": 100,  # the largest page the sandbox serves; ShopboxClient.PER_PAGE matches it
    "max_batch": 50,  # products per create-or-update call
    "max_inventory_batch": 100,  # stock records per POST /product-inventories
    "rate_per_minute": 600,
    "token_ttl_s": 86_400,
    "currency": "DKK",
}
AUTH_PATH = "/authenticate/credentials"
RATE_WINDOW_S = 60.0
_UID_NAMESPACE = uuid.UUID("5b0b0b0b-0000-4000-8000-00000000beef")


def error(status, message, errors=None, headers=None):
    body = {"message": message, "status_code": status}
    if errors:
        body["errors"] = errors
    return SandboxError(status, body, headers)


def invalid(errors):
    return error(422, "The given data was invalid.", errors)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="microseconds")


def parse_since(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid({"updated_since": ["The updated since is not a valid date."]}) from None


class ShopboxBase(Sandbox):
    platform = "shopbox"

    def not_found_body(self):
        return {"message": "Not Found", "status_code": 404}

    # --- accounts ---------------------------------------------------------------------------------
    def create_account(self, **options) -> dict:
        with self.lock:
            client_id = 1000 + self.next_id()
            key = str(client_id)
            config = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
            password = secrets.token_urlsafe(12)
            account = {
                "client_id": client_id, "username": options.get("username", f"owner{client_id}@shop.example"),
                "password": password, "api_token": secrets.token_hex(20), "tokens": {}, "config": config,
                "branches": {}, "products": {}, "variance_types": {}, "inventories": {}, "baskets": {},
            }
            self.state["accounts"][key] = account
            for name in options.get("branches", ["Main store"]):
                branch_id = self.next_id()
                account["branches"][str(branch_id)] = {"id": branch_id, "uid": self.uid(), "name": name,
                                                       "created_at": self.now_iso()}
        base_url = f"{settings.SANDBOX_BASE_URL.rstrip('/')}/shopbox"
        return {"account": key, "credentials": {"username": account["username"], "password": password},
                "settings": {"sandbox": True, "base_url": base_url, "client_id": client_id},
                "external_account_id": key}

    def configure(self, account_key, **config):
        """Change an account's limits (``max_per_page``, ``rate_per_minute``, ``token_ttl_s``...)."""
        with self.lock:
            self.account(account_key)["config"].update(config)
            self.__dict__.setdefault("_rates", {}).pop(str(account_key), None)

    def uid(self) -> str:
        return str(uuid.uuid5(_UID_NAMESPACE, str(self.next_id())))

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def default_branch(self, account) -> dict:
        return next(iter(account["branches"].values()))

    # --- authentication and rate limit ------------------------------------------------------------
    def before_route(self, request):
        if request.path == AUTH_PATH:
            return None, {}
        key = self._authenticate(request)
        return key, self._rate_limit(key)

    def _authenticate(self, request) -> str:
        legacy = request.arg("api-token")
        if legacy:
            for key, account in self.state["accounts"].items():
                if secrets.compare_digest(account["api_token"], legacy):
                    return key
            raise error(401, "Unauthenticated.")
        token = request.arg("accessToken")
        if not token:
            raise error(401, "Unauthenticated.")
        client = request.arg("client")
        owner = next((key for key, account in self.state["accounts"].items() if token in account["tokens"]), None)
        if owner is None or self.state["accounts"][owner]["tokens"][token] <= self.clock.now():
            raise error(401, "Unauthenticated.")
        if client is None or not str(client).isdigit():
            raise error(400, "The client parameter is required and must be an integer.")
        if str(client) != owner:
            raise error(403, "This action is unauthorized.")
        return owner

    def _rate_limit(self, key) -> dict:
        config = self.state["accounts"][key]["config"]
        limit = int(config["rate_per_minute"])
        rate = self.__dict__.setdefault("_rates", {}).setdefault(key, RollingRate(per_s=limit / RATE_WINDOW_S,
                                                                                   window_s=RATE_WINDOW_S))
        now = self.clock.now()
        if not rate.hit(now):
            wait = max(1, int(min(rate.stamps) + RATE_WINDOW_S - now + 0.999))
            raise error(429, "Too Many Attempts.", headers={
                "Retry-After": str(wait), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(now + wait))})
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - len(rate.stamps)))}

    def login(self, request):
        body = request.json() or {}
        username, password = body.get("username"), body.get("password")
        if not username or not password:
            raise invalid({k: [f"The {k} field is required."] for k in ("username", "password") if not body.get(k)})
        for account in self.state["accounts"].values():
            if account["username"] == username and secrets.compare_digest(account["password"], str(password)):
                token = secrets.token_hex(24)
                now = self.clock.now()
                account["tokens"] = {t: exp for t, exp in account["tokens"].items() if exp > now}
                account["tokens"][token] = now + account["config"]["token_ttl_s"]
                return {"accessToken": token, "expiresIn": account["config"]["token_ttl_s"]}
        raise error(401, "Invalid credentials.")

    def expire_tokens(self, account_key):
        """Make every access token of the account expire now (tests of the re-login path)."""
        with self.lock:
            self.account(account_key)["tokens"] = {}

    # --- the list envelope ------------------------------------------------------------------------
    def paginate(self, request, account, items):
        try:
            page = max(1, int(request.arg("page", 1)))
            per_page = int(request.arg("per-page", request.arg("num_per_page", 15)))
        except ValueError:
            raise invalid({"page": ["The page and per-page parameters must be integers."]}) from None
        total = len(items)
        # -1 is documented as "everything in one page"; other sizes are clamped to the account's maximum
        limit = account["config"]["max_per_page"]
        per_page = max(total, 1) if per_page == -1 else max(1, min(per_page, limit))
        total_pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        base = f"{settings.SANDBOX_BASE_URL.rstrip('/')}/shopbox{request.path}"
        query = {k: v[-1] for k, v in request.query.items() if k not in ("accessToken", "api-token")}

        def link(number):
            return f"{base}?{urlencode({**query, 'page': number, 'per-page': per_page})}"

        links = {}
        if page < total_pages:
            links["next"] = link(page + 1)
        if page > 1:
            links["previous"] = link(page - 1)
        pagination = {"total": total, "count": len(chunk), "per_page": per_page, "current_page": page,
                      "total_pages": total_pages, "links": links}
        return {"data": chunk, "meta": {"pagination": pagination}}
