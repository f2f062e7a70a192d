"""Writes to the hub catalog. Keyword-only; the merchant is always explicit."""

from catalog.services.bulk import products_create_many
from catalog.services.common import CatalogError
from catalog.services.hashing import CENT, product_content_hash, product_refresh_hash
from catalog.services.prices import price_list_for_currency, price_list_get_default, variant_price_set
from catalog.services.products import (
    category_ensure_path,
    product_apply,
    product_archive,
    product_create,
    product_update,
    variant_create,
)

__all__ = [
    "CENT",
    "CatalogError",
    "category_ensure_path",
    "price_list_for_currency",
    "price_list_get_default",
    "product_apply",
    "product_archive",
    "product_content_hash",
    "product_create",
    "product_refresh_hash",
    "product_update",
    "products_create_many",
    "variant_create",
    "variant_price_set",
]
