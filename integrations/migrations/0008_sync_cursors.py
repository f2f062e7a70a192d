# Sync cursors: each connection's watermark and poll time per resource in its own row, written only by
# the subsystem that reads that resource, instead of one JSON blob every subsystem rewrote whole.
from datetime import UTC, datetime

import django.db.models.deletion
from django.db import migrations, models

# where each resource's state lived in Connection.sync_state
BLOB_KEYS = {"products": "products", "stock": "stock_poll", "orders": "orders", "customers": "customers"}


def _time(value):
    """An ISO-8601 timestamp from the blob as an aware datetime; None when empty or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def cursors_from_sync_state(apps, schema_editor):
    """One SyncCursor per connection and resource the blob held a watermark or poll time for:
    ``{"products": {"since"}}`` and ``{"stock_poll": {"since", "polled_at"}}``. Rows already there
    are left as they are."""
    Connection = apps.get_model("integrations", "Connection")
    SyncCursor = apps.get_model("integrations", "SyncCursor")
    rows = []
    for connection in Connection.objects.exclude(sync_state={}).only("pk", "merchant_id", "sync_state").iterator():
        state = connection.sync_state if isinstance(connection.sync_state, dict) else {}
        for resource, key in BLOB_KEYS.items():
            entry = state.get(key)
            if not isinstance(entry, dict):
                continue
            since, polled_at = _time(entry.get("since")), _time(entry.get("polled_at"))
            if since is None and polled_at is None:
                continue
            rows.append(SyncCursor(merchant_id=connection.merchant_id, connection_id=connection.pk,
                                   resource=resource, since=since, polled_at=polled_at))
    SyncCursor.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def cursors_to_sync_state(apps, schema_editor):
    """The reverse: each cursor written back into its connection's blob under its old key."""
    Connection = apps.get_model("integrations", "Connection")
    SyncCursor = apps.get_model("integrations", "SyncCursor")
    by_connection = {}
    for cursor in SyncCursor.objects.order_by("connection_id", "resource").iterator():
        entry = {}
        if cursor.since is not None:
            entry["since"] = cursor.since.isoformat()
        if cursor.polled_at is not None:
            entry["polled_at"] = cursor.polled_at.isoformat()
        by_connection.setdefault(cursor.connection_id, {})[BLOB_KEYS[cursor.resource]] = entry
    for connection in Connection.objects.filter(pk__in=by_connection).only("pk", "sync_state"):
        state = connection.sync_state if isinstance(connection.sync_state, dict) else {}
        Connection.objects.filter(pk=connection.pk).update(sync_state={**state, **by_connection[connection.pk]})


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_binding_drop_unused_columns"),
        ("merchants", "0002_login_lockout"),
    ]

    operations = [
        migrations.CreateModel(
            name="SyncCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("resource", models.CharField(choices=[("products", "Products"), ("stock", "Stock"),
                                                       ("orders", "Orders"), ("customers", "Customers")],
                                              max_length=16)),
                ("since", models.DateTimeField(
                    blank=True, null=True,
                    help_text="The next read asks for changes since then (the platform's clock)")),
                ("polled_at", models.DateTimeField(blank=True, help_text="When the last poll was claimed", null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("connection", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                 related_name="sync_cursors", to="integrations.connection")),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                               to="merchants.merchant")),
            ],
            options={
                "ordering": ["connection", "resource"],
                "constraints": [models.UniqueConstraint(fields=("connection", "resource"),
                                                        name="synccursor_unique_resource")],
            },
        ),
        migrations.RunPython(cursors_from_sync_state, cursors_to_sync_state),
    ]
