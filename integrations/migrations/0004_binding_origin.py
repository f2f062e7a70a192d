# Whether Flyt created a binding's platform object or linked one that was there already.
# Existing rows get "linked": nobody recorded who made them, and an object of unknown origin must
# never be deleted by "remove the products Flyt synced" (it is only unlinked).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_connection_stock_drift_count_and_more")]

    operations = [
        migrations.AddField(
            model_name="binding",
            name="origin",
            field=models.CharField(
                choices=[("created", "Created by Flyt"), ("linked", "Linked to an existing object")],
                default="linked",
                help_text="Created: Flyt made the platform's object, so removing the products Flyt synced may "
                          "delete it. Linked: it existed there already (or nobody knows), so it is only ever "
                          "unlinked.",
                max_length=8,
            ),
        ),
    ]
