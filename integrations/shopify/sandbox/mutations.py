"""GraphQL mutations of the Shopify sandbox. Business errors come back as ``userErrors`` inside a
200 answer, as Shopify does; nothing changes when any row of a mutation is refused."""

from integrations.shopify.sandbox.objects import GraphQLError, gql_id
from integrations.shopify.sandbox.store import gid, money

IDEMPOTENT_MUTATIONS = {"inventorySetQuantities", "inventoryAdjustQuantities", "inventorySetOnHandQuantities",
                        "refundCreate"}
REASONS = {"correction", "cycle_count_available", "damaged", "movement_created", "movement_updated",
           "movement_received", "movement_canceled", "other", "promotion", "quality_control", "received",
           "reservation_created", "reservation_deleted", "reservation_updated", "restock", "safety_stock",
           "shrinkage"}
TOPICS = {"APP_UNINSTALLED", "PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE", "INVENTORY_LEVELS_CONNECT",
          "INVENTORY_LEVELS_UPDATE", "INVENTORY_LEVELS_DISCONNECT", "INVENTORY_ITEMS_CREATE", "INVENTORY_ITEMS_UPDATE",
          "INVENTORY_ITEMS_DELETE", "ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_PAID", "ORDERS_CANCELLED",
          "ORDERS_FULFILLED", "ORDERS_PARTIALLY_FULFILLED", "ORDERS_DELETE", "REFUNDS_CREATE", "CUSTOMERS_CREATE",
          "CUSTOMERS_UPDATE", "CUSTOMERS_DELETE", "LOCATIONS_CREATE", "LOCATIONS_UPDATE", "LOCATIONS_DELETE",
          "COLLECTIONS_CREATE", "COLLECTIONS_UPDATE", "COLLECTIONS_DELETE", "BULK_OPERATIONS_FINISH"}


MAX_OPTIONS = 3  # options per product
CHANGE_FROM_REQUIRED = "2026-04"  # from this version changeFromQuantity must be given on every row (null allowed)
ANY_LOCATION = "2026-10"  # from this version inventory can be set or adjusted at a location the item is not stocked at


def topic_name(enum):
    """``INVENTORY_LEVELS_UPDATE`` -> ``inventory_levels/update``."""
    head, _, action = enum.lower().rpartition("_")
    return f"{head}/{action}"


def _error(field, message, code):
    return {"__typename": "UserError", "field": field, "message": message, "code": code}


class MutationsMixin:
    # --- products -------------------------------------------------------------------------------
    def m_productSet(self, account, args, version):  # noqa: N802 - Shopify's own name
        data = args.get("input") or args.get("product") or {}
        identifier = args.get("identifier") or {}
        errors, product = [], None
        if identifier.get("id") or data.get("id"):  # ProductSetInput.id: deprecated, still accepted
            # codes from ProductSetUserErrorCode: NOT_FOUND is "Resource matching the identifier was not found"
            field, code = (["identifier", "id"], "NOT_FOUND") if identifier.get("id") else (["input", "id"],
                                                                                             "PRODUCT_DOES_NOT_EXIST")
            product = account["products"].get(str(gql_id(identifier.get("id") or data["id"], "Product")))
            if product is None:
                errors.append(_error(field, "Product does not exist", code))
        elif identifier.get("handle"):
            product = next((p for p in account["products"].values() if p["handle"] == identifier["handle"]), None)
        if product is None and not errors and not (data.get("title") or "").strip():
            errors.append(_error(["input", "title"], "Title can't be blank", "INVALID_INPUT"))  # code assumed
        options = data.get("productOptions")
        if options is not None and len(options) > MAX_OPTIONS:
            # Shopify's limit of three options per product; the message text is assumed (the code is the schema's)
            errors.append(_error(["input", "productOptions"], f"Options over limit. A product can have at most "
                                 f"{MAX_OPTIONS} options.", "OPTIONS_OVER_LIMIT"))
        option_names = ([o["name"] for o in options] if options is not None
                        else [o["name"] for o in product["options"]] if product else [])
        variants = []
        for index, variant in enumerate(data.get("variants") or []):
            values = {v.get("optionName"): v.get("name") for v in variant.get("optionValues") or []}
            unknown = [name for name in values if name not in option_names and name != "Title"]
            if unknown:
                errors.append(_error(["input", "variants", str(index), "optionValues"],
                                     f"Option '{unknown[0]}' does not exist", "OPTION_DOES_NOT_EXIST"))
            variants.append((variant, tuple(values.get(name) for name in option_names)))
        keys = [key for _, key in variants]
        if len(set(keys)) != len(keys):
            errors.append(_error(["input", "variants"], "The variant option values must be unique",
                                 "DUPLICATED_OPTION_VALUE"))
        if errors:
            return {"__typename": "ProductSetPayload", "product": None, "productSetOperation": None,
                    "userErrors": errors}
        created = product is None
        if created:
            product = self.new_product(account, {"title": data["title"]})
            for variant in product["variants"]:
                self.delete_variant_data(account, variant)
            product["variants"] = []
        self.apply_product_scalars(account, product, data)
        if options is not None:
            self.set_options(product, [{"name": o["name"], "values": [v["name"] for v in o.get("values") or []]}
                                       for o in options])
        if data.get("variants") is not None:
            self.replace_variants(account, product, variants, option_names)
        if not product["variants"]:
            product["variants"].append(self.new_variant(account, product, {}, 1))
        self.refresh_option_values(product)
        product["updated_at"] = self.iso(account)
        self.emit(account, "products/create" if created else "products/update", self.rest_product(account, product))
        if args.get("synchronous", True) is False:
            number = self.next_id()
            operation = {"__typename": "ProductSetOperation", "id": gid("ProductSetOperation", number),
                         "status": "COMPLETE",
                         "product": {"__typename": "Product", "id": gid("Product", product["id"])},
                         "userErrors": []}
            account["operations"][str(number)] = operation
            return {"__typename": "ProductSetPayload", "product": None, "productSetOperation": operation,
                    "userErrors": []}
        return {"__typename": "ProductSetPayload", "product": self.gql_product(account, product),
                "productSetOperation": None, "userErrors": []}

    def apply_product_scalars(self, account, product, data):
        simple = {"title": "title", "descriptionHtml": "body_html", "vendor": "vendor", "productType": "product_type",
                  "handle": "handle", "templateSuffix": "template_suffix"}
        for source, target in simple.items():
            if source in data and data[source] is not None:
                product[target] = data[source]
        if data.get("status"):
            product["status"] = data["status"].lower()
            product["published_at"] = product["published_at"] or (self.iso(account) if product["status"] == "active"
                                                                  else None)
        if data.get("seo") is not None:  # SEOInput: a field left out keeps its value
            seo = dict(product.get("seo") or {})
            seo.update({k: v for k, v in data["seo"].items() if k in ("title", "description") and v is not None})
            product["seo"] = seo
        if data.get("tags") is not None:
            tags = data["tags"]
            product["tags"] = ", ".join(tags) if isinstance(tags, list) else str(tags)
        if data.get("files") is not None:
            self.set_images(account, product, [{"src": f.get("originalSource"), "alt": f.get("alt")}
                                               for f in data["files"]])

    def replace_variants(self, account, product, variants, option_names):
        """productSet's list semantics: listed variants are updated or created, the rest deleted."""
        existing = {v["id"]: v for v in product["variants"]}
        by_values = {tuple(v.get(f"option{i + 1}") for i in range(len(option_names))): v
                     for v in product["variants"]}
        kept = []
        for position, (data, values) in enumerate(variants, start=1):
            if data.get("id"):
                current = existing.get(gql_id(data.get("id"), "ProductVariant"))
            else:
                current = by_values.get(values)
            if current is not None and current in kept:
                current = None
            fields = {f"option{i + 1}": value for i, value in enumerate(values)}
            if current is None:
                current = self.new_variant(account, product, {"sku": data.get("sku"), "price": data.get("price"),
                                                              **fields}, position)
                for row in data.get("inventoryQuantities") or []:
                    location = gql_id(row.get("locationId"), "Location")
                    if str(location) in account["locations"]:
                        level = self.level(account, current["inventory_item_id"], location, create=True)
                        level["available"] = int(row.get("quantity") or 0)
            current.update(fields)
            current["position"] = position
            self.apply_variant_fields(account, current, data)
            kept.append(current)
        for variant in product["variants"]:
            if variant not in kept:
                self.delete_variant_data(account, variant)
        product["variants"] = kept

    def apply_variant_fields(self, account, variant, data):
        for source, target in {"sku": "sku", "barcode": "barcode", "taxable": "taxable"}.items():
            if source in data:
                variant[target] = data[source]
        if data.get("price") is not None:
            variant["price"] = money(data["price"])
        if "compareAtPrice" in data:
            variant["compare_at_price"] = money(data["compareAtPrice"]) if data["compareAtPrice"] else None
        if data.get("inventoryPolicy"):
            variant["inventory_policy"] = data["inventoryPolicy"].lower()
        item = account["inventory_items"][str(variant["inventory_item_id"])]
        item["sku"] = variant["sku"] or ""
        item_data = data.get("inventoryItem") or {}
        if "cost" in item_data:
            item["cost"] = money(item_data["cost"]) if item_data["cost"] is not None else None
        if "tracked" in item_data:
            item["tracked"] = bool(item_data["tracked"])
            variant["inventory_management"] = "shopify" if item["tracked"] else None
        weight = (item_data.get("measurement") or {}).get("weight") or {}
        if weight.get("value") is not None:
            units = {"GRAMS": (1, "g"), "KILOGRAMS": (1000, "kg"), "POUNDS": (453.592, "lb"), "OUNCES": (28.3495, "oz")}
            factor, unit = units.get(weight.get("unit", "KILOGRAMS"), (1000, "kg"))
            variant["grams"] = int(round(float(weight["value"]) * factor))
            variant["weight"], variant["weight_unit"] = float(weight["value"]), unit  # kept in the unit given
        variant["updated_at"] = item["updated_at"] = self.iso(account)
        self.retitle_variant(variant)

    def m_productCreate(self, account, args, version):  # noqa: N802
        """A product with its options and one variant (the first value of each option), as Shopify makes it;
        more variants come from productVariantsBulkCreate or productSet. ``ProductCreatePayload.userErrors``
        is a plain ``UserError`` (no code); the option-limit wording is assumed."""
        data = args.get("product") or args.get("input") or {}
        options = data.get("productOptions") or []
        errors = []
        if not (data.get("title") or "").strip():
            errors.append({"__typename": "UserError", "field": ["title"], "message": "Title can't be blank"})
        if len(options) > MAX_OPTIONS:
            errors.append({"__typename": "UserError", "field": ["productOptions"],
                           "message": f"Options over limit. A product can have at most {MAX_OPTIONS} options."})
        if errors:
            return {"__typename": "ProductCreatePayload", "product": None, "userErrors": errors}
        names = [o.get("name") for o in options]
        first = {f"option{n}": ((o.get("values") or [{}])[0].get("name")) for n, o in enumerate(options, start=1)}
        product = self.new_product(account, {
            "title": data["title"], "options": [{"name": n, "values": []} for n in names],
            "variants": [first] if options else None})
        self.apply_product_scalars(account, product, data)
        self.refresh_option_values(product)
        self.emit(account, "products/create", self.rest_product(account, product))
        return {"__typename": "ProductCreatePayload", "product": self.gql_product(account, product), "userErrors": []}

    def m_productDelete(self, account, args, version):  # noqa: N802
        data = args.get("input") or {}
        number = gql_id(data.get("id"), "Product")
        product = account["products"].pop(str(number), None)
        if product is None:
            return {"deletedProductId": None, "userErrors": [_error(["id"], "Product does not exist", "NOT_FOUND")]}
        for variant in product["variants"]:
            self.delete_variant_data(account, variant)
        self.emit(account, "products/delete", {"id": product["id"]})
        return {"deletedProductId": gid("Product", number), "userErrors": []}

    # --- inventory ------------------------------------------------------------------------------
    def _inventory_rows(self, account, data, rows_key, index_errors, version):
        """Rows resolved to their levels. From 2026-10 an item may be written at any location (Shopify dropped
        ITEM_NOT_STOCKED_AT_LOCATION: https://shopify.dev/changelog/removal-of-itemnotstockedatlocation-error): a
        missing level stands in at 0 and is created only when the mutation is applied."""
        name, reason = data.get("name"), data.get("reason")
        errors = []
        if reason not in REASONS:
            errors.append(_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
        resolved = []
        for index, row in enumerate(data.get(rows_key) or []):
            item_id = gql_id(row.get("inventoryItemId"), "InventoryItem")
            location_id = gql_id(row.get("locationId"), "Location")
            path = ["input", rows_key, str(index)]
            if str(item_id) not in account["inventory_items"]:
                errors.append(_error([*path, "inventoryItemId"], "The specified inventory item could not be found.",
                                     "INVALID_INVENTORY_ITEM"))
            elif str(location_id) not in account["locations"]:
                errors.append(_error([*path, "locationId"], "The specified location could not be found.",
                                     "INVALID_LOCATION"))
            elif self.level(account, item_id, location_id) is None and version >= ANY_LOCATION:
                resolved.append((index, row, {"inventory_item_id": int(item_id), "location_id": int(location_id),
                                              "available": 0, "committed": 0}))
            elif self.level(account, item_id, location_id) is None:
                errors.append(_error([*path, "locationId"], "The specified inventory item is not stocked at the "
                                     "location.", "ITEM_NOT_STOCKED_AT_LOCATION"))
            else:
                resolved.append((index, row, self.level(account, item_id, location_id)))
        return name, errors + index_errors(resolved), resolved

    def stocked_level(self, account, level):
        """The stored level for a resolved row, stocking the item at the location first when it was not."""
        item_id, location_id = level["inventory_item_id"], level["location_id"]
        if self.level(account, item_id, location_id) is None:
            stored = self.level(account, item_id, location_id, create=True)
            self.emit(account, "inventory_levels/connect", self.rest_level(account, stored))
        return self.level(account, item_id, location_id)

    def _group(self, account, data, changes):
        number = self.next_id()
        return {"__typename": "InventoryAdjustmentGroup", "id": gid("InventoryAdjustmentGroup", number),
                "createdAt": self.iso(account), "reason": data.get("reason"),
                "referenceDocumentUri": data.get("referenceDocumentUri"),
                "changes": lambda args: [
                    {"__typename": "InventoryChange", "name": c["name"], "delta": c["delta"],
                     "quantityAfterChange": c["after"],
                     "item": self.gql_item(account, account["inventory_items"][str(c["item"])]),
                     "location": self.gql_location(account, account["locations"][str(c["location"])])}
                    for c in changes]}

    def m_inventorySetQuantities(self, account, args, version):  # noqa: N802
        data = args.get("input") or {}
        ignore = bool(data.get("ignoreCompareQuantity"))

        def stale(resolved):
            errors = []
            if data.get("name") not in ("available", "on_hand"):
                errors.append(_error(["input", "name"], "The quantity name must be either 'available' or 'on_hand'.",
                                     "INVALID_NAME"))
            for index, row, level in resolved:
                current = level["available"] + (level.get("committed", 0) if data.get("name") == "on_hand" else 0)
                if "changeFromQuantity" not in row and version >= CHANGE_FROM_REQUIRED:
                    # mandatory from 2026-04 (schema description); the code and wording are assumed
                    errors.append(_error(["input", "quantities", str(index), "changeFromQuantity"],
                                         "The changeFromQuantity argument must be given to each quantity (null "
                                         "skips the check).", "COMPARE_QUANTITY_REQUIRED"))
                    continue
                if "changeFromQuantity" in row:
                    field = "changeFromQuantity"
                    expected, code = row[field], "CHANGE_FROM_QUANTITY_STALE"
                    if expected is None:
                        continue
                elif ignore:
                    continue
                else:
                    expected, code, field = row.get("compareQuantity"), "COMPARE_QUANTITY_STALE", "compareQuantity"
                    if expected is None:
                        errors.append(_error(["input", "quantities", str(index), field],
                                             "The compareQuantity argument must be given to each quantity or "
                                             "ignored using ignoreCompareQuantity.", "COMPARE_QUANTITY_REQUIRED"))
                        continue
                if int(expected) != current:
                    errors.append(_error(["input", "quantities", str(index), field],
                                         f"The {field} argument no longer matches the persisted quantity.", code))
            return errors

        name, errors, resolved = self._inventory_rows(account, data, "quantities", stale, version)
        if errors:
            return {"__typename": "InventorySetQuantitiesPayload", "inventoryAdjustmentGroup": None,
                    "userErrors": errors}
        changes = []
        for _, row, level in resolved:
            level = self.stocked_level(account, level)
            target = int(row["quantity"]) - (level.get("committed", 0) if name == "on_hand" else 0)
            before = self.change_level(account, level, available=target)
            changes.append({"name": name, "delta": target - before, "after": int(row["quantity"]),
                            "item": level["inventory_item_id"], "location": level["location_id"]})
            self.emit(account, "inventory_levels/update", self.rest_level(account, level))
        return {"__typename": "InventorySetQuantitiesPayload",
                "inventoryAdjustmentGroup": self._group(account, data, changes), "userErrors": []}

    def m_inventoryAdjustQuantities(self, account, args, version):  # noqa: N802
        data = args.get("input") or {}

        def check(resolved):
            errors = []
            if data.get("name") != "available":
                errors.append(_error(["input", "name"], "The sandbox adjusts the 'available' quantity only.",
                                     "INVALID_QUANTITY_NAME"))
            for index, row, level in resolved:
                if "changeFromQuantity" not in row and version >= CHANGE_FROM_REQUIRED:
                    # mandatory from 2026-04 (schema description); the wording is assumed, the schema has no code
                    errors.append(_error(["input", "changes", str(index), "changeFromQuantity"],
                                         "The changeFromQuantity argument must be given to each change (null "
                                         "skips the check).", None))
                    continue
                if row.get("changeFromQuantity") is not None and int(row["changeFromQuantity"]) != level["available"]:
                    errors.append(_error(["input", "changes", str(index), "changeFromQuantity"],
                                         "The changeFromQuantity argument no longer matches the persisted quantity.",
                                         "CHANGE_FROM_QUANTITY_STALE"))
            return errors

        name, errors, resolved = self._inventory_rows(account, data, "changes", check, version)
        if errors:
            return {"__typename": "InventoryAdjustQuantitiesPayload", "inventoryAdjustmentGroup": None,
                    "userErrors": errors}
        changes = []
        for _, row, level in resolved:
            level = self.stocked_level(account, level)
            self.change_level(account, level, delta=int(row["delta"]))
            changes.append({"name": name, "delta": int(row["delta"]), "after": level["available"],
                            "item": level["inventory_item_id"], "location": level["location_id"]})
            self.emit(account, "inventory_levels/update", self.rest_level(account, level))
        return {"__typename": "InventoryAdjustQuantitiesPayload",
                "inventoryAdjustmentGroup": self._group(account, data, changes), "userErrors": []}

    # --- webhooks -------------------------------------------------------------------------------
    def m_webhookSubscriptionCreate(self, account, args, version):  # noqa: N802
        topic = args.get("topic") or ""
        sub = args.get("webhookSubscription") or {}
        address = sub.get("uri") or sub.get("callbackUrl") or ""
        if topic not in TOPICS:
            raise GraphQLError(f"Variable $topic of type WebhookSubscriptionTopic! was provided invalid value "
                               f"for {topic}", "INVALID_VARIABLE")
        webhook, errors = self.create_webhook(account, topic=topic_name(topic), address=address,
                                              fields=sub.get("includeFields") or [], version=version)
        if errors:
            return {"webhookSubscription": None, "userErrors": [
                _error(["webhookSubscription", "uri" if sub.get("uri") else "callbackUrl"], message, None)
                for message in errors]}
        return {"webhookSubscription": self.gql_webhook(webhook), "userErrors": []}

    def m_webhookSubscriptionDelete(self, account, args, version):  # noqa: N802
        number = gql_id(args.get("id"), "WebhookSubscription")
        if account["webhooks"].pop(str(number), None) is None:
            return {"deletedWebhookSubscriptionId": None,
                    "userErrors": [_error(["id"], "Webhook subscription does not exist", "NOT_FOUND")]}
        return {"deletedWebhookSubscriptionId": gid("WebhookSubscription", number), "userErrors": []}
