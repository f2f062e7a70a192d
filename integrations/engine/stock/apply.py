"""A platform said stock changed: read its current level, record the difference once, push the rest.

The notification's own numbers are never trusted (they may be stale, duplicated or out of order):
the level is read from the platform under the row lock and compared with what Flyt last knew.
"""

import logging
import time

from django.db import transaction

from integrations.engine.stock.common import (
    PULLS,
    Outcome,
    enqueue_pushes,
    link_rows,
    lock_variants,
    stock_active,
    take_level,
)
from integrations.models import RemoteStock
from integrations.registry import stock_connector_for
from merchants.tenancy import ensure_owned, scoped

logger = logging.getLogger("flyt.stock")

STOCK_KINDS = {"stock", "order", "refund"}


def stock_changes_apply(*, merchant, connection, changes, reference="", connector=None) -> Outcome | None:
    """Apply a notification's stock changes from ``connection``. Returns the Outcome, or None when
    the changes name no stock Flyt syncs."""
    ensure_owned(connection, merchant=merchant)
    changes = [c for c in changes if c.kind in STOCK_KINDS]
    if not changes or not stock_active(connection) or connection.stock_direction not in PULLS:
        return None
    connector = connector or stock_connector_for(connection)
    if connector is None:
        return None
    refs = connector.refs_for_changes(changes=changes)
    if not refs:
        return None
    topic = changes[0].topic
    outcome = Outcome()
    started = time.perf_counter()
    with transaction.atomic():
        known_variants = set(RemoteStock.objects.filter(
            connection=connection, external_variant_id__any={r.variant_id for r in refs})
            .values_list("variant_id", flat=True))
        locked = lock_variants(merchant=merchant, variant_ids=known_variants)
        read_started = time.perf_counter()
        levels = [lv for lv in connector.read_levels(refs=refs) if lv.tracked]
        read_ms = (time.perf_counter() - read_started) * 1000
        fresh = {(r.external_variant_id, r.external_location_id): r for r in locked
                 if r.connection_id == connection.pk}
        missing = [lv for lv in levels if (lv.variant_id, lv.location_id) not in fresh]
        if missing:  # items Flyt has not linked yet: link them (by binding or SKU), then lock them
            linked = link_rows(merchant=merchant, connection=connection, levels=missing, outcome=outcome)
            new_variants = {row.variant_id for row in linked.values()} - known_variants
            locked += lock_variants(merchant=merchant, variant_ids=new_variants) if new_variants else []
            fresh.update({(r.external_variant_id, r.external_location_id): r for r in locked
                          if r.connection_id == connection.pk})
        for level in sorted(levels, key=lambda lv: (lv.variant_id, lv.location_id)):
            row = fresh.get((level.variant_id, level.location_id))
            if row is not None:
                take_level(merchant=merchant, row=row, quantity=level.quantity, topic=topic, reference=reference,
                           outcome=outcome)
        # rows a concurrent push skipped while we held them are still dirty: push them after us
        outcome.pushed_connections |= {r.connection_id for r in locked if r.dirty}
        if outcome.movements:
            outcome.pushed_connections |= set(scoped(RemoteStock, merchant=merchant).filter(
                variant_id__any={r.variant_id for r in locked}, dirty=True).values_list("connection_id", flat=True))
        enqueue_pushes(outcome.pushed_connections)
    logger.info("stock applied connection=%s refs=%s movements=%s pushes=%s read_ms=%.0f total_ms=%.0f",
                connection.pk, len(refs), outcome.movements, sorted(outcome.pushed_connections), read_ms,
                (time.perf_counter() - started) * 1000)
    return outcome
