# What each webhook delivery's signature covers, hashed: a replay under a new delivery id is a duplicate.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_shopbox_poll_interval")]

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
