"""Reconcile: compare every stock level of one connection with the platform and correct drift.

A level that differs from what Flyt last knew is a change no notification reported (a dropped
webhook): it is taken into the ledger like any other. A level that differs from what the hub says
the platform should show is written. Each correction is logged ("corrected ... from a to b") and
counted in the connection's drift count, shown on the dashboard.
"""

import logging

from django.db import transaction
from django.utils import timezone

from integrations.engine.stock.common import (
    PULLS,
    PUSHES,
    Outcome,
    describe,
    desired_quantity,
    enqueue_pushes,
    link_rows,
    lock_variants,
    stock_active,
    take_level,
)
from integrations.engine.stock.push import stock_push
from integrations.models import Connection, RemoteStock
from integrations.paging import pages
from integrations.registry import stock_connector_for
from merchants.tenancy import ensure_owned

logger = logging.getLogger("flyt.stock")
PAGE = 250


def stock_reconcile(*, merchant, connection, connector=None, outcome=None) -> Outcome:
    """Compare, correct and push; returns the Outcome (``drift``: how many levels were corrected)."""
    ensure_owned(connection, merchant=merchant)
    outcome = outcome or Outcome()
    if not stock_active(connection):
        return outcome
    connector = connector or stock_connector_for(connection)
    platform = connection.get_platform_display()
    for page in pages((lv for lv in connector.iter_levels() if lv.tracked), PAGE):
        with transaction.atomic():
            rows = link_rows(merchant=merchant, connection=connection, levels=page, outcome=outcome)
            locked = {r.pk: r for r in lock_variants(merchant=merchant,
                                                     variant_ids={r.variant_id for r in rows.values()})}
            for level in page:
                row = rows.get((level.variant_id, level.location_id))
                row = locked.get(row.pk) if row is not None else None
                if row is None or not row.variant.product.track_stock:
                    continue
                if connection.stock_direction in PULLS and row.last_known is not None \
                        and row.last_known != level.quantity and row.location_id:
                    outcome.drift += 1
                    outcome.note(action="updated", object_type="stock", object_ref=row.variant.sku,
                                 message=f"Corrected {describe(row.variant)}: {platform} showed {level.quantity} "
                                         f"where Flyt expected {row.last_known} (a change no notification "
                                         "reported); taken into Flyt's stock.", level="warning",
                                 detail={"connection": connection.pk, "from": row.last_known,
                                         "to": level.quantity})
                take_level(merchant=merchant, row=row, quantity=level.quantity, topic="reconciliation",
                           outcome=outcome)
                want = desired_quantity(merchant=merchant, row=row, connector=connector)
                if connection.stock_direction in PUSHES and want is not None and row.last_known is not None \
                        and want != row.last_known:
                    outcome.drift += 1
                    outcome.note(action="updated", object_type="stock", object_ref=row.variant.sku,
                                 level="warning",
                                 message=f"Corrected {describe(row.variant)} on {platform} from {row.last_known} "
                                         f"to {want}.",
                                 detail={"connection": connection.pk, "from": row.last_known, "to": want})
                    RemoteStock.objects.filter(pk=row.pk).update(dirty=True)
            enqueue_pushes(outcome.pushed_connections - {connection.pk})
    stock_push(merchant=merchant, connection=connection, connector=connector, reason="reconciliation",
               outcome=outcome)
    Connection.objects.filter(pk=connection.pk).update(stock_reconciled_at=timezone.now(),
                                                       stock_drift_count=outcome.drift)
    logger.info("stock reconciled connection=%s drift=%s movements=%s", connection.pk, outcome.drift,
                outcome.movements)
    return outcome

