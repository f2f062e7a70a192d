"""The Rackbeat stock connector: ``RackbeatClient`` and mapping, no database.

Keys. Rackbeat has no variant model: every sellable variant is a product ``number``, which is the
``variant_id``, the ``product_id`` and the SKU. Locations are Rackbeat location numbers.
Quantities are ``available_quantity`` (stock minus what booked orders reserve): an order counts as
sold when it is booked, and shipping it changes nothing more.

Reads. Rackbeat has no batch read of stock. With one location (the usual account) a product's
totals are its level there: ``read_levels`` costs one ``GET /products/{number}`` per item and
``iter_levels`` one listing request per 1,000 products. With several locations each product's
``/products/{number}/locations`` is read as well.

Writes. Relative: one inventory adjustment of up to 100 lines (``ADJUSTMENT_LINES``), then booked
(an adjustment takes effect only when booked). A sale landing between Flyt's read and the write is
kept, since only the difference is written. A line Rackbeat refuses fails the whole document, so
the lines are then sent one by one to give each its own answer. Rackbeat has no idempotency key: an
answer lost after the booking (a timeout) can apply the change again on retry; the next
notification or reconciliation corrects it.

Webhooks. Stock changes come as ``product.updated`` with the stock totals in ``changed`` (also
after orders are booked and shipped, so the order events add nothing for stock). Rackbeat does not
sign deliveries: each subscription has its own 32-character token, shown only when the subscription
is created. ``register_webhooks`` therefore returns the tokens (space-separated, with the ones Flyt
already keeps for this connection) as the secret string the engine stores in
``platform_webhook_secrets``; a subscription whose token Flyt does not hold is re-created to learn one.
"""

from integrations.contracts.stock import AdjustResult, ExternalLocation, PlatformLevel, StockRef
from integrations.errors import ConnectorError
from integrations.rackbeat.client import ADJUSTMENT_LINES, RackbeatClient
from integrations.rackbeat.mapping import quantity_in
from integrations.stock_support import ClientStockConnector, write_each_on_refusal

WEBHOOK_EVENTS = ("product.updated",)
LIST_FIELDS = ("number", "barcode", "inventory_enabled", "available_quantity")


def known_tokens(connection) -> list[str]:
    """Every webhook token Flyt keeps for ``connection`` (entries hold space-separated tokens)."""
    tokens = []
    for entry in getattr(connection, "platform_webhook_secrets", None) or []:
        tokens.extend(t for t in str(entry).split() if t not in tokens)
    return tokens


class RackbeatStock(ClientStockConnector):
    platform = "rackbeat"
    client_class = RackbeatClient
    adjust_batch_size = ADJUSTMENT_LINES
    relative_writes = True

    # --- locations -----------------------------------------------------------------------------------
    def _read_locations(self):
        rows = self.client.list_locations()
        default = next((str(r["number"]) for r in rows if r.get("is_default")),
                       str(rows[0]["number"]) if rows else None)
        return [ExternalLocation(external_id=str(r["number"]), name=r.get("name") or str(r["number"]),
                                 is_default=str(r["number"]) == default) for r in rows]

    def _single_location(self):
        return len(self.locations()) == 1

    # --- reading --------------------------------------------------------------------------------------
    @staticmethod
    def _level(product, location_id, quantity):
        number = str(product["number"])
        return PlatformLevel(variant_id=number, location_id=str(location_id), quantity=quantity_in(quantity),
                             product_id=number, sku=number, barcode=product.get("barcode") or "",
                             tracked=bool(product.get("inventory_enabled", True)))

    def _product_levels(self, product, locations):
        """``product``'s levels at ``locations`` ({""} for all): from its totals with one location,
        else from ``/products/{number}/locations`` (a location without a row holds 0)."""
        if self._single_location():
            only = self.locations()[0].external_id
            if "" in locations or only in locations:
                return [self._level(product, only, product.get("available_quantity"))]
            return []
        valid = [loc.external_id for loc in self.locations()]
        wanted = valid if "" in locations else [loc for loc in valid if loc in locations]
        if not wanted:
            return []
        rows = {str((r.get("location") or {}).get("number")): r
                for r in self.client.product_locations(number=product["number"])}
        return [self._level(product, loc, (rows.get(loc) or {}).get("available_quantity")) for loc in wanted]

    def read_levels(self, *, refs):
        wanted = {}
        for ref in refs:
            wanted.setdefault(str(ref.variant_id), set()).add(str(ref.location_id or ""))
        levels = []
        for number, locations in wanted.items():
            try:
                product = self.client.get_product(number=number)
            except ConnectorError as exc:
                if exc.status == 404:
                    continue  # Rackbeat does not know it (deleted or renumbered)
                raise
            levels.extend(self._product_levels(product, locations))
        return levels

    def iter_levels(self, *, location_ids=None):
        locations = {str(i) for i in location_ids} if location_ids else {""}
        for product in self.client.iter_products(fields=LIST_FIELDS):  # one request per page of 1,000
            yield from self._product_levels(product, locations)

    def refs_for_changes(self, *, changes):
        """``product.updated`` with stock totals in ``changed`` (parsed as ``stock``) names the product
        number; Rackbeat says nothing of the location, so every location is read."""
        refs = [StockRef(variant_id=str(c.external_id), product_id=str(c.external_id))
                for c in changes if c.kind == "stock" and c.external_id]
        return list(dict.fromkeys(refs))

    # --- writing --------------------------------------------------------------------------------------
    def adjust(self, *, changes):
        if len(changes) > self.adjust_batch_size:
            raise ValueError(f"At most {self.adjust_batch_size} stock changes per call.")
        results = [None] * len(changes)
        default = None
        lines = []
        for index, change in enumerate(changes):
            if change.delta == 0:
                results[index] = AdjustResult(ok=True, quantity=change.expected)
                continue
            location = str(change.location_id or "")
            if not location:
                default = default if default is not None else self._default_location()
                location = default
            lines.append((index, {"number": str(change.variant_id), "location": location,
                                  "quantity": int(change.delta)}))
        if lines:
            self._book(changes, lines, results)
        return results

    def _book(self, changes, lines, results):
        """One adjustment for ``lines`` ([(index, line)]), booked; refused as a whole, line by line."""

        def booked(index, _line):
            change = changes[index]
            return AdjustResult(ok=True, quantity=(int(change.expected) + int(change.delta)
                                                   if change.expected is not None else None))

        def refused(_index, line, exc):
            return AdjustResult(ok=False, error=(
                f"Stock for SKU {line['number']} not written to Rackbeat: {exc.message} — check that product "
                f"{line['number']} and location {line['location']} exist in Rackbeat, then sync again."))

        def not_yet(_index, line, exc):
            return AdjustResult(ok=False, retryable=True, error=(
                f"Stock for SKU {line['number']} not written to Rackbeat yet: {exc.message}"))

        def book(part):
            self.client.adjust_stock(lines=[line for _, line in part], comment=self._comment(changes, part))

        write_each_on_refusal(lines, book, results, ok=booked, refused=refused, not_yet=not_yet)

    @staticmethod
    def _comment(changes, lines):
        reasons = sorted({changes[i].reason for i, _ in lines})
        return f"Flyt stock sync ({', '.join(reasons)})"

    # --- webhooks -------------------------------------------------------------------------------------
    def _hooks(self, url):
        return {h["event"]: h for h in self.client.list_webhooks() if h.get("url") == url}

    def missing_webhooks(self, *, url):
        if not known_tokens(self.connection):
            return list(WEBHOOK_EVENTS)  # subscribed or not, Flyt could not check a delivery's token
        hooks = self._hooks(url)
        return [e for e in WEBHOOK_EVENTS if e not in hooks or not hooks[e].get("is_active")]

    def register_webhooks(self, *, url, secret=""):
        """Subscribe ``url`` to the events it lacks (Rackbeat chooses the tokens, so ``secret`` is not
        used). Returns the tokens Flyt must accept, space-separated, when Rackbeat issued any now; else
        the events subscribed."""
        known = known_tokens(self.connection)
        hooks = self._hooks(url)
        issued = []
        for event in WEBHOOK_EVENTS:
            hook = hooks.get(event)
            if hook is not None and not known:
                self.client.delete_webhook(webhook_id=hook["id"])  # its token is lost: a new one is needed
                hook = None
            if hook is not None and hook.get("is_active"):
                continue
            created = self.client.create_webhook(event=event, url=url)  # re-activates an inactive one
            if created.get("token"):
                issued.append(created["token"])
        if issued:
            current = str((getattr(self.connection, "platform_webhook_secrets", None) or [""])[0]).split()
            return " ".join(dict.fromkeys([*issued, *current]))
        return list(WEBHOOK_EVENTS)

    def unregister_webhooks(self, *, url):
        for event, hook in self._hooks(url).items():
            if event in WEBHOOK_EVENTS:
                self.client.delete_webhook(webhook_id=hook["id"])
