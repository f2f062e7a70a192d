"""The BigCommerce REST client: ``X-Auth-Token`` on ``https://api.bigcommerce.com/stores/{store_hash}``.

Reading streams page by page at the largest page size (250) so memory does not grow with the
catalog; writes go in BigCommerce's maximum batches (10 products, 50 variants, 2,000 inventory
items, 10 customers). The per-store quota (``X-Rate-Limit-*`` headers, shared by every app on the
store) is watched on every response: when the window is about to run dry we pause until it resets,
and a 429 waits ``X-Rate-Limit-Time-Reset-Ms`` (else ``X-Retry-After``). Tokens do not expire, so
there is no refresh; a 401 means the merchant must reconnect.
"""

import logging

import httpx

from integrations.bigcommerce.catalog_api import CatalogApi
from integrations.bigcommerce.commerce_api import CommerceApi
from integrations.errors import ConnectorError
from integrations.http import PlatformClient

logger = logging.getLogger("flyt.bigcommerce")

API_ROOT = "https://api.bigcommerce.com"
PAGE_LIMIT = 250


class BigCommerceClient(CatalogApi, CommerceApi, PlatformClient):
    platform = "bigcommerce"
    label = "BigCommerce"
    allowed_host_suffixes = ("api.bigcommerce.com",)
    page_limit = PAGE_LIMIT
    # pause when this few requests are left in the window: the quota is shared with other apps
    min_requests_left = 1

    def __init__(self, *, store_hash, access_token, base_url=None, transport=None, clock=None, retry=None):
        if not store_hash or not access_token:
            raise ConnectorError("BigCommerce needs a store hash and an access token. Reconnect BigCommerce.",
                                 retryable=False, platform=self.platform)
        self.store_hash = store_hash
        self._access_token = access_token
        self._requests_left = None
        self._reset_s = None
        self._observed_at = None
        root = (base_url or API_ROOT).rstrip("/")
        super().__init__(base_url=f"{root}/stores/{store_hash}", transport=transport, clock=clock, retry=retry)

    @classmethod
    def from_connection(cls, connection, *, transport=None, clock=None):
        credentials = connection.credentials or {}
        settings = connection.settings or {}
        return cls(store_hash=settings.get("store_hash") or connection.external_account_id,
                   access_token=credentials.get("access_token", ""), base_url=settings.get("base_url"),
                   transport=transport, clock=clock)

    # --- hooks of PlatformClient -------------------------------------------------------------------
    def auth_headers(self):
        return {"X-Auth-Token": self._access_token, "Accept": "application/json"}

    def observe(self, response: httpx.Response) -> None:
        left = response.headers.get("X-Rate-Limit-Requests-Left")
        reset = response.headers.get("X-Rate-Limit-Time-Reset-Ms")
        if left is None or reset is None:
            return
        try:
            self._requests_left, self._reset_s = int(left), int(reset) / 1000
        except ValueError:
            return
        self._observed_at = self.clock.now()

    def wait_before(self) -> float:
        if self._requests_left is None or self._requests_left > self.min_requests_left:
            return 0.0
        wait = self._reset_s - (self.clock.now() - self._observed_at)
        self._requests_left = None  # a fresh window after the pause; the next response tells us more
        if wait > 0:
            logger.info("bigcommerce store %s: %s requests left, pausing %.2fs for the window to reset",
                        self.store_hash, self.min_requests_left, wait)
        return max(0.0, wait)

    def retry_after(self, response: httpx.Response):
        reset = response.headers.get("X-Rate-Limit-Time-Reset-Ms")
        if reset is not None:
            try:
                return max(0.0, int(reset) / 1000)
            except ValueError:
                pass
        retry = response.headers.get("X-Retry-After")
        if retry is not None:
            try:
                return max(0.0, float(retry))
            except ValueError:
                pass
        return super().retry_after(response)  # a 429 without headers: platform load shedding, back off

    def error_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300] or response.reason_phrase
        if isinstance(body, list):  # V2: [{"status": 400, "message": "..."}]
            return "; ".join(str(item.get("message", item)) for item in body if isinstance(item, dict))[:300]
        if isinstance(body, dict):
            title = str(body.get("title") or body.get("message") or "").strip()
            errors = body.get("errors")
            if isinstance(errors, dict) and errors:
                details = "; ".join(f"{field}: {why}" for field, why in errors.items())
                return f"{title} ({details})"[:300] if title else details[:300]
            return title[:300] or str(body)[:300]
        return str(body)[:300]

    def permanent_error(self, response):
        status, detail = response.status_code, self.error_message(response)
        messages = {
            401: "BigCommerce refused the access token. Reconnect BigCommerce with a valid API account token.",
            403: f"BigCommerce refused access: the API account lacks a permission (OAuth scope) Flyt needs "
                 f"({detail}). Add the scope to the API account in BigCommerce and reconnect.",
            404: f"BigCommerce does not have it any more (404): {detail}",
            409: f"BigCommerce refused the change because it clashes with existing data: {detail}",
            413: f"BigCommerce refused the request as too large: {detail}",
            415: "BigCommerce refused the request format (415). This is a Flyt problem; contact support.",
            422: f"BigCommerce refused the data: {detail}",
        }
        message = messages.get(status, f"BigCommerce rejected the request (HTTP {status}): {detail}")
        return ConnectorError(message, retryable=False, status=status, platform=self.platform,
                              detail={"body": response.text[:2000]})

    # --- JSON helpers ----------------------------------------------------------------------------
    def call(self, method, path, *, params=None, json=None):
        """One request; the decoded JSON body, or None for an empty answer (204)."""
        response = self.request(method, path, params=params, json=json)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ConnectorError("BigCommerce answered with something that is not JSON; Flyt will try again.",
                                 retryable=True, status=response.status_code, platform=self.platform) from exc

    def iter_pages(self, path, *, params=None, limit=None):
        """V3 collections: yields each page's ``data`` list, page after page, to the last page."""
        limit = min(limit or self.page_limit, self.page_limit)
        page = 1
        while True:
            body = self.call("GET", path, params={**(params or {}), "page": page, "limit": limit}) or {}
            data = body.get("data") or []
            if data:
                yield data
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if not data or (total_pages is not None and page >= total_pages) or (
                    total_pages is None and len(data) < limit):
                return
            page += 1

    def iter_v2_pages(self, path, *, params=None, limit=None):
        """V2 collections: bare arrays; an empty page is a 204 with no body."""
        limit = min(limit or self.page_limit, self.page_limit)
        page = 1
        while True:
            data = self.call("GET", path, params={**(params or {}), "page": page, "limit": limit}) or []
            if data:
                yield data
            if len(data) < limit:
                return
            page += 1

    def iter_items(self, path, *, params=None, v2=False):
        pages = self.iter_v2_pages(path, params=params) if v2 else self.iter_pages(path, params=params)
        for page in pages:
            yield from page
