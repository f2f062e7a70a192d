# Failed sign-ins per account and per client address, and the lock they lead to.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(choices=[("account", "Account"), ("address", "Client address")],
                                           max_length=8)),
                ("key", models.CharField(max_length=64)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_started_at", models.DateTimeField()),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("scope", "key"),
                                                        name="loginthrottle_unique_scope_key")],
            },
        ),
    ]
