"""The Shopbox product connector: HTTP through ``ShopboxClient`` and mapping, no database.

Shopbox publishes no API documentation (reference §2); the product and variant bodies are the
sandbox's assumptions, kept in ``integrations.shopbox.mapping``. What this connector relies on:
``GET /products`` (paged, ``updated_since``), ``GET /products/{id}``, ``POST /products/create-or-update``
(up to 50 products a call, the client's ``PRODUCT_BATCH``), ``GET``/``POST /variance-type``,
``GET /branches``, ``POST /product-inventories`` and ``GET /baskets``.

Roles. Home, target or both: nothing to create in Shopbox for any of them. ``prepare`` returns the
account's currency when it can be known: Shopbox has no account or settings endpoint in evidence, so the
currency is the connection's ``settings["currency"]`` when set, else that of the account's sales
(baskets carry one), read once; an account without sales has no known currency (""). Prices of a product
whose currency differs from a known account currency are not written (a new product gets Shopbox's price 0);
the product is still written and its result's ``error`` says so, for the log.

Reading. ``iter_products`` pages through ``GET /products`` (100 a page), with ``since`` through
``updated_since`` (inclusive, on Shopbox's clock: ``now()`` is the client's clock). Shopbox cannot search
by SKU or barcode, so ``find_products`` is one paged full read filtered here. ``get_products`` reads up to
``GET_ONE_BY_ONE_MAX`` products one by one, more by a full read. Inactive products are deleted ones (see
below): no read returns them.

Writing. ``create_products`` / ``update_products`` send one ``create-or-update`` per ``write_batch_size``
(50) products, only the fields the engine passes (a new product always gets its name, which Shopbox
requires, and is active). Shopbox holds: name, description, price and cost price (per variant; the
product's own price is its first variant's), SKU and barcode (per variant; a single-variant product's
also on the product), option values (each variant's ``options``, its name "M / Blue", and the product's
variance types, created or completed once per option name), images (URLs, in order) and, on create,
the stock level of each tracked variant in the stock branch (``settings["branch_id"]``, else the first
branch; 100 records a call). Not held, so never written: weight, low-stock level, SEO, videos. Shopbox
checks a whole request before saving any of it and names the first bad item: that product gets its
refusal in its ``WriteResult`` and the others are sent again. Variants removed from a product in Flyt
stay in Shopbox: ``create-or-update`` only adds and changes variants. ``placement`` on create: a
``category`` (or ``tags``) becomes a Shopbox tag, the till's product group; later updates never touch
tags, VAT or the product's active flag.

Deleting. Shopbox's API has no delete (none in evidence): ``delete_products`` makes the products
inactive, the way the back office takes a product off the till; the products stay in Shopbox. A new
product with the SKU of a product made inactive earlier brings that product back (``create-or-update``
matches on SKU).

Webhooks. Shopbox sends none: ``register_webhooks`` and ``unregister_webhooks`` do nothing; Flyt reads
Shopbox's products on the schedule (``iter_products(since=...)``).

Variant ids in ``WriteResult.variant_ids`` are keyed like the engine's ``variant_key``: the hub variant's
SKU, else ``"#<index in product.variants>"``.
"""

import threading
from datetime import UTC

from integrations.contracts.products import ProductConnector
from integrations.errors import ConnectorError
from integrations.shopbox import mapping
from integrations.shopbox.client import PRODUCT_BATCH, ShopboxClient
from integrations.shopbox.connector_support import call_stats
from integrations.shopbox.connector_writes import ShopboxWrites

FIELDS_READ = frozenset({"name", "description", "price", "cost_price", "variants", "images", "sku", "barcode"})
FIELDS_WRITE = FIELDS_READ | {"stock"}
GET_ONE_BY_ONE_MAX = 20  # more ids than this are found by one full read (100 products a page) instead
ROLES = ("home", "target", "both")


class ShopboxConnector(ShopboxWrites, ProductConnector):
    platform = "shopbox"
    write_batch_size = PRODUCT_BATCH

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = ShopboxClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})
        self._currency_asked = False
        self._branch_id = self.settings.get("branch_id")
        self._types = None  # option name -> Shopbox variance type, read once when variants are written
        self._types_lock = threading.Lock()

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role, options=None):
        """Nothing to create in Shopbox; returns the account's currency when known (for ``connection.settings``).
        Idempotent; once the currency is known, free of calls."""
        if role not in ROLES:
            raise ValueError(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
        currency = self.account_currency()
        return {"currency": currency} if currency else {}

    def now(self):
        """Shopbox's clock as the client sees it (Shopbox has no time endpoint): watermarks are taken on it."""
        return self.client.clock.now()

    def account_currency(self):
        """``settings["currency"]``, else the currency of the account's sales (asked once), else ""."""
        if not self.settings.get("currency") and not self._currency_asked:
            self._currency_asked = True
            currency = (self.client.first_basket() or {}).get("currency") or ""
            if currency:
                self.settings["currency"] = str(currency).upper()
        return self.settings.get("currency", "")

    def stock_branch_id(self):
        """The branch new products' stock goes to: ``settings["branch_id"]``, else the account's first branch."""
        if self._branch_id is None:
            branches = self.client.list_branches()
            if not branches:
                raise ConnectorError("Your Shopbox account has no branch, so Flyt cannot set stock in it. Create "
                                     "a branch in Shopbox.", retryable=False, platform=self.platform)
            self._branch_id = branches[0]["id"]
        return self._branch_id

    # --- reading --------------------------------------------------------------------------------------
    def _dto(self, raw):
        return mapping.product_to_external(raw, currency=self.settings.get("currency") or None)

    def _active(self, raws):
        return (self._dto(raw) for raw in raws if raw.get(mapping.PRODUCT_KEYS["active"], True))

    def iter_products(self, *, since=None):
        """Every active product, one page (100) at a time; with ``since``, those updated at or after it."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        yield from self._active(self.client.iter_products(updated_since=since))

    def get_products(self, *, external_ids):
        ids = list(dict.fromkeys(str(i) for i in external_ids if i))
        if len(ids) > GET_ONE_BY_ONE_MAX:
            wanted = set(ids)
            return list(self._active(raw for raw in self.client.iter_products() if str(raw["id"]) in wanted))
        found = []
        for product_id in ids:
            if not product_id.isdigit():  # not a Shopbox id: not there
                continue
            try:
                found.append(self.client.get_product(product_id=product_id))
            except ConnectorError as exc:
                if exc.status == 404:
                    continue
                raise
        return list(self._active(found))

    def find_products(self, *, skus, barcodes):
        """Active products with a variant (or, single-variant, the product itself) having one of these SKUs or
        barcodes: Shopbox cannot search, so one paged full read filtered here."""
        skus, barcodes = {s for s in skus or () if s}, {b for b in barcodes or () if b}
        if not skus and not barcodes:
            return []
        k = mapping.VARIANT_KEYS

        def matches(raw):
            rows = [raw, *(raw.get("variants") or [])]
            return any(row.get(k["sku"]) in skus or row.get(k["barcode"]) in barcodes for row in rows)

        return list(self._active(raw for raw in self.client.iter_products() if matches(raw)))

    # --- webhooks -------------------------------------------------------------------------------------
    def register_webhooks(self, *, url, secret=""):
        """Shopbox sends no webhooks (none in evidence): nothing to register; Flyt reads Shopbox's products on
        the schedule instead. Idempotent by doing nothing."""
        return None

    def unregister_webhooks(self, *, url):
        """Nothing was registered (Shopbox sends no webhooks)."""
        return None

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        return call_stats(self.client.stats)
