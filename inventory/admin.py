from django.contrib import admin

from inventory.models import Allocation, Location, StockLevel, StockMovement
from merchants.admin_mixins import ReadOnlyAdminMixin


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "merchant"]
    list_filter = ["merchant", "kind"]
    search_fields = ["name"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["variant", "location", "quantity", "merchant", "updated_at"]
    list_filter = ["merchant", "location"]
    search_fields = ["variant__sku", "variant__product__title"]
    list_select_related = ["variant", "location", "merchant"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recorded_at", "variant", "location", "delta", "quantity_after", "reason", "source_connection",
                    "merchant"]
    list_filter = ["merchant", "reason"]
    search_fields = ["variant__sku", "idempotency_key", "external_reference"]
    list_select_related = ["variant", "location", "merchant", "source_connection"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["variant", "connection", "quantity", "merchant"]
    list_filter = ["merchant"]
    search_fields = ["variant__sku"]
