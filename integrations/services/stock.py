"""Stock sync as merchants and support drive it: start a connection's stock sync, map locations,
turn stock tracking and separate stock on and off, reconcile on demand. Each writes the sync log.
"""

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Variant
from integrations.engine.cursors import cursor_advance, cursor_since
from integrations.engine.setup import webhook_problem, webhook_url
from integrations.engine.stock import stock_changes_apply, stock_push, stock_reconcile
from integrations.engine.stock.common import PUSHES, Outcome, describe, enqueue_pushes, lock_variants
from integrations.engine.stock.resume import stock_tracking_resume
from integrations.errors import ConnectorError
from integrations.models import Binding, Connection, RemoteStock, SyncCursor
from integrations.registry import stock_connector_for
from integrations.tasking import STOCK_RECONCILE, enqueue_on_commit
from inventory.models import QUANTITY_MAX, Allocation, StockLevel
from inventory.selectors import stock_quantities
from inventory.services import location_get_default
from merchants.errors import FlytError
from merchants.tenancy import ensure_owned, scoped
from synclog.models import SyncEntry, SyncRun
from synclog.services import sync_entries_add, sync_run_finish, sync_run_start

logger = logging.getLogger("flyt.stock")


class StockProblem(FlytError):
    """A stock setting that cannot be made; the message is for people."""


def stock_log(*, merchant, connection, trigger, outcome, summary="", always=False):
    """Write ``outcome``'s entries as one stock SyncRun (none when there is nothing to say)."""
    ensure_owned(connection, merchant=merchant)
    if not outcome.entries and not always:
        return None
    run = sync_run_start(merchant=merchant, connection=connection, trigger=trigger, resource="stock",
                         direction=SyncRun.Direction.RECONCILE if trigger == "reconcile" else SyncRun.Direction.BOTH)
    entries = [{**e, "action": e.get("action", SyncEntry.Action.NOTE)} for e in outcome.entries]
    sync_entries_add(merchant=merchant, run=run, entries=entries)
    return sync_run_finish(merchant=merchant, run=run, summary=summary)


# --- notifications and pushes (called by tasks) ----------------------------------------------------

def stock_event_apply(*, merchant, connection, changes, reference=""):
    outcome = stock_changes_apply(merchant=merchant, connection=connection, changes=changes, reference=reference)
    if outcome is not None:
        stock_log(merchant=merchant, connection=connection, trigger=SyncRun.Trigger.WEBHOOK, outcome=outcome)
    return outcome


def stock_connection_push(*, merchant, connection):
    outcome = Outcome()
    try:
        stock_push(merchant=merchant, connection=connection, outcome=outcome)
    finally:
        stock_log(merchant=merchant, connection=connection, trigger=SyncRun.Trigger.WEBHOOK, outcome=outcome)
    return outcome


def stock_connection_reconcile(*, merchant, connection, trigger=SyncRun.Trigger.SCHEDULE, connector=None):
    """Compare every level with the platform and correct drift; also re-register missing webhooks."""
    ensure_owned(connection, merchant=merchant)
    outcome = Outcome()
    connector = connector or stock_connector_for(connection)
    try:
        _webhooks_ensure(merchant=merchant, connection=connection, connector=connector, outcome=outcome)
        stock_reconcile(merchant=merchant, connection=connection, connector=connector, outcome=outcome)
    except ConnectorError as exc:
        outcome.note(action="failed", object_type="connection", object_ref=connection.platform, message=exc.message)
        stock_log(merchant=merchant, connection=connection, trigger=trigger, outcome=outcome, always=True)
        raise
    summary = f"{outcome.drift} level(s) corrected" if outcome.drift else "No drift"
    stock_log(merchant=merchant, connection=connection, trigger=trigger, outcome=outcome, summary=summary,
              always=True)
    return outcome


def stock_connection_start(*, merchant, connection):
    """Start stock sync on an active connection: map the platform's default location to the hub's,
    register the stock webhooks, link every item by binding/SKU and bring the levels in step."""
    ensure_owned(connection, merchant=merchant)
    connector = stock_connector_for(connection)
    if connector is None or connection.stock_direction == "off":
        return None
    locations = connector.locations()
    if not Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION).exists() and locations:
        default = next((loc for loc in locations if loc.is_default), locations[0])
        location_map(merchant=merchant, connection=connection, external_location_id=default.external_id,
                     location=location_get_default(merchant=merchant), reconcile=False)
    return stock_connection_reconcile(merchant=merchant, connection=connection, trigger=SyncRun.Trigger.SETUP,
                                      connector=connector)


def _webhooks_ensure(*, merchant, connection, connector, outcome):
    url = webhook_url(connection)
    missing = connector.missing_webhooks(url=url)
    if missing:
        try:
            issued = connector.register_webhooks(url=url, secret=connection.webhook_secret)
        except ConnectorError as exc:
            if exc.retryable or exc.status in (401, 403):  # the connection itself: the reconcile fails as before
                raise
            # refused (e.g. Zettle could not reach Flyt's address): the levels are still brought in step;
            # the log says what to do, and the next stock check asks again
            outcome.note(action="note", object_type="webhooks", object_ref=connection.platform, level="warning",
                         message=webhook_problem(connection=connection, exc=exc))
            return
        if isinstance(issued, str) and issued:  # a signing key the platform chose
            kept = [issued, *[k for k in connection.platform_webhook_secrets or [] if k != issued]][:2]
            Connection.objects.filter(pk=connection.pk).update(platform_webhook_secrets=kept)
            connection.platform_webhook_secrets = kept
        outcome.note(action="note", object_type="connection", object_ref=connection.platform, level="warning",
                     message=f"Re-registered {connection.get_platform_display()} notifications that were missing: "
                             f"{', '.join(missing)}.")
    Connection.objects.filter(pk=connection.pk).update(webhooks_checked_at=timezone.now())


# --- locations -----------------------------------------------------------------------------------

def location_map(*, merchant, connection, external_location_id, location, reconcile=True):
    """Map a platform location to a hub location (``location`` None: unmap). Items there follow it."""
    ensure_owned(connection, location, merchant=merchant)
    external_location_id = str(external_location_id)
    with transaction.atomic():
        Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION,
                               external_id=external_location_id).delete()
        if location is not None:
            Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION, hub_id=location.pk).delete()
            Binding.objects.create(merchant=merchant, connection=connection, kind=Binding.Kind.LOCATION,
                                   hub_id=location.pk, external_id=external_location_id)
        RemoteStock.objects.filter(connection=connection, external_location_id=external_location_id).update(
            location=location, last_known=None, dirty=False)
    if reconcile and location is not None:
        enqueue_on_commit(STOCK_RECONCILE, connection.pk, "manual")




# --- per product ---------------------------------------------------------------------------------

def _rows(merchant, product):
    return scoped(RemoteStock, merchant=merchant).filter(variant__product=product) \
        .select_related("connection", "variant")


def product_stock_tracking_set(*, merchant, product, enabled):
    """"Enable stock tracking": off, Flyt neither reads nor writes the product's stock. Turned on
    again, each platform's level is read (what happened there meanwhile is not counted into Flyt's
    level) and every platform Flyt writes stock to is set to Flyt's level by the normal push; the
    sync log gets each platform's entry. A platform that cannot be read leaves tracking off."""
    ensure_owned(product, merchant=merchant)
    outcomes = []
    with transaction.atomic():
        product.track_stock = bool(enabled)
        product.save(update_fields=["track_stock", "updated_at"])
        rows = _rows(merchant, product)
        if not enabled:
            rows.filter(connection__stock_direction__in=PUSHES).update(dirty=False)
            return product
        variant_ids = set(rows.values_list("variant_id", flat=True))
        connections = scoped(Connection, merchant=merchant).filter(
            pk__in=rows.values_list("connection_id", flat=True)).order_by("pk")
        for connection in connections:
            try:
                outcome = stock_tracking_resume(merchant=merchant, connection=connection, variant_ids=variant_ids)
            except ConnectorError as exc:
                logger.warning("stock tracking resume failed connection=%s product=%s: %s", connection.pk,
                               product.pk, exc.message)
                raise StockProblem(gettext("Stock tracking was not turned on: the stock of '%(title)s' could not be "
                                           "read from %(platform)s (%(reason)s). Try again in a moment.")
                                   % {"title": product.title, "platform": connection.get_platform_display(),
                                      "reason": exc.message}) from exc
            outcomes.append((connection, outcome))
        enqueue_pushes({cid for _, outcome in outcomes for cid in outcome.pushed_connections})
    for connection, outcome in outcomes:
        stock_log(merchant=merchant, connection=connection, trigger=SyncRun.Trigger.MANUAL, outcome=outcome)
    return product


def product_separate_stock_on(*, merchant, product, shares):
    """"Separate stock": ``shares`` maps (variant id, connection id) to the units that platform gets.
    The shares split the stock on hand: per variant they add up to at most Flyt's level, the rest
    stays unallocated (in Flyt, sold by no platform until it is shared out or separate stock is turned
    off). The level itself never changes here; each platform is set to its own share."""
    ensure_owned(product, merchant=merchant)
    variants = {v.pk: v for v in scoped(Variant, merchant=merchant).filter(product=product)
                .select_related("product")}
    for (variant_id, _connection), quantity in shares.items():
        if variant_id not in variants or not isinstance(quantity, int) or not 0 <= quantity <= QUANTITY_MAX:
            raise StockProblem(gettext("Enter a share between 0 and %(most)s for each platform.")
                               % {"most": QUANTITY_MAX})
    with transaction.atomic():
        rows = lock_variants(merchant=merchant, variant_ids=variants)
        if not rows:
            raise StockProblem("This product is not linked to any platform's stock yet.")
        current = {(a.variant_id, a.connection_id): a.quantity
                   for a in scoped(Allocation, merchant=merchant).filter(variant_id__in=variants)}
        levels = stock_quantities(merchant=merchant, variant_ids=list(variants))
        plan, problems = {}, []
        for variant_id, variant in variants.items():
            connections = {r.connection_id: r.connection for r in rows if r.variant_id == variant_id and r.location_id}
            mine = {cid: shares.get((variant_id, cid), current.get((variant_id, cid), 0)) for cid in connections}
            total, level = sum(mine.values()), levels.get(variant_id) or 0
            if total > max(level, 0):
                problems.append(gettext("The shares of %(product)s add up to %(total)s, but Flyt has only %(level)s "
                                        "in stock. Share out at most %(most)s.")
                                % {"product": describe(variant), "total": total, "level": level,
                                   "most": max(level, 0)})
            plan[variant_id] = (variant, connections, mine, level - total)
        if problems:
            raise StockProblem(" ".join(problems))
        for variant, connections, mine, _ in plan.values():
            for connection_id, quantity in mine.items():
                Allocation.objects.update_or_create(merchant=merchant, connection=connections[connection_id],
                                                    variant=variant, defaults={"quantity": quantity})
        product.separate_stock = True
        product.save(update_fields=["separate_stock", "updated_at"])
        RemoteStock.objects.filter(pk__in=[r.pk for r in rows]).update(dirty=True)
        enqueue_pushes({r.connection_id for r in rows})
    outcome = Outcome()
    for variant, connections, mine, unallocated in plan.values():
        if not connections:
            continue
        parts = ", ".join(f"{connections[cid].get_platform_display()} {quantity}" for cid, quantity in mine.items())
        outcome.note(action="updated", object_type="stock", object_ref=variant.sku or str(product.pk),
                     message=f"Separate stock turned on for {describe(variant)}: {parts}; unallocated {unallocated}.",
                     detail={"shares": {str(cid): quantity for cid, quantity in mine.items()},
                             "unallocated": unallocated})
    _log_product(merchant, rows, outcome)
    return product


def product_separate_stock_off(*, merchant, product):
    """"Turn off separate stock": merge the shares back into one shared level and set every
    platform to it. Returns {variant id: shared level}."""
    ensure_owned(product, merchant=merchant)
    variants = {v.pk: v for v in scoped(Variant, merchant=merchant).filter(product=product)
                .select_related("product")}
    merged = {}
    outcome = Outcome()
    with transaction.atomic():
        rows = lock_variants(merchant=merchant, variant_ids=variants)
        shares = scoped(Allocation, merchant=merchant).filter(variant_id__in=variants).select_related("connection")
        for variant_id, variant in variants.items():
            mine = [s for s in shares if s.variant_id == variant_id]
            total = sum(s.quantity for s in mine)
            merged[variant_id] = scoped(StockLevel, merchant=merchant).filter(variant_id=variant_id) \
                .aggregate(total=Sum("quantity"))["total"] or 0
            parts = ", ".join(f"{s.connection.get_platform_display()} {s.quantity}" for s in mine) or "none"
            outcome.note(action="updated", object_type="stock", object_ref=variant.sku,
                         message=f"Separate stock turned off for {describe(variant)}: the shares ({parts}) were "
                                 f"merged into one shared level of {merged[variant_id]}.",
                         detail={"shares_total": total, "shared": merged[variant_id]})
        shares.delete()
        product.separate_stock = False
        product.save(update_fields=["separate_stock", "updated_at"])
        RemoteStock.objects.filter(pk__in=[r.pk for r in rows]).update(dirty=True)
        enqueue_pushes({r.connection_id for r in rows if r.connection.stock_direction in PUSHES})
    _log_product(merchant, rows, outcome)
    return merged


def _log_product(merchant, rows, outcome):
    connection = rows[0].connection if rows else None
    stock_log(merchant=merchant, connection=connection, trigger=SyncRun.Trigger.MANUAL, outcome=outcome)


def stock_connection_poll(*, merchant, connection):
    """Platforms without webhooks (Shopbox): ask what changed since the last poll and apply it."""
    ensure_owned(connection, merchant=merchant)
    connector = stock_connector_for(connection)
    watermark = cursor_since(merchant=merchant, connection=connection, resource=SyncCursor.Resource.STOCK)
    changes, next_mark = connector.poll_changes(watermark=watermark)
    outcome = None
    if changes:
        outcome = stock_event_apply(merchant=merchant, connection=connection, changes=changes,
                                    reference=f"poll:{next_mark.isoformat() if next_mark else ''}")
    if next_mark is not None and next_mark != watermark:
        cursor_advance(merchant=merchant, connection=connection, resource=SyncCursor.Resource.STOCK, since=next_mark)
    return outcome
