"""The Zettle product connector's writes: creates (one product alone, more by a bulk import, then their
initial stock through Inventory v3), updates (conditional merge patches), low-stock levels and deletes. See
``integrations.zettle.connector`` for the whole story.
"""

import logging
from dataclasses import dataclass, field

from integrations.contracts.products import WriteResult
from integrations.dto import ExternalProduct, ExternalStockLevel
from integrations.errors import ConnectorError
from integrations.zettle import mapping_writes
from integrations.zettle.api_products import MAX_VARIANTS
from integrations.zettle.connector_support import label, refusal_reason, variant_key

logger = logging.getLogger("flyt.zettle")
CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raise instead of reporting each


class ZettleWrites:
    """Mixed into ``ZettleConnector``: uses its ``client``, ``write_batch_size``, ``account_currency``,
    ``default_vat`` and ``_price_guard``."""

    # --- writing --------------------------------------------------------------------------------------
    def create_products(self, *, products, fields, placement=None):
        return self.finish_create(self.start_create(products=products, fields=fields, placement=placement))

    # ``create_products`` in steps, so that a caller can start the next import while Zettle is still
    # importing this one: ``start_create`` sends the import, ``await_create`` waits for it (an import
    # takes about ``create_ready_s``), ``finish_create`` (which awaits it first if need be) sets the
    # initial stock. The steps of different creates may run in different threads, each step of one
    # create in order.
    create_ready_s = 2.0

    def start_create(self, *, products, fields, placement=None):
        fields = frozenset(fields)
        currency = self.account_currency()
        vat = self.default_vat()
        results, bodies, notes = [None] * len(products), {}, {}
        for index, product in enumerate(products):
            problem = _local_problem(product)
            if problem:
                results[index] = WriteResult(ok=False, error=f"Zettle cannot take product {label(product)}: "
                                                             f"{problem}")
                continue
            product, written, notes[index] = self._price_guard(product, fields, create=True)
            bodies[index] = mapping_writes.product_create_body(product, fields=written, currency=currency,
                                                               vat_percentage=vat)
        items = list(bodies.items())
        chunks = []
        for start in range(0, len(items), self.write_batch_size):
            chunk = dict(items[start:start + self.write_batch_size])
            chunks.append((chunk, self._start_import(chunk) if len(chunk) > 1 else None))
        if "stock" in fields and bodies:
            self._locations_early()
        return _PendingCreate(products=list(products), fields=fields, results=results, bodies=bodies, notes=notes,
                              chunks=chunks)

    def _locations_early(self):
        """Read the inventory locations (once per client) while the import runs: the initial stock
        needs them, and a call made now is long out of the rolling second by the time the rate-limited
        stock calls start. A failure here is left to ``finish_create``, which reads them again."""
        try:
            self.client.locations()
        except ConnectorError as exc:
            logger.info("zettle: locations not read before the initial stock: %s", exc.message)

    def await_create(self, pending):
        """Wait for the imports of ``pending`` and settle each product's result (a product an import
        refused is created alone), without the initial stock: the push waits on imports in one thread
        and writes the rate-limited stock from another. Done once; ``finish_create`` calls it too."""
        if pending.awaited:
            return
        products, results = pending.products, pending.results
        for chunk, record in pending.chunks:
            imported = self._finish_import(chunk, products, record) if record else {}
            for index, body in chunk.items():
                results[index] = imported.get(index) or self._create_one(products[index], body,
                                                                         alone=len(chunk) == 1)
        for index, note in pending.notes.items():
            if note and results[index].ok:
                results[index].error = note
        if "stock" in pending.fields:
            pending.stock_plan = self._initial_stock_plan(products, pending.bodies, results)
        pending.bodies, pending.chunks = {}, []  # the import bodies are not needed any more: memory
        pending.awaited = True

    def finish_create(self, pending):
        self.await_create(pending)
        if pending.stock_plan is not None:
            self._initial_stock(pending)
        if "low_stock" in pending.fields:
            self._low_stock(list(zip(pending.products, pending.results, strict=True)))
        return pending.results

    def _start_import(self, chunk):
        """Send the import of ``chunk`` ({index: body}): its record, or None when Zettle refused it as a
        whole (each product is then created alone, so each gets its own answer). Zettle unreachable is the
        whole batch's problem: that error is raised (retryable), for the engine to try the pass again."""
        try:
            return self.client.import_products(products=list(chunk.values()), batch_size=len(chunk))[0]
        except ConnectorError as exc:
            if exc.retryable or exc.status in CONNECTION_STATUSES:
                raise
            return None

    def _finish_import(self, chunk, products, record):
        """Wait for an import started by ``_start_import``: {index: result}, or {} when it failed (each
        product is then created alone). Still importing at the deadline: raised (retryable)."""
        try:
            self.client.wait_for_import(import_uuid=record["uuid"])
        except ConnectorError as exc:
            if exc.retryable or exc.status in CONNECTION_STATUSES:
                raise
            return {}
        return {index: _created(products[index], body) for index, body in chunk.items()}

    def _create_one(self, product, body, *, alone=False):
        try:
            self.client.create_product(product=body)
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES or (alone and exc.retryable):
                raise
            if "ITEM_ALREADY_EXIST" not in exc.message:  # our own fresh uuid exists: the import made it
                return WriteResult(ok=False, retryable=exc.retryable,
                                   error=f"Zettle refused product {label(product)}: {refusal_reason(exc)}")
        return _created(product, body)

    def _initial_stock_plan(self, products, bodies, results):
        """The stock plan that starts tracking and moves SUPPLIER→STORE to each new tracked variant's
        level, and the products they touch: worked out before the rate-limited calls are due."""
        levels, touched = [], []
        for index, body in bodies.items():
            if not results[index].ok:
                continue
            pairs = list(zip(products[index].variants, body["variants"], strict=False))
            for variant, written in pairs:
                if variant.track_stock and variant.stock is not None:
                    levels.append(ExternalStockLevel(external_variant_id=written["uuid"], sku=variant.sku,
                                                     quantity=int(variant.stock),
                                                     external_product_id=body["uuid"]))
                    touched.append(index)
        if not levels:
            return None
        touched = list(dict.fromkeys(touched))
        try:  # just created: never tracked, nothing to read first
            return self.client.new_stock_changes(levels=levels), touched, None
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            return [], touched, exc

    def _initial_stock(self, pending):
        changes, touched, problem = pending.stock_plan
        if problem is None:
            try:
                self.client.write_stock_plan(plan=changes)
            except ConnectorError as exc:
                if exc.status in CONNECTION_STATUSES:
                    raise
                problem = exc
        if problem is not None:
            for index in touched:  # the product exists: keep it ok, say what is missing
                pending.results[index].error = (
                    f"Product {label(pending.products[index])} was created in Zettle but its stock could not be "
                    f"set ({problem.message}); the next stock sync sets it.")

    def update_products(self, *, products, fields):
        fields = frozenset(fields)
        results = [self._update_one(product, fields) for product in products]
        if "low_stock" in fields:
            self._low_stock(list(zip(products, results, strict=True)))
        return results

    def _low_stock(self, written):
        """Zettle's low-stock level (Inventory API, STORE) for each written variant that has one, in a few
        calls. ``written``: [(product, WriteResult)]. A refusal leaves the products written and says so."""
        levels, touched = [], []
        for product, result in written:
            if not result.ok:
                continue
            for index, variant in enumerate(product.variants):
                uuid = result.variant_ids.get(variant_key(variant, index))
                if uuid and variant.low_stock_level is not None:
                    levels.append((result.external_id, uuid, variant.low_stock_level))
                    touched.append((product, result))
        if not levels:
            return
        try:
            self.client.set_low_stock(levels=levels)
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            for product, result in touched:
                result.error = (f"Product {label(product)} was written to Zettle but its low-stock level could not be "
                                f"set ({exc.message}); Flyt sets it again the next time the product changes.")

    def _update_one(self, product, fields, *, attempts=2):
        if not product.external_id:
            return WriteResult(ok=False, error=f"Product {label(product)} is not linked to a Zettle product yet.")
        if len(product.variants) > MAX_VARIANTS and "variants" in fields:
            return WriteResult(ok=False, external_id=product.external_id,
                               error=f"Zettle cannot take product {label(product)}: {_local_problem(product)}")
        product, fields, note = self._price_guard(product, fields, create=False)
        for attempt in range(attempts):
            try:
                current, etag = self.client.get_product(uuid=product.external_id)
                patch, ids = mapping_writes.product_patch(current, product, fields=fields,
                                                          currency=self.account_currency())
                if patch:
                    self.client.update_product(uuid=product.external_id, changes=patch, etag=etag)
            except ConnectorError as exc:
                if exc.status in CONNECTION_STATUSES:
                    raise
                if exc.status == 412 and attempt + 1 < attempts:
                    continue  # changed in Zettle between our read and write: read again
                if exc.status == 404:
                    error = (f"Product {label(product)} no longer exists in Zettle; Flyt creates it again on the "
                             "next sync.")
                elif exc.status == 412:
                    error = (f"Product {label(product)} kept changing in Zettle while Flyt wrote it; Flyt will "
                             "try again.")
                else:
                    error = f"Zettle refused product {label(product)}: {refusal_reason(exc)}"
                return WriteResult(ok=False, external_id=product.external_id, error=error,
                                   retryable=exc.retryable or exc.status == 412)
            return WriteResult(ok=True, external_id=product.external_id, error=note,
                               variant_ids={variant_key(product.variants[i], i): uuid for i, uuid in ids.items()})
        raise AssertionError("unreachable")  # pragma: no cover

    def delete_products(self, *, external_ids):
        """Bulk delete, 100 uuids per call; Zettle ignores uuids it no longer has."""
        uuids = [str(i) for i in external_ids if i]
        if uuids:
            self.client.delete_products(uuids=uuids)


def _local_problem(product: ExternalProduct) -> str:
    """What Zettle would refuse about ``product``, found before sending anything ("" when fine)."""
    if not (product.title or "").strip():
        return "it has no name. Give it a name in Flyt."
    if len(product.variants) > MAX_VARIANTS:
        return (f"it has {len(product.variants)} variants and Zettle allows at most {MAX_VARIANTS}. Split it into "
                "several products.")
    return ""


@dataclass
class _PendingCreate:
    """A ``start_create`` whose imports Zettle may still be running."""

    products: list
    fields: frozenset
    results: list
    bodies: dict
    notes: dict
    chunks: list = field(default_factory=list)  # [({index: body}, import record or None)]
    awaited: bool = False  # the imports are done and ``results`` settled (stock not written yet)
    stock_plan: tuple | None = None  # initial stock: (bulk changes, indexes of the products, error or None)


def _created(product, body):
    return WriteResult(ok=True, external_id=body["uuid"],
                       variant_ids={variant_key(v, i): w["uuid"]
                                    for i, (v, w) in enumerate(zip(product.variants, body["variants"], strict=False))})
