"""Shared pieces of the stock engine: which connections read or write stock, the rows Flyt keeps per
platform item (``RemoteStock``), locking, taking a platform's level into the ledger, propagation.

Locking. Every path that compares a platform's level with ``last_known`` first locks the
``RemoteStock`` rows of the variants involved — all connections' rows, in primary-key order —
and only then the hub's ``StockLevel`` rows (the ledger service locks those). Pushes lock their
dirty rows with SKIP LOCKED and hold them across the platform write, so a notification for the same
item waits until the write and the new ``last_known`` are committed: our own write read back is
then equal to ``last_known`` and makes no movement (no echo).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from catalog.models import Variant
from integrations.models import Binding, Connection, Direction, RemoteStock
from integrations.tasking import STOCK_PUSH, enqueue_on_commit
from inventory.models import Allocation, StockLevel, StockMovement
from inventory.services import stock_movement_record
from merchants.tenancy import scoped

PULLS = (Direction.PULL, Direction.BOTH)
PUSHES = (Direction.PUSH, Direction.BOTH)


def stock_active(connection) -> bool:
    return connection.status == Connection.Status.ACTIVE and connection.stock_direction != Direction.OFF


def describe(variant) -> str:
    title = variant.product.title if variant.product_id else "Variant"
    return f"'{title}' (SKU {variant.sku})" if variant.sku else f"'{title}'"


@dataclass
class Outcome:
    """What one stock step did, for the log and the callers."""

    movements: int = 0
    pushed_connections: set = field(default_factory=set)
    entries: list = field(default_factory=list)  # RunLog entries (dicts)
    drift: int = 0

    def note(self, **entry):
        self.entries.append(entry)


def location_bindings(*, connection) -> dict:
    """Platform location id -> hub Location id, for the locations the merchant mapped."""
    return {b.external_id: b.hub_id for b in Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION)}


def lock_variants(*, merchant, variant_ids):
    """Lock every connection's RemoteStock rows of these variants, in primary-key order."""
    return list(scoped(RemoteStock, merchant=merchant).filter(variant_id__any=set(variant_ids))
                .select_related("connection", "variant__product").order_by("pk").select_for_update(of=("self",)))


def hub_quantity(*, merchant, variant_id, location_id) -> int | None:
    level = scoped(StockLevel, merchant=merchant).filter(variant_id=variant_id, location_id=location_id) \
        .values_list("quantity", flat=True).first()
    return level


def desired_quantity(*, merchant, row, connector=None) -> int | None:
    """What the platform should show for ``row``: its share under separate stock, else the hub level
    (0 where the platform cannot show less: a shop that sold more than it had sells nothing more)."""
    want = _desired(merchant=merchant, row=row)
    if want is not None and connector is not None and not connector.allows_negative:
        return max(0, want)
    return want


def _desired(*, merchant, row):
    if row.location_id is None:
        return None
    if row.variant.product.separate_stock:
        share = scoped(Allocation, merchant=merchant).filter(connection_id=row.connection_id,
                                                             variant_id=row.variant_id).values_list(
            "quantity", flat=True).first()
        return share if share is not None else row.last_known
    return hub_quantity(merchant=merchant, variant_id=row.variant_id, location_id=row.location_id) or 0


def find_variants(*, merchant, connection, levels) -> dict:
    """Platform item id -> hub Variant for these PlatformLevels: the connection's variant binding,
    else the one hub variant with the same SKU, else the same barcode."""
    ids = {lv.variant_id for lv in levels}
    by_binding = dict(Binding.objects.filter(connection=connection, kind=Binding.Kind.VARIANT, external_id__any=ids)
                      .values_list("external_id", "hub_id"))
    skus = {lv.sku for lv in levels if lv.variant_id not in by_binding and lv.sku}
    barcodes = {lv.barcode for lv in levels if lv.variant_id not in by_binding and lv.barcode}
    candidates = scoped(Variant, merchant=merchant).filter(Q(pk__any=by_binding.values()) | Q(sku__any=skus)
                                                           | Q(barcode__any=barcodes)).select_related("product")
    by_pk, by_sku, by_barcode = {}, {}, {}
    for variant in candidates:
        by_pk[variant.pk] = variant
        if variant.sku:
            by_sku.setdefault(variant.sku, []).append(variant)
        if variant.barcode:
            by_barcode.setdefault(variant.barcode, []).append(variant)
    found = {}
    for lv in levels:
        if lv.variant_id in by_binding and by_binding[lv.variant_id] in by_pk:
            found[lv.variant_id] = by_pk[by_binding[lv.variant_id]]
        elif lv.sku and len(by_sku.get(lv.sku, [])) == 1:
            found[lv.variant_id] = by_sku[lv.sku][0]
        elif lv.barcode and len(by_barcode.get(lv.barcode, [])) == 1:
            found[lv.variant_id] = by_barcode[lv.barcode][0]
    return found


def link_rows(*, merchant, connection, levels, outcome=None):
    """Create the missing RemoteStock rows for these PlatformLevels (items Flyt can match to a hub
    variant). Returns {(variant_id, location_id): row} for every level matched, old rows included.
    New rows start with ``last_known`` empty: the caller takes the level (see ``take_level``)."""
    keys = {(lv.variant_id, lv.location_id) for lv in levels}
    rows = {(r.external_variant_id, r.external_location_id): r for r in RemoteStock.objects.filter(
        connection=connection, external_variant_id__any={k[0] for k in keys}).select_related("variant__product")}
    missing = [lv for lv in levels if (lv.variant_id, lv.location_id) not in rows]
    if missing:
        variants = find_variants(merchant=merchant, connection=connection, levels=missing)
        locations = location_bindings(connection=connection)
        new = []
        for lv in missing:
            variant = variants.get(lv.variant_id)
            if variant is None:
                if outcome is not None and lv.sku:
                    outcome.note(action="skipped", object_type="stock", object_ref=lv.sku,
                                 message=f"Stock of SKU {lv.sku} on {connection.get_platform_display()} not synced: "
                                         "no product in Flyt has this SKU. Add the product or correct the SKU.")
                continue
            new.append(RemoteStock(merchant=merchant, connection=connection, variant=variant,
                                   location_id=locations.get(lv.location_id), external_variant_id=lv.variant_id,
                                   external_product_id=lv.product_id, external_location_id=lv.location_id))
        RemoteStock.objects.bulk_create(new, ignore_conflicts=True)
        rows.update({(r.external_variant_id, r.external_location_id): r for r in RemoteStock.objects.filter(
            connection=connection, external_variant_id__any={lv.variant_id for lv in missing})
            .select_related("variant__product")})
    return {key: row for key, row in rows.items() if key in keys}


def reason_for(*, topic, delta):
    topic = (topic or "").lower()
    if any(word in topic for word in ("order", "purchase", "basket", "sale")):
        return StockMovement.Reason.SALE if delta < 0 else StockMovement.Reason.REFUND
    return StockMovement.Reason.ADJUSTMENT


def propagate(*, merchant, row, outcome):
    """The hub level of ``row``'s variant at its location moved: every other pushing connection's
    row there must be written (coalesced: one dirty flag per item, one push per connection)."""
    others = scoped(RemoteStock, merchant=merchant).filter(
        variant_id=row.variant_id, location_id=row.location_id, connection__status=Connection.Status.ACTIVE,
        connection__stock_direction__in=PUSHES).exclude(pk=row.pk)
    connection_ids = set(others.values_list("connection_id", flat=True))
    others.filter(dirty=False).update(dirty=True)
    outcome.pushed_connections |= connection_ids


def take_level(*, merchant, row, quantity, topic="", reference="", outcome):
    """The platform shows ``quantity`` for ``row`` now: turn the difference from ``last_known``
    into one ledger movement (none for a duplicate, an echo or a stale notification) and mark the
    other platforms for a push. ``row`` must be locked (``lock_variants``)."""
    connection, variant = row.connection, row.variant
    label = describe(variant)
    platform = connection.get_platform_display()
    if not variant.product.track_stock or not variant.track_stock:  # off in Flyt, or the home base does not track it
        return
    if row.location_id is None:
        if row.last_known != quantity:
            outcome.note(action="skipped", object_type="stock", object_ref=variant.sku or row.external_variant_id,
                         message=f"Stock of {label} at {platform} location {row.external_location_id} not synced: "
                                 "that location is not mapped to a Flyt location. Map it on the connection's "
                                 "Locations page.", level="warning")
            row.last_known = quantity
            row.save(update_fields=["last_known", "updated_at"])
        return
    pulls = connection.stock_direction in PULLS
    if row.last_known is not None and row.last_known == quantity:
        return  # a duplicate, an echo of our own write, or a notification already taken
    if row.last_known is None:
        # a new link: the first platform to know the item sets the hub; later ones follow the hub
        hub = hub_quantity(merchant=merchant, variant_id=row.variant_id, location_id=row.location_id)
        row.last_known = quantity
        if hub is None and pulls:
            if quantity:
                _record(merchant=merchant, row=row, delta=quantity, reason=StockMovement.Reason.INITIAL,
                        key=f"stock:initial:{row.pk}", reference=reference,
                        note=f"Initial stock from {platform}", outcome=outcome)
                propagate(merchant=merchant, row=row, outcome=outcome)
        elif (hub or 0) != quantity and connection.stock_direction in PUSHES:
            row.dirty = True
            outcome.pushed_connections.add(connection.pk)
        row.save(update_fields=["last_known", "dirty", "updated_at"])
        return
    delta = quantity - row.last_known
    row.last_known = quantity
    if pulls:
        row.version += 1
        reason = reason_for(topic=topic, delta=delta)
        _record(merchant=merchant, row=row, delta=delta, reason=reason, key=f"stock:{row.pk}:{row.version}",
                reference=reference, note=f"{reason.label} on {platform}: {quantity - delta} → {quantity}",
                outcome=outcome)
        if variant.product.separate_stock:
            share, _ = Allocation.objects.get_or_create(merchant=merchant, connection=connection, variant=variant,
                                                        defaults={"quantity": quantity - delta})
            Allocation.objects.filter(pk=share.pk).update(quantity=share.quantity + delta)
        else:
            propagate(merchant=merchant, row=row, outcome=outcome)
            now = hub_quantity(merchant=merchant, variant_id=row.variant_id, location_id=row.location_id)
            if now != quantity and connection.stock_direction in PUSHES:
                row.dirty = True  # other platforms' changes not yet written here
                outcome.pushed_connections.add(connection.pk)
    elif connection.stock_direction in PUSHES:
        row.dirty = True  # the hub is the master of this platform's stock: write it back
        outcome.pushed_connections.add(connection.pk)
    row.save(update_fields=["last_known", "version", "dirty", "updated_at"])


def _record(*, merchant, row, delta, reason, key, reference, note, outcome):
    movement, created = stock_movement_record(
        merchant=merchant, variant=row.variant, location=row.location, delta=delta, reason=reason,
        idempotency_key=key, source_connection=row.connection, external_reference=reference[:255], note=note[:500])
    if created:
        outcome.movements += 1
        outcome.note(action="updated", object_type="stock", object_ref=row.variant.sku or row.external_variant_id,
                     message=f"{note} for {describe(row.variant)} (Flyt now {movement.quantity_after}).",
                     detail={"movement": movement.pk, "delta": delta, "connection": row.connection_id})


def push_flag(connection_id):
    return f"stock-push-queued:{connection_id}"


def enqueue_pushes(connection_ids):
    """After commit, push each connection's dirty rows. One push per connection is queued at a time,
    a moment (``STOCK_PUSH_COALESCE_S``) after the first change: the changes made meanwhile go in the
    same write, which keeps a busy shop well inside the platform's rate limit. The push task clears
    the flag when it starts; a lost task is replaced once the flag expires (or by the reconcile)."""
    delay = settings.STOCK_PUSH_COALESCE_S
    for connection_id in sorted(set(connection_ids)):
        if cache.add(push_flag(connection_id), 1, timeout=max(5, int(delay * 10))):
            enqueue_on_commit(STOCK_PUSH, connection_id, countdown=delay or None, robust=True)
