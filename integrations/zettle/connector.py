"""The Zettle product connector: HTTP through ``ZettleClient`` and mapping, no database.

Roles. As the home base ("home") Flyt reads the whole Product Library; as the target ("target")
it writes products. ``prepare`` only works out the account currency (Zettle has nothing like
BigCommerce's channel or category to create; ``placement`` is ignored: Flyt never sets a Zettle
category or folder).

Currency and VAT. Zettle money is minor units with a ``currencyId`` that must be the organization's.
Both the currency and the organization's default VAT rate come from Zettle's merchant information
(``GET secure.izettle.com/api/resources/organizations/self/``, ``currency`` and ``vatPercentage``), read once
and kept in ``connection.settings`` (``prepare`` returns them so the engine stores them); never from a
priced product or a guess: an account whose currency cannot be read raises. Prices of a product whose
``currency`` differs from Zettle's are never written (a new product gets price 0); the result is still ok and
its ``error`` says so, for the log.

Writes. ``create_products`` takes up to ``write_batch_size`` (500, the client's import batch)
products: one goes by ``POST /products``, more by one bulk import (``/import/v2``) polled on the
clock until FINISHED_SUCCESS. Uuids are ours (v1, minted before sending), so results need no
re-read. If Zettle refuses the import as a whole, each product is created alone so that every
product gets its own answer. Zettle unreachable (5xx/429 after the client's retries) or an import
still running at the deadline fails the whole batch: the retryable ConnectorError is raised, as are
401/403 (its products may appear later: ``find_products`` by SKU links them on the next pass).
Initial stock ("stock" in fields) goes through Inventory v3: tracking switched on
(``POST /v3/products``), then SUPPLIER→STORE movements (``POST /v3/movements``, 500 a call).
``update_products`` reads each product (for its ETag and its variants: a merge patch replaces the
variant list whole) and PUTs only the keys that differ, conditionally (a 412 is read and tried
once more); an unchanged product costs no write.

Not written to Zettle: VAT (new products get the organization's default VAT rate; updates never
send it), category, folder, tax code, unit. Zettle's Product Library has no weight or
shipping weight and the Inventory API no low-stock level, so "weight" and "low_stock" are
accepted and ignored. Images: Zettle shows one image per product; the first image's URL becomes
``presentation.imageUrl`` (the client cannot upload to Zettle's Image API, so image lookup keys
are only kept for images that came from Zettle). Descriptions are written as plain text.

Variant ids in ``WriteResult.variant_ids`` are keyed like the engine's ``variant_key``: the hub
variant's SKU, else ``"#<index in product.variants>"``.

Webhooks. One Pusher subscription per destination URL; Zettle, not Flyt, chooses its signing key:
``register_webhooks`` returns it and ``webhook_signing_key()`` gives it afterwards; the engine must
store it as the connection's webhook secret (the ``secret`` argument cannot be used by Zettle).
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC
from decimal import Decimal

from integrations.dto import ExternalProduct, ExternalStockLevel
from integrations.engine.connector import ProductConnector, WriteResult
from integrations.errors import ConnectorError
from integrations.zettle import mapping
from integrations.zettle.api_organization import organization_currency, organization_vat
from integrations.zettle.api_products import IMPORT_BATCH, MAX_VARIANTS
from integrations.zettle.client import ZettleClient
from integrations.zettle.connector_support import call_stats, label, refusal_reason, variant_key

logger = logging.getLogger("flyt.zettle")
DEFAULT_CONTACT_EMAIL = "integrations@flyt.example"
# Tracking switches are product events too: which products Zettle tracks decides whether BigCommerce
# tracks their inventory (the help pages: stock syncs only for products Zettle tracks).
WEBHOOK_EVENTS = ("ProductCreated", "ProductUpdated", "ProductDeleted", "InventoryBalanceChanged",
                  "InventoryTrackingStarted", "InventoryTrackingStopped")
GET_ONE_BY_ONE_MAX = 20  # more ids than this are found by one library read (500 products a page) instead
CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raise instead of reporting each


class ZettleConnector(ProductConnector):
    platform = "zettle"
    write_batch_size = IMPORT_BATCH

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = ZettleClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})
        self._currency = self.settings.get("currency") or None
        self._vat = self.settings.get("vat_percentage")
        self._signing_key = ""

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role):
        """Nothing to create in Zettle for either role; returns the account currency and default VAT rate
        (for ``connection.settings``). Idempotent and, once they are known, free of calls."""
        if role not in ("home", "target"):
            raise ValueError(f"Unknown role {role!r}; expected 'home' or 'target'.")
        currency = self.account_currency()
        return {"currency": currency, "vat_percentage": self.default_vat()}

    def _read_organization(self):
        info = self.client.merchant_information()
        currency = organization_currency(info)
        if not currency:
            raise ConnectorError("Zettle did not say which currency your Zettle account sells in; Flyt cannot "
                                 "write prices or products without it.", retryable=True, platform=self.platform)
        self._currency, self._vat = currency, organization_vat(info)

    def account_currency(self):
        """The organization's currency, as Zettle's merchant information says (never a guess)."""
        if self._currency is None:
            self._read_organization()
        return self._currency

    def default_vat(self):
        """The organization's default VAT rate ("" for an organization without VAT)."""
        if self._vat is None:
            self._read_organization()
        return self._vat

    def _price_guard(self, product, fields, *, create):
        """(product, fields, note): prices in another currency than Zettle's are never written (a new
        product then gets price 0, as when prices are not included)."""
        currency = self.account_currency()
        if not product.currency or product.currency.upper() == currency.upper():
            return product, fields, ""
        note = (f"Product {label(product)}: prices not synced to Zettle — currencies differ ({product.currency} "
                f"in Flyt vs {currency} in Zettle).")
        if create:
            product = replace(product, variants=[replace(v, price=Decimal(0), cost_price=None)
                                                 for v in product.variants])
        return product, fields - {"price", "cost_price"}, note

    # --- reading --------------------------------------------------------------------------------------
    def _is_home(self):
        """Whether Flyt reads its products from this Zettle account (the home base)."""
        return getattr(self.connection, "products_direction", "") == "pull"

    def _tracked(self, raws):
        """The uuids among ``raws`` whose stock Zettle tracks (one tracking-status read per 100 products), or None
        when it does not matter: only the home base's tracking decides whether a product's stock syncs."""
        if not self._is_home() or not raws:
            return None
        return set(self.client.tracking_status(product_uuids=[raw["uuid"] for raw in raws]))

    def _dtos(self, raws):
        tracked = self._tracked(raws)
        return [mapping.product_from_zettle(raw, tracked=tracked) for raw in raws]

    def iter_products(self, *, since=None):
        """The whole library, one page (500) at a time; with ``since``, only products updated since
        (Zettle filters by event log, not by time, so the filtering happens here). As the home base the
        tracking of each page is read too and ``since`` is not applied: switching tracking on or off in
        Zettle does not change the product's ``updated``, so a filtered read would miss it; the engine
        skips what did not change."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if self._is_home():
            for page in self.client.iter_library():
                yield from self._dtos(page.get("products") or [])
            return
        for raw in self.client.iter_products():
            product = mapping.product_from_zettle(raw)
            if since is None or product.updated_at is None or product.updated_at >= since:
                yield product

    def get_products(self, *, external_ids):
        ids = [str(i) for i in external_ids]
        if len(ids) > GET_ONE_BY_ONE_MAX:
            wanted = set(ids)
            return self._dtos([p for p in self.client.iter_products() if p["uuid"] in wanted])
        found = []
        for uuid in ids:
            try:
                raw, _ = self.client.get_product(uuid=uuid)
            except ConnectorError as exc:
                if exc.status == 404:
                    continue
                raise
            found.append(raw)
        return self._dtos(found)

    def find_products(self, *, skus, barcodes):
        """Zettle cannot search by SKU or barcode: one full library read (1 request per 500 products)."""
        skus, barcodes = {s for s in skus or () if s}, {b for b in barcodes or () if b}
        if not skus and not barcodes:
            return []
        return [mapping.product_from_zettle(raw) for raw in self.client.iter_products()
                if any(v.get("sku") in skus or v.get("barcode") in barcodes for v in raw.get("variants") or [])]

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
            bodies[index] = mapping.product_create_body(product, fields=written, currency=currency,
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
                patch, ids = mapping.product_patch(current, product, fields=fields,
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

    # --- webhooks -------------------------------------------------------------------------------------
    def register_webhooks(self, *, url, secret=""):
        """One subscription to ``url`` for product and stock events, reused (its events completed) when it
        exists. Returns Zettle's signing key for it (also ``webhook_signing_key()``); ``secret`` is unused:
        Zettle picks the key."""
        mine = [s for s in self.client.list_subscriptions() if s.get("destination") == url]
        if mine:
            keep, extra = mine[0], mine[1:]
            events = list(dict.fromkeys([*(keep.get("eventNames") or []), *WEBHOOK_EVENTS]))
            if keep.get("eventNames") and events != list(keep["eventNames"]):
                self.client.update_subscription(uuid=keep["uuid"], changes={"eventNames": events})
            for duplicate in extra:  # one delivery per event, signed with the key we return
                self.client.delete_subscription(uuid=duplicate["uuid"])
        else:
            keep = self.client.create_subscription(destination=url, event_names=WEBHOOK_EVENTS,
                                                   contact_email=self.settings.get("contact_email")
                                                   or DEFAULT_CONTACT_EMAIL)
        self._signing_key = keep.get("signingKey") or ""
        return self._signing_key

    def webhook_signing_key(self):
        """The signing key of the subscription ``register_webhooks`` made or found ("" before that)."""
        return self._signing_key

    def unregister_webhooks(self, *, url):
        for subscription in self.client.list_subscriptions():
            if subscription.get("destination") == url:
                self.client.delete_subscription(uuid=subscription["uuid"])

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        return call_stats(self.client.stats)


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
