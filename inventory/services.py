"""The only writers of stock. Every change is a ledger movement applied under a row lock.

Locks are taken on StockLevel rows in primary-key order (FOR NO KEY UPDATE), so two workers
changing the same levels never deadlock and never lose an update. A movement's idempotency key
is unique per merchant: recording the same platform event twice changes nothing the second time.
"""

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from dbtools.bulk import rows_insert
from inventory.models import QUANTITY_MAX, QUANTITY_MIN, Location, StockLevel, StockMovement
from merchants.errors import FlytError
from merchants.tenancy import ensure_owned, scoped


class InventoryError(FlytError):
    """A stock change that cannot be made; the message is for people."""


def _levels_for_update(*, merchant, pairs):
    """Lock (creating when missing) the levels for ``pairs`` of (variant, location), in pk order."""
    ids = []
    for variant, location in pairs:
        level = StockLevel.objects.filter(variant=variant, location=location).only("pk").first()
        if level is None:
            try:
                with transaction.atomic():
                    level = StockLevel.objects.create(merchant=merchant, variant=variant, location=location)
            except IntegrityError:
                level = StockLevel.objects.get(variant=variant, location=location)
        ids.append(level.pk)
    locked = StockLevel.objects.filter(pk__any=ids).order_by("pk").select_for_update(no_key=True)
    by_id = {level.pk: level for level in locked}
    return [by_id[pk] for pk in ids]


def check_quantity(quantity, *, what="The stock level"):
    """Refuse a quantity the ledger's columns cannot hold (PostgreSQL integer)."""
    if not QUANTITY_MIN <= int(quantity) <= QUANTITY_MAX:
        raise InventoryError(f"{what} would be {quantity}: Flyt keeps stock levels between {QUANTITY_MIN} and "
                             f"{QUANTITY_MAX}. Nothing was changed.")


def _apply(*, merchant, level, delta, reason, idempotency_key, source_connection, external_reference,
           occurred_at, note):
    check_quantity(level.quantity + delta)
    level.quantity += delta
    movement = StockMovement.objects.create(
        merchant=merchant, variant_id=level.variant_id, location_id=level.location_id, delta=delta,
        quantity_after=level.quantity, reason=reason, source_connection=source_connection,
        external_reference=external_reference, idempotency_key=idempotency_key, note=note,
        occurred_at=occurred_at or timezone.now(),
    )
    StockLevel.objects.filter(pk=level.pk).update(quantity=level.quantity, updated_at=timezone.now())
    return movement


@transaction.atomic
def stock_movement_record(*, merchant, variant, location, delta, reason, idempotency_key, source_connection=None,
                          external_reference="", occurred_at=None, note=""):
    """Record a relative change (a sale is ``-n``). Returns ``(movement, created)``.

    The same ``idempotency_key`` a second time returns the first movement and changes nothing.
    """
    ensure_owned(variant, location, source_connection, merchant=merchant)
    if not idempotency_key:
        raise InventoryError("A stock movement needs an idempotency key.")
    if delta == 0:
        raise InventoryError("A stock movement must change the quantity.")
    (level,) = _levels_for_update(merchant=merchant, pairs=[(variant, location)])
    existing = scoped(StockMovement, merchant=merchant).filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            movement = _apply(merchant=merchant, level=level, delta=delta, reason=reason,
                              idempotency_key=idempotency_key, source_connection=source_connection,
                              external_reference=external_reference, occurred_at=occurred_at, note=note)
    except IntegrityError:
        # The same key was recorded concurrently for another level; that one counts.
        return scoped(StockMovement, merchant=merchant).get(idempotency_key=idempotency_key), False
    return movement, True


@transaction.atomic
def stock_movements_record_many(*, merchant, entries):
    """Record many relative changes at once (e.g. the initial stock of a whole catalog page).

    Each entry is a dict of ``stock_movement_record``'s arguments. The same guarantees: levels
    locked in primary-key order, each idempotency key counted once. Returns how many were new.
    The levels are written in one statement (PostgreSQL: joined to the arrays of new quantities).
    """
    entries = [e for e in entries if e["delta"]]
    if not entries:
        return 0
    for entry in entries:
        ensure_owned(entry["variant"], entry["location"], entry.get("source_connection"), merchant=merchant)
        if not entry.get("idempotency_key"):
            raise InventoryError("A stock movement needs an idempotency key.")
    pairs = {(e["variant"].pk, e["location"].pk) for e in entries}
    variant_ids, location_ids = {v for v, _ in pairs}, {loc for _, loc in pairs}
    known = set(StockLevel.objects.filter(merchant=merchant, variant_id__any=variant_ids, location_id__any=location_ids)
                .values_list("variant_id", "location_id"))
    rows_insert(StockLevel, common={"merchant_id": merchant.pk}, columns=("variant_id", "location_id"),
                rows=sorted(pairs - known), ignore_conflicts=True)
    # locked in primary-key order; the quantities read are the latest committed ones
    levels = {(variant_id, location_id): [pk, quantity] for pk, variant_id, location_id, quantity in StockLevel.objects
              .filter(merchant=merchant, variant_id__any=variant_ids, location_id__any=location_ids)
              .order_by("pk").select_for_update(no_key=True).values_list("pk", "variant_id", "location_id", "quantity")}
    done = set(scoped(StockMovement, merchant=merchant).filter(
        idempotency_key__any=[e["idempotency_key"] for e in entries]).values_list("idempotency_key", flat=True))
    movements, touched, now = [], {}, timezone.now()
    for entry in entries:
        key = entry["idempotency_key"]
        if key in done:
            continue
        done.add(key)
        variant_id, location_id = entry["variant"].pk, entry["location"].pk
        level = levels[(variant_id, location_id)]
        check_quantity(level[1] + entry["delta"])
        level[1] += entry["delta"]
        touched[level[0]] = level[1]
        source = entry.get("source_connection")
        movements.append((variant_id, location_id, entry["delta"], level[1], entry["reason"],
                          source.pk if source is not None else None, entry.get("external_reference", ""), key,
                          entry.get("note", ""), entry.get("occurred_at") or now))
    rows_insert(StockMovement, common={"merchant_id": merchant.pk}, rows=movements,
                columns=("variant_id", "location_id", "delta", "quantity_after", "reason", "source_connection_id",
                         "external_reference", "idempotency_key", "note", "occurred_at"))
    _levels_write(touched, now)
    return len(movements)


def _levels_write(quantities, now):
    """Set ``quantity`` (``quantities``: level pk -> quantity) and ``updated_at`` on levels the caller
    has locked: one UPDATE joined to two arrays on PostgreSQL (a handful of parameters whatever the
    number of rows), one prepared UPDATE run per row elsewhere (SQLite)."""
    if not quantities:
        return
    connection = connections[router.db_for_write(StockLevel)]
    quote = connection.ops.quote_name
    table = quote(StockLevel._meta.db_table)
    pk, quantity, updated_at = (quote(StockLevel._meta.get_field(name).column) for name in ("id", "quantity",
                                                                                          "updated_at"))
    ids = sorted(quantities)  # the order the locks were taken in
    now = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {quantity} = v.quantity, {updated_at} = %s "  # noqa: S608 - names quoted
                f"FROM unnest(%s::bigint[], %s::integer[]) AS v(id, quantity) WHERE {table}.{pk} = v.id",
                [now, ids, [quantities[i] for i in ids]])
        else:
            cursor.executemany(f"UPDATE {table} SET {quantity} = %s, {updated_at} = %s WHERE {pk} = %s",  # noqa: S608
                               [(quantities[i], now, i) for i in ids])


@transaction.atomic
def stock_level_set(*, merchant, variant, location, quantity, idempotency_key,
                    reason=StockMovement.Reason.ADJUSTMENT, source_connection=None, external_reference="",
                    occurred_at=None, note=""):
    """Set an absolute quantity by recording the difference. Returns the movement or None."""
    ensure_owned(variant, location, source_connection, merchant=merchant)
    check_quantity(quantity)
    (level,) = _levels_for_update(merchant=merchant, pairs=[(variant, location)])
    if scoped(StockMovement, merchant=merchant).filter(idempotency_key=idempotency_key).exists():
        return None
    delta = quantity - level.quantity
    if delta == 0:
        return None
    return _apply(merchant=merchant, level=level, delta=delta, reason=reason, idempotency_key=idempotency_key,
                  source_connection=source_connection, external_reference=external_reference,
                  occurred_at=occurred_at, note=note)


@transaction.atomic
def stock_transfer(*, merchant, variant, source, destination, quantity, idempotency_key, note=""):
    """Move ``quantity`` units between two locations as one atomic pair of movements."""
    ensure_owned(variant, source, destination, merchant=merchant)
    if quantity <= 0 or source.pk == destination.pk:
        raise InventoryError("A transfer moves a positive quantity between two different locations.")
    out_level, in_level = _levels_for_update(merchant=merchant, pairs=[(variant, source), (variant, destination)])
    if scoped(StockMovement, merchant=merchant).filter(idempotency_key__startswith=f"{idempotency_key}:").exists():
        return False
    common = {"merchant": merchant, "reason": StockMovement.Reason.TRANSFER, "source_connection": None,
              "external_reference": "", "occurred_at": None, "note": note}
    _apply(level=out_level, delta=-quantity, idempotency_key=f"{idempotency_key}:out", **common)
    _apply(level=in_level, delta=quantity, idempotency_key=f"{idempotency_key}:in", **common)
    return True


def location_get_default(*, merchant):
    """The merchant's default location, created on first use."""
    location = scoped(Location, merchant=merchant).filter(is_default=True).first()
    if location is None:
        location, _ = Location.objects.get_or_create(merchant=merchant, name="Main warehouse",
                                                     defaults={"is_default": True})
    return location
