# Reserved for: leases (item 4, 10). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_binding_origin")]

    operations = []
