"""What connectors hand to the engine and take from it: the hub's view of platform data.

Money is a Decimal in major units (mapping converts from minor units where a platform uses
them); quantities are ints; ids are strings as the platform spells them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation


def iso_time_or_none(value) -> datetime | None:
    """An ISO-8601 timestamp (``Z`` allowed) as a datetime; None when empty or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def decimal_or_none(value) -> Decimal | None:
    """A platform's amount (number or string) as a Decimal; None when empty or not a number."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass
class ExternalImage:
    url: str
    position: int = 0
    alt: str = ""
    external_id: str = ""


@dataclass
class ExternalVariant:
    external_id: str
    sku: str = ""
    barcode: str = ""
    price: Decimal | None = None
    cost_price: Decimal | None = None
    weight_grams: int | None = None
    option_values: dict = field(default_factory=dict)  # {"Size": "M"}
    track_stock: bool = True
    stock: int | None = None  # the platform's quantity, when the listing carries it
    low_stock_level: int | None = None
    external_parent_id: str = ""


@dataclass
class ExternalProduct:
    external_id: str
    title: str
    description: str = ""
    product_type: str = ""
    brand: str = ""
    status: str = "active"  # active, draft, archived
    visible: bool | None = None
    options: list = field(default_factory=list)  # [{"name": "Size", "values": ["S", "M"]}]
    categories: list = field(default_factory=list)  # category names or external ids, per platform
    images: list = field(default_factory=list)  # [ExternalImage]
    variants: list = field(default_factory=list)  # [ExternalVariant]
    currency: str | None = None
    updated_at: datetime | None = None
    seo: dict = field(default_factory=dict)  # {"title": ..., "description": ...}
    videos: list = field(default_factory=list)  # video URLs in order (e.g. https://www.youtube.com/watch?v=...)
    extra: dict = field(default_factory=dict)  # platform fields the mapping keeps for the round trip


@dataclass
class ExternalStockLevel:
    external_variant_id: str
    quantity: int
    external_location_id: str = ""
    sku: str = ""
    external_product_id: str = ""


@dataclass
class ExternalOrderLine:
    external_id: str
    quantity: int
    sku: str = ""
    external_variant_id: str = ""
    external_product_id: str = ""
    unit_price: Decimal | None = None


@dataclass
class ExternalOrder:
    external_id: str
    status: str = ""
    currency: str = ""
    total: Decimal | None = None
    lines: list = field(default_factory=list)  # [ExternalOrderLine]
    customer_email: str = ""
    created_at: datetime | None = None
    refunded_total: Decimal | None = None
    external_location_id: str = ""


@dataclass
class ExternalChange:
    """One thing a webhook (or a poll) says changed; the engine reads the current state after."""

    kind: str  # product, variant, stock, order, refund, customer, location, app, test
    action: str  # created, updated, deleted, assigned, unassigned, uninstalled
    external_id: str = ""
    external_parent_id: str = ""
    topic: str = ""
    occurred_at: datetime | None = None
    data: dict = field(default_factory=dict)
