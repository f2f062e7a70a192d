"""Inventory v2 calls (inventory.izettle.com).

Stock lives in four system locations (STORE, SOLD, BIN, SUPPLIER); only STORE is the real on-hand
stock. Balances change only through movements of a positive ``change`` between locations; there is
no "set to N", so setting a level reads the current balance and moves the difference
(SUPPLIER→STORE to add, STORE→BIN to remove). Tracking is switched on per product.
"""

import threading

from integrations.zettle import mapping

BULK_MAX = 100  # product changes per bulk call (Zettle documents no limit; kept modest)
READ_CHUNK = 100  # product uuids per balance read
PACING_MARGIN_S = 0.005


class InventoryApi:
    """Mixed into ZettleClient.

    Pacing: the client spaces inventory calls by when they were sent; Zettle counts them when they
    arrive, which can be later (a busy process, a slow network), so the rolling second could still
    see one call too many. So each inventory call here also takes one of ``rate`` slots, and a slot
    is taken again only a second after its last call was *answered*: answered is after it arrived,
    so Zettle never counts more than ``rate`` in a second. The slots are shared by the client's
    threads (the push reads the locations from one thread and writes stock from another)."""

    def _inventory_call(self, method, path, **kwargs):
        rate = int((getattr(self, "rates", None) or {}).get("inventory") or 0)
        if not rate:
            return self.call("inventory", method, path, **kwargs)
        slot = self._inventory_slot_take(rate)
        try:
            return self.call("inventory", method, path, **kwargs)
        finally:
            self._inventory_slot_free(slot)

    def _inventory_slots(self, rate):
        slots = self.__dict__.get("_inventory_slot_state")
        if slots is None:
            slots = self.__dict__.setdefault("_inventory_slot_state", {
                "free_at": [float("-inf")] * rate, "busy": [False] * rate, "ready": threading.Condition()})
        return slots

    def _inventory_slot_take(self, rate):
        """The slot that is free soonest (waiting for one while all are in use), once it is free."""
        slots = self._inventory_slots(rate)
        with slots["ready"]:
            while all(slots["busy"]):
                slots["ready"].wait()
            slot = min((n for n, busy in enumerate(slots["busy"]) if not busy), key=slots["free_at"].__getitem__)
            slots["busy"][slot] = True
            free_at = slots["free_at"][slot]
        self.pause(free_at - self.clock.now(), rate_limit=True)
        return slot

    def _inventory_slot_free(self, slot):
        slots = self.__dict__["_inventory_slot_state"]
        with slots["ready"]:
            slots["free_at"][slot] = self.clock.now() + 1.0 + PACING_MARGIN_S
            slots["busy"][slot] = False
            slots["ready"].notify()

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
        changes = self.new_stock_changes(levels=levels)
        return self.bulk_update(product_changes=changes) if changes else []

    def new_stock_changes(self, *, levels):
        """The bulk ``productChanges`` of ``set_new_stock`` (start tracking, move each level in)."""
        levels = list(levels)
        if not levels:
            return []
        return mapping.stock_product_changes(levels=levels, current={}, tracked=set(), locations=self.locations())

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
