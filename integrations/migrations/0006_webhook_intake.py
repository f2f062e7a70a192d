# Reserved for: webhook intake (items 15-17). Fill in operations here (keep this file name and dependency).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_leases")]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="content_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddConstraint(
            model_name="webhookevent",
            constraint=models.UniqueConstraint(condition=models.Q(("content_hash", ""), _negated=True),
                                               fields=("connection", "content_hash"),
                                               name="webhookevent_unique_content"),
        ),
    ]
