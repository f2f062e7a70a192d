"""The sync engine: the only code that calls both a platform connector and the hub services."""
