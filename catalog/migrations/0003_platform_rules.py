# The home base's SEO title and meta description and videos, and each variant's low-stock level.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_separate_stock_product_track_stock")]

    operations = [
        migrations.AddField(model_name="product", name="seo_title",
                            field=models.CharField(blank=True, max_length=255)),
        migrations.AddField(model_name="product", name="seo_description", field=models.TextField(blank=True)),
        migrations.AddField(model_name="product", name="videos", field=models.JSONField(blank=True, default=list)),
        migrations.AddField(model_name="variant", name="low_stock_level",
                            field=models.PositiveIntegerField(blank=True, null=True)),
    ]
