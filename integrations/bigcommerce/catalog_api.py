"""Catalog, channels and categories calls of ``BigCommerceClient`` (a mixin; see client.py)."""

from integrations.paging import pages

PRODUCT_BATCH = 10
VARIANT_BATCH = 50
DELETE_BATCH = 250
ID_FILTER_BATCH = 250
ASSIGNMENT_BATCH = 500
ZETTLE_CHANNEL = "PayPal Zettle"


def _csv(values):
    return ",".join(str(v) for v in values)


class CatalogApi:
    # --- products --------------------------------------------------------------------------------
    def iter_product_pages(self, *, include=("variants", "images"), channel_id=None, ids=None, skus=None,
                           modified_since=None, params=None):
        """Pages (lists) of products with their variants and images, 250 per request."""
        query = dict(params or {})
        if include:
            query["include"] = _csv(include)
        if channel_id is not None:
            query["channel_id:in"] = str(channel_id)
        if modified_since is not None:
            query["date_modified:min"] = modified_since.isoformat() if hasattr(modified_since, "isoformat") \
                else str(modified_since)
        if skus:
            query["sku:in"] = _csv(skus)
        if ids is None:
            yield from self.iter_pages("/v3/catalog/products", params=query)
            return
        for batch in pages(ids, ID_FILTER_BATCH):
            yield from self.iter_pages("/v3/catalog/products", params={**query, "id:in": _csv(batch)})

    def iter_products(self, **kwargs):
        for page in self.iter_product_pages(**kwargs):
            yield from page

    def get_product(self, *, product_id, include=("variants", "images")):
        params = {"include": _csv(include)} if include else None
        return self.call("GET", f"/v3/catalog/products/{product_id}", params=params)["data"]

    def create_product(self, *, product):
        """One product per call (BigCommerce creates one at a time), variants included."""
        return self.call("POST", "/v3/catalog/products", json=product)["data"]

    def update_product(self, *, product_id, fields):
        return self.call("PUT", f"/v3/catalog/products/{product_id}", json=fields)["data"]

    def update_products(self, *, products):
        """Batch update, at most 10 products per call; each item carries its ``id``."""
        updated = []
        for batch in pages(products, PRODUCT_BATCH):
            updated.extend(self.call("PUT", "/v3/catalog/products", json=batch)["data"])
        return updated

    def delete_products(self, *, product_ids):
        for batch in pages(product_ids, DELETE_BATCH):
            self.call("DELETE", "/v3/catalog/products", params={"id:in": _csv(batch)})

    def iter_variants(self, *, product_id=None, ids=None, skus=None):
        if product_id is not None:
            yield from self.iter_items(f"/v3/catalog/products/{product_id}/variants")
            return
        params = {}
        if skus:
            params["sku:in"] = _csv(skus)
        if ids is None:
            yield from self.iter_items("/v3/catalog/variants", params=params)
            return
        for batch in pages(ids, ID_FILTER_BATCH):
            yield from self.iter_items("/v3/catalog/variants", params={**params, "id:in": _csv(batch)})

    def update_variants(self, *, variants):
        """Batch update, at most 50 variants per call; each item carries its ``id``."""
        updated = []
        for batch in pages(variants, VARIANT_BATCH):
            updated.extend(self.call("PUT", "/v3/catalog/variants", json=batch)["data"])
        return updated

    def list_product_images(self, *, product_id):
        return list(self.iter_items(f"/v3/catalog/products/{product_id}/images"))

    def add_product_image(self, *, product_id, image_url, is_thumbnail=False, description=""):
        body = {"image_url": image_url, "is_thumbnail": is_thumbnail, "description": description}
        return self.call("POST", f"/v3/catalog/products/{product_id}/images", json=body)["data"]

    # --- categories (category trees) ---------------------------------------------------------------
    def iter_category_trees(self):
        yield from self.iter_items("/v3/catalog/trees")

    def iter_categories(self, *, tree_id=None, name=None):
        params = {}
        if tree_id is not None:
            params["tree_id:in"] = str(tree_id)
        if name:
            params["name"] = name
        yield from self.iter_items("/v3/catalog/trees/categories", params=params)

    def create_categories(self, *, categories):
        """``categories``: [{name, tree_id or parent_id, ...}]."""
        created = []
        for batch in pages(categories, 50):
            created.extend(self.call("POST", "/v3/catalog/trees/categories", json=batch)["data"])
        return created

    def ensure_category(self, *, name, tree_id=None):
        """The category ``name`` in the tree of the default storefront (channel 1), created if missing."""
        if tree_id is None:
            trees = list(self.iter_category_trees())
            tree = next((t for t in trees if 1 in (t.get("channels") or [])), trees[0] if trees else None)
            if tree is None:
                tree = self.call("PUT", "/v3/catalog/trees", json=[{"name": "Default", "channels": [1]}])["data"][0]
            tree_id = tree["id"]
        existing = next((c for c in self.iter_categories(tree_id=tree_id, name=name) if c["name"] == name), None)
        return existing or self.create_categories(categories=[{"name": name, "tree_id": tree_id}])[0]

    def assign_categories(self, *, assignments):
        """``assignments``: [(product_id, category_id)]."""
        rows = [{"product_id": int(p), "category_id": int(c)} for p, c in assignments]
        for batch in pages(rows, ASSIGNMENT_BATCH):
            self.call("PUT", "/v3/catalog/products/category-assignments", json=batch)

    # --- channels --------------------------------------------------------------------------------
    def iter_channels(self):
        yield from self.iter_items("/v3/channels")

    def create_channel(self, *, name, type="pos", platform="custom"):  # noqa: A002 - BigCommerce's field name
        return self.call("POST", "/v3/channels", json={"name": name, "type": type, "platform": platform,
                                                       "status": "connected"})["data"]

    def ensure_channel(self, *, name=ZETTLE_CHANNEL, type="pos", platform="custom"):  # noqa: A002
        """The channel Flyt sells through (``PayPal Zettle`` by default), created when missing."""
        existing = next((c for c in self.iter_channels() if c["name"] == name), None)
        return existing or self.create_channel(name=name, type=type, platform=platform)

    def iter_channel_assignments(self, *, channel_id=None, product_ids=None):
        params = {}
        if channel_id is not None:
            params["channel_id:in"] = str(channel_id)
        if product_ids is None:
            yield from self.iter_items("/v3/catalog/products/channel-assignments", params=params)
            return
        for batch in pages(product_ids, ID_FILTER_BATCH):
            yield from self.iter_items("/v3/catalog/products/channel-assignments",
                                       params={**params, "product_id:in": _csv(batch)})

    def assign_products_to_channel(self, *, product_ids, channel_id):
        rows = [{"product_id": int(p), "channel_id": int(channel_id)} for p in product_ids]
        for batch in pages(rows, ASSIGNMENT_BATCH):  # sequential: BigCommerce asks for no parallel assignments
            self.call("PUT", "/v3/catalog/products/channel-assignments", json=batch)

    def unassign_products_from_channel(self, *, product_ids, channel_id):
        for batch in pages(product_ids, ID_FILTER_BATCH):
            self.call("DELETE", "/v3/catalog/products/channel-assignments",
                      params={"product_id:in": _csv(batch), "channel_id:in": str(channel_id)})
