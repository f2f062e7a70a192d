"""Moved to ``integrations.contracts.products``; kept until every platform package imports it from there."""

from integrations.contracts.products import PRODUCT_FIELDS, ProductConnector, WriteResult

__all__ = ["PRODUCT_FIELDS", "ProductConnector", "WriteResult"]
