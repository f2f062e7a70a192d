"""The Shopbox stock connector: ``ShopboxClient`` and mapping, no database.

Keys. Stock is per variant and branch (``/product-inventories``): ``variant_id`` is the Shopbox
variant id, ``product_id`` its product id, ``location_id`` the branch id. A variant without a stock
record at a branch holds 0 there.

Reads. Shopbox has no read of single stock records (reference §2.3: only the per-branch listing),
so ``read_levels`` pages through the branch's records, 100 per request, and stops as soon as every
item asked for was seen. SKU and barcode are not on stock records: ``read_levels`` adds them by
reading the items' products when the refs name at most ``SKU_LOOKUP_MAX`` products (else the next
reconciliation links new items by SKU); ``iter_levels`` reads the product list once, then streams
each branch's records, and gives 0 for the variants without a record there (so that they can be
linked and written).

Writes. Shopbox only sets absolute quantities (``relative_writes = False``). ``adjust`` reads the
current levels of the batch (one branch scan), refuses with ``conflict`` every item whose level is
not ``expected`` (a sale at the till since Flyt last looked), and sets ``expected + delta`` on the
others in one ``POST /product-inventories`` of up to 100 records. The window between that read and
the write is the only one left open. If Shopbox refuses the batch, the records are sent one by one
so that each gets its own answer.

Changes. Shopbox sends no webhooks: ``poll_changes`` reads the stock records and baskets (sales)
changed since the watermark (``integrations.shopbox.polling``); the first poll, without a
watermark, reads only the stock records (old baskets are in those levels already).
"""

from integrations.contracts.stock import AdjustResult, ExternalLocation, PlatformLevel, StockRef
from integrations.errors import ConnectorError
from integrations.shopbox import polling
from integrations.shopbox.client import INVENTORY_BATCH, ShopboxClient
from integrations.shopbox.mapping import VARIANT_KEYS
from integrations.stock_support import ClientStockConnector, write_each_on_refusal

SKU_LOOKUP_MAX = 25  # products read for SKUs in one read_levels; more are linked by the next reconciliation
POLL_TOPICS = ("stock", "baskets")


def _int_or_text(value):
    text = str(value)
    return int(text) if text.isdigit() else text


class ShopboxStock(ClientStockConnector):
    platform = "shopbox"
    client_class = ShopboxClient
    adjust_batch_size = INVENTORY_BATCH
    relative_writes = False

    # --- locations -----------------------------------------------------------------------------------
    def _read_locations(self):
        """The account's branches; Shopbox marks none as the main one, so the first is the default."""
        return [ExternalLocation(external_id=str(b["id"]), name=b.get("name") or str(b["id"]), is_default=n == 0)
                for n, b in enumerate(self.client.list_branches())]

    # --- reading --------------------------------------------------------------------------------------
    def _wanted(self, pairs):
        """{branch id: set of variant ids} for (variant id, branch id or "") pairs."""
        wanted = {}
        for variant_id, branch in pairs:
            branches = [branch] if branch else [loc.external_id for loc in self.locations()]
            for b in branches:
                wanted.setdefault(str(b), set()).add(str(variant_id))
        return wanted

    def _records(self, wanted):
        """{(variant id, branch id): stock record} for ``wanted``; each branch's pages are read only
        until every variant asked for was seen."""
        found = {}
        for branch, variants in wanted.items():
            remaining = set(variants)
            if not remaining:
                continue
            for record in self.client.iter_inventories(branch_id=_int_or_text(branch)):
                variant_id = str(record.get("variant_id"))
                if variant_id in remaining:
                    found[(variant_id, branch)] = record
                    remaining.discard(variant_id)
                    if not remaining:
                        break
        return found

    def _variant_info(self, product_ids):
        """{variant id: (product id, sku, barcode)} of these products (one read each)."""
        info = {}
        for product_id in product_ids:
            try:
                product = self.client.get_product(product_id=product_id)
            except ConnectorError as exc:
                if exc.status == 404:
                    continue
                raise
            for variant in product.get("variants") or []:
                info[str(variant["id"])] = (str(product["id"]), variant.get(VARIANT_KEYS["sku"]) or "",
                                            variant.get(VARIANT_KEYS["barcode"]) or "")
        return info

    def read_levels(self, *, refs):
        if not refs:
            return []
        wanted = self._wanted((ref.variant_id, ref.location_id) for ref in refs)
        records = self._records(wanted)
        product_ids = {str(ref.product_id) for ref in refs if ref.product_id}
        product_ids |= {str(r.get("product_id")) for r in records.values() if r.get("product_id")}
        info = self._variant_info(sorted(product_ids)) if 0 < len(product_ids) <= SKU_LOOKUP_MAX else {}
        levels = []
        for branch, variants in wanted.items():
            for variant_id in sorted(variants):
                record = records.get((variant_id, branch))
                known = info.get(variant_id)
                if record is None and known is None:
                    continue  # Shopbox shows no stock record for it, and Flyt cannot tell it exists
                product_id, sku, barcode = known or (str(record.get("product_id") or ""), "", "")
                levels.append(PlatformLevel(variant_id=variant_id, location_id=branch,
                                            quantity=int(record["quantity"]) if record else 0,
                                            product_id=product_id, sku=sku, barcode=barcode))
        return levels

    def iter_levels(self, *, location_ids=None):
        branches = [str(b) for b in location_ids] if location_ids else [loc.external_id for loc in self.locations()]
        variants = {}
        for product in self.client.iter_products():
            for variant in product.get("variants") or []:
                variants[str(variant["id"])] = (str(product["id"]), variant.get(VARIANT_KEYS["sku"]) or "",
                                                variant.get(VARIANT_KEYS["barcode"]) or "")
        for branch in branches:
            seen = set()
            for record in self.client.iter_inventories(branch_id=_int_or_text(branch)):
                variant_id = str(record["variant_id"])
                seen.add(variant_id)
                product_id, sku, barcode = variants.get(variant_id, (str(record.get("product_id") or ""), "", ""))
                yield PlatformLevel(variant_id=variant_id, location_id=branch, quantity=int(record["quantity"]),
                                    product_id=product_id, sku=sku, barcode=barcode)
            for variant_id, (product_id, sku, barcode) in variants.items():
                if variant_id not in seen:
                    yield PlatformLevel(variant_id=variant_id, location_id=branch, quantity=0,
                                        product_id=product_id, sku=sku, barcode=barcode)

    def refs_for_changes(self, *, changes):
        """Polled stock records name the variant and branch; polled baskets (sales, and cancellations)
        name the variants of their lines at the basket's branch."""
        refs = []
        for change in changes:
            data = change.data or {}
            branch = str(data.get("branch_id") or "")
            if change.kind == "stock" and change.external_id:
                refs.append(StockRef(variant_id=str(change.external_id), location_id=branch,
                                     product_id=str(change.external_parent_id or "")))
            elif change.kind in ("order", "refund"):
                refs.extend(StockRef(variant_id=str(line["variant_id"]), location_id=branch,
                                     product_id=str(line.get("product_id") or ""))
                            for line in data.get("lines") or [] if line.get("variant_id"))
        return list(dict.fromkeys(refs))

    def poll_changes(self, *, watermark):
        topics = POLL_TOPICS if watermark is not None else ("stock",)
        return polling.changes_since(client=self.client, watermark=watermark, topics=topics)

    # --- writing --------------------------------------------------------------------------------------
    def adjust(self, *, changes):
        if len(changes) > self.adjust_batch_size:
            raise ValueError(f"At most {self.adjust_batch_size} stock changes per call.")
        default = self._default_location() if any(not c.location_id for c in changes) else ""
        branches = [str(c.location_id or default) for c in changes]
        records = self._records(self._wanted((c.variant_id, b) for c, b in zip(changes, branches, strict=True)))
        results = [None] * len(changes)
        writes = []
        for index, (change, branch) in enumerate(zip(changes, branches, strict=True)):
            record = records.get((str(change.variant_id), branch))
            current = int(record["quantity"]) if record else 0
            if change.expected is not None and current != int(change.expected):
                results[index] = AdjustResult(ok=False, conflict=True, quantity=current,
                                              error=f"Shopbox shows {current}, not {change.expected}.")
                continue
            target = current + int(change.delta)
            if change.delta == 0:
                results[index] = AdjustResult(ok=True, quantity=target)
                continue
            writes.append((index, {"variant_id": _int_or_text(change.variant_id),
                                   "branch_id": _int_or_text(branch), "quantity": target}))
        if writes:
            self._set(changes, writes, results)
        return results

    def _set(self, changes, writes, results):
        """One ``POST /product-inventories`` for ``writes`` ([(index, record)]); refused as a whole, record
        by record."""

        def not_yet(index, _record, exc):
            return AdjustResult(ok=False, retryable=True, error=(
                f"Stock for Shopbox variant {changes[index].variant_id} not written yet: {exc.message}"))

        write_each_on_refusal(
            writes, lambda part: self.client.set_inventories(records=[record for _, record in part]), results,
            ok=lambda _index, record: AdjustResult(ok=True, quantity=record["quantity"]),
            refused=lambda index, record, exc: AdjustResult(ok=False, error=self._refusal(changes[index], record, exc)),
            not_yet=not_yet)

    def _refusal(self, change, record, exc):
        sku = ""
        if change.product_id:
            try:
                sku = (self._variant_info([change.product_id]).get(str(change.variant_id)) or ("", "", ""))[1]
            except ConnectorError:
                sku = ""
        who = f"SKU {sku}" if sku else f"Shopbox variant {change.variant_id}"
        return (f"Stock for {who} not written to Shopbox: {exc.message} — check that the variant still exists in "
                f"Shopbox and that branch {record['branch_id']} is one of the account's branches, then sync again.")
