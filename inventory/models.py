"""Stock: levels per variant and location, changed only through the append-only ledger."""

from django.db import models
from django.db.models import Q

from merchants.tenancy import MerchantOwnedModel


class Location(MerchantOwnedModel):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        STORE = "store", "Store"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WAREHOUSE)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="location_unique_name"),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(is_default=True), name="location_one_default_per_merchant"
            ),
        ]

    def __str__(self):
        return self.name


class StockLevel(MerchantOwnedModel):
    """The current quantity of one variant at one location: the sum of its ledger movements.

    It may go below zero: a sale that happened in a shop is counted, never refused.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stocklevel_unique_variant_location"),
        ]

    def __str__(self):
        return f"{self.variant} @ {self.location}: {self.quantity}"


class StockMovement(MerchantOwnedModel):
    """One change of stock. Append-only; the idempotency key makes a platform event count once."""

    class Reason(models.TextChoices):
        SALE = "sale", "Sale"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"
        TRANSFER = "transfer", "Transfer"
        RECONCILIATION = "reconciliation", "Reconciliation"
        INITIAL = "initial", "Initial"

    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock_movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_movements")
    delta = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    source_connection = models.ForeignKey(
        "integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_reference = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255)
    note = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="stockmovement_unique_idempotency_key"
            ),
            models.CheckConstraint(condition=~Q(delta=0), name="stockmovement_delta_not_zero"),
        ]
        indexes = [models.Index(fields=["merchant", "variant", "recorded_at"])]

    def __str__(self):
        return f"{self.delta:+d} {self.variant} ({self.reason})"


# What a quantity column (PostgreSQL ``integer``) can hold. Every quantity a person or a platform
# gives is checked against these before it is stored: never wrapped, never a database error.
QUANTITY_MIN = -2_147_483_648
QUANTITY_MAX = 2_147_483_647


class Allocation(MerchantOwnedModel):
    """Separate stock: how many units of a variant one connection's platform may sell."""

    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="allocations")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="allocations")
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "variant"], name="allocation_unique_per_connection"),
        ]

    def __str__(self):
        return f"{self.variant} for {self.connection}: {self.quantity}"
