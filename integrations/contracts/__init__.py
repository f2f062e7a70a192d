"""What a platform package provides, the contracts its connectors implement.

``products``: ``ProductConnector`` (read and write products as hub DTOs), ``WriteResult`` and
``PRODUCT_FIELDS``; ``stock``: ``StockConnector`` with its refs, levels and adjustments. They sit
below the engine and the platform packages: the engine calls connectors through them, and a
platform's ``connector.py`` / ``stock.py`` subclass them, so neither has to know the other.
"""
