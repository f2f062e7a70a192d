# Reserved for: help-page rules (items 5-8). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0006_webhook_intake")]

    operations = []
