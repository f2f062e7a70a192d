"""One sync pass of an integration: pull the home base into the hub, then push the listed
products to the target — only what changed, in the platform's batch sizes — logging every item.

A pass killed half-way is resumed by the next one without duplicates: bindings are saved right
after each write, and products created on the target whose binding was lost are found again by
SKU/barcode before anything is created. ``dry_run`` computes and logs the plan, writing nothing
to the platforms or the hub (hub changes are rolled back; only the log stays).
"""

import logging
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from catalog.services import CatalogError, product_archive
from dbtools.bulk import rows_insert
from integrations.engine.both_ways import BothWays
from integrations.engine.connections import connection_mark_error, connection_record_run
from integrations.engine.cursors import cursor_advance, cursor_since
from integrations.engine.hub import (
    integration_price_list,
    pull_new_products,
    pull_product,
    read_hashes,
    skip_unchanged,
    split_new,
)
from integrations.engine.push import Pusher, push_listed, target_product_remove
from integrations.engine.reading import read_ahead
from integrations.engine.runlog import RunLog
from integrations.engine.stock.links import stock_link_bound
from integrations.errors import ConnectorError
from integrations.kinds import kind_for
from integrations.models import Binding, Listing
from integrations.paging import pages as paged
from integrations.registry import connector_for
from merchants.errors import FlytError
from merchants.tenancy import scoped
from synclog.models import SyncEntry, SyncRun
from synclog.selectors import sync_run_live
from synclog.services import sync_run_finish, sync_run_held, sync_run_start

logger = logging.getLogger("flyt.engine")

WATERMARK_OVERLAP = timedelta(minutes=5)
PULL_PAGE = 250


class _DryRunRollback(Exception):
    pass


def target_fields(integration, target=None, source=None):
    """What a pass writes to ``target`` (default: the first target) from ``source`` (default: the home
    base): the kind's field table."""
    return kind_for(integration).fields(integration, target=target or integration.target, source=source)


def integration_sync(*, merchant, integration, trigger, full=False, dry_run=False, product_ids=None,
                     home_external_ids=None, clock=None):
    """Run one pass and return its SyncRun. ``home_external_ids`` limits the pull to those home
    products (a webhook); ``product_ids`` limits the push to those hub products."""
    home = integration.home
    whole = not dry_run and product_ids is None and home_external_ids is None and trigger != SyncRun.Trigger.SETUP
    if whole:
        # a pass of this integration is alive (its heartbeat is fresh): this one (a schedule, a
        # message delivered again) has nothing to add. A run whose heartbeat ran out is dead.
        live = sync_run_live(merchant=merchant, connection=home, now=timezone.now())
        if live is not None:
            logger.info("sync skipped integration=%s merchant=%s: run=%s is still running", integration.pk,
                        merchant.pk, live.pk)
            return live
    run = sync_run_start(merchant=merchant, connection=home, trigger=trigger, direction=SyncRun.Direction.BOTH,
                         resource="products", dry_run=dry_run)
    # the run's lock lives as long as this worker's database session: the sweeper can tell a
    # silent pass from a dead one
    with sync_run_held(merchant=merchant, run=run):
        return _run(merchant=merchant, integration=integration, run=run, trigger=trigger, full=full,
                    dry_run=dry_run, product_ids=product_ids, home_external_ids=home_external_ids, clock=clock)


def _run(*, merchant, integration, run, trigger, full, dry_run, product_ids, home_external_ids, clock):
    home, targets = integration.home, integration.targets
    log = RunLog(merchant=merchant, run=run, buffered=dry_run)
    logger.info("sync run=%s integration=%s merchant=%s trigger=%s full=%s dry_run=%s", run.pk, integration.pk,
                merchant.pk, trigger, full, dry_run)
    home_connector = connector_for(home, clock=clock)
    target_connectors = [(target, connector_for(target, clock=clock)) for target in targets]
    failed = None
    try:
        # A real pass commits item by item (progress shows, a crash keeps what was done); a dry run
        # runs in one transaction that is rolled back.
        with transaction.atomic() if dry_run else nullcontext():
            if trigger != SyncRun.Trigger.SETUP:  # the set-up prepared every member just before its pass
                member_prepare(integration=integration, connection=home, connector=home_connector, role="home")
                for target, connector in target_connectors:
                    member_prepare(integration=integration, connection=target, connector=connector, role="target")
            setup = full or trigger == SyncRun.Trigger.SETUP
            if integration.both_ways:
                _run_both_ways(merchant=merchant, integration=integration, log=log, full=setup, dry_run=dry_run,
                               connectors=[(home, home_connector), *target_connectors], product_ids=product_ids)
            elif dry_run or product_ids is not None or home_external_ids is not None:
                pulled = _pull(merchant=merchant, integration=integration, connector=home_connector, log=log,
                               full=setup, external_ids=home_external_ids, dry_run=dry_run)
                if not dry_run:  # the home base's levels first: new copies start from them, not from 0
                    _link_stock(merchant=merchant, integration=integration, log=log, connections=[home],
                                product_ids=pulled)
                for target, connector in target_connectors:
                    push_listed(merchant=merchant, integration=integration, target=target, connector=connector,
                                log=log, fields=target_fields(integration, target), dry_run=dry_run,
                                product_ids=product_ids if product_ids is not None else (
                                    pulled if home_external_ids is not None else None))
            else:
                # every listed product: each page is pushed as soon as it is in the hub, so that the
                # targets' writes (rate limited) overlap reading and storing the next pages
                pushers = [Pusher(merchant=merchant, integration=integration, target=target, connector=connector,
                                  log=log, fields=target_fields(integration, target), dry_run=False)
                           for target, connector in target_connectors]

                def on_page(ids, stockless):
                    # a home base whose product reads carry no stock (Zettle, Shopbox): its levels first, so new
                    # copies start from them and a target's empty new copy is never taken for a sale there
                    if stockless:
                        _link_stock(merchant=merchant, integration=integration, log=log, connections=[home],
                                    product_ids=ids)
                    for pusher in pushers:
                        pusher.push(ids)

                try:
                    _pull(merchant=merchant, integration=integration, connector=home_connector, log=log,
                          full=setup, external_ids=None, dry_run=False, on_page=on_page)
                    for pusher in pushers:
                        pusher.push()  # listed products the pull did not touch
                    for pusher in pushers:
                        pusher.finish()
                finally:
                    for pusher in pushers:
                        pusher.close()
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    except ConnectorError as exc:
        failed = exc
        log.add(action=SyncEntry.Action.FAILED, object_type="connection",
                object_ref=exc.platform, message=exc.message, detail={"status": exc.status})
    if not dry_run and failed is None:
        _link_stock(merchant=merchant, integration=integration, log=log)
    log.flush()
    if not dry_run:
        for connection in (home, *targets):
            connection_record_run(merchant=merchant, connection=connection)
        if failed is not None and not failed.retryable:
            side = next((c for c in (home, *targets) if c.platform == failed.platform), home)
            connection_mark_error(merchant=merchant, connection=side, message=failed.message)
    run = sync_run_finish(merchant=merchant, run=run, failed=failed is not None,
                          summary=failed.message if failed else "")
    if failed is not None and failed.retryable:
        raise failed  # the task's retry policy tries again; the log already says what happened
    return run


def _run_both_ways(*, merchant, integration, log, full, dry_run, connectors, product_ids):
    """Both ways: every member is read (only what changed since its watermark), the newest change of
    a product changed on both sides wins and the log names the conflict; then every member is written
    what the hub holds (what is already there is not written again)."""
    state = BothWays(integration=integration)
    touched = set()
    for connection, connector in connectors:
        others = [c for c, _ in connectors if c != connection]
        state.start(source=connection, fields_in=target_fields(integration, others[0], source=connection),
                    fields_out=target_fields(integration, connection, source=others[0]))
        touched.update(_pull(merchant=merchant, integration=integration, connector=connector, log=log, full=full,
                             external_ids=None, dry_run=dry_run, source=connection, both=state))
    if not dry_run:  # every side's levels first: new copies start from them, not from 0
        _link_stock(merchant=merchant, integration=integration, log=log, connections=[c for c, _ in connectors],
                    product_ids=touched)
    for connection, connector in connectors:
        other = next(c for c, _ in connectors if c != connection)
        push_listed(merchant=merchant, integration=integration, target=connection, connector=connector, log=log,
                    fields=target_fields(integration, connection, source=other), dry_run=dry_run,
                    product_ids=product_ids)


def _link_stock(*, merchant, integration, log, connections=None, product_ids=None):
    """Link the variants this pass bound to their stock on both platforms (so a new product's first
    sale counts); a platform that does not answer leaves them to the next reconcile."""
    for connection in integration.connections if connections is None else connections:
        try:
            outcome = stock_link_bound(merchant=merchant, connection=connection, product_ids=product_ids)
        except ConnectorError as exc:
            logger.warning("stock link failed connection=%s: %s", connection.pk, exc.message)
            continue
        for entry in outcome.entries:
            log.add(**entry)


def member_prepare(*, integration, connection, connector, role):
    """Have ``connection``'s platform set up for its ``role`` as the integration's kind asks (idempotent),
    and keep what it found (e.g. the account's currency) in the connection's settings."""
    found = connector.prepare(role=role, options=kind_for(integration).prepare_options(
        integration, connection=connection, role=role)) or {}
    changed = {k: v for k, v in found.items() if connection.settings.get(k) != v}
    if changed:
        connection.settings = {**connection.settings, **changed}
        connection.save(update_fields=["settings", "updated_at"])


def _pull(*, merchant, integration, connector, log, full, external_ids, dry_run, on_page=None, source=None,
          both=None):
    """Pull home products into the hub; returns the ids of the hub products touched. ``on_page`` is
    called with the hub ids of each page once that page is in the hub (and listed); with it, nothing
    is returned (memory stays flat whatever the size of the catalog).

    ``source`` (default: the home base) is the member read. ``both`` (a ``_BothWays``) reads a
    both-ways member: only the fields it shares with the other side change the hub, Flyt's own writes
    coming back are not changes, and a product changed on both sides keeps the newest change."""
    home = source or integration.home
    since = None if full else cursor_since(merchant=merchant, connection=home, resource="products")
    # taken before reading, on the platform's clock, with an overlap
    started = datetime.fromtimestamp(connector.now(), UTC) - WATERMARK_OVERLAP
    price_list = integration_price_list(merchant=merchant, integration=integration)
    touched, seen = [], set()
    source = connector.get_products(external_ids=external_ids) if external_ids is not None else \
        connector.iter_products(since=since)
    pages = paged(source, PULL_PAGE)
    if on_page is not None:
        pages = read_ahead(pages)  # the next page is read while this one goes into the hub
    for page in pages:
        log.beat()
        seen.update(str(e.external_id) for e in page)
        digests = read_hashes(page)
        new, rest = split_new(merchant=merchant, connection=home, externals=page)
        rest, unchanged = skip_unchanged(connection=home, externals=rest, digests=digests)
        if both is not None:
            rest, echoes = both.own_changes(merchant=merchant, connection=home, externals=rest, log=log)
            unchanged += echoes
        page_ids = list(unchanged)
        if on_page is None:
            touched.extend(unchanged)
        listed = [(pk, False) for pk in unchanged]
        outcomes = []
        if new:
            try:
                with transaction.atomic():
                    outcomes = list(zip(new, pull_new_products(merchant=merchant, connection=home, externals=new,
                                                               price_list=price_list, digests=digests),
                                        strict=True))
            except CatalogError:
                rest = new + rest  # one product at a time, so the one at fault is named
        for external in rest:
            try:
                with transaction.atomic():
                    if both is not None:
                        outcome = both.pull(merchant=merchant, connection=home, external=external,
                                            price_list=price_list, digest=digests[str(external.external_id)],
                                            log=log)
                    else:
                        outcome = pull_product(merchant=merchant, connection=home, external=external,
                                               price_list=price_list)
                    outcomes.append((external, outcome))
            except Exception as exc:  # one bad item never stops the run
                logger.exception("pull failed run=%s external_id=%s", log.run.pk, external.external_id)
                # a FlytError says why in the merchant's words; anything else is ours to look at (logged above)
                reason = str(exc.message).rstrip(". ") if isinstance(exc, FlytError) else \
                    "something unexpected went wrong (support can see the details)"
                log.add(action=SyncEntry.Action.FAILED, object_type="product",
                        object_ref=str(external.external_id),
                        message=f"Product '{external.title}' could not be read into Flyt: {reason}. Check the "
                                f"product on {home.platform_info.label}; Flyt tries again at the next sync.")
        for external, outcome in outcomes:
            if outcome.product is None:
                log.add(action=SyncEntry.Action.SKIPPED, object_type="product",
                        object_ref=str(external.external_id), message=outcome.message, level=SyncEntry.Level.WARNING)
                continue
            if on_page is None:
                touched.append(outcome.product.pk)
            page_ids.append(outcome.product.pk)
            if outcome.action != "unchanged":
                log.add(action=SyncEntry.Action.NOTE, object_type="product", object_ref=str(external.external_id),
                        message=outcome.message)
        _list(merchant=merchant, integration=integration,
              products=listed + [(o.product.pk, o.newly_bound) for _, o in outcomes if o.product is not None])
        if on_page is not None:
            on_page(page_ids, stockless=not any(v.stock is not None for e in page for v in e.variants))
    if external_ids is not None:
        missing = {str(e) for e in external_ids} - seen
        _gone(merchant=merchant, integration=integration, connector=connector, external_ids=missing, log=log,
              source=home)
    elif since is None:
        bound = set(Binding.objects.filter(connection=home, kind=Binding.Kind.PRODUCT)
                    .values_list("external_id", flat=True))
        _gone(merchant=merchant, integration=integration, connector=connector, external_ids=bound - seen, log=log,
              source=home)
    if not dry_run:
        cursor_advance(merchant=merchant, connection=home, resource="products", since=started)
    return touched


def _list(*, merchant, integration, products):
    """Apply the listing rules to pulled ``(product id, newly_bound)`` pairs, in a few queries."""
    wanted, kind = {}, kind_for(integration)
    for product_id, newly_bound in products:
        source = kind.listing_source(integration, newly_bound=newly_bound)
        if source is not None:
            wanted[product_id] = source
    if not wanted:
        return
    existing = {listing.product_id: listing for listing in Listing.objects.filter(
        integration=integration, product_id__any=wanted)}
    rows_insert(Listing, common={"merchant_id": merchant.pk, "integration_id": integration.pk},
                columns=("product_id", "source"), rows=[(pk, source) for pk, source in wanted.items()
                                                        if pk not in existing])
    # the home base's decision (its channel, or all its products): a product offered again syncs again
    revived = [listing for pk, listing in existing.items()
               if wanted[pk] in (Listing.Source.CHANNEL, Listing.Source.HOME) and not listing.active]
    for listing in revived:
        listing.active, listing.source = True, wanted[listing.product_id]
    Listing.objects.bulk_update(revived, ["active", "source"])


def _gone(*, merchant, integration, connector, external_ids, log, source=None):
    """Home products no longer read: deleted on the home base (``source``, default the home base), or
    no longer offered by it (e.g. BigCommerce: unassigned from the channel)."""
    if not external_ids:
        return
    still_there = connector.existing_ids(external_ids=sorted(external_ids))
    home, kind = source or integration.home, kind_for(integration)
    targets = [c for c in integration.product_members if c != home]
    for binding in Binding.objects.filter(connection=home, kind=Binding.Kind.PRODUCT, external_id__any=external_ids):
        product = scoped(Listing, merchant=merchant).filter(integration=integration, product_id=binding.hub_id)
        if binding.external_id in still_there:  # no longer offered: stop syncing, keep the copies
            if product.filter(active=True).update(active=False):
                for target in targets:
                    target_product_remove(merchant=merchant, integration=integration, target=target,
                                          product_id=binding.hub_id, delete_copy=False, log=log,
                                          reason=kind.unlisted_reason(integration, target=target))
            continue
        product.update(active=False)
        hub_product = scoped(Product, merchant=merchant).filter(pk=binding.hub_id).first()
        if hub_product is not None:
            product_archive(merchant=merchant, product=hub_product)
        for target in targets:
            target_product_remove(merchant=merchant, integration=integration, target=target,
                                  product_id=binding.hub_id, delete_copy=True, log=log,
                                  reason=f"was deleted on {home.platform_info.label}, so its copy was deleted too")
