# Reserved for: webhook intake (items 15-17). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_leases")]

    operations = []
