from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0008_sync_cursors")]

    operations = []
