import json

from django.core.management.base import BaseCommand, CommandError

from integrations.bench.process import SandboxServerError
from integrations.bench.stock import bench_stock
from integrations.bench.stock.report import PLATFORMS
from integrations.bench.sync import PLATFORMS as SYNC_PLATFORMS
from integrations.bench.sync import BenchError, bench_sync


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
        sync.add_argument("--source", choices=SYNC_PLATFORMS, required=True,
                          help="the home base, seeded with products")
        sync.add_argument("--target", choices=SYNC_PLATFORMS, required=True,
                          help="the platform synced to (starts empty)")
        sync.add_argument("--products", type=int, default=100)
        sync.add_argument("--variants", type=int, default=1, help="variants per product")
        sync.add_argument("--currency", default="DKK", help="currency of both accounts and the merchant")
        sync.add_argument("--random-seed", type=int, default=1, help="random seed, for repeatable catalogs")
        sync.add_argument("--no-rerun", action="store_true", help="only the initial sync")
        stock = sub.add_parser(
            "stock", help="sales posted on one sandbox at --rate for --seconds, timed until the other shows them, "
                          "through the web server, PostgreSQL, Redis and a Celery worker (needs REDIS_URL)")
        stock.add_argument("--rate", type=float, required=True, help="sales a second")
        stock.add_argument("--seconds", type=float, required=True, help="how long to sell")
        stock.add_argument("--products", type=int, default=200, help="products the sales are spread over")
        stock.add_argument("--variants", type=int, default=1, help="variants per product")
        stock.add_argument("--source", choices=PLATFORMS, default="zettle", help="where the sales are made")
        stock.add_argument("--target", choices=PLATFORMS, default="bigcommerce", help="where they must show")
        stock.add_argument("--workers", type=int, default=2, help="the Celery worker's --concurrency (prefork)")
        stock.add_argument("--web-workers", type=int, default=3, help="gunicorn workers of the webhook intake")
        stock.add_argument("--stock", type=int, default=1000, help="starting level of every SKU")
        stock.add_argument("--currency", default="DKK", help="currency of both accounts and the merchant")
        stock.add_argument("--random-seed", type=int, default=1, help="random seed, for repeatable runs")

    def handle(self, *args, benchmark, **options):
        if benchmark == "stock":
            if options["source"] == options["target"]:
                raise CommandError("--source and --target must differ.")
            try:
                result = bench_stock(rate=options["rate"], seconds=options["seconds"], products=options["products"],
                                     variants=options["variants"], source=options["source"],
                                     target=options["target"], workers=options["workers"],
                                     web_workers=options["web_workers"], stock=options["stock"],
                                     currency=options["currency"].upper(), random_seed=options["random_seed"],
                                     out=self.stderr)
            except (BenchError, SandboxServerError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(json.dumps(result, separators=(",", ":")))
            return
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
