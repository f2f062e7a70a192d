# Reserved for: home-base webhooks (items 9, 13). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0007_platform_rules")]

    operations = []
