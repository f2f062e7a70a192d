"""Choosing which products an integration syncs (Zettle home base: "Assign channels")."""

from django.db import transaction

from integrations.engine.push import target_product_remove
from integrations.engine.runlog import RunLog
from integrations.models import Listing
from integrations.tasking import INTEGRATION_SYNC, enqueue_on_commit
from merchants.tenancy import ensure_owned
from synclog.models import SyncRun
from synclog.services import sync_run_finish, sync_run_start


@transaction.atomic
def listings_assign(*, merchant, integration, products):
    """Start syncing ``products`` to the target; they are pushed after commit. Returns how many."""
    ensure_owned(integration, *products, merchant=merchant)
    count = 0
    for product in products:
        _, created = Listing.objects.update_or_create(integration=integration, product=product,
                                                      defaults={"merchant": merchant, "active": True,
                                                                "source": Listing.Source.SELECTED})
        count += 1
    enqueue_on_commit(INTEGRATION_SYNC, integration.pk, SyncRun.Trigger.MANUAL, False, [p.pk for p in products])
    return count


@transaction.atomic
def listings_unassign(*, merchant, integration, products):
    """Stop syncing ``products``; their copies on the target stay, unbound. Returns how many."""
    ensure_owned(integration, *products, merchant=merchant)
    run = sync_run_start(merchant=merchant, connection=integration.target, trigger=SyncRun.Trigger.MANUAL,
                         direction=SyncRun.Direction.PUSH, resource="products")
    log = RunLog(merchant=merchant, run=run)
    count = Listing.objects.filter(integration=integration, product__in=products, active=True).update(active=False)
    label = integration.target.platform_info.label if integration.target else "the other platform"
    for product in products:
        target_product_remove(merchant=merchant, integration=integration, product_id=product.pk, delete_copy=False,
                              log=log, reason=f"was unassigned; its copy on {label} stays but no longer syncs")
    log.flush()
    sync_run_finish(merchant=merchant, run=run, summary=f"{count} product(s) unassigned.")
    return count
