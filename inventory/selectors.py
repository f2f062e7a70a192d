from django.db.models import Sum

from inventory.models import StockLevel, StockMovement
from merchants.tenancy import scoped


def stock_quantity(*, merchant, variant, location=None):
    levels = scoped(StockLevel, merchant=merchant).filter(variant=variant)
    if location is not None:
        levels = levels.filter(location=location)
    return levels.aggregate(total=Sum("quantity"))["total"] or 0


def stock_quantities(*, merchant, variant_ids):
    """Variant id → total quantity over all locations, in one query."""
    rows = scoped(StockLevel, merchant=merchant).filter(variant_id__any=variant_ids).values("variant_id") \
        .annotate(total=Sum("quantity")).values_list("variant_id", "total")
    return dict(rows)


def stock_movement_list(*, merchant, variant=None):
    movements = scoped(StockMovement, merchant=merchant).select_related("variant", "location")
    if variant is not None:
        movements = movements.filter(variant=variant)
    return movements
