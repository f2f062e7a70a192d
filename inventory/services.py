"""The only writers of stock. Every change is a ledger movement applied under a row lock.

Locks are taken on StockLevel rows in primary-key order (FOR NO KEY UPDATE), so two workers
changing the same levels never deadlock and never lose an update. A movement's idempotency key
is unique per merchant: recording the same platform event twice changes nothing the second time.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.models import Location, StockLevel, StockMovement
from merchants.tenancy import scoped


class InventoryError(Exception):
    """A stock change that cannot be made; the message is for people."""


def _check_same_merchant(merchant, *objects):
    for obj in objects:
        if obj is not None and obj.merchant_id != merchant.pk:
            raise InventoryError(f"{obj._meta.verbose_name.capitalize()} {obj.pk} belongs to another shop.")


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
    locked = StockLevel.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
    by_id = {level.pk: level for level in locked}
    return [by_id[pk] for pk in ids]


def _apply(*, merchant, level, delta, reason, idempotency_key, source_connection, external_reference,
           occurred_at, note):
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
    _check_same_merchant(merchant, variant, location, source_connection)
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
    """
    entries = [e for e in entries if e["delta"]]
    if not entries:
        return 0
    for entry in entries:
        _check_same_merchant(merchant, entry["variant"], entry["location"], entry.get("source_connection"))
        if not entry.get("idempotency_key"):
            raise InventoryError("A stock movement needs an idempotency key.")
    pairs = {(e["variant"].pk, e["location"].pk) for e in entries}
    known = {(lv.variant_id, lv.location_id) for lv in StockLevel.objects.filter(
        merchant=merchant, variant_id__in={v for v, _ in pairs}, location_id__in={loc for _, loc in pairs})}
    StockLevel.objects.bulk_create([StockLevel(merchant=merchant, variant_id=v, location_id=loc)
                                    for v, loc in pairs - known], ignore_conflicts=True)
    levels = {(lv.variant_id, lv.location_id): lv for lv in StockLevel.objects.filter(
        merchant=merchant, variant_id__in={v for v, _ in pairs}, location_id__in={loc for _, loc in pairs})
        .order_by("pk").select_for_update(no_key=True)}
    done = set(scoped(StockMovement, merchant=merchant).filter(
        idempotency_key__in=[e["idempotency_key"] for e in entries]).values_list("idempotency_key", flat=True))
    movements, touched, now = [], {}, timezone.now()
    for entry in entries:
        key = entry["idempotency_key"]
        if key in done:
            continue
        done.add(key)
        level = levels[(entry["variant"].pk, entry["location"].pk)]
        level.quantity += entry["delta"]
        touched[level.pk] = level
        movements.append(StockMovement(
            merchant=merchant, variant=entry["variant"], location=entry["location"], delta=entry["delta"],
            quantity_after=level.quantity, reason=entry["reason"], source_connection=entry.get("source_connection"),
            external_reference=entry.get("external_reference", ""), idempotency_key=key,
            note=entry.get("note", ""), occurred_at=entry.get("occurred_at") or now))
    StockMovement.objects.bulk_create(movements)
    for level in touched.values():
        level.updated_at = now
    StockLevel.objects.bulk_update(list(touched.values()), ["quantity", "updated_at"])
    return len(movements)


@transaction.atomic
def stock_level_set(*, merchant, variant, location, quantity, idempotency_key,
                    reason=StockMovement.Reason.ADJUSTMENT, source_connection=None, external_reference="",
                    occurred_at=None, note=""):
    """Set an absolute quantity by recording the difference. Returns the movement or None."""
    _check_same_merchant(merchant, variant, location, source_connection)
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
    _check_same_merchant(merchant, variant, source, destination)
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
