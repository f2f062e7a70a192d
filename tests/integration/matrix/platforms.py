"""The five platforms as the merchant's other tools see them: each platform's own API client reads the
account (normalised to hub DTOs by the platform's read mapping, never by the connector under test) and
edits, deletes or creates products the way any app on the account would. ``writes`` counts the requests
that changed something on the platform, from the sandbox's own request log."""

import html
import re
from decimal import Decimal

from integrations.bigcommerce.client import BigCommerceClient
from integrations.bigcommerce.mapping import product_from_bc
from integrations.rackbeat import mapping as rackbeat_mapping
from integrations.rackbeat.client import RackbeatClient
from integrations.sandbox import registry
from integrations.shopbox.client import AUTH_PATH as SHOPBOX_AUTH_PATH
from integrations.shopbox.client import ShopboxClient
from integrations.shopbox.mapping import product_to_external as shopbox_product
from integrations.shopify import connector_queries as shopify_queries
from integrations.shopify.client import ShopifyClient
from integrations.shopify.mapping import product_from_node
from integrations.zettle.api_inventory import is_read_by_post
from integrations.zettle.client import ZettleClient
from integrations.zettle.mapping import product_from_zettle


def text_of(description):
    """A description's text: platforms differ in the HTML they keep (Zettle keeps none)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", description or "")).split())


class Tools:
    """One platform's API, used by hand. ``connection`` is the merchant's Connection to the account."""

    platform = ""
    client_class = None
    one_weight_per_product = False  # the platform holds one weight for all the variants of a product

    def __init__(self, connection, sandbox):
        self.connection, self.sandbox = connection, sandbox
        self.account = connection.sandbox_account

    def client(self):
        return self.client_class.from_connection(self.connection, transport=registry.transport_for(
            self.connection.settings["base_url"]), clock=self.sandbox.clock)

    # --- to be provided ------------------------------------------------------------------------------
    def products(self):
        """Every live product of the account, as hub DTOs."""
        raise NotImplementedError

    def edit(self, product, *, title, price):
        """Rename ``product`` and set its first variant's price, as another app on the account would."""
        raise NotImplementedError

    def delete(self, product):
        raise NotImplementedError

    def is_write(self, recorded):
        return recorded.method not in ("GET", "HEAD")

    def stock_levels(self):
        """{variant SKU: the quantity on hand} (where the product read carries it)."""
        return {v.sku: v.stock for p in self.products() for v in p.variants}

    # --- shared --------------------------------------------------------------------------------------
    def writes(self, since=0):
        """The requests after the ``since``-th one in the sandbox's log that changed this account."""
        return [r for r in self.sandbox.requests[since:]
                if r.account == str(self.account) and 200 <= r.status < 300 and self.is_write(r)]

    def mark(self):
        return len(self.sandbox.requests)

    def by_sku(self):
        """{variant SKU: the product holding it} (a SKU held twice is a duplicate: both are listed)."""
        found = {}
        for product in self.products():
            for variant in product.variants:
                found.setdefault(variant.sku, []).append(product)
        return found


class BigCommerceTools(Tools):
    platform, client_class = "bigcommerce", BigCommerceClient

    def products(self):
        return [product_from_bc(raw) for raw in self.client().iter_products(include=("variants", "images"))]

    def raw(self, product_id):
        return self.client().get_product(product_id=product_id, include=("variants", "images"))

    def edit(self, product, *, title, price):
        client = self.client()
        raw = self.raw(product.external_id)
        client.update_product(product_id=product.external_id, fields={"name": title})
        first = raw["variants"][0]
        if raw.get("variants") and len(raw["variants"]) > 1:
            client.update_variants(variants=[{"id": first["id"], "product_id": raw["id"], "price": float(price)}])
        else:
            client.update_product(product_id=product.external_id, fields={"price": float(price)})

    def delete(self, product):
        self.client().delete_products(product_ids=[int(product.external_id)])

    def set_own_fields(self, product):
        """The merchant files the product in a category of theirs and hides it from the storefront."""
        client = self.client()
        category = client.ensure_category(name="Summer sale")["category_id"]
        client.update_product(product_id=product.external_id, fields={"categories": [int(category)],
                                                                      "is_visible": False})

    def own_fields(self, product):
        categories = {c["category_id"]: c["name"] for c in self.client().iter_categories()}
        return {"categories": sorted(categories[int(c)] for c in product.categories), "visible": product.visible}


class ShopifyTools(Tools):
    platform, client_class = "shopify", ShopifyClient

    def products(self):
        client = self.client()
        variables = {"variantsFirst": 10, "mediaFirst": 5, "query": None}
        return [product_from_node(node) for node in client.iter_connection(
            shopify_queries.PRODUCTS, variables, ("products",), page_size=client.page_size(
                shopify_queries.PRODUCTS, variables))]

    def edit(self, product, *, title, price):
        client = self.client()
        client.rest("PUT", f"/products/{product.external_id}.json",
                    json={"product": {"id": int(product.external_id), "title": title}})
        variant = product.variants[0].external_id
        client.rest("PUT", f"/variants/{variant}.json", json={"variant": {"id": int(variant), "price": str(price)}})

    def delete(self, product):
        self.client().rest("DELETE", f"/products/{product.external_id}.json")

    def set_own_fields(self, product):
        """The merchant sets the vendor, product type and tags Flyt does not sync."""
        self.client().rest("PUT", f"/products/{product.external_id}.json", json={"product": {
            "id": int(product.external_id), "vendor": "Nordic Supply", "product_type": "Mugs", "tags": "summer, sale"}})

    def own_fields(self, product):
        return {"vendor": product.brand, "type": product.product_type, "tags": sorted(product.categories)}

    def is_write(self, recorded):
        if recorded.method in ("GET", "HEAD"):
            return False
        if recorded.path.endswith("/graphql.json"):
            return not (recorded.json() or {}).get("query", "").lstrip().startswith(("query", "{"))
        return True


class ZettleTools(Tools):
    platform, client_class = "zettle", ZettleClient
    one_weight_per_product = True  # online.shipping.weightInGrams

    def products(self):
        return [product_from_zettle(raw) for raw in self.client().iter_products()]

    def edit(self, product, *, title, price):
        client = self.client()
        raw, _etag = client.get_product(uuid=product.external_id)
        variants = [dict(v) for v in raw["variants"]]
        variants[0]["price"] = {"amount": int(Decimal(price) * 100), "currencyId": raw["variants"][0]["price"][
            "currencyId"]}
        client.update_product(uuid=product.external_id, changes={"name": title, "variants": variants})

    def delete(self, product):
        self.client().delete_products(uuids=[product.external_id])

    def is_write(self, recorded):
        return recorded.method not in ("GET", "HEAD") and not is_read_by_post(recorded.path) \
            and not recorded.path.startswith("/oauth")

    def stock_levels(self):
        """The STORE balances (Zettle keeps stock in its Inventory service, not on the product)."""
        return {v.sku: self.sandbox.store_balance(self.account, v.sku) for p in self.products() for v in p.variants}


class ShopboxTools(Tools):
    platform, client_class = "shopbox", ShopboxClient

    def products(self):
        return [shopbox_product(raw) for raw in self.client().iter_products() if raw.get("active", True)]

    def edit(self, product, *, title, price):
        client = self.client()
        raw = client.get_product(product_id=product.external_id)
        variants = [{"id": v["id"]} for v in raw["variants"]]
        variants[0]["price"] = f"{Decimal(price):.2f}"
        body = {"id": raw["id"], "name": title, "variants": variants}
        if len(raw["variants"]) == 1:
            body["price"] = f"{Decimal(price):.2f}"
        client.upsert_products(products=[body])

    def set_own_fields(self, product):
        """The merchant tags the product (Shopbox's categories)."""
        self.client().upsert_products(products=[{"id": int(product.external_id), "tags": ["Summer sale"]}])

    def own_fields(self, product):
        return {"tags": sorted(product.categories)}

    def delete(self, product):
        # Shopbox's API deletes nothing: the merchant deletes the product in the back office
        self.sandbox.admin_delete_product(self.account, product.external_id)

    def is_write(self, recorded):
        return recorded.method not in ("GET", "HEAD") and not recorded.path.endswith(SHOPBOX_AUTH_PATH)

    def stock_levels(self):
        """The default branch's stock (Shopbox keeps it in product inventories, not on the product)."""
        return {v.sku: self.sandbox.stock_of(self.account, v.sku) for p in self.products() for v in p.variants}


class RackbeatTools(Tools):
    platform, client_class = "rackbeat", RackbeatClient

    def field_ids(self, client):
        found = {}
        for key, spec in (("group", rackbeat_mapping.GROUP_FIELD), ("options", rackbeat_mapping.OPTIONS_FIELD)):
            field = client.ensure_field(name=spec["name"], slug=spec["slug"], create=False)
            if field is not None:
                found[key] = str(field["id"])
        return found

    def products(self):
        client = self.client()
        ids = self.field_ids(client)
        rows = [row for row in client.iter_products(expand="field_values" if ids else None)
                if not row.get("is_barred")]
        return rackbeat_mapping.products_from_rows(rows, ids)

    def edit(self, product, *, title, price):
        client = self.client()
        for index, variant in enumerate(product.variants):
            body = {"name": rackbeat_mapping.variant_name(title, variant.option_values)}
            if index == 0:
                body["sales_price"] = float(price)
            client.update_product(number=variant.sku, body=body)

    def stock_levels(self):
        """The default location's stock."""
        return {v.sku: int(self.sandbox.stock_of(self.account, v.sku)) for p in self.products() for v in p.variants}

    def set_own_fields(self, product):
        """The merchant moves the product's variants to a product group of theirs."""
        client = self.client()
        client.ensure_product_group(number=7, name="Summer sale")
        for variant in product.variants:
            client.update_product(number=variant.sku, body={"group": 7})

    def own_fields(self, product):
        return {"group": product.categories}

    def delete(self, product):
        client = self.client()
        for variant in product.variants:
            # Rackbeat keeps products with stock: the merchant counts it out first
            self.sandbox.admin_set_stock(self.account, variant.sku, 0)
            client.delete_product(number=variant.sku)


TOOLS = {tools.platform: tools for tools in (BigCommerceTools, ShopifyTools, ZettleTools, ShopboxTools,
                                             RackbeatTools)}
PLATFORM_KEYS = tuple(TOOLS)


def tools_for(connection, sandbox):
    return TOOLS[connection.platform](connection, sandbox)


