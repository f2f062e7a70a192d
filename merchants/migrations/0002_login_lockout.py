# Reserved for: web hardening (items 18-21). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]

    operations = []
