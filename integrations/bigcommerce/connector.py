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
from integrations.bigcommerce.catalog_api import PRODUCT_BATCH, VARIANT_BATCH, ZETTLE_CHANNEL
from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.connector_support import (
    ZETTLE_CATEGORY,
    label,
    refusal_errors,
    refusal_reason,
    since_filter,
    sku_chunks,
    variant_key,
)
from integrations.bigcommerce.webhooks import HEADER_NAME
from integrations.engine.connector import PRODUCT_FIELDS, ProductConnector, WriteResult
from integrations.errors import ConnectorError

PRODUCT_SCOPES = ("store/product/created", "store/product/updated", "store/product/deleted")
CHANNEL_SCOPES = ("store/channel/{channel_id}/product/assigned", "store/channel/{channel_id}/product/unassigned")
STOCK_SCOPES = ("store/sku/inventory/updated", "store/sku/inventory/order/updated",
                "store/product/inventory/updated", "store/product/inventory/order/updated")
CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raise instead of reporting each


class BigCommerceConnector(ProductConnector):
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
    def prepare(self, *, role):
        """Home: the channel "PayPal Zettle"; target: the category "PayPal Zettle". Found or created once;
        the returned ids (and the role) belong in ``connection.settings``."""
        if role not in ("home", "target"):
            raise ValueError(f"Unknown role {role!r}; expected 'home' or 'target'.")
        self.role = role
        found = {"product_role": role}
        currency = self.account_currency()
        if currency:
            found["currency"] = currency
        unit = self.settings.get("weight_unit") or self._store_weight_unit()
        if unit:
            self.settings["weight_unit"] = found["weight_unit"] = self.weight_unit = unit
        if role == "home":
            channel = self.client.ensure_channel(name=ZETTLE_CHANNEL)
            self.settings["channel_id"] = found["channel_id"] = int(channel["id"])
        else:
            category = self.client.ensure_category(name=ZETTLE_CATEGORY)
            self.settings["category_id"] = found["category_id"] = int(category["category_id"])
            self._category_ids[ZETTLE_CATEGORY] = found["category_id"]
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
        """The "PayPal Zettle" channel when home (looked up when settings lack it), else None (all products)."""
        if not self._is_home():
            return None
        if not self.settings.get("channel_id"):
            self.settings["channel_id"] = int(self.client.ensure_channel(name=ZETTLE_CHANNEL)["id"])
        return self.settings["channel_id"]

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

    # --- writing --------------------------------------------------------------------------------------
    @staticmethod
    def _fields(fields):
        return frozenset(fields) & PRODUCT_FIELDS

    def create_products(self, *, products, fields, placement=None):
        """One ``POST /v3/catalog/products`` per product (BigCommerce's only way), variants and images inline."""
        fields = self._fields(fields)
        categories, visible = self._placement(placement)
        results = []
        for product in products:
            body = mapping.product_create_to_bc(product, fields=fields, category_ids=categories, visible=visible,
                                                weight_unit=self.weight_unit)
            try:
                created = self.client.create_product(product=body)
            except ConnectorError as exc:
                if exc.status in CONNECTION_STATUSES:
                    raise
                results.append(self._failed(product, exc))
                continue
            pairs, _ = mapping.match_variants(product.variants, created.get("variants") or [])
            results.append(WriteResult(ok=True, external_id=str(created["id"]), variant_ids={
                variant_key(v, i): str(pairs[i]["id"]) for i, v in enumerate(product.variants) if i in pairs}))
            if "videos" in fields and product.videos:
                results[-1].error = self._videos_or_note(product, {"id": created["id"], "videos": []})
        return results

    def _videos_or_note(self, product, raw):
        """Sync the product's videos; a refusal leaves the product written and is said in words ("" when fine)."""
        try:
            self._sync_videos(product, raw)
        except ConnectorError as exc:
            if exc.status in CONNECTION_STATUSES:
                raise
            return (f"Product {label(product)} was written to BigCommerce but its videos were refused: "
                    f"{refusal_reason(exc)}")
        return ""

    def _sync_videos(self, product, raw):
        """BigCommerce takes only YouTube videos: the hub's YouTube links become the product's videos, in order;
        other links are left out (the README says why). A product without videos in the hub leaves BigCommerce's
        videos alone: they may be the merchant's own."""
        if not product.videos:
            return
        wanted = [v for v in (mapping.youtube_id(url) for url in product.videos) if v]
        have = sorted(raw.get("videos") or [], key=lambda v: (v.get("sort_order", 0), v.get("id", 0)))
        if [v["video_id"] for v in have] == wanted:
            return
        for video in have:
            self.client.call("DELETE", f"/v3/catalog/products/{raw['id']}/videos/{video['id']}")
        for position, video_id in enumerate(wanted):
            self.client.call("POST", f"/v3/catalog/products/{raw['id']}/videos",
                             json={"video_id": video_id, "type": "youtube", "sort_order": position})

    def update_products(self, *, products, fields):
        fields = self._fields(fields)
        results = []
        for start in range(0, len(products), PRODUCT_BATCH):
            results.extend(self._update_batch(products[start:start + PRODUCT_BATCH], fields))
        return results

    def _update_batch(self, products, fields):
        ids = sorted({int(p.external_id) for p in products if str(p.external_id).isdigit()})
        include = ("variants", "images", "videos") if "videos" in fields else ("variants", "images")
        current = {str(raw["id"]): raw for raw in self.client.iter_products(ids=ids, include=include)} if ids else {}
        plans, errors = {}, {}
        for index, product in enumerate(products):
            raw = current.get(str(product.external_id))
            if raw is None:
                errors[index] = WriteResult(ok=False, external_id=str(product.external_id), error=(
                    f"BigCommerce no longer has product {label(product)}; Flyt creates it again at the "
                    f"next sync."))
                continue
            plans[index] = self._plan(product, raw, fields)
        self._batched(plans, errors, products, "product", PRODUCT_BATCH,
                      lambda rows: self.client.call("PUT", "/v3/catalog/products", json=rows))
        self._batched(plans, errors, products, "variants", VARIANT_BATCH,
                      lambda rows: self.client.call("PUT", "/v3/catalog/variants", json=rows))
        for index, plan in plans.items():
            if index not in errors:
                try:
                    self._per_product_calls(plan, fields)
                except ConnectorError as exc:
                    if exc.status in CONNECTION_STATUSES:
                        raise
                    errors[index] = self._failed(products[index], exc)
        results = []
        for index, product in enumerate(products):
            if index in errors:
                results.append(errors[index])
                continue
            plan = plans[index]
            results.append(WriteResult(ok=True, external_id=str(plan["raw"]["id"]), variant_ids={
                variant_key(v, i): str(plan["ids"][i]) for i, v in enumerate(product.variants) if i in plan["ids"]}))
        return results

    def _plan(self, product, raw, fields):
        """What to write for one product: the product row, variant rows, new and removed variants, images."""
        simple = raw.get("base_variant_id") is not None and not mapping.has_options(product)
        pairs, unmatched = mapping.match_variants(product.variants, raw.get("variants") or [])
        row = mapping.product_writes(product, fields=fields, simple=simple, weight_unit=self.weight_unit)
        variants = []
        if not simple:
            for index, raw_variant in pairs.items():
                body = mapping.variant_writes(product.variants[index], fields=fields, weight_unit=self.weight_unit)
                if body:
                    variants.append({"id": int(raw_variant["id"]), **body})
        new = [] if simple else [i for i, v in enumerate(product.variants) if i not in pairs and v.option_values]
        removed = unmatched if "variants" in fields and not simple and product.variants else []
        return {"raw": raw, "product": product, "row": {"id": int(raw["id"]), **row} if row else None,
                "variants": variants, "new": new, "removed": removed,
                "ids": {i: raw_variant["id"] for i, raw_variant in pairs.items()}}

    def _batched(self, plans, errors, products, kind, size, send):
        """Send the rows of every plan in batches of ``size``; a refused batch goes again product by product."""
        rows = []
        for index, plan in plans.items():
            if index not in errors:
                rows += [(index, row) for row in ([plan["row"]] if plan["row"] else [])] if kind == "product" \
                    else [(index, row) for row in plan["variants"]]
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            try:
                send([r for _, r in batch])
                continue
            except ConnectorError as exc:
                if exc.status in CONNECTION_STATUSES:
                    raise
                if len({i for i, _ in batch}) == 1:
                    errors[batch[0][0]] = self._failed(products[batch[0][0]], exc)
                    continue
            for index in sorted({i for i, _ in batch}):
                if index in errors:
                    continue
                try:
                    send([r for i, r in batch if i == index])
                except ConnectorError as exc:
                    if exc.status in CONNECTION_STATUSES:
                        raise
                    errors[index] = self._failed(products[index], exc)

    def _per_product_calls(self, plan, fields):
        product, product_id = plan["product"], plan["raw"]["id"]
        for index in plan["new"]:
            body = mapping.new_variant_to_bc(product.variants[index], fields=fields | {"sku"},
                                             weight_unit=self.weight_unit)
            created = self.client.call("POST", f"/v3/catalog/products/{product_id}/variants", json=body)["data"]
            plan["ids"][index] = created["id"]
        for raw_variant in plan["removed"]:
            try:
                self.client.call("DELETE", f"/v3/catalog/products/{product_id}/variants/{raw_variant['id']}")
            except ConnectorError as exc:
                if exc.status != 404:  # already gone (e.g. the base variant of a product that got options)
                    raise
        if "images" in fields:
            self._sync_images(product, plan["raw"])
        if "videos" in fields:
            self._sync_videos(product, plan["raw"])

    def _sync_images(self, product, raw):
        """Add the hub's images BigCommerce lacks and delete the ones the hub no longer has (by URL)."""
        wanted = [i for i in sorted(product.images, key=lambda i: i.position) if i.url]
        have = raw.get("images") or []

        def url(image):
            return image.get("url_zoom") or image.get("url_standard") or ""

        if [url(i) for i in sorted(have, key=lambda i: (not i.get("is_thumbnail"), i.get("sort_order", 0)))] == \
                [i.url for i in wanted]:
            return
        wanted_urls = {i.url for i in wanted}
        for image in have:
            if url(image) not in wanted_urls:
                self.client.call("DELETE", f"/v3/catalog/products/{raw['id']}/images/{image['id']}")
        have_urls = {url(i) for i in have}
        for position, image in enumerate(wanted):
            if image.url not in have_urls:
                self.client.add_product_image(product_id=raw["id"], image_url=image.url, is_thumbnail=position == 0,
                                              description=image.alt)

    def delete_products(self, *, external_ids):
        ids = sorted({int(i) for i in external_ids if str(i).isdigit()})
        if ids:
            self.client.delete_products(product_ids=ids)

    def _failed(self, product, exc):
        if exc.status == 409 and "categories" in refusal_errors(exc):  # the merchant deleted our category
            self._category_ids.clear()
            self.settings.pop("category_id", None)
        return WriteResult(ok=False, external_id=str(product.external_id or ""), retryable=exc.retryable,
                           error=f"BigCommerce refused product {label(product)}: {refusal_reason(exc)}")

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
