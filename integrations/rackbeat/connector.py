"""The Rackbeat product connector: HTTP through ``RackbeatClient`` and mapping, no database.

Variants. Rackbeat has no documented variant model (reference §3.7): each sellable variant is its own
product, keyed by its ``number``, which is the SKU. A hub product with several variants is written as
one Rackbeat product per variant, named "<title> - <option values>", grouped the way Rackbeat's own
Shopbox app groups variants (help page ht-09002): by custom product fields, "Flyt product" (the
number of the product's first variant: the hub product's ``external_id``) and "Flyt variant options"
(the variant's options, ``{"Size": "M"}``). Lists are read with ``expand=field_values`` so the groups
cost no extra request. A product whose "Flyt product" is empty (anything the merchant made in
Rackbeat) is a product of its own, keyed by its number. The fields are created the first time a
product with options is written (custom fields are a Rackbeat Premium feature; without them such a
product is refused, with the reason). A webhook names one variant's number: ``get_products`` answers
for it with the whole product it belongs to.

Set-up. ``prepare`` returns the company currency (``GET /self``), the product group new products go
into (``placement["group"]``, else the connection's ``product_group``, else the lowest-numbered group:
Rackbeat needs one on every product) and the custom field ids when they exist, for
``connection.settings``; once they are there it makes no call.

Reads. A full read pages through ``/products`` (1,000 a page). Rackbeat lists cannot filter by
``updated_at`` (no such filter is documented), so a read since a watermark asks for the products
ordered by ``updated_at``, newest first, and stops at the first page reaching past the watermark
(less one second: Rackbeat's times have whole seconds); a product with variants is then read whole
(one request per product). The watermark is on the client's clock (``now``).

Writes. Rackbeat has no batch endpoint: one request per variant (``write_batch_size`` = 1 product a
call), plus one for its custom fields when it has options. Only the keys the engine's ``fields``
cover are written, and on update only those that differ from what Rackbeat holds (an unchanged
product costs reads, no write). A new product's ``number`` (its SKU), ``name`` and ``group`` are
always written: Rackbeat requires them. Field by field: name → ``name``, description →
``description``, price → ``sales_price``, cost_price → ``recommended_cost_price``, barcode →
``barcode``, weight → ``physical.weight`` in grams, low_stock → ``min_stock``, sku → ``number``
(renamed on update), variants → the grouping and "Flyt variant options", stock → ``inventory_enabled``
and, on create, a booked inventory adjustment at the default location. Rackbeat holds one picture,
no SEO and no videos: images, seo and videos are never written (``FIELDS_WRITE``), the picture is
read. Rackbeat's "no cost price", "no weight" and "no low-stock level" are 0, read back as none.
A variant removed in Flyt is deleted in Rackbeat; Rackbeat keeps products with stock, so such a
variant is barred instead and leaves the group (the result says so).
"""

import threading
from datetime import UTC, timedelta

from django.utils.translation import gettext as _

from integrations.contracts.products import ProductConnector
from integrations.errors import ConnectorError
from integrations.rackbeat import mapping
from integrations.rackbeat.client import RackbeatClient
from integrations.rackbeat.connector_support import refusal_reason, subscribe, unsubscribe
from integrations.rackbeat.connector_writes import RackbeatWrites

FIELDS_READ = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images", "stock",
                         "low_stock", "sku", "barcode"})
FIELDS_WRITE = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "stock", "low_stock",
                          "sku", "barcode"})
WEBHOOK_EVENTS = ("product.created", "product.updated", "product.deleted")
GET_ONE_BY_ONE_MAX = 20  # more ids than this are found by one full read (1,000 products a request) instead
EXPAND = "field_values"
CLOCK_MARGIN = timedelta(seconds=1)  # Rackbeat's updated_at has whole seconds


class RackbeatConnector(RackbeatWrites, ProductConnector):
    platform = "rackbeat"
    write_batch_size = 1  # no batch endpoint: a product (each of its variants) per call

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = RackbeatClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})
        self._currency = self.settings.get("currency") or None
        self._field_ids = dict(self.settings.get("custom_fields") or {}) or None
        self._product_group = self.settings.get("product_group")
        self._location = None
        # the push may write from two threads: one of them creates the custom fields, the other waits for them
        self._setup_lock = threading.RLock()

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role, options=None):
        """The company currency, the custom field ids (when the fields exist) and, to write products, the
        product group they go into. Idempotent; free of calls once ``connection.settings`` holds them."""
        if role not in ("home", "target", "both"):
            raise ValueError(f"Unknown role {role!r}; expected 'home', 'target' or 'both'.")
        found = {"currency": self.account_currency()}
        field_ids = self._known_field_ids()
        if field_ids:
            found["custom_fields"] = field_ids
        if role in ("target", "both"):
            found["product_group"] = self.product_group((options or {}).get("group"))
        return found

    def now(self):
        """Rackbeat's time as the client sees it (the clock its requests and rate limits run on)."""
        return self.client.clock.now()

    def account_currency(self):
        if self._currency is None:
            currency = str(self.client.company().get("currency") or "").upper()
            if not currency:
                raise ConnectorError(_("Rackbeat did not say which currency your company uses, and Flyt cannot "
                                       "write prices without it. Set the Rackbeat connection's currency in Flyt."),
                                     retryable=True, platform=self.platform)
            self._currency = currency
        return self._currency

    def field_ids(self, *, create=False):
        """{"group": id, "options": id} of Flyt's custom product fields; {} while they do not exist (and
        ``create`` is false). Created when ``create``: Rackbeat refusing is the connector's error."""
        with self._setup_lock:
            return self._find_fields(create=create)

    def _find_fields(self, *, create):
        if self._field_ids and all(self._field_ids.get(k) for k in ("group", "options")):
            return dict(self._field_ids)
        found = {}
        for key, spec in (("group", mapping.GROUP_FIELD), ("options", mapping.OPTIONS_FIELD)):
            try:
                field = self.client.ensure_field(name=spec["name"], slug=spec["slug"], create=create)
            except ConnectorError as exc:
                if exc.retryable or exc.status == 401:
                    raise
                raise ConnectorError(  # the products that need the field fail, not the connection: no status
                    _("Rackbeat did not let Flyt create the custom product field “%(name)s” (%(reason)s). Flyt "
                      "keeps the variants of a product together with it; custom fields need Rackbeat Premium.")
                    % {"name": spec["name"], "reason": refusal_reason(exc).rstrip(".")}, retryable=False,
                    platform=self.platform, detail={"status": exc.status}) from exc
            if field is not None:
                found[key] = str(field["id"])
        self._field_ids = found if len(found) == 2 else None
        return dict(found) if len(found) == 2 else {}

    def _known_field_ids(self):
        """The field ids to read groups with (looked up once; {} when the fields do not exist)."""
        if self._field_ids is None:
            self._field_ids = self.field_ids(create=False) or {}
        return self._field_ids

    def product_group(self, number=None):
        """The product group new products go into: ``number`` when given, else the connection's, else the
        lowest-numbered group in Rackbeat (one named "Products" is created when there is none)."""
        if number is not None:
            return int(number)
        with self._setup_lock:
            if self._product_group is None:
                groups = sorted(self.client.list_product_groups(), key=lambda g: int(g["number"]))
                group = groups[0] if groups else self.client.create_product_group(number=1, name="Products")
                self._product_group = int(group["number"])
        return int(self._product_group)

    # --- reading --------------------------------------------------------------------------------------
    def _products(self, rows):
        return mapping.products_from_rows(rows, self._known_field_ids(), currency=self.account_currency())

    def _expand(self):
        return EXPAND if self._known_field_ids() else None

    def iter_products(self, *, since=None):
        """Every product, a page (1,000 Rackbeat products) at a time: a product of its own as soon as its
        page is read, the variants of grouped products when all pages are read. With ``since``: only
        products changed since (ordered by ``updated_at``, newest first, read until past ``since``)."""
        if since is not None:
            yield from self._changed_since(since)
            return
        group_id = self._known_field_ids().get("group")
        grouped = {}
        for page in self.client.iter_product_pages(expand=self._expand()):
            alone = []
            for row in page:
                if mapping.field_value(row, group_id):
                    grouped.setdefault(mapping.group_key(row, group_id), []).append(row)
                else:
                    alone.append(row)
            yield from self._products(alone)
        yield from self._products([row for rows in grouped.values() for row in rows])

    def _changed_since(self, since):
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        cutoff = since - CLOCK_MARGIN
        group_id = self._known_field_ids().get("group")
        changed = {}
        for page in self.client.iter_product_pages(expand=self._expand(), order_by="updated_at",
                                                   order_direction="desc"):
            past = False
            for row in page:
                stamp = mapping.parse_time(row.get("updated_at"))
                if stamp is not None and stamp < cutoff:
                    past = True
                    break
                changed.setdefault(mapping.group_key(row, group_id), []).append(row)
            if past:
                break
        for key, rows in changed.items():
            if any(mapping.field_value(row, group_id) for row in rows):
                rows = self._group_rows(key) or rows  # every variant, not only the changed ones
            yield from self._products(rows)

    def _group_rows(self, key):
        group_id = self._known_field_ids().get("group")
        if not group_id:
            return []
        return list(self.client.iter_products(field_eq={group_id: key}, expand=EXPAND))

    def read_rows(self, external_id):
        """(key, rows): the Rackbeat products of the hub product ``external_id`` (a group key or any of its
        variants' numbers); None when Rackbeat has none of them."""
        group_id = self._known_field_ids().get("group")
        try:
            row = self.client.get_product(number=external_id, expand=self._expand())
        except ConnectorError as exc:
            if exc.status != 404:
                raise
            row = None
        if row is not None:
            key = mapping.group_key(row, group_id)
            if not mapping.field_value(row, group_id):
                return key, [row]
            return key, self._group_rows(key) or [row]
        rows = self._group_rows(str(external_id))  # the first variant was renumbered or removed
        return (str(external_id), rows) if rows else None

    def get_products(self, *, external_ids):
        ids = list(dict.fromkeys(str(i) for i in external_ids if i))
        if len(ids) > GET_ONE_BY_ONE_MAX:
            wanted = set(ids)
            return [p for p in self.iter_products()
                    if p.external_id in wanted or wanted & {v.external_id for v in p.variants}]
        found = {}
        for external_id in ids:
            read = self.read_rows(external_id)
            if read is not None and read[0] not in found:
                found[read[0]] = self._products(read[1])[0]
        return list(found.values())

    def existing_ids(self, *, external_ids):
        ids = [str(i) for i in external_ids if i]
        if len(ids) > GET_ONE_BY_ONE_MAX:
            present = set()
            for product in self.iter_products():
                present.add(product.external_id)
                present.update(v.external_id for v in product.variants)
            return {i for i in ids if i in present}
        return {i for i in ids if self.read_rows(i) is not None}

    def find_products(self, *, skus, barcodes):
        """Rackbeat cannot search by barcode: one full read (1 request per 1,000 Rackbeat products)."""
        skus, barcodes = {s for s in skus or () if s}, {b for b in barcodes or () if b}
        if not skus and not barcodes:
            return []
        return [p for p in self.iter_products()
                if any(v.sku in skus or (v.barcode and v.barcode in barcodes) for v in p.variants)]

    # --- webhooks -------------------------------------------------------------------------------------
    def register_webhooks(self, *, url, secret=""):
        """Subscribe ``url`` to product created/updated/deleted (``product.updated`` also carries stock:
        the stock connector's subscription is the same one and is kept). Rackbeat chooses each
        subscription's token and shows it once, so ``secret`` is unused; returns the tokens Flyt must
        accept, space-separated (with the ones it keeps), when Rackbeat issued any now, else ""."""
        return subscribe(self.client, self.connection, url=url, events=WEBHOOK_EVENTS)

    def unregister_webhooks(self, *, url):
        unsubscribe(self.client, url=url, events=WEBHOOK_EVENTS)

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        stats = self.client.stats
        return {"read": stats.reads, "write": stats.writes, "retries": stats.retries,
                "rate_limit_wait_s": round(stats.rate_limit_wait_s, 3)}

