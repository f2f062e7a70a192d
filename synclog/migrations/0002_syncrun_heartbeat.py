# Sync runs carry a heartbeat, so a run whose worker died is marked interrupted and resumed.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("synclog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="outcome",
            field=models.CharField(
                choices=[("running", "Running"), ("success", "Succeeded"), ("partial", "Finished with errors"),
                         ("failed", "Failed"), ("interrupted", "Interrupted")],
                default="running", max_length=16),
        ),
        migrations.AddIndex(
            model_name="syncrun",
            index=models.Index(condition=models.Q(("outcome", "running")), fields=["heartbeat_at"],
                               name="synclog_run_running_beat"),
        ),
    ]
