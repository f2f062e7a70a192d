from django.core.management.base import BaseCommand, CommandError

from integrations.models import Connection
from integrations.services.sync import connection_sync
from synclog.models import SyncRun


class Command(BaseCommand):
    help = "Run one sync pass for a connection (by id or public id) and print its log."

    def add_arguments(self, parser):
        parser.add_argument("connection", help="the connection's id or public id")
        parser.add_argument("--full", action="store_true", help="read everything, not only changes since last time")
        parser.add_argument("--dry-run", action="store_true", help="compute and log the plan; write nothing")

    def handle(self, *args, connection, full, dry_run, **options):
        lookup = {"pk": int(connection)} if connection.isdigit() else {"public_id": connection}
        try:
            found = Connection.objects.select_related("merchant").get(**lookup)
        except (Connection.DoesNotExist, ValueError) as exc:
            raise CommandError(f"No connection {connection!r}.") from exc
        run = connection_sync(merchant=found.merchant, connection=found, trigger=SyncRun.Trigger.MANUAL, full=full,
                              dry_run=dry_run)
        for entry in run.entries.order_by("pk"):
            self.stdout.write(f"[{entry.get_action_display()}] {entry.message}")
        self.stdout.write(
            f"Run {run.pk}: {run.get_outcome_display()}{' (dry run)' if run.dry_run else ''} — "
            f"{run.created_count} created, {run.updated_count} updated, {run.unchanged_count} unchanged, "
            f"{run.skipped_count} skipped, {run.failed_count} failed."
        )
