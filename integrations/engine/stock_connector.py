"""Moved to ``integrations.contracts.stock``; kept until every platform package imports it from there."""

from integrations.contracts.stock import (
    AdjustResult,
    ExternalLocation,
    PlatformLevel,
    StockAdjustment,
    StockConnector,
    StockRef,
)

__all__ = ["AdjustResult", "ExternalLocation", "PlatformLevel", "StockAdjustment", "StockConnector", "StockRef"]
