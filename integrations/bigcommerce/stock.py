"""The BigCommerce stock connector: Inventory V3 through ``BigCommerceClient``, no database.

Keys. Stock is kept per variant (a product without options has one base variant) per location;
``StockRef.variant_id`` is the variant id, ``product_id`` its product, ``location_id`` the inventory
location id. The level is ``total_inventory_onhand`` (what relative adjustments move; the safety
stock is a constant offset BigCommerce subtracts for ``available_to_sell``).

Tracking. A product tracks stock by variant, by product (products without options, and products with
options tracked as a whole) or not at all (``inventory_tracking: none``: levels come with
``tracked=False`` and writes are refused with a message). BigCommerce refuses an adjustment that
names the variant of a product tracked by product, so every write first reads the products' tracking
(one ``id:in`` call per 250 products, kept for the life of the connector) and names each item the
way its product wants.

Writes. ``POST /v3/inventory/adjustments/relative``, at most 2,000 items per call, one call at a time:
a sale landing between our read and our write is added up, never overwritten. BigCommerce refuses the
whole call when one item is wrong (422): the refused item is taken out (found from BigCommerce's
answer, else by halving the batch) and the others are sent again. An item that has no level at that
location yet cannot be adjusted relatively; it is set absolutely (there is nothing to overwrite).
The sending and the refusals are in ``integrations.bigcommerce.stock_writes``.

Notifications. ``store/sku/inventory/*`` (variant-tracked) and ``store/product/inventory/*``
(product-tracked) announce admin, API and order-driven changes; the product-level ones name only the
product, so ``refs_for_changes`` looks its variants up.
"""

from collections.abc import Iterator
from dataclasses import replace

from django.core.cache import cache

from integrations.bigcommerce.catalog_api import ID_FILTER_BATCH
from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.commerce_api import DEFAULT_REASON, INVENTORY_BATCH
from integrations.bigcommerce.connector import CHANNEL_SCOPES, PRODUCT_SCOPES, STOCK_SCOPES
from integrations.bigcommerce.stock_writes import RELATIVE_PATH, StockWrites
from integrations.bigcommerce.webhooks import HEADER_NAME
from integrations.contracts.stock import (
    AdjustResult,
    ExternalLocation,
    PlatformLevel,
    StockConnector,
    StockRef,
)
from integrations.paging import pages
from integrations.stock_support import CONNECTION_STATUSES

__all__ = ["CONNECTION_STATUSES", "FACTS_TTL_S", "RELATIVE_PATH", "BigCommerceStock"]

# How long a product's tracking mode and variants are reused across tasks. A change made meanwhile is
# caught by the adjustment itself (BigCommerce refuses it and the item is re-read).
FACTS_TTL_S = 300


class BigCommerceStock(StockWrites, StockConnector):
    platform = "bigcommerce"
    adjust_batch_size = INVENTORY_BATCH  # 2,000 items per adjustment call
    relative_writes = True
    allows_negative = False  # the inventory API refuses an adjustment that takes on-hand below 0
    @property
    def scopes(self):
        """The sku- and product-level inventory scopes (admin/API and order-driven). While the connection
        syncs products, also the product scopes its product connector registers (created, updated, deleted
        and, on the home base, the channel's assigned/unassigned): the daily reconcile then re-registers
        any of them that went missing."""
        direction = getattr(self.connection, "products_direction", "off") or "off"
        if direction == "off":
            return STOCK_SCOPES
        channel_id = (self.connection.settings or {}).get("channel_id") if direction == "pull" else None
        channel = tuple(s.format(channel_id=channel_id) for s in CHANNEL_SCOPES) if channel_id else ()
        return (*PRODUCT_SCOPES, *channel, *STOCK_SCOPES)

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = BigCommerceClient.from_connection(connection, transport=transport, clock=clock)
        self._corrected, self._wrote = set(), False  # per adjust call
        self._catalog = {}  # product id -> {"tracking", "variants": {variant id: (sku, barcode)}, "stock_variant"}

    # --- locations -----------------------------------------------------------------------------------
    def locations(self):
        rows = list(self.client.iter_locations())
        if not rows:
            return []
        flagged = [r for r in rows if r.get("is_default")]
        default = (flagged or sorted(rows, key=lambda r: int(r["id"])))[0]["id"]
        return [ExternalLocation(external_id=str(r["id"]), name=r.get("label") or r.get("code") or str(r["id"]),
                                 is_default=r["id"] == default) for r in rows]

    # --- catalog facts (tracking mode, SKUs, barcodes) -------------------------------------------------
    def _products(self, product_ids):
        """{product id: facts} for these products, read once per connector (250 per call)."""
        wanted = sorted({int(p) for p in product_ids if str(p).isdigit()} - set(self._catalog))
        if wanted:  # what another task read a moment ago (a burst of notifications names the same products)
            shared = cache.get_many([self._cache_key(p) for p in wanted])
            for pid in wanted:
                if self._cache_key(pid) in shared:
                    self._catalog[pid] = shared[self._cache_key(pid)]
            wanted = [p for p in wanted if p not in self._catalog]
        for batch in pages(wanted, ID_FILTER_BATCH):
            for page in self.client.iter_product_pages(
                    ids=batch, include=("variants",),
                    params={"include_fields": "id,inventory_tracking,base_variant_id"}):
                for raw in page:
                    self._remember(raw)
            for missing in set(batch) - set(self._catalog):
                self._catalog[missing] = None  # deleted
            cache.set_many({self._cache_key(p): self._catalog[p] for p in batch if self._catalog[p] is not None},
                           timeout=FACTS_TTL_S)
        return {int(p): self._catalog.get(int(p)) for p in product_ids if str(p).isdigit()}

    def _cache_key(self, product_id):
        return f"bc-stock-facts:{self.connection.pk}:{product_id}"

    def _remember(self, raw):
        variants = {int(v["id"]): (v.get("sku") or "", v.get("gtin") or v.get("upc") or "")
                    for v in raw.get("variants") or []}
        self._catalog[int(raw["id"])] = {
            "tracking": raw.get("inventory_tracking") or "none", "variants": variants,
            "stock_variant": raw.get("base_variant_id") or (min(variants) if variants else None)}

    def _facts(self, product_id):
        return self._catalog.get(int(product_id)) if str(product_id).isdigit() else None

    def _sku(self, change):
        facts = self._facts(change.product_id)
        sku = ((facts or {}).get("variants") or {}).get(int(change.variant_id), ("", ""))[0] \
            if str(change.variant_id).isdigit() else ""
        return f"SKU {sku}" if sku else f"BigCommerce variant {change.variant_id}"

    # --- reading --------------------------------------------------------------------------------------
    def _level(self, identity, location, facts):
        variant_id, product_id = int(identity["variant_id"]), int(identity["product_id"])
        sku, barcode = ((facts or {}).get("variants") or {}).get(variant_id, (identity.get("sku") or "", ""))
        return PlatformLevel(variant_id=str(variant_id), location_id=str(location["location_id"]),
                             quantity=int(location.get("total_inventory_onhand") or 0),
                             product_id=str(product_id), sku=sku or identity.get("sku") or "", barcode=barcode,
                             tracked=bool(facts) and facts["tracking"] != "none")

    def read_levels(self, *, refs):
        """One ``variant_id:in`` read per 250 variants (``product_id:in`` for refs naming only a product),
        plus the products' tracking mode (cached)."""
        by_variant = [r for r in refs if str(r.variant_id).isdigit()]
        by_product = [r for r in refs if not str(r.variant_id).isdigit() and str(r.product_id).isdigit()]
        items = []
        if by_variant:
            items += list(self.client.iter_inventory_items(variant_ids=sorted({int(r.variant_id)
                                                                               for r in by_variant})))
        if by_product:
            items += list(self.client.iter_inventory_items(product_ids=sorted({int(r.product_id)
                                                                               for r in by_product})))
        facts = self._products({(i.get("identity") or {}).get("product_id") for i in items} - {None})
        wanted_variant = {}
        for ref in by_variant:
            wanted_variant.setdefault(str(ref.variant_id), set()).add(str(ref.location_id or ""))
        wanted_product = {}
        for ref in by_product:
            wanted_product.setdefault(str(ref.product_id), set()).add(str(ref.location_id or ""))
        levels = {}
        for item in items:
            identity = item.get("identity") or {}
            wanted = wanted_variant.get(str(identity.get("variant_id")), set()) | \
                wanted_product.get(str(identity.get("product_id")), set())
            for location in item.get("locations") or []:
                if "" in wanted or str(location["location_id"]) in wanted:
                    level = self._level(identity, location, facts.get(int(identity["product_id"])))
                    levels[(level.variant_id, level.location_id)] = level
        return list(levels.values())

    def iter_levels(self, *, location_ids=None) -> Iterator[PlatformLevel]:
        """Catalog pages of 250 products (tracking, SKUs, barcodes), each followed by the inventory of
        those products (``product_id:in``, 250 variants per page)."""
        locations = [int(i) for i in location_ids] if location_ids else None
        for page in self.client.iter_product_pages(include=("variants",),
                                                   params={"include_fields": "id,inventory_tracking,base_variant_id"}):
            for raw in page:
                self._remember(raw)
            ids = [int(raw["id"]) for raw in page]
            for item in self.client.iter_inventory_items(product_ids=ids, location_ids=locations):
                identity = item.get("identity") or {}
                facts = self._facts(identity.get("product_id"))
                for location in item.get("locations") or []:
                    if locations is None or int(location["location_id"]) in locations:
                        yield self._level(identity, location, facts)

    def refs_for_changes(self, *, changes):
        """Variant-level notifications name the variant; product-level ones (``store/product/inventory/*``)
        only the product: its stock-holding variant is looked up (cached catalog read)."""
        refs, products = [], []
        for change in changes:
            if change.kind != "stock":
                continue
            if (change.topic or "").startswith("store/product/inventory/"):
                if str(change.external_parent_id or change.external_id).isdigit():
                    products.append(int(change.external_parent_id or change.external_id))
                continue
            if str(change.external_id).isdigit():
                location = (change.data or {}).get("location_id") or ""
                refs.append(StockRef(variant_id=str(change.external_id), location_id=str(location),
                                     product_id=str(change.external_parent_id or "")))
        for product_id, facts in self._products(products).items():
            if not facts:
                continue
            variant_ids = [facts["stock_variant"]] if facts["tracking"] == "product" and facts["stock_variant"] \
                else sorted(facts["variants"])
            refs += [StockRef(variant_id=str(v), product_id=str(product_id)) for v in variant_ids]
        return list(dict.fromkeys(refs))

    # --- writing --------------------------------------------------------------------------------------
    def adjust(self, *, changes):
        changes = list(changes)
        if len(changes) > self.adjust_batch_size:
            raise ValueError(f"At most {self.adjust_batch_size} changes per adjust call.")
        results: list[AdjustResult | None] = [None] * len(changes)
        missing_product = [c.variant_id for c in changes if not str(c.product_id).isdigit()
                           and str(c.variant_id).isdigit()]
        parents = {}
        if missing_product:
            parents = {str(v["id"]): str(v["product_id"]) for v in self.client.iter_variants(
                ids=sorted({int(v) for v in missing_product}))}
        items, absolute = {}, {}
        for index, change in enumerate(changes):
            if not change.product_id and change.variant_id in parents:
                change = changes[index] = replace(change, product_id=parents[change.variant_id])
            if change.delta == 0:
                results[index] = AdjustResult(ok=True)
            elif not str(change.location_id).isdigit():
                results[index] = self._refused(change, "it has no BigCommerce location", "map the connection's "
                                               "locations on its Locations page")
        facts = self._products({c.product_id for i, c in enumerate(changes) if results[i] is None})
        for index, change in enumerate(changes):
            if results[index] is not None:
                continue
            product = facts.get(int(change.product_id)) if str(change.product_id).isdigit() else None
            if product is None:
                results[index] = self._refused(change, "BigCommerce no longer has this product",
                                               "link the product again or remove it from Flyt")
            elif product["tracking"] == "none":
                results[index] = self._refused(change, "BigCommerce does not track stock for this product",
                                               "turn on inventory tracking for it in BigCommerce, or turn off "
                                               "stock tracking for it in Flyt")
            else:
                items[index] = self._item(change, product["tracking"])
        reason = self._reason(changes)
        self._corrected, self._wrote = set(), False
        self._send(items, changes, results, absolute, reason)
        if absolute:
            self._set_absolute(absolute, changes, results, reason)
        return [r or AdjustResult(ok=False, retryable=True, error=f"Stock for {self._sku(c)} not written; Flyt "
                                  "will try again.") for r, c in zip(results, changes, strict=True)]

    @staticmethod
    def _item(change, tracking, quantity=None):
        item = {"location_id": int(change.location_id),
                "quantity": int(change.delta if quantity is None else quantity)}
        if tracking == "product":
            item["product_id"] = int(change.product_id)
        else:
            item["variant_id"] = int(change.variant_id)
        return item

    @staticmethod
    def _reason(changes):
        reasons = {c.reason for c in changes if c.reason}
        return f"{DEFAULT_REASON} ({reasons.pop()})" if len(reasons) == 1 else DEFAULT_REASON

    # --- webhooks -------------------------------------------------------------------------------------
    def _hooks(self, url):
        return {h["scope"]: h for h in self.client.iter_hooks() if h["destination"] == url}

    def register_webhooks(self, *, url, secret):
        """One active hook per inventory scope to ``url`` with our token header; only what is missing,
        inactive or carries an old token is written. Other hooks to ``url`` are left alone."""
        headers = {HEADER_NAME: secret} if secret else None
        existing = self._hooks(url)
        for scope in self.scopes:
            hook = existing.get(scope)
            if hook is None:
                self.client.create_hook(scope=scope, destination=url, headers=headers)
            elif not hook["is_active"] or (hook.get("headers") or None) != headers:
                self.client.update_hook(hook_id=hook["id"], fields={"is_active": True, "headers": headers})
        return list(self.scopes)

    def missing_webhooks(self, *, url):
        existing = self._hooks(url)
        return [s for s in self.scopes if s not in existing or not existing[s]["is_active"]]

    def unregister_webhooks(self, *, url):
        """Remove the inventory hooks to ``url`` (kept while products are synced: the product connector
        registers the same scopes)."""
        if (getattr(self.connection, "products_direction", "off") or "off") != "off":
            return
        for scope, hook in self._hooks(url).items():
            if scope in self.scopes:
                self.client.delete_hook(hook_id=hook["id"])

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        stats = self.client.stats
        return {"read": stats.reads, "write": stats.writes, "rate_limit_wait_s": stats.rate_limit_wait_s}

