"""Moved to ``integrations.engine.bindings``; kept until the push results import it from there."""

from integrations.engine.bindings import bindings_save

__all__ = ["bindings_save"]
