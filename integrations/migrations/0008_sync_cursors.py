from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0007_binding_drop_unused_columns")]

    operations = []
