"""The BigCommerce product connector: HTTP through ``BigCommerceClient`` and mapping, no database.

Roles. As the home base ("home") Flyt reads only products assigned to the BigCommerce channel
"PayPal Zettle" (``prepare`` creates it once); as the target ("target") new products are created in
the category "PayPal Zettle", hidden from the storefront (``placement``), and later updates never
touch categories, visibility, tax, brand or type again.

Calls. BigCommerce creates one product per ``POST /v3/catalog/products`` (variants and image URLs
inline, so no extra calls), so ``create_products`` makes one POST per product of its batch of
``write_batch_size`` (10, the batch size of updates). ``update_products`` reads the batch once
(``id:in``, variants and images), then ``PUT /v3/catalog/products`` (<= 10) and ``PUT
/v3/catalog/variants`` (<= 50); new variants, removed variants and changed images take one call each.
A refused batch is retried product by product so one bad product does not fail its neighbours.

Variant ids in ``WriteResult.variant_ids`` are keyed like the engine's ``variant_key``: the hub
variant's SKU, else ``"#<index in product.variants>"``.
"""

from integrations.bigcommerce import mapping
from integrations.bigcommerce.catalog_api import PRODUCT_BATCH
from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.connector_support import ZETTLE_CATEGORY, since_filter, sku_chunks
from integrations.bigcommerce.connector_writes import CONNECTION_STATUSES, BigCommerceWrites
from integrations.bigcommerce.webhooks import HEADER_NAME
from integrations.contracts.products import ProductConnector
from integrations.errors import ConnectorError

PRODUCT_SCOPES = ("store/product/created", "store/product/updated", "store/product/deleted")
CHANNEL_SCOPES = ("store/channel/{channel_id}/product/assigned", "store/channel/{channel_id}/product/unassigned")
STOCK_SCOPES = ("store/sku/inventory/updated", "store/sku/inventory/order/updated",
                "store/product/inventory/updated", "store/product/inventory/order/updated")


class BigCommerceConnector(BigCommerceWrites, ProductConnector):
    platform = "bigcommerce"
    write_batch_size = PRODUCT_BATCH  # updates batch 10; creates are one POST each within the batch

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = BigCommerceClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})
        self.role = self.settings.get("product_role") or ""
        self.weight_unit = self.settings.get("weight_unit") or "kg"
        self._category_ids = {}
        self._currency_asked = False

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role, options=None):
        """Home with ``options["channel"]``: that channel (Zettle ↔ BigCommerce: "PayPal Zettle"), whose
        products are the ones read; target with ``options["category"]``: that category, for placement.
        Without options the whole catalog is read and nothing is created. Found or created once; the
        returned ids (and the role) belong in ``connection.settings``."""
        if role not in ("home", "target", "both"):
            raise ValueError(f"Unknown role {role!r}; expected 'home', 'target' or 'both'.")
        options = options or {}
        self.role = role
        found = {"product_role": role}
        currency = self.account_currency()
        if currency:
            found["currency"] = currency
        unit = self.settings.get("weight_unit") or self._store_weight_unit()
        if unit:
            self.settings["weight_unit"] = found["weight_unit"] = self.weight_unit = unit
        if role == "home":
            channel_name = options.get("channel") or ""
            self.settings["channel_name"] = found["channel_name"] = channel_name
            channel_id = int(self.client.ensure_channel(name=channel_name)["id"]) if channel_name else None
            self.settings["channel_id"] = found["channel_id"] = channel_id
        if options.get("category"):
            category = self.client.ensure_category(name=options["category"])
            self.settings["category_id"] = found["category_id"] = int(category["category_id"])
            self._category_ids[options["category"]] = found["category_id"]
        return found

    def _store_weight_unit(self):
        """The store's weight unit (Settings API units of measurement), "" when it cannot be read (the
        API account may lack the information scope: kilograms, BigCommerce's default, are assumed then)."""
        try:
            body = self.client.call("GET", "/v3/settings/store/units-of-measurement") or {}
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES and exc.status != 403:
                raise
            return ""
        return mapping.weight_unit((body.get("data") or {}).get("weight_measurement"))

    def _is_home(self):
        return self.role == "home" or (not self.role and bool(self.settings.get("channel_id")))

    def _channel_id(self):
        """The channel whose products are read when home (looked up when settings name it but lack its id),
        else None (all products)."""
        if not self._is_home():
            return None
        if not self.settings.get("channel_id") and self.settings.get("channel_name"):
            self.settings["channel_id"] = int(self.client.ensure_channel(name=self.settings["channel_name"])["id"])
        return self.settings.get("channel_id") or None

    def _category_id(self, name):
        if name not in self._category_ids:
            known = self.settings.get("category_id") if name == ZETTLE_CATEGORY else None
            self._category_ids[name] = int(known or self.client.ensure_category(name=name)["category_id"])
        return self._category_ids[name]

    def _placement(self, placement):
        placement = placement or {}
        categories = [int(c) for c in placement.get("category_ids") or []]
        if placement.get("category_id"):
            categories.append(int(placement["category_id"]))
        elif placement.get("category"):
            categories.append(self._category_id(placement["category"]))
        return categories, placement.get("visible")

    # --- reading --------------------------------------------------------------------------------------
    def _dto(self, raw):
        return mapping.product_from_bc(raw, weight_unit=self.weight_unit, currency=self.account_currency() or None)

    def iter_products(self, *, since=None):
        """Home: products in the "PayPal Zettle" channel; target: every product. 250 per page, streamed.

        As home, ``since`` is not applied: assigning a product to the channel does not change its
        ``date_modified``, so a filtered read would miss newly assigned products. The whole channel is
        read instead (one request per 250 products) and the engine skips what did not change."""
        channel_id = self._channel_id()
        modified_since = since_filter(since) if since and channel_id is None else None
        for page in self.client.iter_product_pages(channel_id=channel_id, modified_since=modified_since):
            for raw in page:
                yield self._dto(raw)

    def get_products(self, *, external_ids):
        """As home, products no longer in the channel are absent, like deleted ones."""
        ids = sorted({int(i) for i in external_ids if str(i).isdigit()})
        if not ids:
            return []
        return [self._dto(raw) for page in self.client.iter_product_pages(ids=ids, channel_id=self._channel_id())
                for raw in page]

    def existing_ids(self, *, external_ids):
        """Products that exist in the store, in the channel or not (one request per 250 ids)."""
        ids = sorted({int(i) for i in external_ids if str(i).isdigit()})
        if not ids:
            return set()
        return {str(raw["id"]) for page in self.client.iter_product_pages(ids=ids, include=()) for raw in page}

    def find_products(self, *, skus, barcodes):
        """By SKU through ``sku:in`` on products; what is still unmatched (barcodes; SKUs the product filter
        did not match) through the variants: one ``?sku=``/``?upc=`` call each when that is cheaper than
        reading all variants, else one streamed read of all variants (BigCommerce cannot filter on GTIN
        or on several UPCs). Matched variants carry the barcode as asked (EAN-13 vs GTIN-14 zeros)."""
        skus, asked = {s for s in skus if s}, {b for b in barcodes if b}
        found = {}
        for chunk in sku_chunks(skus):
            for raw in self.client.iter_products(skus=chunk):
                found[raw["id"]] = raw
        known = [v for raw in found.values() for v in raw.get("variants") or []]
        skus -= {v.get("sku") for v in known}
        have = {str(b).lstrip("0") for v in known for b in (v.get("upc"), v.get("gtin")) if b}
        barcodes = {b for b in asked if b.lstrip("0") not in have}
        extra = self._variant_matches(skus, barcodes) - set(found)
        if extra:
            for raw in self.client.iter_products(ids=sorted(extra)):
                found[raw["id"]] = raw
        products = []
        for raw in found.values():
            dto = self._dto(raw)
            by_id = {str(v["id"]): v for v in raw.get("variants") or []}
            for variant in dto.variants:
                raw_variant = by_id.get(variant.external_id)
                if raw_variant is not None:
                    variant.barcode = self._barcode_of(raw_variant, asked) or variant.barcode
            products.append(dto)
        return products

    @staticmethod
    def _barcode_of(raw_variant, barcodes):
        for barcode in barcodes:
            if any(mapping.same_barcode(barcode, raw_variant.get(k)) for k in ("upc", "gtin")):
                return barcode
        return ""

    def _variant_matches(self, skus, barcodes):
        """Product ids having a variant with one of ``skus`` or ``barcodes`` (cheapest way)."""
        if not skus and not barcodes:
            return set()
        probe = self.client.call("GET", "/v3/catalog/variants", params={"limit": 1, "page": 1,
                                                                         "include_fields": "id"}) or {}
        total = ((probe.get("meta") or {}).get("pagination") or {}).get("total", 0)
        if not total:
            return set()
        pages = -(-total // self.client.page_limit)
        ids = set()
        if len(skus) + len(barcodes) <= pages:
            for name, values in (("sku", skus), ("upc", barcodes)):
                for value in sorted(values):
                    ids |= {v["product_id"] for v in self.client.iter_items("/v3/catalog/variants",
                                                                            params={name: value})}
            return ids
        fields = "id,product_id,sku,upc,gtin"
        for variant in self.client.iter_items("/v3/catalog/variants", params={"include_fields": fields}):
            if variant.get("sku") in skus or self._barcode_of(variant, barcodes):
                ids.add(variant["product_id"])
        return ids

    # --- webhooks -------------------------------------------------------------------------------------
    def _scopes(self):
        scopes = list(PRODUCT_SCOPES)
        channel_id = self._channel_id()
        if channel_id is not None:
            scopes += [s.format(channel_id=channel_id) for s in CHANNEL_SCOPES]
        return scopes + list(STOCK_SCOPES)

    def register_webhooks(self, *, url, secret):
        """One active hook per scope to ``url`` with our token header; our other hooks to ``url`` go."""
        wanted, headers = self._scopes(), {HEADER_NAME: secret}
        existing = {}
        for hook in list(self.client.iter_hooks()):
            if hook["destination"] != url:
                continue
            if hook["scope"] in wanted and hook["scope"] not in existing:
                existing[hook["scope"]] = hook
            else:
                self.client.delete_hook(hook_id=hook["id"])
        for scope in wanted:
            hook = existing.get(scope)
            if hook is None:
                self.client.create_hook(scope=scope, destination=url, headers=headers)
            elif not hook["is_active"] or (hook.get("headers") or None) != headers:
                self.client.update_hook(hook_id=hook["id"], fields={"is_active": True, "headers": headers})

    def unregister_webhooks(self, *, url):
        for hook in [h for h in self.client.iter_hooks() if h["destination"] == url]:
            self.client.delete_hook(hook_id=hook["id"])

    def account_currency(self):
        """The store's default currency: from the connection's settings (recorded at set-up), else read
        from the store's settings once (never from a priced product)."""
        if not self.settings.get("currency") and not self._currency_asked:
            self._currency_asked = True  # asked once per connector, answered or not
            currency = self.client.store_facts().get("currency", "")
            if currency:
                self.settings["currency"] = currency
        return self.settings.get("currency", "")

    def call_stats(self):
        stats = self.client.stats
        return {"read": stats.reads, "write": stats.writes, "rate_limit_wait_s": stats.rate_limit_wait_s}
