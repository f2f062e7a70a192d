from django.contrib import admin

from catalog.models import Category, Image, PriceList, Product, Variant, VariantPrice


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "barcode", "option_values", "cost_price", "weight_grams", "track_stock", "active"]
    show_change_link = True


class ImageInline(admin.TabularInline):
    model = Image
    extra = 0
    fields = ["source_url", "position", "alt", "checksum"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "merchant", "status", "brand", "updated_at"]
    list_filter = ["merchant", "status"]
    search_fields = ["title", "variants__sku", "variants__barcode", "merchant__name"]
    readonly_fields = ["content_hash", "created_at", "updated_at"]
    inlines = [VariantInline, ImageInline]
    list_select_related = ["merchant"]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "merchant", "barcode", "track_stock", "active"]
    list_filter = ["merchant", "track_stock", "active"]
    search_fields = ["sku", "barcode", "product__title"]
    raw_id_fields = ["product"]
    list_select_related = ["merchant", "product"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "merchant"]
    list_filter = ["merchant"]
    search_fields = ["name"]
    raw_id_fields = ["parent"]


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "is_default", "merchant"]
    list_filter = ["merchant", "currency"]
    search_fields = ["name"]


@admin.register(VariantPrice)
class VariantPriceAdmin(admin.ModelAdmin):
    list_display = ["variant", "price_list", "amount", "merchant"]
    list_filter = ["merchant", "price_list__currency"]
    search_fields = ["variant__sku"]
    raw_id_fields = ["variant", "price_list"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["source_url", "product", "position", "merchant"]
    list_filter = ["merchant"]
    search_fields = ["source_url", "product__title"]
    raw_id_fields = ["product", "variant"]
