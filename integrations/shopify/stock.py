"""The Shopify stock connector: ``ShopifyClient`` (GraphQL Admin API) and mapping, no database.

Keys. Shopify keeps stock per inventory item and location, so ``variant_id`` is the inventory item
id, ``location_id`` the location id and ``product_id`` the Shopify product id (for information;
no call needs it). Quantities are the ``available`` quantity: a sale lowers it at once (and raises
``committed``), so it is what every other channel may still sell.

Reads. ``read_levels`` asks ``nodes(ids:)`` for many inventory items per request (as many as
the 1,000-point query cost allows), each with its levels at every active location;
``iter_levels`` pages through each location's ``inventoryLevels`` (250 per page, within the cost).

Writes. ``adjust`` takes up to 250 changes (Shopify's input-array limit). Changes with ``expected``
go through ``inventorySetQuantities`` with ``changeFromQuantity = expected`` and ``quantity =
expected + delta``: a sale landing between Flyt's read and this write makes Shopify refuse the row
(``CHANGE_FROM_QUANTITY_STALE``) and that change comes back as a conflict, so the sale is never
overwritten. Changes without ``expected`` go through ``inventoryAdjustQuantities`` (a delta, with
``changeFromQuantity: null``, which Shopify requires on every row from 2026-04 on).
Shopify refuses a whole mutation when one row is wrong, so refused rows are taken out and the rest
is sent again (with a fresh ``@idempotent`` key; each attempt's own key keeps a transport retry from
applying it twice).

Webhooks. ``inventory_levels/update`` is sent for every change of ``available``: sales and
restocking refunds included (the order webhooks add nothing for stock), and
``inventory_levels/connect`` when an item is first stocked at a location. Deliveries are signed
with the app's client secret, not with a secret Flyt chooses (see ``webhook_verifiers``).
"""

import uuid

from integrations.contracts.stock import AdjustResult, ExternalLocation, PlatformLevel, StockRef
from integrations.errors import ConnectorError
from integrations.shopify import mapping
from integrations.shopify.client import ShopifyClient
from integrations.shopify.operations import STOCK_PER_MUTATION
from integrations.stock_support import ClientStockConnector

WEBHOOK_TOPICS = ("inventory_levels/update", "inventory_levels/connect")
_REASONS = {"refund": "restock"}  # Shopify's fixed reason list; everything else is a correction
_STALE = {"COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE"}


def _enum(topic):
    return topic.upper().replace("/", "_")


def _available(quantities):
    return next((int(q["quantity"]) for q in quantities or [] if q.get("name") == "available"), 0)


def _item_fields(item):
    variant = mapping.item_variant(item)
    return {"variant_id": mapping.from_gid(item.get("id")), "sku": item.get("sku") or "",
            "barcode": variant.get("barcode") or "", "product_id": mapping.from_gid((variant.get("product") or {})
                                                                                    .get("id")),
            "tracked": bool(item.get("tracked", True))}


def _row_index(error, rows_key):
    """The row a userError names (``["input", "quantities", "3", "changeFromQuantity"]`` -> 3), or None."""
    field = [str(p) for p in error.get("field") or []]
    for position, part in enumerate(field[:-1]):
        if part == rows_key and field[position + 1].isdigit():
            return int(field[position + 1])
    return None


class ShopifyStock(ClientStockConnector):
    platform = "shopify"
    client_class = ShopifyClient
    adjust_batch_size = STOCK_PER_MUTATION  # 250: Shopify's limit on input arrays
    relative_writes = True

    # --- locations -----------------------------------------------------------------------------------
    def _read_locations(self):
        """The shop's active locations; the first (Shopify's oldest, normally the primary) is the default."""
        active = [loc for loc in self.client.locations() if loc["active"]]
        active.sort(key=lambda loc: int(loc["external_id"]) if loc["external_id"].isdigit() else 0)
        return [ExternalLocation(external_id=loc["external_id"], name=loc["name"], is_default=n == 0)
                for n, loc in enumerate(active)]

    # --- reading --------------------------------------------------------------------------------------
    def read_levels(self, *, refs):
        if not refs:
            return []
        wanted = {}
        for ref in refs:
            wanted.setdefault(str(ref.variant_id), set()).add(str(ref.location_id or ""))
        nodes = self.client.stock_items(inventory_item_ids=list(wanted),
                                        locations_per_item=max(1, len(self.locations())))
        levels = []
        for node in nodes:
            fields = _item_fields(node)
            locations = wanted.get(fields["variant_id"], set())
            for level in (node.get("inventoryLevels") or {}).get("nodes") or []:
                location_id = mapping.from_gid((level.get("location") or {}).get("id"))
                if "" in locations or location_id in locations:
                    levels.append(PlatformLevel(location_id=location_id, quantity=_available(level.get("quantities")),
                                                **fields))
        return levels

    def iter_levels(self, *, location_ids=None):
        ids = [str(i) for i in location_ids] if location_ids else [loc.external_id for loc in self.locations()]
        for location_id in ids:
            for node in self.client.iter_location_stock(location_id=location_id):
                yield PlatformLevel(location_id=location_id, quantity=_available(node.get("quantities")),
                                    **_item_fields(node.get("item") or {}))

    def refs_for_changes(self, *, changes):
        """``inventory_levels/*`` deliveries carry the inventory item and the location (the parser puts the
        location in ``external_parent_id``, so the default would take it for the product). Orders and
        refunds name nothing more: Shopify sends ``inventory_levels/update`` for their stock too."""
        refs = []
        for change in changes:
            if change.kind != "stock":
                continue
            data = change.data or {}
            item = str(data.get("inventory_item_id") or change.external_id or "")
            if item:
                refs.append(StockRef(variant_id=item, location_id=str(data.get("location_id") or "")))
        return list(dict.fromkeys(refs))

    # --- writing --------------------------------------------------------------------------------------
    def adjust(self, *, changes):
        if len(changes) > self.adjust_batch_size:
            raise ValueError(f"At most {self.adjust_batch_size} stock changes per call.")
        results = [None] * len(changes)
        compared, relative = [], []
        for index, change in enumerate(changes):
            if change.delta == 0 and change.expected is None:
                results[index] = AdjustResult(ok=True)
            elif change.expected is not None:
                compared.append(index)
            else:
                relative.append(index)
        self._write(changes, compared, results, compare=True)
        try:
            self._write(changes, relative, results, compare=False)
        except ConnectorError as exc:
            if not any(r is not None and r.ok for r in results):
                raise  # nothing was written: the engine keeps every item and tries again
            # part is written: answer for each instead of raising (the engine would otherwise take its
            # own writes for changes made in Shopify)
            for index in relative:
                if results[index] is None:
                    results[index] = AdjustResult(ok=False, retryable=True,
                                                  error=self._message(changes[index], f"not yet: {exc.message}"))
        self._name_failures(changes, results)
        return results

    def _write(self, changes, indexes, results, *, compare):
        """One mutation for ``indexes``; rows Shopify refuses get their result and the rest goes again."""
        pending = list(indexes)
        rows_key = "quantities" if compare else "changes"
        while pending:
            batch = [changes[i] for i in pending]
            reason = _REASONS.get(batch[0].reason, "correction") if len({c.reason for c in batch}) == 1 \
                else "correction"
            try:
                if compare:
                    self.client.set_stock(quantities=[
                        {"inventory_item_id": c.variant_id, "location_id": c.location_id,
                         "quantity": int(c.expected) + int(c.delta), "compare_quantity": int(c.expected)}
                        for c in batch], reason=reason, idempotency_key=str(uuid.uuid4()))
                else:
                    self.client.adjust_stock(changes=[
                        {"inventory_item_id": c.variant_id, "location_id": c.location_id, "delta": int(c.delta)}
                        for c in batch], reason=reason, idempotency_key=str(uuid.uuid4()))
            except ConnectorError as exc:
                errors = (exc.detail or {}).get("user_errors") or []
                refused = {}
                for error in errors:
                    position = _row_index(error, rows_key)
                    if position is not None and position < len(pending):
                        refused.setdefault(pending[position], error)
                if not errors:
                    # unreachable, throttled, or refused as a whole (token revoked, access denied): nothing of
                    # this batch was written and every item would fail alike, so the engine keeps them all
                    raise
                if not refused:
                    for index in pending:
                        results[index] = AdjustResult(ok=False, error=self._message(changes[index], exc.message),
                                                      retryable=exc.retryable)
                    return
                for index, error in refused.items():
                    results[index] = self._refusal(changes[index], error)
                pending = [i for i in pending if i not in refused]
                continue
            for index in pending:
                change = changes[index]
                after = int(change.expected) + int(change.delta) if change.expected is not None else None
                results[index] = AdjustResult(ok=True, quantity=after)
            return

    def _refusal(self, change, error):
        code = error.get("code") or ""
        if code in _STALE:
            return AdjustResult(ok=False, conflict=True, error="Shopify's stock changed since Flyt read it.")
        hints = {
            "INVALID_INVENTORY_ITEM": "Shopify no longer has this item (it was deleted there) — sync the products "
                                      "so Flyt links the item again",
            "INVALID_LOCATION": f"Shopify location {change.location_id} no longer exists — map this connection's "
                                "locations again in Flyt",
            "ITEM_NOT_STOCKED_AT_LOCATION": f"the item is not stocked at Shopify location {change.location_id} — "
                                            "stock it there in Shopify (Products → Inventory) or map another location",
        }
        text = hints.get(code) or f"Shopify refused it ({error.get('message') or code}) — check the item in Shopify " \
                                  "and sync again"
        return AdjustResult(ok=False, error=self._message(change, text))

    @staticmethod
    def _message(change, text, sku=""):
        who = f"SKU {sku}" if sku else f"Shopify inventory item {change.variant_id}"
        return f"Stock for {who} not written to Shopify: {text}"

    def _name_failures(self, changes, results):
        """Permanent failures are for people: name the item by SKU (one read, only when something failed)."""
        failed = [i for i, r in enumerate(results) if r is not None and not r.ok and not r.conflict
                  and not r.retryable]
        if not failed:
            return
        try:
            nodes = self.client.stock_items(inventory_item_ids=[changes[i].variant_id for i in failed],
                                            locations_per_item=1)
        except ConnectorError:
            return
        skus = {mapping.from_gid(n.get("id")): n.get("sku") or "" for n in nodes}
        for index in failed:
            sku = skus.get(str(changes[index].variant_id))
            if sku:
                prefix = f"Stock for Shopify inventory item {changes[index].variant_id} "
                results[index].error = results[index].error.replace(prefix, f"Stock for SKU {sku} ", 1)

    # --- webhooks -------------------------------------------------------------------------------------
    def _subscribed(self, url):
        return {(s["topic"], s["address"]): s for s in self.client.webhook_subscriptions()}

    def missing_webhooks(self, *, url):
        subscribed = self._subscribed(url)
        return [topic for topic in WEBHOOK_TOPICS if (_enum(topic), url) not in subscribed]

    def register_webhooks(self, *, url, secret=""):
        """Subscribe ``url`` to the stock topics it lacks. Shopify signs with the app's client secret, so
        ``secret`` is not used. Returns the topics ``url`` is subscribed to."""
        for topic in self.missing_webhooks(url=url):
            self.client.subscribe(topic=topic, address=url)
        return list(WEBHOOK_TOPICS)

    def unregister_webhooks(self, *, url):
        ours = {_enum(t) for t in WEBHOOK_TOPICS}
        for (topic, address), sub in self._subscribed(url).items():
            if address == url and topic in ours:
                self.client.unsubscribe(subscription_id=sub["id"])
