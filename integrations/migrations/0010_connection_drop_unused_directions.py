"""Orders and customers directions had no code behind them: they come back with the code that syncs
orders and customers."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0009_integration_members")]

    operations = [
        migrations.RemoveField(model_name="connection", name="orders_direction"),
        migrations.RemoveField(model_name="connection", name="customers_direction"),
    ]
