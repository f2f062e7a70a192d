"""The hub catalog: one canonical set of products per merchant. No platform knowledge here."""

from django.db import models
from django.db.models import Q

from merchants.tenancy import MerchantOwnedModel


class Category(MerchantOwnedModel):
    name = models.CharField(max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "parent", "name"], name="category_unique_name_per_parent"),
        ]

    def __str__(self):
        return self.name


class Product(MerchantOwnedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DRAFT = "draft", "Draft"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    brand = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    categories = models.ManyToManyField(Category, blank=True, related_name="products")
    # [{"name": "Size", "values": ["S", "M"]}, ...] in display order
    options = models.JSONField(default=list, blank=True)
    # search engines: the home base's SEO title and meta description (empty when it has none)
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.TextField(blank=True)
    # the home base's product videos, as URLs in order
    videos = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the synced fields")
    # "Enable stock tracking": off, Flyt neither reads nor writes this product's stock anywhere.
    track_stock = models.BooleanField(default=True)
    # "Separate stock": each platform sells only its own share (inventory.Allocation); nothing propagates.
    separate_stock = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["merchant", "updated_at"])]

    def __str__(self):
        return self.title


class Variant(MerchantOwnedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=64, blank=True)
    # {"Size": "M", "Colour": "Blue"}
    option_values = models.JSONField(default=dict, blank=True)
    cost_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    # the level at which the home base warns that stock runs low (None: no warning set)
    low_stock_level = models.PositiveIntegerField(null=True, blank=True)
    track_stock = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "sku"], condition=~Q(sku=""), name="variant_unique_sku_per_merchant"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "barcode"])]

    def __str__(self):
        return self.sku or f"{self.product.title} #{self.pk}"


class PriceList(MerchantOwnedModel):
    """A set of prices, e.g. the web shop, a department or a store, in one currency."""

    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="pricelist_unique_name"),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(is_default=True), name="pricelist_one_default_per_merchant"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.currency})"


class VariantPrice(MerchantOwnedModel):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    compare_at_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["price_list", "variant"], name="variantprice_unique_per_list"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="variantprice_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.variant} {self.amount} {self.price_list.currency}"


class Image(MerchantOwnedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    source_url = models.URLField(max_length=2000)
    position = models.PositiveIntegerField(default=0)
    alt = models.CharField(max_length=512, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the image bytes, when known")

    class Meta:
        ordering = ["product_id", "position", "pk"]

    def __str__(self):
        return self.source_url
