"""Inventory, orders, refunds, coupons, customers and webhook calls of ``BigCommerceClient``."""

from itertools import groupby

from integrations.bigcommerce.catalog_api import ID_FILTER_BATCH, _csv
from integrations.errors import ConnectorError
from integrations.paging import pages

INVENTORY_BATCH = 2000
CUSTOMER_BATCH = 10
DEFAULT_REASON = "Flyt stock sync"


def _when(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class CommerceApi:
    # --- store settings --------------------------------------------------------------------------
    def store_facts(self):
        """{"currency", "weight_units"} as the store says: ``GET /v2/store`` (its default currency and
        weight unit); lacking that scope, the currency of the default storefront (``GET /v3/channels/1``
        with ``include=currencies``). {} when neither can be read. Never a guess from a priced product."""
        try:
            store = self.call("GET", "/v2/store") or {}
        except ConnectorError:
            store = {}
        currency = str(store.get("currency") or "").strip().upper()
        if currency:
            return {"currency": currency, "weight_units": store.get("weight_units") or ""}
        try:
            body = self.call("GET", "/v3/channels/1", params={"include": "currencies"}) or {}
        except ConnectorError:
            return {}
        currency = str(((body.get("data") or {}).get("currencies") or {}).get("default_currency") or "")
        return {"currency": currency.strip().upper()} if currency.strip() else {}

    # --- inventory -------------------------------------------------------------------------------
    def _adjust(self, method, path, items, reason):
        """Items grouped by location, at most 2,000 per call, one call at a time; returns transaction ids."""
        ordered = sorted(items, key=lambda item: int(item["location_id"]))
        transactions = []
        for _, group in groupby(ordered, key=lambda item: int(item["location_id"])):
            for batch in pages(group, INVENTORY_BATCH):
                body = self.call(method, path, json={"reason": reason, "items": batch}) or {}
                transactions.append(body.get("transaction_id"))
        return transactions

    def adjust_stock_absolute(self, *, items, reason=DEFAULT_REASON):
        """Set stock: items ``{location_id, variant_id | sku | product_id, quantity}`` (one identifier each)."""
        return self._adjust("PUT", "/v3/inventory/adjustments/absolute", items, reason)

    def adjust_stock_relative(self, *, items, reason=DEFAULT_REASON):
        """Add or subtract: the same items with a signed ``quantity``; safe against concurrent sales."""
        return self._adjust("POST", "/v3/inventory/adjustments/relative", items, reason)

    def iter_inventory_items(self, *, variant_ids=None, skus=None, product_ids=None, location_ids=None):
        params = {}
        if location_ids:
            params["location_id:in"] = _csv(location_ids)
        for name, values in (("variant_id:in", variant_ids), ("sku:in", skus), ("product_id:in", product_ids)):
            if values is not None:
                for batch in pages(values, ID_FILTER_BATCH):
                    yield from self.iter_items("/v3/inventory/items", params={**params, name: _csv(batch)})
                return
        yield from self.iter_items("/v3/inventory/items", params=params)

    def iter_locations(self):
        yield from self.iter_items("/v3/inventory/locations")

    # --- orders and refunds ----------------------------------------------------------------------
    def iter_orders(self, *, min_id=None, modified_since=None, status_id=None, channel_id=None):
        """V2 orders, oldest id first, 250 per request; stops at the 204 of an empty page."""
        params = {"sort": "id:asc"}
        if min_id is not None:
            params["min_id"] = int(min_id)
        if modified_since is not None:
            params["min_date_modified"] = _when(modified_since)
        if status_id is not None:
            params["status_id"] = int(status_id)
        if channel_id is not None:
            params["channel_id"] = int(channel_id)
        yield from self.iter_items("/v2/orders", params=params, v2=True)

    def get_order(self, *, order_id):
        return self.call("GET", f"/v2/orders/{order_id}")

    def get_order_products(self, *, order_id):
        return list(self.iter_items(f"/v2/orders/{order_id}/products", v2=True))

    def iter_order_refunds(self, *, order_id):
        body = self.call("GET", f"/v3/orders/{order_id}/payment_actions/refunds") or {}
        yield from body.get("data") or []

    def iter_refunds(self, *, order_ids=None):
        if order_ids is None:
            yield from self.iter_items("/v3/orders/payment_actions/refunds")
            return
        for batch in pages(order_ids, ID_FILTER_BATCH):
            yield from self.iter_items("/v3/orders/payment_actions/refunds", params={"order_id:in": _csv(batch)})

    def create_refund(self, *, order_id, items, payments=None):
        """One refund at a time per order (BigCommerce does not support concurrent refunds on an order)."""
        body = {"items": items}
        if payments is not None:
            body["payments"] = payments
        return self.call("POST", f"/v3/orders/{order_id}/payment_actions/refunds", json=body)["data"]

    # --- coupons and customers -------------------------------------------------------------------
    def iter_coupons(self):
        yield from self.iter_items("/v2/coupons", v2=True)

    def create_coupon(self, *, coupon):
        return self.call("POST", "/v2/coupons", json=coupon)

    def iter_customers(self, *, modified_since=None, ids=None, emails=None):
        params = {}
        if modified_since is not None:
            params["date_modified:min"] = _when(modified_since)
        if emails:
            params["email:in"] = _csv(emails)
        if ids is None:
            yield from self.iter_items("/v3/customers", params=params)
            return
        for batch in pages(ids, ID_FILTER_BATCH):
            yield from self.iter_items("/v3/customers", params={**params, "id:in": _csv(batch)})

    def create_customers(self, *, customers):
        created = []
        for batch in pages(customers, CUSTOMER_BATCH):
            created.extend(self.call("POST", "/v3/customers", json=batch)["data"])
        return created

    # --- webhooks --------------------------------------------------------------------------------
    def iter_hooks(self):
        yield from self.iter_items("/v3/hooks")

    def create_hook(self, *, scope, destination, headers=None, is_active=True):
        body = {"scope": scope, "destination": destination, "is_active": is_active}
        if headers:
            body["headers"] = headers
        return self.call("POST", "/v3/hooks", json=body)["data"]

    def update_hook(self, *, hook_id, fields):
        return self.call("PUT", f"/v3/hooks/{hook_id}", json=fields)["data"]

    def delete_hook(self, *, hook_id):
        return self.call("DELETE", f"/v3/hooks/{hook_id}")["data"]

    def ensure_hooks(self, *, scopes, destination, headers=None):
        """Make one active hook per scope to ``destination`` with ``headers`` (our shared-secret header):
        re-activates hooks BigCommerce switched off after failures and updates rotated headers."""
        existing = {h["scope"]: h for h in self.iter_hooks() if h["destination"] == destination}
        hooks = []
        for scope in scopes:
            hook = existing.get(scope)
            if hook is None:
                hooks.append(self.create_hook(scope=scope, destination=destination, headers=headers))
            elif not hook["is_active"] or (hook.get("headers") or None) != (headers or None):
                hooks.append(self.update_hook(hook_id=hook["id"], fields={"is_active": True, "headers": headers}))
            else:
                hooks.append(hook)
        return hooks
