# Reserved for: leases (item 4). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("synclog", "0001_initial")]

    operations = []
