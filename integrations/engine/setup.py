"""Starting and ending an integration: what the setup wizard's last step and "Disconnect" do."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.engine.runner import integration_sync
from integrations.errors import ConnectorError
from integrations.models import Binding, Connection, Direction, Listing
from integrations.registry import connector_for
from integrations.services.connections import ConnectionProblem, connection_activate, connection_disconnect
from merchants.tenancy import scoped
from synclog.models import SyncRun

logger = logging.getLogger("flyt.engine")
SAFETY_SYNC_MINUTES = 60


def webhook_url(connection):
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{reverse('webhook-receive', args=[connection.platform, connection.public_id])}"


def account_currency(*, connection):
    """The ISO currency of the platform account (asked from the platform)."""
    return connector_for(connection).account_currency()


@transaction.atomic
def _configure(*, merchant, integration):
    home, target = integration.home, integration.target
    if home is None or target is None:
        raise ConnectionProblem("Connect both BigCommerce and Zettle and choose a home base first.")
    for connection, products in ((home, Direction.PULL), (target, Direction.PUSH)):
        connection.products_direction = products
        connection.stock_direction = Direction.BOTH
        # Webhooks bring changes in seconds; the home base is also read on a schedule, to catch
        # anything a platform failed to announce. The other side is written by the same pass.
        connection.sync_interval_minutes = (connection.sync_interval_minutes or SAFETY_SYNC_MINUTES) \
            if connection == home else None
        connection.save(update_fields=["products_direction", "stock_direction", "sync_interval_minutes",
                                       "updated_at"])
        connection_activate(merchant=merchant, connection=connection)


def integration_activate(*, merchant, integration):
    """Finish setup: prepare both platforms, register webhooks, activate, run the setup sync."""
    if integration.merchant_id != merchant.pk:
        raise ConnectionProblem("That integration belongs to another shop.")
    _configure(merchant=merchant, integration=integration)
    for connection, role in ((integration.home, "home"), (integration.target, "target")):
        connector = connector_for(connection)
        connector.prepare(role=role)
        try:
            issued = connector.register_webhooks(url=webhook_url(connection), secret=connection.webhook_secret)
        except ConnectorError as exc:
            logger.warning("webhook registration failed connection=%s: %s", connection.pk, exc.message)
        else:
            if issued:  # a signing key the platform chose (Zettle): keep the previous one during a rotation
                kept = [issued, *[k for k in connection.platform_webhook_secrets or [] if k != issued]][:2]
                connection.platform_webhook_secrets = kept
                connection.save(update_fields=["platform_webhook_secrets", "updated_at"])
    run = integration_sync(merchant=merchant, integration=integration, trigger=SyncRun.Trigger.SETUP, full=True)
    home = integration.home
    home.next_run_at = timezone.now() + timedelta(minutes=home.sync_interval_minutes)
    home.save(update_fields=["next_run_at", "updated_at"])
    integration.completed_at = timezone.now()
    integration.setup_step = "done"
    integration.save(update_fields=["completed_at", "setup_step"])
    return run


def integration_disconnect(*, merchant, integration, platform, remove_products):
    """End the integration from ``platform``'s side: optionally delete the products Flyt synced
    there, unregister webhooks, forget the credentials."""
    if integration.merchant_id != merchant.pk:
        raise ConnectionProblem("That integration belongs to another shop.")
    connection = {"bigcommerce": integration.bigcommerce, "zettle": integration.zettle}.get(platform)
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        raise ConnectionProblem("That platform is not connected.")
    connector = connector_for(connection)
    created_here = connection == integration.target
    if remove_products:
        # only what Flyt created there; products that were there already (linked by SKU or barcode, or of
        # unknown origin) are unlinked below and left on the platform
        bindings = Binding.objects.filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                          origin=Binding.Origin.CREATED)
        if not created_here:  # the home base: remove only products Flyt created there (none in this direction)
            bindings = bindings.none()
        ids = list(bindings.values_list("external_id", flat=True))
        for start in range(0, len(ids), 100):
            connector.delete_products(external_ids=ids[start:start + 100])
    try:
        connector.unregister_webhooks(url=webhook_url(connection))
    except ConnectorError as exc:
        logger.warning("webhook removal failed connection=%s: %s", connection.pk, exc.message)
    with transaction.atomic():
        Binding.objects.filter(connection=connection).delete()
        scoped(Listing, merchant=merchant).filter(integration=integration).update(active=False)
        connection_disconnect(merchant=merchant, connection=connection)
        integration.setup_step = "disconnected"
        integration.save(update_fields=["setup_step"])
