# Reserved for: data safety (items 1-3). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_connection_stock_drift_count_and_more")]

    operations = []
