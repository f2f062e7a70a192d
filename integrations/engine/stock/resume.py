"""Stock tracking turned back on for a product: while it was off Flyt neither read nor wrote the
product's stock, so what Flyt last knew of each platform is stale. Read each platform's level now and
take it as what the platform shows, without a ledger movement (what happened there meanwhile was not
tracked, so it does not change Flyt's level); mark for the push every item that differs from what Flyt
says it should show. The normal push then writes Flyt's level there.
"""

from django.db import transaction

from integrations.contracts.stock import StockRef
from integrations.engine.stock.common import PUSHES, Outcome, describe, desired_quantity, lock_variants, stock_active
from integrations.registry import stock_connector_for
from merchants.tenancy import ensure_owned


def stock_tracking_resume(*, merchant, connection, variant_ids, connector=None, outcome=None) -> Outcome:
    """Bring ``connection``'s rows of these variants up to date with the platform and mark the ones
    to write. Raises ConnectorError when the platform cannot be read (nothing is changed then)."""
    ensure_owned(connection, merchant=merchant)
    outcome = outcome or Outcome()
    if not stock_active(connection):
        return outcome
    platform = connection.get_platform_display()
    writes = connection.stock_direction in PUSHES
    with transaction.atomic():
        rows = [r for r in lock_variants(merchant=merchant, variant_ids=variant_ids)
                if r.connection_id == connection.pk and r.location_id]
        if not rows:
            return outcome
        connector = connector or stock_connector_for(connection)
        refs = [StockRef(variant_id=r.external_variant_id, location_id=r.external_location_id,
                         product_id=r.external_product_id) for r in rows]
        levels = {(lv.variant_id, lv.location_id): lv.quantity for lv in connector.read_levels(refs=refs)
                  if lv.tracked}
        for row in rows:
            label = describe(row.variant)
            quantity = levels.get((row.external_variant_id, row.external_location_id))
            if quantity is None:
                outcome.note(action="skipped", object_type="stock", object_ref=row.variant.sku, level="warning",
                             message=f"Stock tracking turned on for {label}, but {platform} does not track its "
                                     f"stock, so Flyt cannot set it there.")
                continue
            want = desired_quantity(merchant=merchant, row=row, connector=connector)
            row.last_known, row.dirty = quantity, writes and want is not None and want != quantity
            row.save(update_fields=["last_known", "dirty", "updated_at"])
            if not writes:
                message = (f"Stock tracking turned on for {label}: {platform} showed {quantity}. Flyt only reads "
                           f"stock from {platform}, so it follows its changes from now on.")
            elif row.dirty:
                outcome.pushed_connections.add(connection.pk)
                message = f"Stock tracking turned on for {label}: {platform} showed {quantity}; Flyt's level " \
                          f"{want} is written there."
            else:
                message = f"Stock tracking turned on for {label}: {platform} showed {quantity}, which is " \
                          f"Flyt's level {want} already."
            outcome.note(action="updated" if row.dirty else "note", object_type="stock", object_ref=row.variant.sku,
                         message=message, detail={"connection": connection.pk, "platform": quantity, "flyt": want})
    return outcome
