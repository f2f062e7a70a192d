"""The Zettle sandbox's low-stock levels: ``POST /v3/custom-low-stock`` on the inventory host with a JSON list
of ``{productUuid, variantUuid, inventoryUuid, lowStockLevel, lowStockAlert}``, answered 204 No Content.

Sources: Zettle's ``inventory-api`` overview and ``set-low-stock-level.md`` (github:iZettle/api-documentation:
one variant per ``PUT /custom-low-stock/locations/{locationUuid}``, 204), and the v3 list form that PayPal Zettle
POS for WooCommerce sends. Assumed: the list is all or nothing, at most ``limits["low_stock_max"]`` (100) rows,
an unknown product or variant is 404 ``ENTITY_NOT_FOUND`` and a negative level 400, in Zettle's error body.
Levels are kept per inventory and variant: ``low_stock(account, variant uuid or SKU)`` reads one back.
"""

from integrations.sandbox.core import SandboxResponse, route
from integrations.zettle.sandbox.base import violation, zettle_error

LOW_STOCK_MAX = 100


class LowStockRoutes:
    @route("POST", r"/inventory/v3/custom-low-stock")
    def custom_low_stock(self, request, account):
        rows = request.json()
        limit = account["limits"].get("low_stock_max", LOW_STOCK_MAX)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise zettle_error(400, "Body must be a list of low stock levels", None, [violation("body", "invalid")])
        if len(rows) > limit:
            raise zettle_error(413, f"At most {limit} low stock levels per request", None,
                               [violation("body", "too many low stock levels", "SIZE")])
        inventories = set((account.get("locations") or {}).values())
        saved = {}
        for index, row in enumerate(rows):
            product = account["products"].get(row.get("productUuid"))
            if product is None or row.get("variantUuid") not in {v["uuid"] for v in product.get("variants") or []}:
                raise zettle_error(404, f"Product or variant of row {index} not found", "ENTITY_NOT_FOUND")
            if inventories and row.get("inventoryUuid") not in inventories:
                raise zettle_error(404, f"Inventory {row.get('inventoryUuid')} not found", "ENTITY_NOT_FOUND")
            level = row.get("lowStockLevel")
            if level is not None and (not isinstance(level, int) or level < 0):
                raise zettle_error(400, "Validation failed", None,
                                   [violation(f"[{index}].lowStockLevel", "must be zero or more", "POSITIVE")])
            saved[(row.get("inventoryUuid"), row["variantUuid"])] = {"lowStockLevel": level,
                                                                     "lowStockAlert": bool(row.get("lowStockAlert"))}
        account.setdefault("low_stock", {}).update(saved)
        return SandboxResponse(204, None)

    def low_stock(self, account_key, item):
        """The low-stock level set for a variant (uuid or SKU) in any inventory, or None."""
        account = self.account(account_key)
        _, variant = self.find_variant(account, item)
        found = [v for (_, uuid), v in (account.get("low_stock") or {}).items() if uuid == variant["uuid"]]
        return found[-1]["lowStockLevel"] if found else None
