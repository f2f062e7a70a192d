"""Connector classes per platform, by dotted path, loaded only when used."""

from django.utils.module_loading import import_string

CONNECTORS = {}


def connector_for(connection):
    """The connector for ``connection``'s platform, or None when Flyt has none for it yet."""
    path = CONNECTORS.get(connection.platform)
    return import_string(path)(connection) if path else None
