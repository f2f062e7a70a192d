"""Inventory API v3 calls (https://inventory.izettle.com/v3/...).

Sources: developer.zettle.com/docs/api/inventory — overview (``GET /v3/stock`` paged by a
``Link: <...?cursor=...&limit=100>; rel="next"`` header to follow verbatim; "By default, V3 allows
4 requests per second", a soft limit measured as an average over a short rolling window),
concepts/how-inventories-work (inventories STORE, SOLD, BIN, SUPPLIER created automatically; balances
change only by moving a positive number of items between inventories; SUPPLIER holds infinite stock)
and user-guides/manage-inventory-balances/update-inventory-balance (``POST /v3/movements``, answered
204 No Content). Zettle's inventory migration guide retired the pre-v3 endpoints
(``/organizations/{org}/inventory…``, ``/organizations/{org}/v2/inventory/bulk``) after 31 May 2023;
none of them is called here. The v3 paths and bodies below are also those of production integrations:
PayPal Zettle POS for WooCommerce (Syde's PHP SDK: ``POST /v3/movements`` ``{movements: [{productUuid,
variantUuid, from, to, change}], identifier}``, ``POST /v3/products`` ``[{productUuid, tracking:
"enable"|"disable"}]``, ``GET /v3/stock/{inventoryUuid}/products/{productUuid}``) and
LauLamanApps/iZettleApi (``/v3/inventories``, ``/v3/stock/{inventoryUuid}/products``,
``/v3/products/status``).

Assumed where the published docs are silent (the sandbox does the same):
- ``GET /v3/inventories`` answers ``[{inventoryUuid, inventoryType, name, ...}]``, one of each type;
  their uuids are those of the pre-v3 locations (the same four buckets, renamed: the integrations
  above pass one for the other), so a STORE mapped in Flyt before keeps its binding.
- Balance rows are ``{inventoryUuid, productUuid, variantUuid, balance}`` with ``balance`` a number;
  only tracked products have rows, and every variant of a tracked product has one (0 until moved).
- ``POST /v3/stock/{inventoryUuid}/products`` takes a JSON list of product uuids (at most
  ``READ_CHUNK``) and answers their rows; ``POST /v3/products/status`` takes a list of product uuids
  and answers ``[{productUuid, enabled}]``.
- At most ``MOVEMENTS_MAX`` movements per ``/v3/movements`` call and ``TRACKING_MAX`` products per
  ``/v3/products`` call; a call is all or nothing (one unknown or untracked product refuses it:
  400 ``PRODUCT_NOT_TRACKED`` or 404 ``ENTITY_NOT_FOUND`` with Zettle's usual error body).
- The movement call's ``identifier`` comes back as ``externalUuid`` in InventoryBalanceChanged.

v3 needs no organization in the path: the token names it.
"""

import re
import threading

from integrations.zettle import mapping

MOVEMENTS_MAX = 500  # movements per POST /v3/movements (assumed: not documented)
TRACKING_MAX = 500  # products per POST /v3/products (assumed: not documented)
READ_CHUNK = 100  # product uuids per balance read (assumed: not documented)
STOCK_PAGE = 1000  # balances per page of GET /v3/stock/{inventoryUuid} (limit 1-1000, default 100)
PACING_MARGIN_S = 0.005

# inventory calls that read with a POST (a list of uuids in the body)
_READS_BY_POST = re.compile(r"/v3/(?:stock/[^/]+/products|products/status)/?$")


def is_read_by_post(path):
    """Whether a POST to ``path`` on the inventory service only reads (balances, tracking status)."""
    return bool(_READS_BY_POST.search(path.split("?", 1)[0]))


def stock_plan(*, levels, current: dict, tracked) -> dict:
    """What makes STORE show each hub level: ``{"start": [product uuids whose tracking must be
    switched on first], "movements": [v3 movements]}``. A product whose tracking is off starts from
    what Zettle kept for it (``current``), 0 if it was never tracked. Add SUPPLIER→STORE, remove
    STORE→BIN; ``change`` is always positive."""
    start, movements = [], []
    for level in levels:
        product = level.external_product_id
        if product not in tracked and product not in start:
            start.append(product)
        delta = int(level.quantity) - int(current.get(level.external_variant_id, 0))
        if delta:
            source, dest = ("SUPPLIER", "STORE") if delta > 0 else ("STORE", "BIN")
            movements.append({"productUuid": product, "variantUuid": level.external_variant_id,
                              "from": source, "to": dest, "change": abs(delta)})
    return {"start": start, "movements": movements}


class InventoryApi:
    """Mixed into ZettleClient.

    Pacing: the client spaces inventory calls by when they were sent; Zettle counts them when they
    arrive, which can be later (a busy process, a slow network), so the rolling second could still
    see one call too many. So each inventory call here also takes one of ``rate`` slots, and a slot
    is taken again only a second after its last call was *answered*: answered is after it arrived,
    so Zettle never counts more than ``rate`` in a second. The slots are shared by the client's
    threads (the push reads the inventories from one thread and writes stock from another)."""

    def _inventory_call(self, method, path, *, url=None, **kwargs):
        rate = int((getattr(self, "rates", None) or {}).get("inventory") or 0)
        slot = self._inventory_slot_take(rate) if rate else None
        try:
            if url:
                return self.call_url("inventory", method, url, **kwargs)
            return self.call("inventory", method, path, **kwargs)
        finally:
            if slot is not None:
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

    # --- inventories ---------------------------------------------------------------------------------
    def locations(self):
        """{"STORE": uuid, "SOLD": uuid, "BIN": uuid, "SUPPLIER": uuid}: the default inventories of each
        type (``GET /v3/inventories``, once per client)."""
        if self._locations is None:
            found = {}
            for row in self._inventory_call("GET", "/v3/inventories").json() or []:
                kind = row.get("inventoryType") or row.get("type")
                if kind and (kind not in found or row.get("default")):
                    found[kind] = row["inventoryUuid"]
            self._locations = found
        return self._locations

    def store(self):
        return self.locations()["STORE"]

    # --- tracking ------------------------------------------------------------------------------------
    def _tracking(self, product_uuids, value):
        uuids = list(dict.fromkeys(product_uuids))
        for start in range(0, len(uuids), TRACKING_MAX):
            self._inventory_call("POST", "/v3/products", json=[{"productUuid": uuid, "tracking": value}
                                                               for uuid in uuids[start:start + TRACKING_MAX]])

    def start_tracking(self, *, product_uuids=(), product_uuid=None):
        """Switch tracking on (Zettle brings back the balances it kept while it was off)."""
        self._tracking([*product_uuids, *([product_uuid] if product_uuid else [])], "enable")

    def stop_tracking(self, *, product_uuids=(), product_uuid=None):
        """Switch tracking off: balances are kept, POS sales stop counting."""
        self._tracking([*product_uuids, *([product_uuid] if product_uuid else [])], "disable")

    def tracking_status(self, *, product_uuids):
        """The product uuids among ``product_uuids`` whose tracking is on."""
        uuids, tracked = list(dict.fromkeys(product_uuids)), set()
        for start in range(0, len(uuids), READ_CHUNK):
            rows = self._inventory_call("POST", "/v3/products/status", json=uuids[start:start + READ_CHUNK]).json()
            tracked.update(row["productUuid"] for row in rows or [] if row.get("enabled"))
        return tracked

    # --- balances ------------------------------------------------------------------------------------
    def store_balances(self):
        """Every tracked variant's STORE balance, page by page (``GET /v3/stock/{STORE}``, following
        ``Link: rel="next"``): (tracked product uuids, rows)."""
        response = self._inventory_call("GET", f"/v3/stock/{self.store()}", params={"limit": STOCK_PAGE})
        rows = []
        while True:
            rows.extend(response.json() or [])
            link = response.links.get("next", {}).get("url")
            if not link:
                break
            response = self._inventory_call("GET", "", url=self.follow(response, link))
        return {row["productUuid"] for row in rows}, rows

    def iter_stock_levels(self):
        """The STORE balance of every tracked variant, as hub stock levels."""
        _, rows = self.store_balances()
        for row in rows:
            yield mapping.stock_level_from_zettle({**row, "locationUuid": row.get("inventoryUuid")})

    def product_balances(self, *, product_uuids):
        """STORE balances of some products (``POST /v3/stock/{STORE}/products``, ``READ_CHUNK`` a call):
        (tracked product uuids, rows). A product with no rows is asked about once more
        (``/v3/products/status``) to tell "tracked, no variants moved yet" from "not tracked"."""
        uuids = list(dict.fromkeys(product_uuids))
        store, rows = self.store(), []
        for start in range(0, len(uuids), READ_CHUNK):
            rows.extend(self._inventory_call("POST", f"/v3/stock/{store}/products",
                                             json=uuids[start:start + READ_CHUNK]).json() or [])
        tracked = {row["productUuid"] for row in rows}
        silent = [uuid for uuid in uuids if uuid not in tracked]
        if silent:
            tracked |= self.tracking_status(product_uuids=silent)
        return tracked, rows

    # --- writing -------------------------------------------------------------------------------------
    def move(self, *, movements, identifier=None):
        """``POST /v3/movements`` ``[{productUuid, variantUuid, from, to, change}]`` where ``from``/``to``
        are inventory types (STORE, SOLD, BIN, SUPPLIER) or uuids; ``MOVEMENTS_MAX`` a call.
        ``identifier`` comes back in the InventoryBalanceChanged webhook. Zettle answers 204: the new
        balances are not returned."""
        movements = list(movements)
        if not movements:
            return
        locations = self.locations()
        body_rows = [{**m, "from": locations.get(m["from"], m["from"]), "to": locations.get(m["to"], m["to"])}
                     for m in movements]
        for start in range(0, len(body_rows), MOVEMENTS_MAX):
            body = {"movements": body_rows[start:start + MOVEMENTS_MAX]}
            if identifier:
                body["identifier"] = identifier
            self._inventory_call("POST", "/v3/movements", json=body)

    def write_stock_plan(self, *, plan):
        """Carry out a ``stock_plan``: tracking switched on first, then the movements."""
        if plan["start"]:
            self.start_tracking(product_uuids=plan["start"])
        if plan["movements"]:
            self.move(movements=plan["movements"])

    def new_stock_changes(self, *, levels):
        """The ``stock_plan`` for products Flyt has just created: never tracked, no balances, so no
        reads: switch tracking on and move each level in from SUPPLIER."""
        levels = list(levels)
        if levels:
            self.locations()
        return stock_plan(levels=levels, current={}, tracked=set())

    def set_new_stock(self, *, levels):
        plan = self.new_stock_changes(levels=levels)
        self.write_stock_plan(plan=plan)
        return plan

    def set_stock(self, *, levels):
        """Make STORE show each ``ExternalStockLevel.quantity``: read the current balances, then move
        the differences (switching tracking on first where it is off). Returns the plan carried out.

        Zettle has no compare-and-set for stock: a sale between the read and the move is still counted
        (movements are relative), but the level then ends up off by that sale; the engine re-reads
        on the InventoryBalanceChanged webhook that sale sends."""
        levels = list(levels)
        if not levels:
            return {"start": [], "movements": []}
        product_uuids = sorted({lv.external_product_id for lv in levels})
        tracked, rows = self.product_balances(product_uuids=product_uuids)
        untracked = [uuid for uuid in product_uuids if uuid not in tracked]
        if untracked:
            # Zettle keeps a product's balances while tracking is off and brings them back when it is
            # switched on again, so switch it on first and read what came back before moving.
            self.start_tracking(product_uuids=untracked)
            more_tracked, more_rows = self.product_balances(product_uuids=untracked)
            tracked |= more_tracked
            rows = [row for row in rows if row.get("productUuid") not in more_tracked] + more_rows
        current = {row["variantUuid"]: mapping.parse_quantity(row.get("balance")) for row in rows}
        plan = stock_plan(levels=levels, current=current, tracked=tracked)
        self.write_stock_plan(plan=plan)
        return plan
