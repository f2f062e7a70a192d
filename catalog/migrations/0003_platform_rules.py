# Reserved for: help-page rules (items 5-8). Fill in operations here (keep this file name and dependency).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_separate_stock_product_track_stock")]

    operations = []
