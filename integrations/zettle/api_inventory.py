"""Inventory v2 calls (inventory.izettle.com).

Stock lives in four system locations (STORE, SOLD, BIN, SUPPLIER); only STORE is the real on-hand
stock. Balances change only through movements of a positive ``change`` between locations; there is
no "set to N", so setting a level reads the current balance and moves the difference
(SUPPLIER→STORE to add, STORE→BIN to remove). Tracking is switched on per product.
"""

from collections import deque

from integrations.zettle import mapping

BULK_MAX = 100  # product changes per bulk call (Zettle documents no limit; kept modest)
READ_CHUNK = 100  # product uuids per balance read
PACING_MARGIN_S = 0.005


class InventoryApi:
    """Mixed into ZettleClient.

    Pacing: the client spaces inventory calls by when they were sent; Zettle counts them when they
    arrive, which can be later (a busy process, a slow network), so the rolling second could still
    see one call too many. Each inventory call here also waits until the call ``rate`` calls back
    was *answered* a second ago: answered is after it arrived, so Zettle never counts more."""

    def _inventory_call(self, method, path, **kwargs):
        rate = int((getattr(self, "rates", None) or {}).get("inventory") or 0)
        answered = self.__dict__.setdefault("_inventory_answered", deque(maxlen=max(rate, 1)))
        if rate and len(answered) >= rate:
            self.pause(answered[0] + 1.0 + PACING_MARGIN_S - self.clock.now(), rate_limit=True)
        try:
            return self.call("inventory", method, path, **kwargs)
        finally:
            answered.append(self.clock.now())

    def locations(self):
        """{"STORE": uuid, "SOLD": uuid, "BIN": uuid, "SUPPLIER": uuid} (cached per client)."""
        if self._locations is None:
            response = self._inventory_call("GET", f"/organizations/{self.org}/locations")
            self._locations = {loc["type"]: loc["uuid"] for loc in response.json()}
        return self._locations

    def start_tracking(self, *, product_uuid):
        response = self._inventory_call("POST", f"/organizations/{self.org}/inventory",
                             json={"productUuid": product_uuid})
        return response.json()

    def stop_tracking(self, *, product_uuid):
        self._inventory_call("DELETE", f"/organizations/{self.org}/inventory/products/{product_uuid}")

    def location_balances(self, *, location_type="STORE"):
        """Every tracked variant's balance in one location: ``{locationUuid, trackedProducts, variants}``."""
        response = self._inventory_call("GET", f"/organizations/{self.org}/inventory/locations",
                             params={"type": location_type})
        return response.json()

    def iter_stock_levels(self):
        """The STORE balance of every tracked variant, as hub stock levels."""
        body = self.location_balances(location_type="STORE")
        for row in body.get("variants") or []:
            yield mapping.stock_level_from_zettle(row)

    def product_balances(self, *, product_uuids, location_type="STORE"):
        """Balances for some products: (tracked product uuids, variant rows)."""
        uuids = list(product_uuids)
        tracked, rows = set(), []
        for start in range(0, len(uuids), READ_CHUNK):
            response = self._inventory_call("POST", f"/organizations/{self.org}/inventory/products",
                                 json={"locationType": location_type, "productUuids": uuids[start:start + READ_CHUNK]})
            body = response.json()
            tracked.update(body.get("trackedProducts") or [])
            rows.extend(body.get("variants") or [])
        return tracked, rows

    def move_stock(self, *, changes, external_uuid=None):
        """PUT movements ``[{productUuid, variantUuid, fromLocationUuid, toLocationUuid, change}]``;
        ``external_uuid`` comes back in the InventoryBalanceChanged webhook (echo detection).
        Returns the new STORE balances."""
        body = {"changes": list(changes), "returnBalanceForLocationUuid": self.locations()["STORE"]}
        if external_uuid:
            body["externalUuid"] = external_uuid
        return self._inventory_call("PUT", f"/organizations/{self.org}/inventory", json=body).json()

    def bulk_update(self, *, product_changes, batch_size=BULK_MAX):
        """POST ``productChanges`` (tracking switches and variant movements) in batches; returns the
        STORE balances of every touched variant."""
        product_changes = list(product_changes)
        store = self.locations()["STORE"]
        variants = []
        for start in range(0, len(product_changes), batch_size):
            response = self._inventory_call("POST", f"/organizations/{self.org}/v2/inventory/bulk", json={
                "returnBalanceForLocationUuid": store, "productChanges": product_changes[start:start + batch_size]})
            variants.extend((response.json() or {}).get("variants") or [])
        return variants

    def set_new_stock(self, *, levels):
        """``set_stock`` for products Flyt has just created: they were never tracked and hold no
        balances, so tracking starts and the stock moves in the same bulk call, with no reads."""
        levels = list(levels)
        if not levels:
            return []
        changes = mapping.stock_product_changes(levels=levels, current={}, tracked=set(), locations=self.locations())
        return self.bulk_update(product_changes=changes)

    def set_stock(self, *, levels):
        """Make STORE show each ``ExternalStockLevel.quantity``: read the current balances, then move
        the difference in bulk (starting tracking first where it is off). Returns the new balances.

        Zettle has no compare-and-set for stock: a sale between the read and the move is still counted
        (movements are relative), but the level then ends up off by that sale; the engine re-reads
        on the InventoryBalanceChanged webhook that sale sends."""
        levels = list(levels)
        if not levels:
            return []
        product_uuids = sorted({lv.external_product_id for lv in levels})
        tracked, rows = self.product_balances(product_uuids=product_uuids)
        untracked = [uuid for uuid in product_uuids if uuid not in tracked]
        if untracked:
            # Zettle keeps a product's balances while tracking is off and brings them back when it is
            # switched on again, so switch it on first and read what came back before moving.
            self.bulk_update(product_changes=[{"productUuid": uuid, "trackingStatusChange": "START_TRACKING",
                                               "variantChanges": []} for uuid in untracked])
            more_tracked, more_rows = self.product_balances(product_uuids=untracked)
            tracked |= more_tracked
            rows = [row for row in rows if row.get("productUuid") not in more_tracked] + more_rows
        current = {row["variantUuid"]: mapping.parse_quantity(row.get("balance")) for row in rows}
        changes = mapping.stock_product_changes(levels=levels, current=current, tracked=tracked,
                                                locations=self.locations())
        return self.bulk_update(product_changes=changes) if changes else []
