"""What Flyt does on Shopify, on top of the client's plumbing (``ShopifyClient`` mixes this in)."""

import uuid

from django.utils.translation import gettext

from integrations.errors import ConnectorError
from integrations.paging import pages
from integrations.shopify import mapping, queries
from integrations.shopify.gql import MAX_PAGE

PRODUCT_SET_PER_REQUEST = 25  # productSet mutations aliased into one document (10 cost points each)
STOCK_PER_MUTATION = 250  # Shopify's limit on input arrays


def _user_errors(payload, what, *, platform="shopify"):
    errors = (payload or {}).get("userErrors") or []
    if not errors:
        return
    text = "; ".join(f"{'.'.join(str(p) for p in e.get('field') or [])}: {e.get('message')}".lstrip(": ")
                     for e in errors)
    codes = {e.get("code") for e in errors}
    stale = bool(codes & {"COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE"})
    if stale:
        raise ConnectorError(f"Shopify's stock changed since Flyt read it, so {what} was not applied; Flyt will "
                             "read the current stock and try again.", retryable=True, status=409, platform=platform,
                             detail={"user_errors": errors, "stale": True})
    raise ConnectorError(f"Shopify refused to {what}: {text}"[:500], retryable=False, status=422, platform=platform,
                         detail={"user_errors": errors})


def _too_many_options(product):
    skus = ", ".join(v.sku for v in product.variants if v.sku)
    who = gettext("Product '%(name)s' (SKU %(skus)s)") % {"name": product.title, "skus": skus} if skus \
        else gettext("Product '%(name)s'") % {"name": product.title}
    return gettext("%(who)s: not sent to Shopify — it has %(count)s options and Shopify allows at most "
                   "%(limit)s per product. Combine options in Flyt so it has %(limit)s or fewer.") % {
        "who": who, "count": len([o for o in product.options if o.get("values")]), "limit": mapping.MAX_OPTIONS}


class ShopifyOperations:
    # --- products -------------------------------------------------------------------------------
    def product_page_size(self):
        return self.page_size(queries.PRODUCTS, {"variantsFirst": self.variants_per_product})

    def iter_products(self, *, updated_since=None, page_size=None):
        """Every product as an ExternalProduct, streamed page by page (memory stays flat)."""
        variables = {"variantsFirst": self.variants_per_product,
                     "query": f"updated_at:>'{updated_since.isoformat()}'" if updated_since else None}
        for node in self.iter_connection(queries.PRODUCTS, variables, ("products",),
                                         page_size=page_size or self.product_page_size()):
            yield mapping.product_from_graphql(node, self._all_variants(node))

    def _all_variants(self, node):
        """All the product's variants when they did not fit on the first page, else None."""
        conn = node.get("variants") or {}
        if not conn.get("pageInfo", {}).get("hasNextPage"):
            return None
        return list(self.iter_connection(queries.PRODUCT_VARIANTS, {"id": node["id"]}, ("product", "variants")))

    def get_product(self, *, product_id):
        data = self.graphql(queries.PRODUCT, {"id": mapping.to_gid("Product", product_id),
                                              "variantsFirst": self.variants_per_product})
        node = data.get("product")
        return mapping.product_from_graphql(node, self._all_variants(node)) if node else None

    def set_products(self, *, products, location_id=None, per_request=PRODUCT_SET_PER_REQUEST):
        """Create or update whole products with ``productSet`` (the variants given replace the product's
        variants), several per request. Returns one result per product, in order:
        ``{"product_id", "variant_ids": {sku: id}, "inventory_item_ids": {sku: id}, "error"}``, with every
        variant (up to Shopify's 2,048). A product Shopify cannot hold (more than three options) is not
        sent: its result has no ids and ``error`` says why, naming the product and its SKU."""
        results = [None] * len(products)
        sendable = []
        for index, product in enumerate(products):
            try:
                sendable.append((index, product, mapping.product_to_set_input(product, location_id=location_id)))
            except mapping.TooManyOptions:
                results[index] = {"product_id": "", "variant_ids": {}, "inventory_item_ids": {},
                                  "error": _too_many_options(product)}
        for chunk in pages(sendable, per_request):
            declarations = ", ".join(f"$i{n}: ProductSetIdentifiers, $p{n}: ProductSetInput!"
                                     for n in range(len(chunk)))
            body = "\n".join(f"p{n}: productSet(identifier: $i{n}, input: $p{n}, synchronous: true) "
                             f"{{ {queries.PRODUCT_SET_FIELDS} }}" for n in range(len(chunk)))
            document = f"mutation FlytProductSet({declarations}) {{\n{body}\n}}"
            variables = {}
            for n, (_, product, data) in enumerate(chunk):
                variables[f"i{n}"] = mapping.product_set_identifier(product)
                variables[f"p{n}"] = data
            data = self.graphql(document, variables, what="save products")
            for n, (index, product, _) in enumerate(chunk):
                payload = data.get(f"p{n}") or {}
                _user_errors(payload, f"save the product '{product.title}'")
                node = payload["product"]
                variants = self._set_variants(node)
                results[index] = {"product_id": mapping.from_gid(node["id"]),
                                  "variant_ids": {v["sku"]: mapping.from_gid(v["id"]) for v in variants},
                                  "inventory_item_ids": {v["sku"]: mapping.from_gid(v["inventoryItem"]["id"])
                                                         for v in variants}, "error": ""}
        return results

    def _set_variants(self, node):
        """Every variant of a product ``productSet`` returned: its first page, then the following ones."""
        conn = node.get("variants") or {}
        variants = list(conn.get("nodes") or [])
        info = conn.get("pageInfo") or {}
        if info.get("hasNextPage"):
            variants.extend(self.iter_connection(queries.PRODUCT_VARIANTS, {"id": node["id"]},
                                                 ("product", "variants"), after=info.get("endCursor")))
        return variants

    # --- stock ----------------------------------------------------------------------------------
    def locations(self):
        return [{"external_id": mapping.from_gid(n["id"]), "name": n["name"], "active": n["isActive"]}
                for n in self.iter_connection(queries.LOCATIONS, {}, ("locations",), page_size=MAX_PAGE)]

    def iter_stock_levels(self, *, location_id=None):
        """Available stock of every inventory item at each (or one) location, streamed."""
        location_ids = [location_id] if location_id else [loc["external_id"] for loc in self.locations()
                                                          if loc["active"]]
        for loc in location_ids:
            variables = {"id": mapping.to_gid("Location", loc)}
            for node in self.iter_connection(queries.LOCATION_LEVELS, variables, ("location", "inventoryLevels")):
                yield mapping.stock_from_location_level(node, location_id=loc)

    def stock_levels(self, *, inventory_item_ids, locations_per_item=10):
        """Current levels of the given inventory items (e.g. after an ``inventory_levels/update``)."""
        out = []
        ids = [mapping.to_gid("InventoryItem", i) for i in inventory_item_ids]
        size = self.page_size(queries.ITEM_LEVELS, {"locations": locations_per_item}, page_variable="ids")
        for chunk in pages(ids, size):
            data = self.graphql(queries.ITEM_LEVELS, {"ids": chunk, "locations": locations_per_item})
            for node in data.get("nodes") or []:
                if node:
                    out.extend(mapping.stock_from_item_node(node))
        return out

    def stock_items(self, *, inventory_item_ids, locations_per_item=10):
        """Raw ``InventoryItem`` nodes (SKU, tracked, variant, levels at up to ``locations_per_item``
        locations) for these ids, as few requests as the query cost allows; unknown ids are left out."""
        ids = [mapping.to_gid("InventoryItem", i) for i in dict.fromkeys(inventory_item_ids)]
        variables = {"locations": max(1, min(MAX_PAGE, int(locations_per_item)))}
        size = self.page_size(queries.STOCK_ITEMS, variables, page_variable="ids")
        out = []
        for chunk in pages(ids, size):
            data = self.graphql(queries.STOCK_ITEMS, {**variables, "ids": chunk}, what="read stock")
            out.extend(node for node in data.get("nodes") or [] if node)
        return out

    def iter_location_stock(self, *, location_id):
        """Raw ``InventoryLevel`` nodes (with their item's SKU, tracked, variant) at one location, page by page."""
        yield from self.iter_connection(queries.STOCK_LOCATION_LEVELS, {"id": mapping.to_gid("Location", location_id)},
                                        ("location", "inventoryLevels"))

    def set_stock(self, *, quantities, reason="correction", idempotency_key=None, reference=None):
        """Compare-and-set absolute stock. ``quantities``: dicts with ``inventory_item_id``, ``location_id``,
        ``quantity`` and ``compare_quantity`` (what Flyt last read; None to overwrite blindly).
        A mismatch raises ConnectorError(retryable=True, status=409) and changes nothing in that batch."""
        key = idempotency_key or str(uuid.uuid4())
        groups = []
        for number, chunk in enumerate(pages(quantities, STOCK_PER_MUTATION)):
            # changeFromQuantity is compare-and-set; Shopify wants it on every row (null: overwrite blindly)
            rows = [{"inventoryItemId": mapping.to_gid("InventoryItem", r["inventory_item_id"]),
                     "locationId": mapping.to_gid("Location", r["location_id"]), "quantity": int(r["quantity"]),
                     "changeFromQuantity": None if r.get("compare_quantity") is None else int(r["compare_quantity"])}
                    for r in chunk]
            data = self.graphql(queries.SET_QUANTITIES, {
                "key": f"{key}:{number}",
                "input": {"name": "available", "reason": reason, "quantities": rows,
                          **({"referenceDocumentUri": reference} if reference else {})}}, what="set stock")
            payload = data.get("inventorySetQuantities")
            _user_errors(payload, "set stock")
            groups.append(payload["inventoryAdjustmentGroup"])
        return groups

    def adjust_stock(self, *, changes, reason="correction", idempotency_key=None, reference=None):
        """Relative stock changes: dicts with ``inventory_item_id``, ``location_id`` and ``delta``."""
        key = idempotency_key or str(uuid.uuid4())
        groups = []
        for number, chunk in enumerate(pages(changes, STOCK_PER_MUTATION)):
            # a delta needs no comparison, but Shopify wants changeFromQuantity given (null) on every row
            rows = [{"inventoryItemId": mapping.to_gid("InventoryItem", r["inventory_item_id"]),
                     "locationId": mapping.to_gid("Location", r["location_id"]), "delta": int(r["delta"]),
                     "changeFromQuantity": None} for r in chunk]
            data = self.graphql(queries.ADJUST_QUANTITIES, {
                "key": f"{key}:{number}",
                "input": {"name": "available", "reason": reason, "changes": rows,
                          **({"referenceDocumentUri": reference} if reference else {})}}, what="adjust stock")
            payload = data.get("inventoryAdjustQuantities")
            _user_errors(payload, "adjust stock")
            groups.append(payload["inventoryAdjustmentGroup"])
        return groups

    # --- orders and customers ------------------------------------------------------------------
    def iter_orders(self, *, updated_since=None):
        variables = {"linesFirst": self.lines_per_order,
                     "query": f"updated_at:>'{updated_since.isoformat()}'" if updated_since else None}
        for node in self.iter_connection(queries.ORDERS, variables, ("orders",)):
            conn = node.get("lineItems") or {}
            lines = self._all_lines(node) if conn.get("pageInfo", {}).get("hasNextPage") else None
            yield mapping.order_from_graphql(node, lines)

    def _all_lines(self, node):
        return list(self.iter_connection(queries.ORDER_LINES, {"id": node["id"]}, ("order", "lineItems")))

    def iter_customers(self, *, updated_since=None):
        variables = {"query": f"updated_at:>'{updated_since.isoformat()}'" if updated_since else None}
        for node in self.iter_connection(queries.CUSTOMERS, variables, ("customers",)):
            yield mapping.customer_from_graphql(node)

    def iter_rest_orders(self, *, status="any"):
        """Orders through REST (``status=any``: Shopify lists only open orders otherwise)."""
        for order in self.iter_rest("/orders.json", "orders", params={"status": status}):
            yield mapping.order_from_rest(order)

    # --- webhook subscriptions -------------------------------------------------------------------
    def webhook_subscriptions(self):
        return [{"id": mapping.from_gid(n["id"]), "topic": n["topic"], "address": n["uri"]}
                for n in self.iter_connection(queries.WEBHOOKS, {}, ("webhookSubscriptions",), page_size=MAX_PAGE)]

    def subscribe(self, *, topic, address):
        """Subscribe ``address`` to ``topic`` (``products/update`` or ``PRODUCTS_UPDATE``)."""
        enum = topic.upper().replace("/", "_")
        data = self.graphql(queries.WEBHOOK_CREATE, {"topic": enum, "sub": {"uri": address, "format": "JSON"}},
                            what="subscribe to webhooks")
        payload = data.get("webhookSubscriptionCreate")
        _user_errors(payload, f"subscribe to {topic}")
        return mapping.from_gid(payload["webhookSubscription"]["id"])

    def unsubscribe(self, *, subscription_id):
        data = self.graphql(queries.WEBHOOK_DELETE, {"id": mapping.to_gid("WebhookSubscription", subscription_id)},
                            what="remove a webhook subscription")
        _user_errors(data.get("webhookSubscriptionDelete"), "remove a webhook subscription")
