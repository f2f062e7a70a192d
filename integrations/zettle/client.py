"""The Zettle client: one object for all of Zettle's hosts.

Zettle spreads its API over hosts (oauth.zettle.com for tokens, products/inventory/purchase/pusher
.izettle.com). Each call names its *service*; the client turns it into that host's URL (or, for a
sandbox, ``<base_url>/<service>``). Auth is the API-key assertion grant: the merchant's API key
is exchanged for a bearer token that lives 7,200 s; the client fetches a new one shortly before
expiry (on its clock) and once more when a call answers 401.

Rate limits: Zettle sends no rate-limit headers. The Inventory API documents a soft limit of
4 requests/s measured over a short rolling window, so the client paces inventory calls to that
before it runs dry; on a 429 it waits what ``Retry-After`` says (one rolling window if absent).
"""

import hashlib
import logging
import math
import threading
from collections import deque
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache

from integrations.errors import ConnectorError
from integrations.fields import decrypt, encrypt
from integrations.http import PlatformClient, host_allowed
from integrations.zettle.api_inventory import InventoryApi
from integrations.zettle.api_low_stock import LowStockApi
from integrations.zettle.api_organization import OrganizationApi
from integrations.zettle.api_products import ProductsApi
from integrations.zettle.api_purchases import PurchasesApi, PusherApi
from integrations.zettle.mapping import new_uuid1

__all__ = ["REAL_HOSTS", "ZettleClient", "new_uuid1"]

logger = logging.getLogger("flyt.zettle")

REAL_HOSTS = {
    "oauth": "https://oauth.zettle.com",
    "products": "https://products.izettle.com",
    "inventory": "https://inventory.izettle.com",
    "purchase": "https://purchase.izettle.com",
    "pusher": "https://pusher.izettle.com",
    "secure": "https://secure.izettle.com",  # merchant information (api_organization)
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Pusher refuses a new subscription when its test message to the destination fails (pusher-api
# api-reference and troubleshooting): 400 not reached, 500 answered with an error
DESTINATION_REFUSALS = {"DESTINATION_NOT_ACCESSIBLE": "unreachable", "DESTINATION_RESPONDED_WITH_ERROR_CODE": "error"}


def shared_pacing():
    """Whether workers share a cache (Redis): then pacing is agreed between processes."""
    return "RedisCache" in settings.CACHES["default"]["BACKEND"]


class ZettleClient(ProductsApi, InventoryApi, LowStockApi, PurchasesApi, PusherApi, OrganizationApi, PlatformClient):
    platform = "zettle"
    label = "Zettle"
    allowed_host_suffixes = ("izettle.com", "zettle.com")
    token_margin_s = 300.0  # fetch a new token this long before the old one expires
    # requests per second per service, over a 1 s rolling window (None: no documented limit)
    default_rates = {"inventory": 4.0}

    def __init__(self, *, api_key, client_id, base_url=None, organization="self", rates=None, transport=None,
                 clock=None, retry=None):
        if base_url:
            hosts = {service: f"{base_url.rstrip('/')}/{service}" for service in REAL_HOSTS}
        else:
            hosts = dict(REAL_HOSTS)
        super().__init__(base_url=hosts["products"], transport=transport, clock=clock, retry=retry)
        for url in hosts.values():
            self._guard(url)
        self.hosts = hosts
        self.api_key = api_key
        self.client_id = client_id
        self.organization = organization or "self"
        self.rates = {**self.default_rates, **(rates or {})}
        self._stamps = {service: deque() for service in hosts}
        self._stamps_lock = threading.Lock()
        # the push calls from two threads (imports and stock): what a call is in the middle of is per
        # thread, fetching a token is one thread at a time
        self._local = threading.local()
        self._token_lock = threading.RLock()
        self._token = None
        self._token_expires_at = 0.0
        self._locations = None

    @property
    def _service(self):
        return getattr(self._local, "service", "products")

    @_service.setter
    def _service(self, service):
        self._local.service = service

    @property
    def _in_token_call(self):
        return getattr(self._local, "in_token_call", False)

    @_in_token_call.setter
    def _in_token_call(self, value):
        self._local.in_token_call = value

    @classmethod
    def from_connection(cls, connection, *, transport=None, clock=None):
        credentials = connection.credentials or {}
        settings = connection.settings or {}
        return cls(api_key=credentials.get("api_key", ""), client_id=credentials.get("client_id", ""),
                   base_url=settings.get("base_url") or None, organization="self", transport=transport,
                   clock=clock)

    # --- URLs --------------------------------------------------------------------------------------
    def _guard(self, url):
        if not host_allowed(url, self.allowed_host_suffixes):
            raise ConnectorError(
                f"Zettle address {urlsplit(url).hostname or url!r} is not one of Zettle's own hosts; "
                "Flyt will not send your data there.", retryable=False, platform=self.platform)

    @property
    def org(self):
        return self.organization

    def call(self, service, method, path, **kwargs):
        """One call to ``service`` (oauth, products, inventory, purchase, pusher) at ``path``."""
        return self.call_url(service, method, self.hosts[service] + path, **kwargs)

    def call_url(self, service, method, url, **kwargs):
        """A call to a full URL the platform gave us (e.g. a ``Link: rel="next"``), host-checked."""
        self._guard(url)
        self._service = service
        return self.request(method, url, **kwargs)

    def follow(self, response, link):
        """The absolute URL of a link found in ``response`` (relative references resolve against it)."""
        return urljoin(str(response.request.url), link)

    # --- auth -------------------------------------------------------------------------------------
    def auth_headers(self):
        if self._in_token_call:
            return {}
        if self._token is None or self.clock.now() >= self._token_expires_at - self.token_margin_s:
            with self._token_lock:  # another thread may have fetched one meanwhile
                if self._token is None or self.clock.now() >= self._token_expires_at - self.token_margin_s:
                    self._fetch_token()
        return {"Authorization": f"Bearer {self._token}", "X-iZettle-Application-Id": self.client_id}

    def _token_cache_key(self):
        digest = hashlib.sha256(f"{self.client_id}:{self.api_key}".encode()).hexdigest()[:32]
        return f"zettle-token:{digest}"

    def _cached_token(self):
        """A token another worker fetched for the same key (tokens live two hours; fetching one per
        task would double the calls). Cached encrypted, never logged."""
        cached = cache.get(self._token_cache_key())
        if not cached:
            return False
        try:
            token, expires_at = decrypt(cached["token"]), float(cached["expires_at"])
        except Exception:  # a rotated key or a garbled entry: fetch a new token
            return False
        if self.clock.now() >= expires_at - self.token_margin_s:
            return False
        self._token, self._token_expires_at = token, expires_at
        return True

    def _fetch_token(self):
        if self._cached_token():
            return
        if not self.api_key or not self.client_id:
            raise ConnectorError("Zettle needs an API key and its client id. Create an API key in Zettle "
                                 "(my.zettle.com → Apps → API keys) and enter both.", retryable=False,
                                 platform=self.platform)
        service = self._service
        self._in_token_call = True
        try:
            response = self.call("oauth", "POST", "/token", data={
                "grant_type": JWT_BEARER, "client_id": self.client_id, "assertion": self.api_key})
        finally:
            self._in_token_call = False
            self._service = service
        body = response.json()
        self._token = body["access_token"]
        self._token_expires_at = self.clock.now() + float(body.get("expires_in", 7200))
        cache.set(self._token_cache_key(), {"token": encrypt(self._token), "expires_at": self._token_expires_at},
                  timeout=max(1, int(float(body.get("expires_in", 7200)) - self.token_margin_s)))
        logger.info("zettle: new access token for client %s, expires in %ss", self.client_id,
                    body.get("expires_in"))

    def refresh_auth(self, response=None):
        if self._in_token_call:
            return False
        self._token = None  # ACCESS_TOKEN_EXPIRED (or revoked): the next attempt fetches a new one
        cache.delete(self._token_cache_key())
        return True

    # --- pacing -----------------------------------------------------------------------------------
    def wait_before(self):
        rate = self.rates.get(self._service)
        if not rate:
            return 0.0
        if shared_pacing():
            return self._shared_wait(rate)
        with self._stamps_lock:
            now = self.clock.now()
            stamps = self._stamps[self._service]
            while stamps and stamps[0] <= now - 1.0:
                stamps.popleft()
            wait = 0.0
            if len(stamps) >= rate:
                wait = stamps[-int(rate)] + 1.0 + 0.001 - now
            stamps.append(now + max(0.0, wait))
        return max(0.0, wait)

    def _shared_wait(self, rate):
        """Several workers call Zettle for the same account: each call reserves the next free slot of
        1/rate seconds in the shared cache (an atomic add), so together they stay under the rate."""
        # slots a little wider than 1/rate: calls reach Zettle with some jitter, and its limit is a
        # rolling window, so five calls must never land within one second
        slot_len = 1.0 / max(0.5, rate - 0.5)
        now = self.clock.now()
        slot = math.ceil(now / slot_len)
        for _ in range(int(rate * 60)):
            if cache.add(f"zettle-pace:{self.client_id}:{self._service}:{slot}", 1, timeout=120):
                return max(0.0, slot * slot_len - now) + 0.001
            slot += 1
        return 60.0

    def retry_after(self, response):
        wait = super().retry_after(response)
        return 1.0 if wait is None else wait

    # --- errors -----------------------------------------------------------------------------------
    def _destination_refusal(self, response):
        """"unreachable" or "error" when Pusher refused a subscription because its test message to the
        destination failed, else None."""
        if self._service != "pusher" or response.status_code not in (400, 500):
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        return DESTINATION_REFUSALS.get(body.get("errorType")) if isinstance(body, dict) else None

    def observe(self, response):
        # a 500 for a destination that answered the test message with an error is not Zettle having a
        # passing problem: not retried (every attempt would post another test message)
        if response.status_code == 500 and self._destination_refusal(response):
            raise self.permanent_error(response)

    def error_message(self, response):
        try:
            body = response.json()
        except ValueError:
            return response.text[:300] or f"HTTP {response.status_code}"
        if not isinstance(body, dict):
            return str(body)[:300]
        if "error" in body and "developerMessage" not in body:  # RFC 6749 token errors
            return f"{body.get('error')}: {body.get('error_description', '')}".strip(": ")[:300]
        parts = [body.get("developerMessage") or ""]
        if body.get("errorType"):
            parts.append(f"[{body['errorType']}]")
        for violation in body.get("violations") or []:
            parts.append(f"{violation.get('propertyName', '?')}: {violation.get('developerMessage', '')}")
        return " ".join(p for p in parts if p)[:300]

    def permanent_error(self, response):
        status = response.status_code
        refusal = self._destination_refusal(response)
        if refusal:
            what = ("Zettle could not reach Flyt's address for notifications" if refusal == "unreachable" else
                    "Flyt's address for notifications answered Zettle's test message with an error")
            return ConnectorError(f"{what}, so Zettle did not subscribe Flyt to its changes.", retryable=False,
                                  status=status, platform=self.platform,
                                  detail={"body": response.text[:2000], "webhook_destination": refusal})
        if self._service == "oauth" and status in (400, 401):
            return ConnectorError(
                f"Zettle refused the API key ({self.error_message(response)}). Create a new API key in Zettle "
                "(my.zettle.com → Apps → API keys) and reconnect Zettle in Flyt.",
                retryable=False, status=status, platform=self.platform)
        if status == 403:
            return ConnectorError(
                f"Zettle refused access: the API key lacks a permission Flyt needs ({self.error_message(response)}). "
                "Create an API key with the product and purchase scopes and reconnect.",
                retryable=False, status=status, platform=self.platform)
        if status == 412:
            return ConnectorError("The product changed in Zettle since Flyt read it; Flyt will read it again "
                                  "before writing.", retryable=False, status=412, platform=self.platform)
        return super().permanent_error(response)
