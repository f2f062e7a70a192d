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

from dataclasses import replace
from datetime import UTC
from decimal import Decimal

from integrations.contracts.products import ProductConnector
from integrations.errors import ConnectorError
from integrations.zettle import mapping
from integrations.zettle.api_organization import organization_currency, organization_vat
from integrations.zettle.api_products import IMPORT_BATCH
from integrations.zettle.client import ZettleClient
from integrations.zettle.connector_support import call_stats, label
from integrations.zettle.connector_writes import ZettleWrites

DEFAULT_CONTACT_EMAIL = "integrations@flyt.example"
# Tracking switches are product events too: which products Zettle tracks decides whether BigCommerce
# tracks their inventory (the help pages: stock syncs only for products Zettle tracks).
WEBHOOK_EVENTS = ("ProductCreated", "ProductUpdated", "ProductDeleted", "InventoryBalanceChanged",
                  "InventoryTrackingStarted", "InventoryTrackingStopped")
GET_ONE_BY_ONE_MAX = 20  # more ids than this are found by one library read (500 products a page) instead


class ZettleConnector(ZettleWrites, ProductConnector):
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
    def prepare(self, *, role, options=None):
        """Nothing to create in Zettle for any role; returns the account currency and default VAT rate
        (for ``connection.settings``). Idempotent and, once they are known, free of calls."""
        if role not in ("home", "target", "both"):
            raise ValueError(f"Unknown role {role!r}; expected 'home', 'target' or 'both'.")
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
