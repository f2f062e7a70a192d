"""The BigCommerce product connector's writes: creates (one POST per product, variants and images inline),
updates (read once, then products and variants in batches, a refused batch product by product), images,
videos and deletes. See ``integrations.bigcommerce.connector`` for the whole story.
"""

from integrations.bigcommerce import mapping
from integrations.bigcommerce.catalog_api import PRODUCT_BATCH, VARIANT_BATCH
from integrations.bigcommerce.connector_support import label, refusal_errors, refusal_reason, variant_key
from integrations.contracts.products import PRODUCT_FIELDS, WriteResult
from integrations.errors import ConnectorError

CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raise instead of reporting each


class BigCommerceWrites:
    """Mixed into ``BigCommerceConnector``: uses its ``client``, ``settings``, ``weight_unit``, ``_category_ids``
    and ``_placement``."""

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
