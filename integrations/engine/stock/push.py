"""Write the hub's stock to one connection's platform: every dirty item once, in the platform's
batch size, as relative changes from what Flyt last knew (compare-and-set where offered).

A burst of sales marks the same rows dirty again and again; one push writes each once. Rows are
taken with SKIP LOCKED and held until the write and the new ``last_known`` are committed.
"""

import logging

from django.db import transaction

from integrations.contracts.stock import StockAdjustment, StockRef
from integrations.engine.stock.common import (
    PUSHES,
    Outcome,
    describe,
    desired_quantity,
    enqueue_pushes,
    lock_variants,
    stock_active,
    take_level,
)
from integrations.errors import ConnectorError
from integrations.models import RemoteStock
from integrations.registry import stock_connector_for
from merchants.tenancy import ensure_owned

logger = logging.getLogger("flyt.stock")
MAX_ROUNDS = 50


def stock_push(*, merchant, connection, connector=None, reason="sync", outcome=None) -> Outcome:
    """Push every dirty item of ``connection``. Raises ConnectorError (retryable) when the platform
    could not be written; what was written stays written."""
    ensure_owned(connection, merchant=merchant)
    outcome = outcome or Outcome()
    if not stock_active(connection) or connection.stock_direction not in PUSHES:
        RemoteStock.objects.filter(connection=connection, dirty=True).update(dirty=False)
        return outcome
    connector = connector or stock_connector_for(connection)
    batch = max(1, connector.adjust_batch_size)
    for _ in range(MAX_ROUNDS):
        if not _push_batch(merchant=merchant, connection=connection, connector=connector, batch=batch,
                           reason=reason, outcome=outcome):
            break
    return outcome


def _push_batch(*, merchant, connection, connector, batch, reason, outcome) -> bool:
    """One batch; returns whether anything was taken (so the caller goes on)."""
    retry = None
    with transaction.atomic():
        rows = list(RemoteStock.objects.filter(connection=connection, dirty=True)
                    .select_related("variant__product", "connection").order_by("pk")
                    .select_for_update(skip_locked=True, of=("self",))[:batch])
        if not rows:
            return False
        plans, conflicts = [], []
        for row in rows:
            row.dirty = False
            want = desired_quantity(merchant=merchant, row=row, connector=connector)
            if not row.variant.product.track_stock or not row.variant.track_stock or want is None \
                    or row.last_known is None or want == row.last_known:
                continue
            plans.append((row, want))
        changes = [StockAdjustment(variant_id=row.external_variant_id, location_id=row.external_location_id,
                                   product_id=row.external_product_id, delta=want - row.last_known,
                                   expected=row.last_known, reason=reason) for row, want in plans]
        results = []
        if changes:
            try:
                results = connector.adjust(changes=changes)
            except ConnectorError as exc:
                if not exc.retryable:
                    raise
                retry = exc
                results = []
        if retry is not None:
            for row in rows:  # nothing was written: keep them dirty for the retry
                row.dirty = True
        for (row, want), result in zip(plans, results, strict=False):
            platform = connection.get_platform_display()
            if result.ok:
                before = row.last_known
                row.last_known = result.quantity if result.quantity is not None else want
                outcome.note(action="updated", object_type="stock", object_ref=row.variant.sku,
                             message=f"Stock of {describe(row.variant)} on {platform} set from {before} to "
                                     f"{row.last_known}.",
                             detail={"connection": connection.pk, "delta": want - before})
            elif result.conflict:
                conflicts.append(row)  # the platform moved: read it (apply) first, then write again
                row.dirty = True
            else:
                row.dirty = result.retryable
                outcome.note(action="failed", object_type="stock", object_ref=row.variant.sku, level="error",
                             message=result.error or f"Stock of {describe(row.variant)} on {platform} not written.",
                             detail={"connection": connection.pk})
        for row in rows:
            row.save(update_fields=["last_known", "dirty", "updated_at"])
    if retry is not None:
        raise retry
    if conflicts:
        _reread(merchant=merchant, connection=connection, connector=connector, rows=conflicts, outcome=outcome)
    return True


def _reread(*, merchant, connection, connector, rows, outcome):
    """Items whose level moved under our write: take the platform's level now, then push again."""
    refs = [StockRef(variant_id=r.external_variant_id, location_id=r.external_location_id,
                     product_id=r.external_product_id) for r in rows]
    with transaction.atomic():
        locked = {r.pk: r for r in lock_variants(merchant=merchant, variant_ids={r.variant_id for r in rows})}
        levels = {(lv.variant_id, lv.location_id): lv.quantity for lv in connector.read_levels(refs=refs)}
        for row in rows:
            fresh = locked.get(row.pk)
            quantity = levels.get((row.external_variant_id, row.external_location_id))
            if fresh is None or quantity is None:
                continue
            take_level(merchant=merchant, row=fresh, quantity=quantity, topic="conflict", outcome=outcome)
            RemoteStock.objects.filter(pk=fresh.pk).update(dirty=True)
        enqueue_pushes(outcome.pushed_connections - {connection.pk})
