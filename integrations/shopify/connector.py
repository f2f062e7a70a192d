"""The Shopify product connector: the Admin GraphQL API through ``ShopifyClient`` and mapping, no database.

Roles. Nothing to create in Shopify for either role: ``prepare`` reads the shop's currency and the location
new products' initial stock goes to (the first active one, as the stock connector's default), for
``connection.settings``. As the home base Flyt reads every product; as the target it writes them.

Reads. ``products`` pages (sorted by id; the page size follows from the query cost, within Shopify's
1,000-point single-query maximum) with everything the connector writes: SEO, every image (``media``),
variants with their inventory item's cost, weight and tracking. A product with more variants or images
than fit on its page has the rest read by its own pages. ``since`` becomes ``updated_at:>=`` on whole
seconds (Shopify's ``updated_at`` has seconds only, so a product changed in the watermark's second is
read again rather than missed); ``now()`` is the client's clock, the one Shopify's times are compared on.
``find_products`` searches ``productVariants`` by ``sku:`` then ``barcode:`` (several terms OR-ed per
request), then reads the matching products.

Writes. ``productSet`` (synchronous), one per product, ``write_batch_size`` (25) aliased into one request:
Shopify takes one product per ``productSet`` and a request may cost 1,000 points, 10 per mutation.
Only the given ``fields`` are written (scalars left out stay as the merchant set them); variants are a list
Shopify replaces whole, so an update that writes any variant field first reads the products' variants
(one request per batch) and lists them all: with "variants" in ``fields`` the hub's list (existing ones
by id, so they keep their ids and stock), else Shopify's own list with only the given fields changed.
Placement on create: ``status`` ACTIVE, or DRAFT when ``placement["visible"]`` is False. Initial stock
("stock") goes to the prepared location on new variants, with tracking as the hub has it. A product Shopify
refuses (its ``userErrors``; more than 3 options or 2,048 variants, found before sending) gets a
``WriteResult(ok=False)`` naming it; the rest of the batch is written. Shopify unreachable (5xx/429 after
the client's retries) or refusing the token or a permission raises ``ConnectorError``.

Not written: low-stock levels (Shopify has none), videos, vendor, product type, tags, status after
creation. Prices of a product in another currency than the shop's are not written (the result says so).

Variant ids. Flyt names a Shopify variant by its inventory item's id (``ExternalVariant.external_id``,
``WriteResult.variant_ids``), the id the Shopify stock connector reads and writes stock by, so that stock links
to the variants a product sync bound; the connector finds the ProductVariant ids ``productSet`` needs itself.

Webhooks. ``products/create``, ``products/update``, ``products/delete`` and the stock connector's
inventory topics (``integrations.shopify.stock.WEBHOOK_TOPICS``), each subscribed once per address (a
topic the stock connector already subscribed is not subscribed again). Shopify signs deliveries with the
app's client secret, so ``secret`` is not used.
"""

from datetime import UTC, datetime

from integrations.contracts.products import ProductConnector
from integrations.errors import ConnectorError
from integrations.shopify import connector_queries as q
from integrations.shopify import mapping
from integrations.shopify.client import ShopifyClient
from integrations.shopify.connector_support import call_stats
from integrations.shopify.connector_writes import PRODUCT_SET_PER_REQUEST, ShopifyWrites
from integrations.shopify.stock import WEBHOOK_TOPICS as STOCK_TOPICS

FIELDS_READ = frozenset({"name", "description", "price", "cost_price", "weight", "variants", "images", "stock",
                         "sku", "barcode", "seo"})
FIELDS_WRITE = FIELDS_READ
PRODUCT_TOPICS = ("products/create", "products/update", "products/delete")
WEBHOOK_TOPICS = PRODUCT_TOPICS + tuple(t for t in STOCK_TOPICS if t not in PRODUCT_TOPICS)
VARIANTS_FIRST = 10  # variants per product on a page of products (more are read by the product's own pages)
MEDIA_FIRST = 5  # images per product on a page of products (12 products a page within the cost limit)
FIND_TERMS = 25  # sku:/barcode: terms OR-ed into one productVariants search


def _enum(topic):
    return topic.upper().replace("/", "_")


def _quoted(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class ShopifyConnector(ShopifyWrites, ProductConnector):
    platform = "shopify"
    write_batch_size = PRODUCT_SET_PER_REQUEST

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = ShopifyClient.from_connection(connection, transport=transport, clock=clock)
        self.settings = dict(connection.settings or {})

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role, options=None):
        """Nothing to create in Shopify; returns the shop's currency and the location initial stock goes to.
        Idempotent and, once both are known, free of calls."""
        if role not in ("home", "target", "both"):
            raise ValueError(f"Unknown role {role!r}; expected 'home', 'target' or 'both'.")
        if not self.settings.get("currency") or not self.settings.get("location_id"):
            self._read_shop()
        return {"currency": self.settings["currency"], "location_id": self.settings.get("location_id", "")}

    def _read_shop(self):
        data = self.client.graphql(q.SHOP, what="read the shop's settings")
        currency = (data.get("shop") or {}).get("currencyCode") or ""
        if not currency:
            raise ConnectorError("Shopify did not say which currency your shop sells in; Flyt cannot write prices "
                                 "without it.", retryable=True, platform=self.platform)
        active = sorted((n for n in (data.get("locations") or {}).get("nodes") or [] if n.get("isActive")),
                        key=lambda n: int(mapping.from_gid(n["id"]) or 0))
        self.settings["currency"] = currency
        self.settings["location_id"] = mapping.from_gid(active[0]["id"]) if active else ""

    def account_currency(self):
        """The shop's currency, as Shopify's shop settings say (never a guess)."""
        if not self.settings.get("currency"):
            self._read_shop()
        return self.settings["currency"]

    def location_id(self):
        if "location_id" not in self.settings:
            self._read_shop()
        return self.settings.get("location_id") or ""

    def now(self):
        return self.client.clock.now()

    # --- reading --------------------------------------------------------------------------------------
    def _variables(self):
        return {"variantsFirst": VARIANTS_FIRST, "mediaFirst": MEDIA_FIRST}

    def _dto(self, node):
        variants = media = None
        if ((node.get("variants") or {}).get("pageInfo") or {}).get("hasNextPage"):
            variants = list(self.client.iter_connection(q.PRODUCT_VARIANTS, {"id": node["id"]},
                                                        ("product", "variants")))
        if ((node.get("media") or {}).get("pageInfo") or {}).get("hasNextPage"):
            media = list(self.client.iter_connection(q.PRODUCT_MEDIA, {"id": node["id"]}, ("product", "media")))
        return mapping.product_from_node(node, variants=variants, media=media, currency=self.account_currency(),
                                         id_of="inventory_item")

    def iter_products(self, *, since=None):
        """Every product, one page at a time; with ``since`` only those updated in or after its second."""
        variables = {**self._variables(), "query": None}
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            moment = datetime.fromtimestamp(int(since.timestamp()), UTC)
            variables["query"] = f"updated_at:>='{moment.isoformat().replace('+00:00', 'Z')}'"
        size = self.client.page_size(q.PRODUCTS, variables)
        for node in self.client.iter_connection(q.PRODUCTS, variables, ("products",), page_size=size):
            yield self._dto(node)

    def _nodes(self, query, ids, variables=None):
        """The non-null nodes for ``ids`` (numbers or gids of products), as few requests as the cost allows."""
        gids = [mapping.to_gid("Product", i) for i in dict.fromkeys(str(i) for i in ids if str(i))]
        if not gids:
            return []
        variables = variables or {}
        size = self.client.page_size(query, variables, page_variable="ids")
        found = []
        for start in range(0, len(gids), size):
            data = self.client.graphql(query, {**variables, "ids": gids[start:start + size]})
            found.extend(n for n in data.get("nodes") or [] if n and n.get("id"))
        return found

    def get_products(self, *, external_ids):
        return [self._dto(node) for node in self._nodes(q.PRODUCTS_BY_ID, external_ids, self._variables())]

    def existing_ids(self, *, external_ids):
        return {mapping.from_gid(node["id"]) for node in self._nodes(q.EXISTING, external_ids)}

    def find_products(self, *, skus, barcodes):
        """Products with a variant having one of ``skus`` (searched first) or ``barcodes`` (for what the SKUs
        did not find), each product once."""
        skus = sorted({str(s) for s in skus or () if s})
        barcodes = sorted({str(b) for b in barcodes or () if b})
        product_ids, matched = {}, set()
        for name, values in (("sku", skus), ("barcode", barcodes)):
            wanted = [v for v in values if v not in matched]
            for start in range(0, len(wanted), FIND_TERMS):
                chunk = wanted[start:start + FIND_TERMS]
                search = " OR ".join(f"{name}:{_quoted(v)}" for v in chunk)
                for node in self.client.iter_connection(q.FIND_VARIANTS, {"query": search}, ("productVariants",)):
                    value = node.get(name) or ""
                    if value in chunk:  # Shopify's search may match more loosely: keep exact matches
                        product_ids.setdefault(mapping.from_gid((node.get("product") or {}).get("id")), True)
                        matched.update(v for v in (node.get("sku"), node.get("barcode")) if v)
        return self.get_products(external_ids=list(product_ids)) if product_ids else []

    # --- webhooks -------------------------------------------------------------------------------------
    def _subscriptions(self, url):
        return [s for s in self.client.webhook_subscriptions() if s["address"] == url]

    def register_webhooks(self, *, url, secret=""):
        """Subscribe ``url`` to the product and stock topics it lacks (each once). Returns the topics."""
        have = {s["topic"] for s in self._subscriptions(url)}
        for topic in WEBHOOK_TOPICS:
            if _enum(topic) not in have:
                self.client.subscribe(topic=topic, address=url)
        return list(WEBHOOK_TOPICS)

    def unregister_webhooks(self, *, url):
        ours = {_enum(t) for t in WEBHOOK_TOPICS}
        for subscription in self._subscriptions(url):
            if subscription["topic"] in ours:
                self.client.unsubscribe(subscription_id=subscription["id"])

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        return call_stats(self.client.stats)
