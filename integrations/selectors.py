from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from catalog.models import Variant
from integrations.engine.stock.common import stock_active
from integrations.errors import ConnectorError
from integrations.models import Binding, Connection, Direction, RemoteStock, WebhookEvent
from integrations.registry import stock_connector_for
from inventory.models import Allocation, Location
from inventory.selectors import stock_quantities
from merchants.tenancy import ensure_owned, get_for_merchant_or_404, scoped
from synclog.models import SyncRun


def connection_list(*, merchant, include_disconnected=False):
    """The merchant's connections, each annotated with its last run's outcome and finish time."""
    last_runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at", "-pk")
    connections = scoped(Connection, merchant=merchant).annotate(
        last_run_id=Subquery(last_runs.values("pk")[:1]),
        last_run_outcome=Subquery(last_runs.values("outcome")[:1]),
        last_run_started_at=Subquery(last_runs.values("started_at")[:1]),
    )
    if not include_disconnected:
        connections = connections.exclude(status=Connection.Status.DISCONNECTED)
    return connections.order_by("name", "pk")


def connection_get(*, merchant, connection_id):
    return get_for_merchant_or_404(Connection, merchant=merchant, pk=connection_id)


def webhook_event_list(*, merchant, connection=None):
    events = scoped(WebhookEvent, merchant=merchant).defer("body")
    if connection is not None:
        events = events.filter(connection=connection)
    return events


# --- a product's stock ---------------------------------------------------------------------------

@dataclass
class StockCell:
    """One variant on one connection's platform."""

    connection: Connection
    rows: list = field(default_factory=list)  # RemoteStock rows (one per platform location)
    share: int | None = None  # its Allocation under separate stock
    posted: object = None  # what the merchant typed, shown again with an error
    proposed: int | None = None  # the share the form proposes before there is one (see ``product_stock``)

    @property
    def mapped(self):
        return [r for r in self.rows if r.location_id]

    @property
    def last_known(self):
        known = [r.last_known for r in self.mapped if r.last_known is not None]
        return sum(known) if known else None

    @property
    def editable(self):
        """A share can be entered: the item is linked at a mapped location."""
        return bool(self.mapped)

    @property
    def unmapped(self):
        return bool(self.rows) and not self.mapped

    @property
    def value(self):
        """The share input's value: what was typed, else the share, else the proposed share."""
        if self.posted is not None:
            return self.posted
        value = self.share if self.share is not None else self.proposed
        return "" if value is None else value


@dataclass
class VariantStock:
    variant: Variant
    hub: int
    cells: list

    @property
    def unallocated(self):
        """What the shares in the form leave of the level on hand (None while a share is not a number)."""
        values = [c.value for c in self.cells if c.editable]
        if not all(isinstance(v, int) for v in values):
            return None
        return self.hub - sum(values)


def _propose(cells, level, home):
    """Shares to propose where none is set yet: an even split of the level on hand, the odd units to the
    home base (else the first platform), so that every platform keeps selling and nothing is created
    or left unallocated. Where some shares are set already, a platform without one is proposed 0."""
    editable = [c for c in cells if c.editable]
    if not editable or any(c.share is not None for c in editable):
        for cell in editable:
            cell.proposed = 0
        return
    base, extra = divmod(max(level, 0), len(editable))
    first = next((c for c in editable if home is not None and c.connection.pk == home.pk), editable[0])
    for cell in editable:
        cell.proposed = base + (extra if cell is first else 0)


def product_stock(*, merchant, product, home=None):
    """The stock section of a product page: per variant the hub level and, per connection that syncs
    stock (or has linked the product before), what the platform last showed and its share (or the
    share proposed for it: ``_propose``; ``home`` is the home base connection, if any)."""
    variants = list(scoped(Variant, merchant=merchant).filter(product=product).order_by("position", "pk"))
    rows = list(scoped(RemoteStock, merchant=merchant).filter(variant__in=variants)
                .select_related("connection", "location").order_by("connection__name", "connection_id", "pk"))
    linked = {r.connection_id for r in rows}
    connections = [c for c in scoped(Connection, merchant=merchant).exclude(status=Connection.Status.DISCONNECTED)
                   .order_by("name", "pk") if c.pk in linked or stock_active(c)]
    shares = {(a.variant_id, a.connection_id): a.quantity
              for a in scoped(Allocation, merchant=merchant).filter(variant__in=variants)}
    hub = stock_quantities(merchant=merchant, variant_ids=[v.pk for v in variants])
    table = []
    for variant in variants:
        cells = []
        for connection in connections:
            cell = StockCell(connection=connection, share=shares.get((variant.pk, connection.pk)),
                             rows=[r for r in rows if r.variant_id == variant.pk and r.connection_id == connection.pk])
            cells.append(cell)
        _propose(cells, hub.get(variant.pk) or 0, home)
        table.append(VariantStock(variant=variant, hub=hub.get(variant.pk) or 0, cells=cells))
    editable = [c for row in table for c in row.cells if c.editable]
    platforms = list(dict.fromkeys(c.connection.get_platform_display() for c in editable))
    return {"variants": table, "connections": connections, "can_separate": bool(editable),
            "platforms": _and(platforms)}


def _and(names):
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def location_mappings(*, merchant, connection):
    """[(ExternalLocation, hub Location or None)] for the connection's platform locations."""
    ensure_owned(connection, merchant=merchant)
    connector = stock_connector_for(connection)
    mapped = dict(Binding.objects.filter(connection=connection, kind=Binding.Kind.LOCATION)
                  .values_list("external_id", "hub_id"))
    hub = {loc.pk: loc for loc in scoped(Location, merchant=merchant)}
    return [(loc, hub.get(mapped.get(loc.external_id))) for loc in connector.locations()]


def connection_stock(*, merchant, connection):
    """The stock part of a connection's page: last check, drift, and its locations with their mapping."""
    context = {"enabled": connection.stock_direction != Direction.OFF, "locations": [], "problem": "",
               "hub_locations": list(scoped(Location, merchant=merchant))}
    if context["enabled"] and connection.status != Connection.Status.DISCONNECTED:
        try:
            context["locations"] = location_mappings(merchant=merchant, connection=connection)
        except ConnectorError as exc:
            context["problem"] = exc.message
    return context
