# Shopbox poll interval: one setting name, the one the settings form validates.
from django.db import migrations


def poll_interval_rename(apps, schema_editor):
    """Shopbox settings stored as ``poll_seconds`` move to ``poll_interval_seconds``, the one name
    the settings are validated and read under (kept within its 30–3600 s bounds). Where both are
    present the validated one is kept."""
    Connection = apps.get_model("integrations", "Connection")
    for connection in Connection.objects.filter(platform="shopbox", settings__has_key="poll_seconds"):
        settings = dict(connection.settings)
        old = settings.pop("poll_seconds")
        if "poll_interval_seconds" not in settings and isinstance(old, int) and not isinstance(old, bool):
            settings["poll_interval_seconds"] = min(3600, max(30, old))
        Connection.objects.filter(pk=connection.pk).update(settings=settings)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_binding_origin")]

    operations = [migrations.RunPython(poll_interval_rename, migrations.RunPython.noop)]
