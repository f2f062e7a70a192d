"""The Zettle stock connector: Inventory API v3 through ``ZettleClient``, no database.

Sources and assumptions of the v3 calls: ``integrations/zettle/api_inventory.py``.

Keys. Stock is kept per variant uuid in the organisation's default STORE inventory
(``StockRef.location_id`` is its uuid, from ``GET /v3/inventories``); movements address products, so
``product_id`` (the product uuid) comes with every level and is needed for every write. SOLD, BIN and
SUPPLIER are bookkeeping inventories, not stock a merchant has: ``locations()`` offers STORE alone.
Tracking is switched on per product; the variants of an untracked product come with ``tracked=False``.

Writes. Zettle has no "set to N": balances change only through movements of a positive ``change``
between inventories, which are relative by nature (a POS sale landing between our read and our write
is counted, not overwritten). A negative change goes STORE→SOLD when it is a sale and STORE→BIN
otherwise; a positive one SOLD→STORE when it is a refund and SUPPLIER→STORE otherwise. All the changes
of one ``adjust`` go in one call (``POST /v3/movements``, at most ``MOVEMENTS_MAX`` movements).
Zettle refuses the whole call when one product is wrong (not tracked, deleted; assumed, as v2 did):
that product is taken out (found from Zettle's answer, else by halving the batch) and the others are
sent again.

Notifications. ``InventoryBalanceChanged`` comes for every change of STORE (POS sales and refunds,
back-office edits, our own movements) with the variant and product uuids; ``InventoryTrackingStarted``
names only the product, so ``refs_for_changes`` reads its balances to name its variants. Sales need no
``PurchaseCreated``: the balance change comes with them. Zettle keeps one Pusher subscription per
destination, shared with the product connector; its signing key is Zettle's choice, so
``register_webhooks`` returns that key for the engine to store.
"""

from collections.abc import Iterator

from integrations.contracts.stock import (
    AdjustResult,
    ExternalLocation,
    PlatformLevel,
    StockConnector,
    StockRef,
)
from integrations.errors import ConnectorError
from integrations.stock_support import CONNECTION_STATUSES, not_answered, refused
from integrations.zettle import mapping
from integrations.zettle.api_inventory import MOVEMENTS_MAX
from integrations.zettle.client import ZettleClient
from integrations.zettle.connector import DEFAULT_CONTACT_EMAIL, WEBHOOK_EVENTS
from integrations.zettle.connector_support import call_stats, subscription_for

STOCK_EVENTS = ("InventoryBalanceChanged", "InventoryTrackingStarted", "InventoryTrackingStopped")


class ZettleStock(StockConnector):
    platform = "zettle"
    adjust_batch_size = MOVEMENTS_MAX  # one movements call: at most MOVEMENTS_MAX movements
    relative_writes = True

    @property
    def events(self):
        """The stock events; while the connection syncs products, the product events too (the same
        subscription carries them), so the daily reconcile re-registers any that went missing."""
        products_on = (getattr(self.connection, "products_direction", "off") or "off") != "off"
        return tuple(dict.fromkeys((*STOCK_EVENTS, *WEBHOOK_EVENTS))) if products_on else STOCK_EVENTS

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = ZettleClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})
        self._signing_key = ""
        self._labels = {}
        self._wrote = False

    def _store(self):
        return self.client.store()

    # --- locations -----------------------------------------------------------------------------------
    def locations(self):
        return [ExternalLocation(external_id=self._store(), name="Zettle store inventory", is_default=True)]

    # --- reading --------------------------------------------------------------------------------------
    def read_levels(self, *, refs):
        """Balances of the refs' products (``POST /v3/stock/{STORE}/products``, 100 products a call; the
        whole STORE, page by page, when a ref lacks its product). Products not tracked: read from the
        Product Library to tell "untracked" (``tracked=False``) from "gone" (absent)."""
        refs = list(dict.fromkeys(r for r in refs if r.variant_id))
        if not refs:
            return []
        store = self._store()
        if any(not r.product_id for r in refs):
            tracked, rows = self.client.store_balances()
        else:
            tracked, rows = self.client.product_balances(product_uuids=sorted({r.product_id for r in refs}))
        by_variant = {row["variantUuid"]: row for row in rows}
        levels, untracked = [], {}
        for ref in refs:
            row = by_variant.get(ref.variant_id)
            if row is not None and row.get("productUuid") in tracked:
                location = row.get("inventoryUuid") or store
                if ref.location_id and ref.location_id != location:
                    continue  # only STORE holds stock
                levels.append(PlatformLevel(variant_id=ref.variant_id, location_id=location,
                                            quantity=mapping.parse_quantity(row.get("balance")),
                                            product_id=row.get("productUuid") or ref.product_id))
            elif ref.product_id and ref.product_id not in tracked:
                untracked.setdefault(ref.product_id, []).append(ref)
        for product_uuid, product_refs in untracked.items():
            product = self._product(product_uuid)
            wanted = {r.variant_id for r in product_refs if (r.location_id or store) == store}
            for variant in (product or {}).get("variants") or []:
                if variant["uuid"] in wanted:
                    levels.append(PlatformLevel(variant_id=variant["uuid"], location_id=store, quantity=0,
                                                product_id=product_uuid, sku=variant.get("sku") or "",
                                                barcode=variant.get("barcode") or "", tracked=False))
        return levels

    def _product(self, product_uuid):
        try:
            product, _ = self.client.get_product(uuid=product_uuid)
        except ConnectorError as exc:
            if exc.status == 404:
                return None
            raise
        return product

    def iter_levels(self, *, location_ids=None) -> Iterator[PlatformLevel]:
        """The STORE balances (``GET /v3/stock/{STORE}``, 1,000 a page), then the Product Library page by
        page (500 products) for the variants, their SKUs and barcodes."""
        store = self._store()
        if location_ids and store not in {str(i) for i in location_ids}:
            return
        tracked, rows = self.client.store_balances()
        balances = {row["variantUuid"]: mapping.parse_quantity(row.get("balance")) for row in rows}
        del rows
        for page in self.client.iter_library():
            for product in page.get("products") or []:
                is_tracked = product["uuid"] in tracked
                for variant in product.get("variants") or []:
                    yield PlatformLevel(variant_id=variant["uuid"], location_id=store,
                                        quantity=balances.get(variant["uuid"], 0) if is_tracked else 0,
                                        product_id=product["uuid"], sku=variant.get("sku") or "",
                                        barcode=variant.get("barcode") or "", tracked=is_tracked)

    def refs_for_changes(self, *, changes):
        """``InventoryBalanceChanged``: each variant in it. ``InventoryTrackingStarted``: every variant of
        the product (one balance read). Purchases need nothing: their balance change comes too."""
        refs, started = [], []
        for change in changes:
            if change.kind != "stock":
                continue
            data = change.data or {}
            if change.external_id:
                refs.append(StockRef(variant_id=str(change.external_id),
                                     location_id=str(data.get("location_uuid") or data.get("location_id") or ""),
                                     product_id=str(change.external_parent_id or "")))
            elif data.get("tracking") and change.external_parent_id:
                started.append(str(change.external_parent_id))
        if started:
            _, rows = self.client.product_balances(product_uuids=sorted(set(started)))
            refs += [StockRef(variant_id=row["variantUuid"], location_id=row.get("inventoryUuid") or "",
                              product_id=row["productUuid"]) for row in rows]
        return list(dict.fromkeys(refs))

    # --- writing --------------------------------------------------------------------------------------
    def _movement(self, change, locations):
        if change.delta < 0:
            source, dest = "STORE", "SOLD" if change.reason == "sale" else "BIN"
        else:
            source, dest = ("SOLD" if change.reason == "refund" else "SUPPLIER"), "STORE"
        return {"productUuid": change.product_id, "variantUuid": change.variant_id, "from": locations[source],
                "to": locations[dest], "change": abs(int(change.delta))}

    def adjust(self, *, changes):
        changes = list(changes)
        if len(changes) > self.adjust_batch_size:
            raise ValueError(f"At most {self.adjust_batch_size} changes per adjust call.")
        locations = self.client.locations()
        results: list[AdjustResult | None] = [None] * len(changes)
        moves = {}
        for index, change in enumerate(changes):
            if change.delta == 0:
                results[index] = AdjustResult(ok=True)
            elif change.location_id and change.location_id != locations["STORE"]:
                results[index] = self._refused(change, "it is not Zettle's store inventory",
                                               "map the Zettle store inventory on the connection's Locations page")
            elif not change.product_id:
                results[index] = self._refused(change, "Flyt does not know its Zettle product",
                                               "run a stock reconciliation for the Zettle connection")
            else:
                moves[index] = self._movement(change, locations)
        self._wrote = False
        self._send(moves, changes, results)
        return [r or AdjustResult(ok=False, retryable=True, error=f"Stock for {self._label(c)} not written; Flyt "
                                  "will try again.") for r, c in zip(results, changes, strict=True)]

    def _send(self, moves, changes, results):
        """One movements call for ``moves`` ({index: movement}); when Zettle refuses it, take out the
        product its answer names (or halve the batch) and send the rest again."""
        if not moves:
            return
        by_product = {}
        for index, move in moves.items():
            by_product.setdefault(changes[index].product_id, []).append(move)
        try:
            if len(moves) > MOVEMENTS_MAX:
                raise ConnectorError("too many movements for one call", retryable=False, status=413)
            self.client.move(movements=list(moves.values()))
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES or (exc.retryable and not self._wrote):
                raise  # nothing written yet: the engine keeps every item for the retry
            if exc.retryable:
                not_answered(results, moves, changes, exc, platform="Zettle", refuse=self._refused)
                return
            named = self._named(exc, moves, changes)
            if not named and len(by_product) > 1:
                products = list(by_product)
                first = set(products[:len(products) // 2])
                self._send({i: m for i, m in moves.items() if changes[i].product_id in first}, changes, results)
                self._send({i: m for i, m in moves.items() if changes[i].product_id not in first}, changes, results)
                return
            named = named or set(moves)
            for index in named:
                results[index] = self._refusal(exc, changes[index])
            self._send({i: m for i, m in moves.items() if i not in named}, changes, results)
            return
        self._wrote = True
        for index in moves:
            results[index] = AdjustResult(ok=True)

    @staticmethod
    def _named(exc, moves, changes):
        """The moves Zettle's refusal names (by product or variant uuid)."""
        text = f"{exc.message} {(exc.detail or {}).get('body') or ''}"
        named = {i for i in moves if changes[i].variant_id and changes[i].variant_id in text}
        return named or {i for i in moves if changes[i].product_id in text}

    def _refusal(self, exc, change):
        text = f"{exc.message} {(exc.detail or {}).get('body') or ''}"
        if "PRODUCT_NOT_TRACKED" in text or "not tracked" in text:
            return self._refused(change, "stock tracking is off for this product in Zettle",
                                 "turn on stock tracking for it in Zettle, or turn off stock tracking for it in Flyt")
        if "ENTITY_NOT_FOUND" in text or exc.status == 404:
            return self._refused(change, "Zettle no longer has this product or variant",
                                 "link the product again or remove it from Flyt")
        return self._refused(change, f"Zettle refused it ({exc.message})", "check the product in Zettle, then sync "
                             "again")

    def _label(self, change):
        """"SKU X" for messages (one product read, only when something went wrong)."""
        key = (change.product_id, change.variant_id)
        if key not in self._labels:
            label = f"Zettle variant {change.variant_id}"
            try:
                product = self._product(change.product_id) if change.product_id else None
            except ConnectorError:
                product = None
            for variant in (product or {}).get("variants") or []:
                if variant["uuid"] == change.variant_id:
                    label = f"SKU {variant['sku']}" if variant.get("sku") else f"'{product.get('name') or label}'"
            self._labels[key] = label
        return self._labels[key]

    def _refused(self, change, why, remedy, *, retryable=False):
        return refused(self._label(change), why, remedy, retryable=retryable)

    # --- webhooks -------------------------------------------------------------------------------------
    def _subscriptions(self, url):
        return [s for s in self.client.list_subscriptions() if s.get("destination") == url]

    def register_webhooks(self, *, url, secret=""):
        """Add the stock events to the one subscription for ``url`` (created when there is none); only
        what is missing is written. Returns Zettle's signing key for it (``secret`` cannot be used: Zettle
        chooses the key)."""
        keep = subscription_for(self.client, url=url, events=self.events,
                                contact_email=self.settings.get("contact_email") or DEFAULT_CONTACT_EMAIL)
        self._signing_key = keep.get("signingKey") or ""
        return self._signing_key

    def webhook_signing_key(self):
        return self._signing_key

    def missing_webhooks(self, *, url):
        mine = self._subscriptions(url)
        if not mine:
            return list(self.events)
        have = set()
        for subscription in mine:
            if not subscription.get("eventNames"):
                return []
            have |= set(subscription["eventNames"])
        return [e for e in self.events if e not in have]

    def unregister_webhooks(self, *, url):
        """Take the stock events off the subscription for ``url`` (the ones the product connector also
        uses stay while products are synced); a subscription left with nothing is deleted."""
        products_on = (getattr(self.connection, "products_direction", "off") or "off") != "off"
        drop = {e for e in self.events if not (products_on and e in WEBHOOK_EVENTS)}
        for subscription in self._subscriptions(url):
            have = list(subscription.get("eventNames") or [])
            if not have:  # every event: ours among them
                if not products_on:
                    self.client.delete_subscription(uuid=subscription["uuid"])
                continue
            left = [e for e in have if e not in drop]
            if not left:
                self.client.delete_subscription(uuid=subscription["uuid"])
            elif left != have:
                self.client.update_subscription(uuid=subscription["uuid"], changes={"eventNames": left})

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        return call_stats(self.client.stats)
