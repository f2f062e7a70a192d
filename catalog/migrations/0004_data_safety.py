# Reserved for: data safety (items 1-3). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_platform_rules")]

    operations = []
