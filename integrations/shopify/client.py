"""Shopify Admin API client: GraphQL for products, inventory, orders, customers and webhook
subscriptions; REST (``Link``-header pages of 250) where a REST listing is wanted.

Rate limits: REST is a leaky bucket (``X-Shopify-Shop-Api-Call-Limit: used/size``, leaking size/20
calls per second); GraphQL is a cost bucket (``extensions.cost.throttleStatus``). Before every call the
client estimates what is left and pauses *before* running dry; a 429 (or a 200 ``THROTTLED``) waits
``Retry-After`` or the points still missing divided by the restore rate. Page sizes come from the
query cost, so no query ever exceeds Shopify's single-query maximum (1,000 points).

Version: every URL carries ``settings.SHOPIFY_API_VERSION`` (2026-10 by default), the same for every
shop, so moving to a newer version is one setting. Stock writes use ``changeFromQuantity`` and
``@idempotent``, which 2026-04 and later require.

Shopify admin access tokens do not expire, so there is no refresh: a 401 means the app was
uninstalled or the token revoked, and the merchant must reconnect.
"""

import logging
import re

from django.conf import settings

from integrations.errors import ConnectorError
from integrations.http import PlatformClient
from integrations.shopify import gql
from integrations.shopify.operations import ShopifyOperations

logger = logging.getLogger("flyt.shopify")

_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def _leak_rate(size):
    """Calls per second leaking from a REST bucket of ``size`` (40 -> 2/s, 80 -> 4/s, 400 -> 20/s)."""
    return max(1.0, size / 20)


class ShopifyClient(ShopifyOperations, PlatformClient):
    platform = "shopify"
    label = "Shopify"
    allowed_host_suffixes = ("myshopify.com",)

    def __init__(self, *, shop_domain, access_token, api_version=None, base_url=None,
                 transport=None, clock=None, retry=None, variants_per_product=10, lines_per_order=10):
        self.shop_domain = shop_domain
        shop = shop_domain.removesuffix(".myshopify.com")
        base_url = (base_url or f"https://{shop_domain}").rstrip("/")
        if base_url.endswith("/shopify"):  # a sandbox base without the shop
            base_url = f"{base_url}/{shop}"
        super().__init__(base_url=base_url, transport=transport, clock=clock, retry=retry)
        self.access_token = access_token
        self.api_version = api_version or settings.SHOPIFY_API_VERSION  # in every URL
        self.api = f"/admin/api/{self.api_version}"
        self.variants_per_product = variants_per_product
        self.lines_per_order = lines_per_order
        self._kind = "rest"
        self._next_cost = 0
        self._rest = {"used": 0, "size": 40, "at": None}
        self._gql = {"available": None, "maximum": 1000.0, "restore": 100.0, "at": None}
        self._cost_seen = {}

    @classmethod
    def from_connection(cls, connection, *, transport=None, clock=None):
        options = connection.settings or {}
        token = (connection.credentials or {}).get("access_token")
        domain = options.get("shop_domain") or connection.external_account_id
        if not token or not domain:
            raise ConnectorError("Shopify is not fully connected: the shop domain or access token is missing. "
                                 "Reconnect Shopify in Flyt.", retryable=False, platform="shopify")
        # the version is Flyt's (SHOPIFY_API_VERSION), not the connection's: all shops move to a new one together
        return cls(shop_domain=domain, access_token=token, base_url=options.get("base_url"), transport=transport,
                   clock=clock)

    # --- hooks ------------------------------------------------------------------------------------
    def auth_headers(self):
        return {"X-Shopify-Access-Token": self.access_token, "Accept": "application/json"}

    def observe(self, response):
        limit = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
        if limit and "/" in limit:
            used, size = limit.split("/", 1)
            try:
                self._rest = {"used": float(used), "size": float(size), "at": self.clock.now()}
            except ValueError:
                logger.warning("shopify %s: unreadable call-limit header", self.shop_domain)
        status = self._throttle_status(response)
        if status:
            self._gql = {"available": float(status.get("currentlyAvailable", 0)),
                         "maximum": float(status.get("maximumAvailable", 1000)),
                         "restore": float(status.get("restoreRate", 100)) or 100.0, "at": self.clock.now()}

    @staticmethod
    def _body(response):
        if "json" not in response.headers.get("Content-Type", ""):
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _throttle_status(self, response):
        body = self._body(response) if response.request.url.path.endswith("/graphql.json") else None
        if isinstance(body, dict):
            return ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus")
        return None

    def _cost(self, response):
        body = self._body(response)
        return ((body or {}).get("extensions") or {}).get("cost") or {} if isinstance(body, dict) else {}

    def is_throttled(self, response):
        if response.status_code == 429:
            return True
        if not response.request.url.path.endswith("/graphql.json"):
            return False
        body = self._body(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        return isinstance(errors, list) and any((e.get("extensions") or {}).get("code") == "THROTTLED"
                                                for e in errors if isinstance(e, dict))

    def retry_after(self, response):
        waited = super().retry_after(response)
        if waited is not None:
            return waited
        cost = self._cost(response)
        status = cost.get("throttleStatus")
        if status and cost.get("requestedQueryCost") is not None:
            missing = float(cost["requestedQueryCost"]) - float(status.get("currentlyAvailable", 0))
            return max(0.0, missing / (float(status.get("restoreRate") or 100.0)))
        return None

    def wait_before(self):
        now = self.clock.now()
        if self._kind == "graphql":
            state = self._gql
            if state["available"] is None or state["at"] is None:
                return 0.0
            available = min(state["maximum"], state["available"] + (now - state["at"]) * state["restore"])
            # one point of headroom so rounding never leaves us a fraction short
            return max(0.0, (self._next_cost + 1 - available) / state["restore"])
        state = self._rest
        if state["at"] is None:
            return 0.0
        leak = _leak_rate(state["size"])
        level = max(0.0, state["used"] - (now - state["at"]) * leak)
        # keep one call of headroom: never send into a bucket that would be full after our call
        return max(0.0, (level + 2 - state["size"]) / leak)

    def error_message(self, response):
        body = self._body(response)
        if isinstance(body, dict) and "errors" in body:
            errors = body["errors"]
            if isinstance(errors, dict):
                parts = []
                for field, problems in errors.items():
                    problems = problems if isinstance(problems, list) else [problems]
                    parts.extend(f"{field} {p}" if field != "base" else str(p) for p in problems)
                return "; ".join(parts)[:300]
            if isinstance(errors, list):
                return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)[:300]
            return str(errors)[:300]
        return super().error_message(response)

    def permanent_error(self, response):
        status = response.status_code
        detail = self.error_message(response)
        if status == 401:
            message = ("Shopify refused the access token for "
                       f"{self.shop_domain}. The app may have been uninstalled; reconnect Shopify in Flyt.")
        elif status == 403:
            message = (f"Shopify refused access: the Flyt app lacks a permission it needs ({detail}). Reconnect "
                       "Shopify and approve the requested access.")
        elif status == 404:
            message = f"Shopify does not have it (any more): {detail}"
        elif status == 400 and "inventory_quantity" in detail:
            message = "Shopify no longer accepts stock written on the variant; Flyt must use inventory levels."
        else:
            message = f"Shopify rejected the request (HTTP {status}): {detail}"
        return ConnectorError(message, retryable=False, status=status, platform=self.platform,
                              detail={"body": response.text[:2000]})

    # --- calls ------------------------------------------------------------------------------------
    def rest(self, method, path, *, params=None, json=None):
        self._kind = "rest"
        return self.request(method, f"{self.api}{path}", params=params, json=json)

    def iter_rest(self, path, key, *, params=None):
        """Every ``key`` object of a REST listing, 250 per request, following ``Link: rel="next"``."""
        params = {**(params or {}), "limit": 250}
        while True:
            response = self.rest("GET", path, params=params)
            yield from response.json().get(key, [])
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            if not match:
                return
            page_info = re.search(r"[?&]page_info=([^&>]+)", match.group(1))
            params = {"limit": 250, "page_info": page_info.group(1)} if page_info else None
            if params is None:
                return

    def graphql(self, query, variables=None, *, what="read from Shopify"):
        """Run one GraphQL document; returns ``data``. Top-level errors raise ConnectorError."""
        variables = variables or {}
        operation = gql.parse(query)
        requested = gql.requested_cost(operation, variables)
        self._kind, self._next_cost, self._operation_kind = "graphql", requested, operation.kind
        if requested > self._gql["maximum"]:
            raise ConnectorError(f"Flyt asked Shopify for too much at once (query cost {requested}); this is a bug "
                                 "in Flyt.", retryable=False, platform=self.platform)
        response = self.request("POST", f"{self.api}/graphql.json", json={"query": query, "variables": variables})
        body = self._body(response) or {}
        errors = body.get("errors")
        if errors:
            codes = [(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)]
            text = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))[:300]
            if "ACCESS_DENIED" in codes:
                message = (f"Shopify refused access: the Flyt app lacks a permission it needs ({text}). Reconnect "
                           "Shopify and approve the requested access.")
            else:
                message = f"Shopify could not {what}: {text}"
            raise ConnectorError(message, retryable=False, status=response.status_code, platform=self.platform,
                                 detail={"errors": errors, "codes": codes})
        return body.get("data") or {}

    def page_size(self, query, variables, *, page_variable="first"):
        """The largest page Shopify allows for ``query``: at most 250 and within the single-query cost."""
        return gql.largest_page(query, variables, page_variable=page_variable,
                                max_cost=int(min(1000.0, self._gql["maximum"])))

    def iter_connection(self, query, variables, path, *, page_size=None, after=None):
        """Yield the nodes of the connection at ``path`` (e.g. ``("products",)``), page after page (from
        the cursor ``after`` when given)."""
        first = page_size or self.page_size(query, variables)
        while True:
            data = self.graphql(query, {**variables, "first": first, "after": after})
            conn = data
            for key in path:
                conn = (conn or {}).get(key)
            if conn is None:
                return
            yield from conn["nodes"]
            info = conn["pageInfo"]
            if not info["hasNextPage"]:
                return
            after = info["endCursor"]

    def _count(self, method, path):
        super()._count(method, path)
        if path.endswith("/graphql.json") and getattr(self, "_operation_kind", "") == "query":
            self.stats.writes -= 1  # a GraphQL query reads, whatever the HTTP verb
            self.stats.reads += 1

    def __repr__(self):
        return f"ShopifyClient(shop={self.shop_domain!r}, version={self.api_version!r})"
