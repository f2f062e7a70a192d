# Reserved for: Zettle v3 (items 11, 14). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0008_homebase_webhooks")]

    operations = []
