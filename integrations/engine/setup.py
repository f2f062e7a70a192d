"""Starting and ending an integration: what the setup wizard's last step and "Disconnect" do."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.engine.connections import ConnectionProblem, connection_activate, connection_disconnect
from integrations.engine.runner import integration_sync, member_prepare
from integrations.errors import ConnectorError
from integrations.models import Binding, Connection, Direction, Listing, Role
from integrations.registry import connector_for
from merchants.tenancy import ensure_owned, scoped
from synclog.models import SyncEntry, SyncRun
from synclog.services import sync_entries_add

logger = logging.getLogger("flyt.engine")
SAFETY_SYNC_MINUTES = 60


def webhook_url(connection):
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{reverse('webhook-receive', args=[connection.platform, connection.public_id])}"


def webhook_problem(*, connection, exc):
    """The merchant's words for notifications a platform would not turn on (``exc``, a ConnectorError
    from ``register_webhooks``): what happened, that the scheduled sync carries on, what to do. Zettle
    tests Flyt's address when it subscribes (its test message); "unreachable" and "error" say how
    that went (``ConnectorError.detail["webhook_destination"]``)."""
    platform = connection.get_platform_display()
    address = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    refusal = (exc.detail or {}).get("webhook_destination")
    if refusal == "unreachable":
        what = _("%(platform)s could not reach Flyt at %(address)s, so it did not turn on instant updates.") % {
            "platform": platform, "address": address}
    elif refusal == "error":
        what = _("%(platform)s reached Flyt at %(address)s but got an error back, so it did not turn on instant "
                 "updates.") % {"platform": platform, "address": address}
    else:
        what = _("Flyt could not turn on instant updates from %(platform)s: %(error)s") % {
            "platform": platform, "error": exc.message}
    carry_on = _("Until this is fixed, Flyt keeps the integration in step with its scheduled sync instead: "
                 "products every hour and stock levels every %(hours)s hours. Flyt asks %(platform)s again at "
                 "every stock check.") % {"hours": connection.stock_reconcile_hours or 24, "platform": platform}
    if refusal:
        fix = _("Flyt's public address must be reachable from the internet over https: whoever runs Flyt should "
                "check its PUBLIC_BASE_URL setting.")
        return f"{what} {fix} {carry_on}"
    return f"{what} {carry_on}"


def account_currency(*, connection):
    """The ISO currency of the platform account (asked from the platform)."""
    return connector_for(connection).account_currency()


@transaction.atomic
def _configure(*, merchant, integration):
    home, targets = integration.home, integration.targets
    if home is None or not targets:
        raise ConnectionProblem(_("Connect the platforms and choose a home base first."))
    directions = {Role.HOME: Direction.PULL, Role.TARGET: Direction.PUSH, Role.BOTH: Direction.BOTH,
                  Role.OFF: Direction.OFF}
    for member in integration.member_list:
        connection = member.connection
        connection.products_direction = directions[member.products_role]
        connection.stock_direction = directions[member.stock_role]
        # Webhooks bring changes in seconds; the home base is also read on a schedule, to catch
        # anything a platform failed to announce. The other side is written by the same pass.
        connection.sync_interval_minutes = (connection.sync_interval_minutes or SAFETY_SYNC_MINUTES) \
            if connection == home else None
        connection.save(update_fields=["products_direction", "stock_direction", "sync_interval_minutes",
                                       "updated_at"])
        connection_activate(merchant=merchant, connection=connection)


def integration_activate(*, merchant, integration):
    """Finish setup: prepare every member's platform, register webhooks, activate, run the setup sync."""
    ensure_owned(integration, merchant=merchant)
    _configure(merchant=merchant, integration=integration)
    problems = []
    home = integration.home
    for connection in integration.connections:
        role = "home" if connection == home else "target"
        connector = connector_for(connection)
        member_prepare(integration=integration, connection=connection, connector=connector, role=role)
        try:
            issued = connector.register_webhooks(url=webhook_url(connection), secret=connection.webhook_secret)
        except ConnectorError as exc:
            logger.warning("webhook registration failed connection=%s status=%s", connection.pk, exc.status)
            problems.append((connection, exc))
        else:
            if issued:  # a signing key the platform chose (Zettle): keep the previous one during a rotation
                kept = [issued, *[k for k in connection.platform_webhook_secrets or [] if k != issued]][:2]
                connection.platform_webhook_secrets = kept
                connection.save(update_fields=["platform_webhook_secrets", "updated_at"])
    run = integration_sync(merchant=merchant, integration=integration, trigger=SyncRun.Trigger.SETUP, full=True)
    # told, not hidden: in the setup run's log, and on the run for the wizard to show
    run.setup_notices = [webhook_problem(connection=connection, exc=exc) for connection, exc in problems]
    if run.setup_notices:
        sync_entries_add(merchant=merchant, run=run, entries=[
            {"level": SyncEntry.Level.WARNING, "object_type": "webhooks", "object_ref": connection.platform,
             "message": notice, "detail": {"connection": connection.pk, "status": exc.status}}
            for (connection, exc), notice in zip(problems, run.setup_notices, strict=True)])
    home = integration.home
    home.next_run_at = timezone.now() + timedelta(minutes=home.sync_interval_minutes)
    home.save(update_fields=["next_run_at", "updated_at"])
    integration.completed_at = timezone.now()
    integration.setup_step = "done"
    integration.save(update_fields=["completed_at", "setup_step"])
    return run


def integration_disconnect(*, merchant, integration, connection, remove_products):
    """End the integration from ``connection``'s side: optionally delete the products Flyt created
    there, unregister webhooks, forget the credentials."""
    ensure_owned(integration, connection, merchant=merchant)
    if connection not in integration.connections or connection.status == Connection.Status.DISCONNECTED:
        raise ConnectionProblem(_("That platform is not connected."))
    connector = connector_for(connection)
    if remove_products and connection in integration.targets:
        # only what Flyt created there; products that were there already (linked by SKU or barcode, or of
        # unknown origin) are unlinked below and left on the platform. The home base: nothing is removed.
        ids = list(Binding.objects.filter(connection=connection, kind=Binding.Kind.PRODUCT,
                                          origin=Binding.Origin.CREATED).values_list("external_id", flat=True))
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
