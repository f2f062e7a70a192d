"""What the stock engine asks of a platform's stock connector.

A stock connector is a pure adapter (HTTP + mapping, no ORM) over one connection's platform
account. Each platform package provides ``stock.py`` with a subclass, registered in
``integrations.registry.STOCK_CONNECTORS``.

Keys. A platform keeps stock per (item, location). ``StockRef.variant_id`` is the id the platform
keys stock by (BigCommerce variant id, Shopify inventory item id, Zettle variant uuid, Shopbox
variant id, Rackbeat product number); ``product_id`` is its parent where the API needs it (Zettle's
product uuid, BigCommerce's product id); ``location_id`` is the platform's location (BigCommerce
location id, Shopify location id, Zettle's STORE inventory uuid, Shopbox branch id, Rackbeat
location number). A ref with an empty ``location_id`` means "every location of this item".

Writes. ``adjust`` applies relative changes (a sale on another channel is ``-1``) so that a sale
landing on the platform between Flyt's read and Flyt's write is never overwritten. Where the
platform offers compare-and-set (Shopify ``changeFromQuantity``) the connector sends ``expected``;
where it only has absolute sets (Shopbox) it reads first and refuses with ``conflict`` when the
level is not ``expected``. A ``conflict`` result means: the platform changed since Flyt last
looked; read it (apply) before writing again.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from integrations.http import SystemClock


@dataclass(frozen=True)
class StockRef:
    variant_id: str
    location_id: str = ""
    product_id: str = ""


@dataclass(frozen=True)
class ExternalLocation:
    external_id: str
    name: str
    is_default: bool = False


@dataclass(frozen=True)
class PlatformLevel:
    """One item's level at one location, as the platform reports it now."""

    variant_id: str
    location_id: str
    quantity: int
    product_id: str = ""
    sku: str = ""
    barcode: str = ""
    tracked: bool = True  # False: the platform does not track stock for this item


@dataclass(frozen=True)
class StockAdjustment:
    variant_id: str
    location_id: str
    delta: int  # the relative change to apply
    expected: int | None = None  # the level Flyt believes the platform has now
    product_id: str = ""
    reason: str = "sync"  # sale, refund, adjustment, sync, reconciliation


@dataclass
class AdjustResult:
    ok: bool
    error: str = ""  # for the merchant: what went wrong and what to do
    retryable: bool = False
    conflict: bool = False  # the platform's level was not ``expected``: read it before writing again
    quantity: int | None = None  # the level after the write, when the platform says


class StockConnector(ABC):
    platform = ""
    adjust_batch_size = 1  # items per write call, the platform's maximum
    relative_writes = True  # False: the platform only sets absolute levels (read, compare, set)
    allows_negative = True  # False: the platform cannot show a level below 0; Flyt writes 0 instead

    def __init__(self, connection, *, transport=None, clock=None):
        self.connection = connection
        self.transport = transport
        self.clock = clock

    def now(self) -> float:
        return (self.clock or SystemClock()).now()

    # --- locations -----------------------------------------------------------------------------------
    @abstractmethod
    def locations(self) -> list[ExternalLocation]:
        """The account's stock locations (exactly one ``is_default``)."""

    # --- reading --------------------------------------------------------------------------------------
    @abstractmethod
    def read_levels(self, *, refs: list[StockRef]) -> list[PlatformLevel]:
        """The current levels of these items (every location when a ref's ``location_id`` is empty).
        Items the platform does not know are absent; untracked ones come with ``tracked=False``."""

    @abstractmethod
    def iter_levels(self, *, location_ids: list[str] | None = None) -> Iterator[PlatformLevel]:
        """Every item's level (with its SKU and barcode), streamed page by page: for linking
        variants by SKU and for reconciling. ``location_ids`` limits the locations."""

    def refs_for_changes(self, *, changes) -> list[StockRef]:
        """The items a notification names (``ExternalChange`` of kind ``stock``; also ``order`` and
        ``refund`` where the platform announces sales only as orders). Default: stock changes'
        ``external_id`` / ``external_parent_id``; ``data["location_id"]`` when present."""
        refs = []
        for change in changes:
            if change.kind != "stock" or not change.external_id:
                continue
            location = (change.data or {}).get("location_id") or ""
            refs.append(StockRef(variant_id=str(change.external_id), location_id=str(location),
                                 product_id=str(change.external_parent_id or "")))
        return list(dict.fromkeys(refs))

    # --- writing --------------------------------------------------------------------------------------
    @abstractmethod
    def adjust(self, *, changes: list[StockAdjustment]) -> list[AdjustResult]:
        """Apply at most ``adjust_batch_size`` relative changes; one result per change, same order."""

    # --- webhooks -------------------------------------------------------------------------------------
    def register_webhooks(self, *, url: str, secret: str) -> list[str]:
        """Subscribe ``url`` to the platform's stock (and sale) notifications; idempotent. Returns the
        topics subscribed. Platforms without webhooks return [] (they are polled)."""
        return []

    def missing_webhooks(self, *, url: str) -> list[str]:
        """The topics Flyt needs that are not subscribed to ``url`` (health check)."""
        return []

    def unregister_webhooks(self, *, url: str) -> None:
        """Remove our subscriptions to ``url``."""
        return None

    def poll_changes(self, *, watermark):
        """Platforms without webhooks: ``(changes, next_watermark)`` since ``watermark``."""
        return [], watermark

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self) -> dict:
        return {}
