"""Rackbeat API client (``https://app.rackbeat.com/api``).

Auth is a company API key sent as ``Authorization: Bearer`` (no expiry, no refresh: a 401 means
the key was revoked). Like the official SDK we send ``User-Agent`` with contact details (Rackbeat
asks for it) and ``API-Version``. Lists are ``{"<plural>": [...], page, pages, limit, total}`` and
may come back as 206 while more pages follow; we read to ``pages`` with ``LIST_LIMIT`` per page.
Products are keyed by their ``number`` (URL-encoded in paths). Rackbeat has no batch endpoints
for products, so writes are one product per call, paced by the rate limit; stock changes go as
adjustments of up to ``ADJUSTMENT_LINES`` lines, each booked to take effect (relative deltas, so
concurrent sales elsewhere are not overwritten).

Assumptions: ``LIST_LIMIT`` = 1000 (what a production third-party client pages with; the official
SDK uses 200), ``ADJUSTMENT_LINES`` = 100, and a limit of 480 requests per rolling minute with
``X-RateLimit-*`` headers (the third-party client's default). Prices are decimal major units: JSON
numbers are parsed as ``Decimal`` so no float rounding reaches the hub.
"""

import logging
from decimal import Decimal
from urllib.parse import quote

from integrations.errors import ConnectorError
from integrations.http import PlatformClient, RollingWindowPacing

logger = logging.getLogger("flyt.rackbeat")

REAL_BASE_URL = "https://app.rackbeat.com/api"
API_VERSION = "latest"
LIST_LIMIT = 1000
ADJUSTMENT_LINES = 100


def _number(number) -> str:
    return quote(str(number), safe="")


class RackbeatClient(RollingWindowPacing, PlatformClient):
    platform = "rackbeat"
    label = "Rackbeat"
    allowed_host_suffixes = ("app.rackbeat.com",)
    user_agent = "Flyt (integrations@flyt.example)"

    def __init__(self, *, api_token, base_url=REAL_BASE_URL, transport=None, clock=None, retry=None,
                 limit=LIST_LIMIT):
        if not api_token:
            raise ConnectorError("The Rackbeat connection has no API key; reconnect Rackbeat with a key from "
                                 "Company settings → API.", retryable=False, platform=self.platform)
        super().__init__(base_url=base_url, transport=transport, clock=clock, retry=retry)
        self._token = api_token
        self.limit = limit
        self.rate_limit = None
        self.rate_remaining = None

    @classmethod
    def from_connection(cls, connection, *, transport=None, clock=None):
        settings = connection.settings or {}
        return cls(api_token=(connection.credentials or {}).get("api_token"),
                   base_url=settings.get("base_url") or REAL_BASE_URL, transport=transport, clock=clock)

    # --- hooks ------------------------------------------------------------------------------------
    def auth_headers(self):
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json", "API-Version": API_VERSION}

    def permanent_error(self, response):
        if response.status_code == 401:
            return ConnectorError("Rackbeat refused the API key. Create a new key under Company settings → API in "
                                  "Rackbeat and reconnect.", retryable=False, status=401, platform=self.platform)
        return super().permanent_error(response)

    def error_message(self, response):
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if isinstance(body, dict) and isinstance(body.get("errors"), dict):
            return "; ".join(f"{field}: {' '.join(map(str, msgs if isinstance(msgs, list) else [msgs]))}"
                             for field, msgs in body["errors"].items())[:300]
        return super().error_message(response)

    def call(self, method, path, **kwargs):
        """One request; the JSON body with numbers as Decimal (None for an empty answer)."""
        response = self.request(method, path, **kwargs)
        return response.json(parse_float=Decimal) if response.content else None

    # --- paging -----------------------------------------------------------------------------------
    def iter_pages(self, path, key, *, params=None):
        """Yield each page's list (``key`` is the plural resource name), to the last page."""
        page = 1
        while True:
            body = self.call("GET", path, params={**(params or {}), "page": page, "limit": self.limit})
            items = body.get(key) or []
            yield items
            if not items or page >= int(body.get("pages") or 1):
                return
            page += 1

    def _iter(self, path, key, params=None):
        for page in self.iter_pages(path, key, params=params):
            yield from page

    # --- product groups and products ----------------------------------------------------------------
    def list_product_groups(self):
        return list(self._iter("/product-groups", "product_groups"))

    def create_product_group(self, *, number, name):
        return self.call("POST", "/product-groups", json={"number": int(number), "name": name})["product_group"]

    def ensure_product_group(self, *, number, name):
        """The group must exist before products can be created in it."""
        for group in self.list_product_groups():
            if int(group["number"]) == int(number):
                return group
        return self.create_product_group(number=number, name=name)

    @staticmethod
    def _product_params(*, fields=None, field_eq=None, expand=None, order_by=None, order_direction=None):
        params = {}
        if fields:
            params["fields"] = ",".join(fields)
        for field_id, value in (field_eq or {}).items():
            params[f"field_eq[{field_id}]"] = value
        if expand:
            params["expand"] = expand
        if order_by:
            params["order_by"] = order_by
            params["order_direction"] = order_direction or "asc"
        return params

    def iter_products(self, *, fields=None, field_eq=None, expand=None, order_by=None, order_direction=None):
        """Every product (each Rackbeat product number is one sellable variant), page by page.
        ``expand="field_values"`` adds each product's custom field values; ``order_by`` a product key."""
        return self._iter("/products", "products", self._product_params(
            fields=fields, field_eq=field_eq, expand=expand, order_by=order_by, order_direction=order_direction))

    def iter_product_pages(self, *, fields=None, field_eq=None, expand=None, order_by=None, order_direction=None):
        """Like ``iter_products``, a page (up to ``limit`` products) at a time: stop early by not asking for more."""
        return self.iter_pages("/products", "products", params=self._product_params(
            fields=fields, field_eq=field_eq, expand=expand, order_by=order_by, order_direction=order_direction))

    def get_product(self, *, number, expand=None):
        params = {"expand": expand} if expand else None
        return self.call("GET", f"/products/{_number(number)}", params=params)["product"]

    def company(self):
        """The company the API key belongs to (``GET /self``): ``id``, ``company_name``, ``currency``."""
        return self.call("GET", "/self")["user_account"]

    def create_product(self, *, body):
        return self.call("POST", "/products", json=body)["product"]

    def update_product(self, *, number, body):
        return self.call("PUT", f"/products/{_number(number)}", json=body)["product"]

    def delete_product(self, *, number):
        self.call("DELETE", f"/products/{_number(number)}")

    def upsert_products(self, *, products, existing_numbers=None):
        """Create or update each product (one call each: Rackbeat has no batch endpoint).

        ``existing_numbers`` (e.g. from a listing read just before) decides update vs create
        without an extra read per product."""
        existing = set(existing_numbers or ())
        saved = []
        for body in products:
            if body["number"] in existing:
                saved.append(self.update_product(number=body["number"],
                                                 body={k: v for k, v in body.items() if k != "number"}))
            else:
                saved.append(self.create_product(body=body))
        return saved

    # --- custom fields ----------------------------------------------------------------------------
    def list_fields(self):
        return list(self._iter("/fields", "fields"))

    def create_field(self, *, name, slug=None):
        return self.call("POST", "/fields", json={"name": name, **({"slug": slug} if slug else {})})["field"]

    def ensure_field(self, *, name, slug, create=True):
        """The custom field with this ``slug`` (or ``name``): found, else created (or None with ``create=False``)."""
        for field in self.list_fields():
            if field.get("slug") == slug or field.get("name") == name:
                return field
        return self.create_field(name=name, slug=slug) if create else None

    def get_product_fields(self, *, number):
        return self.call("GET", f"/products/{_number(number)}/fields")["field_values"]

    def set_product_fields(self, *, number, values):
        """``values``: {field id: value}."""
        body = {"custom_fields": [{"id": int(k), "value": v} for k, v in values.items()]}
        return self.call("PUT", f"/products/{_number(number)}/fields", json=body)["field_values"]

    # --- locations and stock ----------------------------------------------------------------------
    def list_locations(self):
        return list(self._iter("/locations", "locations"))

    def product_locations(self, *, number):
        return list(self._iter(f"/products/{_number(number)}/locations", "product_locations"))

    def adjust_stock(self, *, lines, comment="Flyt"):
        """Relative stock changes ``[{number, location, quantity}]``: an adjustment per
        ``ADJUSTMENT_LINES`` lines, each booked so it takes effect. Returns the booked adjustments."""
        booked = []
        for start in range(0, len(lines), ADJUSTMENT_LINES):
            chunk = [{"item": {"number": line["number"]}, "location": {"number": str(line["location"])},
                      "quantity": line["quantity"]} for line in lines[start:start + ADJUSTMENT_LINES]]
            doc = self.call("POST", "/inventory-adjustments", json={"comment": comment, "lines": chunk})
            doc_id = doc["inventory_adjustment"]["id"]
            booked.append(self.call("POST", f"/inventory-adjustments/{int(doc_id)}/book")["inventory_adjustment"])
        return booked

    def move_stock(self, *, from_location, to_location, lines):
        """Move ``[{number, quantity}]`` between locations (created, then booked)."""
        body = {"from_location": {"number": str(from_location)}, "to_location": {"number": str(to_location)},
                "lines": [{"item": {"number": li["number"]}, "quantity": li["quantity"]} for li in lines]}
        doc = self.call("POST", "/inventory-movements", json=body)["inventory_movement"]
        return self.call("POST", f"/inventory-movements/{int(doc['id'])}/book")["inventory_movement"]

    # --- orders -----------------------------------------------------------------------------------
    def iter_orders(self, *, is_booked=None, is_shipped=None):
        params = {k: str(v).lower() for k, v in (("is_booked", is_booked), ("is_shipped", is_shipped)) if v is not None}
        return self._iter("/orders", "orders", params)

    def get_order(self, *, number):
        return self.call("GET", f"/orders/{int(number)}")["order"]

    def create_order_draft(self, *, lines, our_reference="", customer=None):
        body = {"lines": lines, "our_reference": our_reference}
        if customer is not None:
            body["customer"] = customer
        return self.call("POST", "/orders/drafts", json=body)["order"]

    def book_order(self, *, number, send_mail=False):
        return self.call("POST", f"/orders/{int(number)}/book", json={"mail": {"send": send_mail}})["order"]

    # --- webhooks ---------------------------------------------------------------------------------
    def list_webhooks(self):
        return list(self._iter("/webhooks", "webhooks"))

    def create_webhook(self, *, event, url, is_active=True):
        """Create (or, for the same event and url, update) a webhook. The ``token`` is in the answer
        only when it was created: store it then, it is never shown again."""
        return self.call("POST", "/webhooks", json={"event": event, "url": url, "is_active": is_active})["webhook"]

    def delete_webhook(self, *, webhook_id):
        self.call("DELETE", f"/webhooks/{int(webhook_id)}")

    def ensure_webhooks(self, *, events, url):
        """Subscribe ``url`` to ``events``; returns {event: token} for the ones created now
        (existing ones keep their token, which Rackbeat does not show again)."""
        tokens = {}
        for event in events:
            hook = self.create_webhook(event=event, url=url)
            if hook.get("token"):
                tokens[event] = hook["token"]
        return tokens
