"""Link the variants a product sync just bound to their stock on each platform, right after the pass.

The product sync created (target) or read (home base) these variants with the hub's level moments
ago, so a new row starts from the hub's level as what the platform showed, and any difference read
now is a change made on the platform since (a sale on a product created a minute ago counts).
"""

from django.db import transaction

from catalog.models import Variant
from integrations.contracts.stock import StockRef
from integrations.engine.stock.common import (
    Outcome,
    enqueue_pushes,
    hub_quantity,
    lock_variants,
    stock_active,
    take_level,
)
from integrations.models import Binding, RemoteStock
from integrations.registry import stock_connector_for
from inventory.services import location_get_default
from merchants.tenancy import ensure_owned

BATCH = 250


def stock_link_bound(*, merchant, connection, connector=None, product_ids=None) -> Outcome:
    """Create the missing RemoteStock rows for the connection's variant bindings at the platform
    location mapped to the hub's default location (only the variants of the hub products
    ``product_ids``, when given). Returns the Outcome."""
    ensure_owned(connection, merchant=merchant)
    outcome = Outcome()
    if not stock_active(connection):
        return outcome
    hub_location = location_get_default(merchant=merchant)
    location = Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION,
                                      hub_id=hub_location.pk).values_list("external_id", flat=True).first()
    if location is None:
        return outcome  # stock sync has not started on this connection: its start links everything
    remote = RemoteStock.objects.filter(connection=connection, external_location_id=location)
    variant_bindings = Binding.objects.filter(connection=connection, kind=Binding.Kind.VARIANT)
    if product_ids is not None:
        variant_ids = list(Variant.objects.filter(product_id__any=list(product_ids)).values_list("pk", flat=True))
        remote, variant_bindings = remote.filter(variant_id__any=variant_ids), \
            variant_bindings.filter(hub_id__any=variant_ids)
    linked = set(remote.values_list("variant_id", flat=True))
    bindings = [b for b in variant_bindings.only("hub_id", "external_id", "external_parent_id")
                if b.hub_id not in linked]
    if not bindings:
        return outcome
    connector = connector or stock_connector_for(connection)
    for start in range(0, len(bindings), BATCH):
        _link(merchant=merchant, connection=connection, connector=connector, location=location,
              hub_location=hub_location, bindings=bindings[start:start + BATCH], outcome=outcome)
    return outcome


def _link(*, merchant, connection, connector, location, hub_location, bindings, outcome):
    refs = [StockRef(variant_id=b.external_id, product_id=b.external_parent_id, location_id=location)
            for b in bindings]
    by_external = {b.external_id: b for b in bindings}
    with transaction.atomic():
        lock_variants(merchant=merchant, variant_ids={b.hub_id for b in bindings})
        levels = [lv for lv in connector.read_levels(refs=refs) if lv.tracked and lv.location_id == location]
        rows = []
        for level in levels:
            binding = by_external.get(level.variant_id)
            if binding is None:
                continue
            rows.append(RemoteStock(
                merchant=merchant, connection=connection, variant_id=binding.hub_id, location=hub_location,
                external_variant_id=level.variant_id, external_location_id=location,
                external_product_id=level.product_id or binding.external_parent_id,
                last_known=hub_quantity(merchant=merchant, variant_id=binding.hub_id, location_id=hub_location.pk)))
        RemoteStock.objects.bulk_create(rows, ignore_conflicts=True)
        fresh = {(r.external_variant_id, r.external_location_id): r
                 for r in lock_variants(merchant=merchant, variant_ids={r.variant_id for r in rows})
                 if r.connection_id == connection.pk}
        for level in levels:
            row = fresh.get((level.variant_id, level.location_id))
            if row is not None:
                take_level(merchant=merchant, row=row, quantity=level.quantity, topic="link", outcome=outcome)
        enqueue_pushes(outcome.pushed_connections)
