"""Moved to ``integrations.engine.cursors``; kept until the runner imports it from there."""

from integrations.engine.cursors import cursor_advance, cursor_since

__all__ = ["cursor_advance", "cursor_since"]
