"""Low-stock levels (Inventory API, inventory.izettle.com): the level at which Zettle warns that a variant
runs low, per inventory (Flyt writes the STORE's).

Sources: Zettle's inventory overview (github:iZettle/api-documentation ``inventory-api/overview.md``,
"Manage low stock levels": set or update, fetch, delete) and ``set-low-stock-level.md`` (one variant:
``PUT /custom-low-stock/locations/{locationUuid}`` ``{productUuid, variantUuid, lowStockLevel,
lowStockAlert}`` → 204 No Content). The v3 form used here is the one of PayPal Zettle POS for WooCommerce:
``POST /v3/custom-low-stock`` with a JSON list of ``{productUuid, variantUuid, inventoryUuid, lowStockLevel,
lowStockAlert}``. Assumed (not documented): at most ``LOW_STOCK_MAX`` rows a call, answered 204.
"""

LOW_STOCK_MAX = 100  # rows per POST /v3/custom-low-stock (assumed: not documented)


class LowStockApi:
    """Mixed into ZettleClient (uses the inventory service's pacing and its STORE inventory)."""

    def set_low_stock(self, *, levels):
        """``levels``: [(product uuid, variant uuid, level)]; the alert is switched on with each level."""
        store = self.locations()["STORE"]
        rows = [{"productUuid": product, "variantUuid": variant, "inventoryUuid": store,
                 "lowStockLevel": max(0, int(level)), "lowStockAlert": True} for product, variant, level in levels]
        for start in range(0, len(rows), LOW_STOCK_MAX):
            self._inventory_call("POST", "/v3/custom-low-stock", json=rows[start:start + LOW_STOCK_MAX])
