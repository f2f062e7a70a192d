"""Shopbox API v3 client (``https://api.shopbox.com/api/v3``).

Auth (reference §2.1): ``POST /authenticate/credentials`` with ``{username, password}`` gives an
``accessToken``; every call carries it as the ``accessToken`` query parameter with the integer
``client`` id. Token lifetime is not documented, so the client logs in lazily and once more after a
401. The token is put on each attempt by an ``httpx.Auth`` flow, so a retry after re-login uses the
new token. Lists are ``{data, meta: {pagination}}`` paged with ``page`` / ``per-page``; we never ask
for ``per-page=-1`` (everything at once) so memory stays flat, and use ``PER_PAGE`` instead.

Assumptions, because Shopbox publishes no limits (change them here when real numbers are known):
``PER_PAGE`` = 100 (the page size third-party code uses; the sandbox's ``max_per_page``),
``PRODUCT_BATCH`` = 50 products per ``create-or-update``, ``INVENTORY_BATCH`` = 100 stock records per
``POST /product-inventories``, rate-limit headers ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining``
per rolling minute (Laravel's throttle), and ``Retry-After`` on 429.
"""

import logging
import re
from urllib.parse import quote

import httpx

from integrations.errors import ConnectorError
from integrations.http import PlatformClient, RollingWindowPacing

logger = logging.getLogger("flyt.shopbox")

REAL_BASE_URL = "https://api.shopbox.com/api/v3"
AUTH_PATH = "/authenticate/credentials"
PER_PAGE = 100
PRODUCT_BATCH = 50
INVENTORY_BATCH = 100


class _QueryTokenAuth(httpx.Auth):
    """Adds ``accessToken`` and ``client`` to every request except the login itself."""

    def __init__(self, client):
        self.client = client

    def auth_flow(self, request):
        if request.url.path.endswith(AUTH_PATH) or not self.client.token:
            yield request
            return
        request.url = request.url.copy_merge_params({"accessToken": self.client.token,
                                                     "client": str(self.client.client_id)})
        yield request


class ShopboxClient(RollingWindowPacing, PlatformClient):
    platform = "shopbox"
    label = "Shopbox"
    allowed_host_suffixes = ("api.shopbox.com", "api-dev.shopbox.com")

    def __init__(self, *, username, password, client_id, base_url=REAL_BASE_URL, transport=None, clock=None,
                 retry=None, per_page=PER_PAGE):
        super().__init__(base_url=base_url, transport=transport, clock=clock, retry=retry)
        try:
            self.client_id = int(client_id)
        except (TypeError, ValueError):
            raise ConnectorError("The Shopbox client id must be a number; check the account number you entered.",
                                 retryable=False, platform=self.platform) from None
        self._username = username
        self._password = password
        self.per_page = per_page
        self.token = None
        self._logging_in = False
        self.rate_limit = None
        self.rate_remaining = None
        self.http.auth = _QueryTokenAuth(self)

    @classmethod
    def from_connection(cls, connection, *, transport=None, clock=None):
        credentials = connection.credentials or {}
        settings = connection.settings or {}
        missing = [name for name in ("username", "password") if not credentials.get(name)]
        if missing:
            raise ConnectorError(f"The Shopbox connection has no {' or '.join(missing)}; reconnect Shopbox.",
                                 retryable=False, platform=cls.platform)
        return cls(username=credentials["username"], password=credentials["password"],
                   client_id=settings.get("client_id") or connection.external_account_id,
                   base_url=settings.get("base_url") or REAL_BASE_URL, transport=transport, clock=clock)

    # --- auth -------------------------------------------------------------------------------------
    def login(self) -> None:
        self._logging_in = True
        try:
            response = self.request("POST", AUTH_PATH, json={"username": self._username, "password": self._password})
        except ConnectorError as exc:
            if exc.status in (401, 422):
                raise ConnectorError("Shopbox did not accept the username and password. Reconnect Shopbox with "
                                     "the login of a Shopbox user who may use the API.", retryable=False,
                                     status=exc.status, platform=self.platform) from None
            raise
        finally:
            self._logging_in = False
        token = (response.json() or {}).get("accessToken")
        if not token:
            raise ConnectorError("Shopbox answered the login without an access token; Flyt will try again.",
                                 retryable=True, platform=self.platform)
        self.token = token
        logger.info("shopbox client %s logged in", self.client_id)

    def refresh_auth(self, response=None) -> bool:
        if self._logging_in:
            return False
        self.token = None
        self.login()
        return True

    def request(self, method, path, **kwargs):
        if self.token is None and path != AUTH_PATH and not self._logging_in:
            self.login()
        return super().request(method, path, **kwargs)

    # --- rate limit -------------------------------------------------------------------------------
    def error_message(self, response):
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if isinstance(body, dict) and body.get("errors"):
            return "; ".join(f"{field}: {' '.join(map(str, msgs if isinstance(msgs, list) else [msgs]))}"
                             for field, msgs in body["errors"].items())[:300]
        return super().error_message(response)

    # --- paging -----------------------------------------------------------------------------------
    def iter_pages(self, path, *, params=None):
        """Yield each page's ``data`` list, to the last page."""
        page = 1
        while True:
            body = self.request("GET", path, params={**(params or {}), "page": page, "per-page": self.per_page}).json()
            data = body.get("data") or []
            yield data
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if not data or (total_pages is not None and page >= int(total_pages)):
                return
            if total_pages is None and len(data) < self.per_page:
                return
            page += 1

    def _iter(self, path, params=None):
        for page in self.iter_pages(path, params=params):
            yield from page

    @staticmethod
    def _since(updated_since):
        return {"updated_since": updated_since.isoformat()} if updated_since else {}

    # --- products ---------------------------------------------------------------------------------
    def iter_products(self, *, updated_since=None):
        """Every product with its variants, streamed page by page."""
        return self._iter("/products", self._since(updated_since))

    def get_product(self, *, product_id):
        return self.request("GET", f"/products/{int(product_id)}").json()["data"]

    def upsert_products(self, *, products):
        """Create or update products, ``PRODUCT_BATCH`` per call; returns the saved products in order."""
        saved = []
        for start in range(0, len(products), PRODUCT_BATCH):
            chunk = products[start:start + PRODUCT_BATCH]
            saved.extend(self.request("POST", "/products/create-or-update", json=chunk).json()["data"])
        return saved

    def upsert_variance_type(self, *, name, values, variance_type_id=None):
        body = {"name": name, "values": list(values)}
        if variance_type_id is not None:
            body["id"] = variance_type_id
        return self.request("POST", "/variance-type/create-or-update", json=body).json()["data"]

    def iter_variance_types(self):
        return self._iter("/variance-type")

    # --- branches and stock -----------------------------------------------------------------------
    def list_branches(self):
        return list(self._iter("/branches"))

    def iter_inventories(self, *, branch_id=None, updated_since=None):
        params = self._since(updated_since)
        if branch_id is not None:
            params["branch"] = int(branch_id)
        return self._iter("/product-inventories", params)

    def set_inventories(self, *, records):
        """Set absolute quantities ``[{variant_id, branch_id, quantity}]``, ``INVENTORY_BATCH`` per call."""
        saved = []
        for start in range(0, len(records), INVENTORY_BATCH):
            chunk = records[start:start + INVENTORY_BATCH]
            saved.extend(self.request("POST", "/product-inventories", json=chunk).json()["data"])
        return saved

    # --- baskets (sales) --------------------------------------------------------------------------
    def iter_baskets(self, *, updated_since=None, branch_id=None):
        params = self._since(updated_since)
        if branch_id is not None:
            params["branch"] = int(branch_id)
        return self._iter("/baskets", params)

    def first_basket(self):
        """One basket of the account (the first of a one-item page), or None when it has no sales yet."""
        data = self.request("GET", "/baskets", params={"page": 1, "per-page": 1}).json().get("data") or []
        return data[0] if data else None

    def get_basket(self, *, uid):
        return self.request("GET", f"/baskets/{quote(str(uid), safe='')}").json()["data"]

    def create_basket(self, *, branch_id, lines):
        return self.request("POST", "/baskets", json={"branch_id": branch_id, "lines": lines}).json()["data"]

    def cancel_basket(self, *, basket_id):
        return self.request("PUT", f"/baskets/{quote(str(basket_id), safe='')}/cancel").json()["data"]


class _RedactTokens(logging.Filter):
    """httpx logs every request URL at INFO; Shopbox's token is a query parameter, so blank it out."""

    def filter(self, record):
        message = record.getMessage()
        if "accessToken=" in message or "api-token=" in message:
            record.msg = _TOKEN_PARAM.sub(r"\1=[redacted]", message)
            record.args = None
        return True


_TOKEN_PARAM = re.compile(r"(accessToken|api-token)=[^&\s\"']+")
if not any(isinstance(f, _RedactTokens) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_RedactTokens())
