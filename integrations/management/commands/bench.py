import json

from django.core.management.base import BaseCommand, CommandError

from integrations.bench.process import SandboxServerError
from integrations.bench.sync import BenchError, bench_sync

PLATFORMS = ("bigcommerce", "zettle")


class Command(BaseCommand):
    help = (
        "Benchmarks against sandboxes served from a separate process, on the real clock with the platforms' "
        "documented rate limits. Runs against the database DATABASE_URL configures, creating its own merchant "
        "(unique slug) and deleting nothing. It refuses a database with unapplied migrations: run "
        "`python manage.py migrate` first. Prints one JSON line."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="benchmark", required=True)
        sync = sub.add_parser("sync", help="initial sync of a seeded catalog, then an unchanged re-run (full)")
        sync.add_argument("--source", choices=PLATFORMS, required=True, help="the home base, seeded with products")
        sync.add_argument("--target", choices=PLATFORMS, required=True, help="the platform synced to (starts empty)")
        sync.add_argument("--products", type=int, default=100)
        sync.add_argument("--variants", type=int, default=1, help="variants per product")
        sync.add_argument("--currency", default="DKK", help="currency of both accounts and the merchant")
        sync.add_argument("--random-seed", type=int, default=1, help="random seed, for repeatable catalogs")
        sync.add_argument("--no-rerun", action="store_true", help="only the initial sync")

    def handle(self, *args, benchmark, **options):
        if benchmark == "sync":
            if options["source"] == options["target"]:
                raise CommandError("--source and --target must differ.")
            try:
                result = bench_sync(source=options["source"], target=options["target"], products=options["products"],
                                    variants=options["variants"], currency=options["currency"].upper(),
                                    random_seed=options["random_seed"], rerun=not options["no_rerun"])
            except (BenchError, SandboxServerError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(json.dumps(result, separators=(",", ":")))
