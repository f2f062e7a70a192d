"""What the engine does with changes a webhook announced."""

from integrations.engine.runner import integration_sync
from integrations.models import Integration
from merchants.tenancy import scoped
from synclog.models import SyncRun

PRODUCT_KINDS = {"product", "variant"}


def product_changes(changes):
    """The changes that concern a product itself: product and variant events, and a switch of stock
    tracking (which products the home base tracks is a product field: it decides whether the other
    platform tracks the product's inventory at all)."""
    return [c for c in changes if c.kind in PRODUCT_KINDS or (c.kind == "stock" and "tracking" in (c.data or {}))]


def changes_apply(*, merchant, connection, changes):
    """Sync the home-base products the changes name (within seconds of the webhook). Returns True
    when anything was done. Changes on the target side are not acted on here: they are our own
    writes coming back, or edits that the next pass overwrites and logs."""
    product_ids = sorted({c.external_parent_id or c.external_id for c in product_changes(changes)
                          if c.external_parent_id or c.external_id})
    if not product_ids:
        return False
    done = False
    integrations = scoped(Integration, merchant=merchant).filter(members__connection=connection,
                                                                 completed_at__isnull=False).distinct()
    for integration in integrations:
        if integration.home != connection:
            continue
        integration_sync(merchant=merchant, integration=integration, trigger=SyncRun.Trigger.WEBHOOK,
                         home_external_ids=product_ids)
        done = True
    return done
