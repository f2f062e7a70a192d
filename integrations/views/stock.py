"""Stock sync pages: what a product's stock is on the hub and on each platform, a connection's
locations, and "Reconcile stock now". The writes are the services in integrations.services.stock."""


from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.engine.stock.common import stock_active
from integrations.errors import ConnectorError
from integrations.models import Direction
from integrations.selectors import connection_get, location_mappings
from integrations.services.stock import location_map
from integrations.tasking import STOCK_RECONCILE, enqueue_on_commit
from inventory.models import QUANTITY_MAX, Location
from merchants.decorators import merchant_required
from merchants.tenancy import scoped

NOT_SYNCED = ""


class SharesForm(forms.Form):
    """The "Separate stock" form: one whole number per variant and platform, 0 up to what a stock
    column holds. Whether the shares fit the level on hand is the service's to say (under its lock)."""

    def __init__(self, data, *, stock):
        super().__init__(data)
        self.cells = {}
        for row in stock["variants"]:
            for cell in row.cells:
                if not cell.editable:
                    continue
                name = f"share-{row.variant.pk}-{cell.connection.pk}"
                where = {"platform": cell.connection.get_platform_display(),
                         "what": row.variant.sku or row.variant.product.title}
                whole = gettext("Enter a whole number of 0 or more for %(platform)s (%(what)s).") % where
                most = gettext("Enter at most %(most)s units for %(platform)s (%(what)s).") % {
                    **where, "most": QUANTITY_MAX}
                # the range validators' messages are formatted again with their own parameters
                self.fields[name] = forms.IntegerField(min_value=0, max_value=QUANTITY_MAX, error_messages={
                    "required": whole, "invalid": whole, "min_value": whole.replace("%", "%%"),
                    "max_value": most.replace("%", "%%")})
                self.cells[name] = (row, cell)


def shares_from_post(post, stock):
    """{(variant id, connection id): quantity} from the share inputs, and the errors in plain words.
    What was typed is kept on each cell (``posted``) to be shown again."""
    form = SharesForm(post, stock=stock)
    form.is_valid()
    shares, errors = {}, []
    for name, (row, cell) in form.cells.items():
        if name in form.errors:
            errors.extend(form.errors[name])
            cell.posted = (post.get(name) or "").strip()
            continue
        cell.posted = form.cleaned_data[name]
        shares[(row.variant.pk, cell.connection.pk)] = form.cleaned_data[name]
    return shares, errors


def merged_preview(stock):
    """What "Turn off separate stock" will leave: per variant the shares and the one shared level."""
    return [{"variant": row.variant, "level": row.hub,
             "shares": [(c.connection, c.share) for c in row.cells if c.share is not None],
             "unallocated": row.hub - sum(c.share for c in row.cells if c.share is not None)}
            for row in stock["variants"]]


# --- a connection's stock ------------------------------------------------------------------------

def stock_checked_ago(connection):
    """"2 hours" since the last stock reconciliation (the largest unit only), or "" when never."""
    if connection.stock_reconciled_at is None:
        return ""
    return timesince(connection.stock_reconciled_at, depth=1)


@merchant_required
@require_POST
def connection_locations_save(request, connection_id):
    """Save the "Locations" form: one select per platform location, a hub location or "Not synced"."""
    connection = connection_get(merchant=request.merchant, connection_id=connection_id)
    try:
        mappings = location_mappings(merchant=request.merchant, connection=connection)
    except ConnectorError as exc:
        messages.error(request, f"The locations could not be read from {connection.get_platform_display()}: "
                                f"{exc.message}")
        return redirect("connection-detail", connection_id=connection.pk)
    hub = {str(loc.pk): loc for loc in scoped(Location, merchant=request.merchant)}
    chosen = {}
    for external, current in mappings:
        value = request.POST.get(f"location-{external.external_id}")
        if value is None:  # not in the form: leave as it is
            continue
        if value != NOT_SYNCED and value not in hub:
            messages.error(request, "Choose one of your locations, or \"Not synced\".")
            return redirect("connection-detail", connection_id=connection.pk)
        chosen[external.external_id] = (external, current, hub.get(value))
    taken = [loc.pk for _, _, loc in chosen.values() if loc is not None]
    if len(taken) != len(set(taken)):
        messages.error(request, "Each of your locations can take the stock of one platform location only. "
                                "Nothing was changed.")
        return redirect("connection-detail", connection_id=connection.pk)
    changed = 0
    # unmapping first, so that a hub location freed here can be given to another platform location
    for external, current, location in sorted(chosen.values(), key=lambda item: item[2] is not None):
        if (current.pk if current else None) == (location.pk if location else None):
            continue
        location_map(merchant=request.merchant, connection=connection, external_location_id=external.external_id,
                     location=location)
        changed += 1
    if changed:
        messages.success(request, f"Locations saved. Stock at a location marked \"Not synced\" is not read or "
                                  f"written; the others are checked against {connection.get_platform_display()} "
                                  f"now.")
    else:
        messages.info(request, "No location changed.")
    return redirect("connection-detail", connection_id=connection.pk)


@merchant_required
@require_POST
def connection_stock_reconcile(request, connection_id):
    """"Reconcile stock now": compare every level with the platform in the background."""
    connection = connection_get(merchant=request.merchant, connection_id=connection_id)
    if connection.stock_direction == Direction.OFF:
        messages.error(request, f"Stock sync is not on for {connection.name}, so there is nothing to check.")
        return redirect("connection-detail", connection_id=connection.pk)
    if not stock_active(connection):
        messages.error(request, f"{connection.name} is not active ({connection.get_status_display().lower()}), "
                                "so its stock cannot be checked now.")
        return redirect("connection-detail", connection_id=connection.pk)
    enqueue_on_commit(STOCK_RECONCILE, connection.pk, "manual")
    messages.success(request, f"Stock check of {connection.name} started: every level is compared with "
                              f"{connection.get_platform_display()} and corrected where it differs. "
                              "The sync log shows what changed.")
    return redirect("connection-detail", connection_id=connection.pk)
