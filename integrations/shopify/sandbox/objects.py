"""GraphQL objects of the Shopify sandbox, built lazily from the REST-shaped state, and the
projection that answers exactly the selected fields while counting the actual query cost."""

import base64
import json

from integrations.shopify import gql
from integrations.shopify.sandbox.store import gid, gid_number

WEIGHT_UNITS = {"g": "GRAMS", "kg": "KILOGRAMS", "oz": "OUNCES", "lb": "POUNDS"}  # REST weight_unit -> WeightUnit
QUANTITY_NAMES = ("available", "on_hand", "committed", "reserved", "incoming", "damaged", "safety_stock",
                  "quality_control")


class GraphQLError(Exception):
    def __init__(self, message, code="BAD_REQUEST", **extensions):
        super().__init__(message)
        self.message = message
        self.extensions = {"code": code, **extensions}


def cursor_for(number):
    return base64.urlsafe_b64encode(json.dumps({"last_id": number}).encode()).decode().rstrip("=")


def cursor_id(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from exc


def connection(items, args, build, number=lambda item: item["id"]):
    """A Relay connection over ``items`` (already in order), paged by first/after or last/before."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", "BAD_REQUEST")
    size = first if first is not None else last
    if not isinstance(size, int) or size < 0 or size > gql.MAX_PAGE:
        raise GraphQLError(f"The requested page size ({size}) is not within the allowed range 0-{gql.MAX_PAGE}.",
                           "BAD_REQUEST")
    items = list(reversed(items)) if args.get("reverse") else list(items)
    start, end = 0, len(items)
    if args.get("after"):
        after = cursor_id(args["after"])
        start = next((i + 1 for i, item in enumerate(items) if number(item) == after), len(items))
    if args.get("before"):
        before = cursor_id(args["before"])
        end = next((i for i, item in enumerate(items) if number(item) == before), end)
    window = items[start:end]
    page = window[:size] if first is not None else window[max(0, len(window) - size):]
    has_next = (start + len(page) < end) if first is not None else end < len(items)
    has_previous = start > 0 if first is not None else len(window) > len(page)
    nodes = [build(item) for item in page]
    edges = [{"cursor": cursor_for(number(item)), "node": node} for item, node in zip(page, nodes, strict=True)]
    return {"__connection": True, "nodes": nodes, "edges": edges, "pageInfo": {
        "hasNextPage": has_next, "hasPreviousPage": has_previous,
        "startCursor": edges[0]["cursor"] if edges else None, "endCursor": edges[-1]["cursor"] if edges else None}}


class Projection:
    """Answer a selection set from lazily built objects, adding up the actual cost."""

    def __init__(self, variables, defaults):
        self.variables = variables
        self.defaults = defaults
        self.cost = 0

    def obj(self, value, selections):
        out = {}
        for fld in selections:
            if fld.on_type and value.get("__typename") != fld.on_type:
                continue
            if fld.name == "__typename":
                out[fld.key] = value.get("__typename")
                continue
            if fld.name not in value:
                raise GraphQLError(f"Field '{fld.name}' doesn't exist on type '{value.get('__typename', 'Object')}'",
                                   "undefinedField", typeName=value.get("__typename", "Object"), fieldName=fld.name)
            raw = value[fld.name]
            if callable(raw):
                raw = raw(gql.resolved_args(fld, self.variables, self.defaults))
            out[fld.key] = self.field(fld, raw)
        return out

    def field(self, fld, raw):
        if fld.selections is None or raw is None:
            return raw
        if isinstance(raw, dict) and raw.get("__connection"):
            self.cost += 2
            return self.obj(raw, fld.selections)
        if fld.name == "nodes" and isinstance(raw, list):
            self.cost += len(raw)
            return [None if item is None else self.obj(item, fld.selections) for item in raw]
        if fld.name not in ("edges", "pageInfo"):
            self.cost += 1
        if isinstance(raw, list):
            return [self.obj(item, fld.selections) for item in raw]
        return self.obj(raw, fld.selections)


class ObjectsMixin:
    """Builders of GraphQL objects from the REST-shaped state (need ``StoreMixin``)."""

    def gql_money(self, account, amount):
        return None if amount is None else {"amount": amount, "currencyCode": account["currency"]}

    def gql_money_bag(self, account, amount):
        bag = self.gql_money(account, amount)
        return {"shopMoney": bag, "presentmentMoney": bag}

    def gql_product(self, account, product):
        def variants(args):
            return connection(product["variants"], args, lambda v: self.gql_variant(account, v, product))

        def images(args):
            return connection(product["images"], args, lambda i: self.gql_image(i))

        def media(args):
            return connection(product["images"], args, lambda i: self.gql_media(i))

        seo = product.get("seo") or {}

        return {
            "__typename": "Product", "id": gid("Product", product["id"]), "legacyResourceId": str(product["id"]),
            "title": product["title"], "handle": product["handle"], "descriptionHtml": product["body_html"],
            "vendor": product["vendor"], "productType": product["product_type"], "status": product["status"].upper(),
            "tags": [t.strip() for t in product["tags"].split(",") if t.strip()],
            "createdAt": product["created_at"], "updatedAt": product["updated_at"],
            "publishedAt": product["published_at"], "templateSuffix": product["template_suffix"],
            "options": lambda args: [{"__typename": "ProductOption", "id": gid("ProductOption", o["id"]),
                                      "name": o["name"], "position": o["position"], "values": o["values"],
                                      "optionValues": [{"name": v} for v in o["values"]]}
                                     for o in product["options"][: args.get("first") or None]],
            "featuredImage": self.gql_image(product["images"][0]) if product["images"] else None,
            "featuredMedia": self.gql_media(product["images"][0]) if product["images"] else None,
            "images": images, "media": media, "variants": variants,
            "seo": {"__typename": "SEO", "title": seo.get("title") or None,
                    "description": seo.get("description") or None},
            "variantsCount": {"count": len(product["variants"]), "precision": "EXACT"},
            "totalInventory": sum(lv["available"] for v in product["variants"]
                                  for lv in self.levels_for_item(account, v["inventory_item_id"])),
        }

    def gql_image(self, image):
        return {"__typename": "Image", "id": gid("ProductImage", image["id"]), "url": image["src"],
                "src": image["src"], "altText": image["alt"], "width": image["width"], "height": image["height"]}

    def gql_media(self, image):
        """A product image as Shopify's ``MediaImage`` (the ``Media`` of ``featuredMedia``)."""
        return {"__typename": "MediaImage", "id": gid("MediaImage", image["id"]), "alt": image["alt"],
                "mediaContentType": "IMAGE", "status": "READY", "image": self.gql_image(image),
                "createdAt": image["created_at"], "updatedAt": image["updated_at"]}

    def gql_variant(self, account, variant, product=None):
        if product is None:
            product = account["products"][str(variant["product_id"])]
        item = account["inventory_items"][str(variant["inventory_item_id"])]
        quantity = sum(lv["available"] for lv in self.levels_for_item(account, variant["inventory_item_id"]))
        options = [{"name": o["name"], "value": variant.get(f"option{o['position']}")} for o in product["options"]]
        return {
            "__typename": "ProductVariant", "id": gid("ProductVariant", variant["id"]),
            "legacyResourceId": str(variant["id"]), "title": variant["title"], "displayName":
            f"{product['title']} - {variant['title']}", "sku": variant["sku"], "barcode": variant["barcode"],
            "price": variant["price"], "compareAtPrice": variant["compare_at_price"], "position": variant["position"],
            "inventoryQuantity": quantity, "inventoryPolicy": variant["inventory_policy"].upper(),
            "taxable": variant["taxable"], "createdAt": variant["created_at"], "updatedAt": variant["updated_at"],
            "selectedOptions": options, "product": lambda args: self.gql_product(account, product),
            "inventoryItem": self.gql_item(account, item, variant),
        }

    def gql_item(self, account, item, variant=None):
        def levels(args):
            rows = sorted(self.levels_for_item(account, item["id"]), key=lambda lv: lv["location_id"])
            return connection(rows, args, lambda lv: self.gql_level(account, lv), number=lambda lv: lv["location_id"])

        def level(args):
            found = self.level(account, item["id"], gql_id(args.get("locationId"), "Location"))
            return self.gql_level(account, found) if found else None

        def the_variant(args):
            found = variant or self.variant_for_item(account, item["id"])[1]
            return self.gql_variant(account, found) if found else None

        def variants(args):
            found = variant or self.variant_for_item(account, item["id"])[1]
            return connection([found] if found else [], args, lambda v: self.gql_variant(account, v))

        return {
            "__typename": "InventoryItem", "id": gid("InventoryItem", item["id"]),
            "legacyResourceId": str(item["id"]), "sku": item["sku"], "tracked": item["tracked"],
            "requiresShipping": item["requires_shipping"], "unitCost": self.gql_money(account, item["cost"]),
            "measurement": lambda args: self.gql_measurement(account, item, variant),
            "createdAt": item["created_at"], "updatedAt": item["updated_at"],
            "countryCodeOfOrigin": item["country_code_of_origin"], "harmonizedSystemCode":
            item["harmonized_system_code"], "variant": the_variant, "variants": variants, "inventoryLevels": levels,
            "inventoryLevel": level,
        }

    def gql_measurement(self, account, item, variant=None):
        """``InventoryItemMeasurement``: the variant's weight in the unit it was given in."""
        found = variant or self.variant_for_item(account, item["id"])[1] or {}
        unit = WEIGHT_UNITS.get(found.get("weight_unit") or "kg", "KILOGRAMS")
        return {"__typename": "InventoryItemMeasurement", "id": gid("InventoryItemMeasurement", item["id"]),
                "weight": {"__typename": "Weight", "unit": unit, "value": float(found.get("weight") or 0)}}

    def gql_level(self, account, level):
        item_id, location_id = level["inventory_item_id"], level["location_id"]

        def quantities(args):
            names = args.get("names") or []
            unknown = [n for n in names if n not in QUANTITY_NAMES]
            if unknown:
                raise GraphQLError(f"Invalid quantity name: {unknown[0]}", "BAD_REQUEST")
            values = {"available": level["available"], "committed": level.get("committed", 0),
                      "on_hand": level["available"] + level.get("committed", 0)}
            return [{"__typename": "InventoryQuantity", "name": n, "quantity": values.get(n, 0),
                     "updatedAt": level["updated_at"]} for n in names]

        return {
            "__typename": "InventoryLevel", "id": f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}",
            "quantities": quantities, "updatedAt": level["updated_at"], "createdAt": level["updated_at"],
            "location": lambda args: self.gql_location(account, account["locations"][str(location_id)]),
            "item": lambda args: self.gql_item(account, account["inventory_items"][str(item_id)]),
        }

    def gql_location(self, account, location):
        def levels(args):
            rows = sorted((lv for lv in account["levels"].values() if lv["location_id"] == location["id"]),
                          key=lambda lv: lv["inventory_item_id"])
            return connection(rows, args, lambda lv: self.gql_level(account, lv),
                              number=lambda lv: lv["inventory_item_id"])

        return {"__typename": "Location", "id": gid("Location", location["id"]),
                "legacyResourceId": str(location["id"]), "name": location["name"], "isActive": location["active"],
                "fulfillsOnlineOrders": True, "inventoryLevels": levels,
                "address": {"city": location["city"], "countryCode": location["country_code"]}}

    def gql_customer(self, account, customer):
        return {"__typename": "Customer", "id": gid("Customer", customer["id"]),
                "legacyResourceId": str(customer["id"]), "firstName": customer["first_name"],
                "lastName": customer["last_name"], "email": customer["email"], "phone": customer["phone"],
                "defaultEmailAddress": {"__typename": "CustomerEmailAddress", "emailAddress": customer["email"]}
                if customer["email"] else None,
                "defaultPhoneNumber": {"__typename": "CustomerPhoneNumber", "phoneNumber": customer["phone"]}
                if customer["phone"] else None, "state": customer["state"].upper(),
                "tags": [t.strip() for t in customer["tags"].split(",") if t.strip()], "note": customer["note"],
                "numberOfOrders": str(customer["orders_count"]),
                "amountSpent": self.gql_money(account, customer["total_spent"]),
                "createdAt": customer["created_at"], "updatedAt": customer["updated_at"]}

    def gql_order(self, account, order):
        def line_items(args):
            return connection(order["line_items"], args, lambda li: self.gql_line(account, li))

        customer = order.get("customer")
        refunded = sum(float(t["amount"]) for r in order["refunds"] for t in r["transactions"])
        return {
            "__typename": "Order", "id": gid("Order", order["id"]), "legacyResourceId": str(order["id"]),
            "name": order["name"], "email": order["email"], "createdAt": order["created_at"],
            "updatedAt": order["updated_at"], "processedAt": order["processed_at"],
            "cancelledAt": order["cancelled_at"],
            "closedAt": order["closed_at"], "currencyCode": order["currency"], "test": order["test"],
            "displayFinancialStatus": order["financial_status"].upper(),
            "displayFulfillmentStatus": (order["fulfillment_status"] or "unfulfilled").upper(),
            "totalPriceSet": self.gql_money_bag(account, order["total_price"]),
            "currentTotalPriceSet": self.gql_money_bag(account, order["current_total_price"]),
            "totalRefundedSet": self.gql_money_bag(account, f"{refunded:.2f}"),
            "customer": self.gql_customer(account, account["customers"][str(customer["id"])])
            if customer and str(customer["id"]) in account["customers"] else None,
            "retailLocation": self.gql_location(account, account["locations"][str(order["location_id"])])
            if order.get("location_id") and str(order["location_id"]) in account["locations"] else None,
            "lineItems": line_items,
        }

    def gql_line(self, account, line):
        product, variant = self.find_variant(account, line["variant_id"])
        return {"__typename": "LineItem", "id": gid("LineItem", line["id"]), "sku": line["sku"], "title": line["title"],
                "name": line["name"], "quantity": line["quantity"], "currentQuantity": line["quantity"],
                "originalUnitPriceSet": self.gql_money_bag(account, line["price"]),
                "variant": self.gql_variant(account, variant, product) if variant else None,
                "product": self.gql_product(account, product) if product else None}

    def gql_webhook(self, webhook):
        return {"__typename": "WebhookSubscription", "id": gid("WebhookSubscription", webhook["id"]),
                "legacyResourceId": str(webhook["id"]), "topic": webhook["topic"].upper().replace("/", "_"),
                "format": webhook["format"].upper(), "uri": webhook["address"], "callbackUrl": webhook["address"],
                "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": webhook["address"]},
                "includeFields": webhook["fields"], "apiVersion": {"handle": webhook["api_version"]},
                "createdAt": webhook["created_at"], "updatedAt": webhook["updated_at"]}


def gql_id(value, kind):
    return gid_number(value, kind)
