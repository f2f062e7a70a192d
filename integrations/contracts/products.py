"""What the sync engine asks of a platform's product connector.

A connector is a pure adapter over the platform's client and mapping: it reads and writes
platform products as hub DTOs (integrations.dto) and never touches the database. Each platform
package provides ``connector.py`` with a subclass, registered in ``integrations.registry``.

Fields. The engine passes the set of fields it may write (the integration's field table); a
connector must write those and nothing else, so that settings the merchant manages on the
platform (tax, categories, SEO, ...) are never overwritten. Field names:

    name, description, price, cost_price, weight, variants (the variant list and options),
    images, stock (initial stock level on create), low_stock, sku, barcode, seo, videos

``placement`` on create carries create-time-only choices (e.g. a BigCommerce category and
``visible=False``) that later updates never touch again.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext

from integrations.dto import ExternalProduct
from integrations.http import SystemClock

PRODUCT_FIELDS = frozenset({
    "name", "description", "price", "cost_price", "weight", "variants", "images", "stock", "low_stock", "sku",
    "barcode", "seo", "videos",
})


def variant_key(variant, position):
    """How the engine and connectors name a variant across platforms (``WriteResult.variant_ids``): its
    SKU, else ``"#<position>"``."""
    return variant.sku or f"#{position}"


def product_label(product):
    """'Blue mug' (SKU MUG-1): a product as a merchant recognises it in a message."""
    skus = [v.sku for v in product.variants if v.sku]
    name = (product.title or "").strip() or gettext("(no name)")
    return f"'{name}'" + (f" (SKU {skus[0]})" if len(skus) == 1 else "")


@dataclass
class WriteResult:
    """The outcome of writing one product, in the order the products were given."""

    ok: bool
    external_id: str = ""  # the product's id on the platform
    variant_ids: dict = field(default_factory=dict)  # hub variant SKU (or "#<position>") -> platform variant id
    error: str = ""  # for the merchant: what went wrong and what to do
    retryable: bool = False


class ProductConnector(ABC):
    platform = ""
    write_batch_size = 1  # products per write call, the platform's maximum

    def __init__(self, connection, *, transport=None, clock=None):
        self.connection = connection
        self.transport = transport
        self.clock = clock

    # --- set-up --------------------------------------------------------------------------------------
    def prepare(self, *, role: str, options: dict | None = None) -> dict:
        """Idempotent one-time set-up for ``role`` "home", "target" or "both". ``options`` are what the
        integration's kind asks of this platform (e.g. Zettle ↔ BigCommerce: BigCommerce's channel and
        hidden category "PayPal Zettle"); a generic product sync passes none. Returns settings found or
        created (e.g. the account's currency), which the engine keeps in ``connection.settings``."""
        return {}

    def now(self) -> float:
        """The time as the platform sees it (epoch seconds): watermarks are taken on this clock."""
        return (self.clock or SystemClock()).now()

    # --- reading --------------------------------------------------------------------------------------
    @abstractmethod
    def iter_products(self, *, since: datetime | None = None) -> Iterator[ExternalProduct]:
        """Every product in scope, streamed page by page; only those changed since ``since`` when the
        platform can filter (returning more is allowed, fewer is not)."""

    @abstractmethod
    def get_products(self, *, external_ids: list[str]) -> list[ExternalProduct]:
        """These products as they are now; missing ones (deleted) are simply absent."""

    def existing_ids(self, *, external_ids: list[str]) -> set[str]:
        """Which of these products still exist on the platform at all, in scope or not (to tell a
        product deleted on the home base from one merely taken out of scope)."""
        return {str(p.external_id) for p in self.get_products(external_ids=external_ids)}

    @abstractmethod
    def find_products(self, *, skus: set[str], barcodes: set[str]) -> list[ExternalProduct]:
        """Products having a variant with one of these SKUs or barcodes (to link instead of duplicating)."""

    # --- writing --------------------------------------------------------------------------------------
    @abstractmethod
    def create_products(self, *, products: list[ExternalProduct], fields: frozenset, placement: dict | None = None
                        ) -> list[WriteResult]:
        """Create at most ``write_batch_size`` products; one result per product, same order."""

    @abstractmethod
    def update_products(self, *, products: list[ExternalProduct], fields: frozenset) -> list[WriteResult]:
        """Update existing products (``external_id`` and variant ``external_id`` set) writing only ``fields``."""

    @abstractmethod
    def delete_products(self, *, external_ids: list[str]) -> None:
        """Delete these products; already-deleted ones are not an error."""

    # --- webhooks -------------------------------------------------------------------------------------
    @abstractmethod
    def register_webhooks(self, *, url: str, secret: str) -> None:
        """Subscribe ``url`` to the platform's product (and stock) events; idempotent."""

    @abstractmethod
    def unregister_webhooks(self, *, url: str) -> None:
        """Remove our subscriptions to ``url``."""

    def account_currency(self) -> str:
        """The ISO currency the platform account sells in."""
        return (self.connection.settings or {}).get("currency", "")

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self) -> dict:
        """{"read": n, "write": n, "rate_limit_wait_s": s} of the underlying client(s)."""
        return {}
