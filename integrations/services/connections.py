"""Connections: create, configure, pause, ask for a sync (activating, disconnecting and the rest of what the
engine moves a connection through: ``integrations.engine.connections``)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from integrations.engine.connections import ConnectionProblem
from integrations.models import Connection, Direction, _new_webhook_secret
from integrations.platforms import PLATFORMS, SettingsInvalid, validate_settings
from integrations.tasking import CONNECTION_SYNC, enqueue_on_commit
from merchants.tenancy import ensure_owned, scoped

_DIRECTION_FIELDS = ("products_direction", "stock_direction")


def _check_account_free(*, merchant, platform, external_account_id, exclude_pk=None):
    if not external_account_id:
        return
    taken = Connection.objects.filter(platform=platform, external_account_id=external_account_id).exclude(
        status=Connection.Status.DISCONNECTED
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    owner = taken.values_list("merchant_id", flat=True).first()
    if owner is None:
        return
    label = PLATFORMS[platform].label
    if owner == merchant.pk:
        raise ConnectionProblem(
            f"This {label} account is already connected to your shop. Use the existing connection, or disconnect "
            "it first."
        )
    raise ConnectionProblem(
        f"This {label} account is connected to another Flyt shop. An account can belong to one shop only; "
        "disconnect it there first, or contact support."
    )


@transaction.atomic
def connection_create(*, merchant, platform, name, credentials=None, settings=None, external_account_id="",
                      sync_interval_minutes=None, **directions):
    if platform not in PLATFORMS:
        raise ConnectionProblem(f"Flyt does not connect to {platform!r}.")
    unknown = set(directions) - set(_DIRECTION_FIELDS)
    if unknown:
        raise ConnectionProblem(f"Unknown settings: {', '.join(sorted(unknown))}.")
    try:
        validate_settings(platform, settings or {})
    except SettingsInvalid as exc:
        raise ConnectionProblem(str(exc)) from exc
    _check_account_free(merchant=merchant, platform=platform, external_account_id=external_account_id)
    connection = Connection(merchant=merchant, platform=platform, name=name.strip() or PLATFORMS[platform].label,
                            credentials=credentials or {}, settings=settings or {},
                            external_account_id=external_account_id, sync_interval_minutes=sync_interval_minutes,
                            **directions)
    connection.full_clean(exclude=["merchant", "credentials", "webhook_secret", "previous_webhook_secret"])
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as exc:  # lost a race for the same account
        raise ConnectionProblem(f"This {PLATFORMS[platform].label} account is already connected.") from exc
    return connection


@transaction.atomic
def connection_update(*, merchant, connection, settings=None, name=None, external_account_id=None,
                      sync_interval_minutes=None, **directions):
    ensure_owned(connection, merchant=merchant)
    unknown = set(directions) - set(_DIRECTION_FIELDS)
    if unknown:
        raise ConnectionProblem(f"Unknown settings: {', '.join(sorted(unknown))}.")
    if settings is not None:
        try:
            connection.settings = validate_settings(connection.platform, settings)
        except SettingsInvalid as exc:
            raise ConnectionProblem(str(exc)) from exc
    if external_account_id is not None and external_account_id != connection.external_account_id:
        _check_account_free(merchant=merchant, platform=connection.platform,
                            external_account_id=external_account_id, exclude_pk=connection.pk)
        connection.external_account_id = external_account_id
    if name is not None:
        connection.name = name.strip() or connection.name
    if sync_interval_minutes is not None:
        connection.sync_interval_minutes = sync_interval_minutes or None
    for field, value in directions.items():
        if value not in Direction.values:
            raise ConnectionProblem(f"{value!r} is not a direction.")
        setattr(connection, field, value)
    connection.save()
    return connection


def connection_set_credentials(*, merchant, connection, credentials):
    """Replace the stored credentials. They are encrypted at rest and never shown again."""
    ensure_owned(connection, merchant=merchant)
    spec = PLATFORMS[connection.platform]
    missing = [str(c.label) for c in spec.credentials if not credentials.get(c.name)]
    if missing and not connection.settings.get("sandbox"):
        raise ConnectionProblem(gettext("Enter the %(missing)s to connect %(platform)s.") % {
            "missing": ", ".join(missing), "platform": spec.label})
    connection.credentials = dict(credentials)
    connection.save(update_fields=["credentials", "updated_at"])
    return connection


def connection_pause(*, merchant, connection):
    ensure_owned(connection, merchant=merchant)
    connection.status = Connection.Status.PAUSED
    connection.save(update_fields=["status", "updated_at"])
    return connection


def connection_rotate_webhook_secret(*, merchant, connection):
    """A new webhook secret; the previous one is still accepted until the next rotation."""
    ensure_owned(connection, merchant=merchant)
    connection.previous_webhook_secret = connection.webhook_secret
    connection.webhook_secret = _new_webhook_secret()
    connection.save(update_fields=["webhook_secret", "previous_webhook_secret", "updated_at"])
    return connection


def connection_request_sync(*, merchant, connection, trigger="manual", full=False):
    """Ask for a sync now ("Sync now"); it runs in a worker once this transaction commits."""
    ensure_owned(connection, merchant=merchant)
    if connection.status not in (Connection.Status.ACTIVE, Connection.Status.ERROR):
        raise ConnectionProblem(
            f"{connection.name} is {connection.get_status_display().lower()}: finish or resume it before syncing."
        )
    enqueue_on_commit(CONNECTION_SYNC, connection.pk, trigger, full)


def connection_list_active(*, merchant):
    return scoped(Connection, merchant=merchant).filter(status=Connection.Status.ACTIVE)
