import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.bench.serve import parse_seed, serve
from integrations.sandbox.registry import SANDBOXES, persisted, reset_all
from integrations.sandbox.seed import catalog


class Command(BaseCommand):
    help = "Seed or empty the platform sandboxes served under /sandbox/, or serve in-memory ones (serve)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="create a sandbox account with realistic products")
        seed.add_argument("platform", choices=sorted(SANDBOXES))
        seed.add_argument("--products", type=int, default=20)
        seed.add_argument("--variants", type=int, default=1)
        seed.add_argument("--seed", type=int, default=1, help="random seed, for repeatable catalogs")
        sub.add_parser("reset", help="empty every sandbox")
        serve = sub.add_parser(
            "serve", help="serve in-memory sandboxes over HTTP from this process (benchmarks): real clock, no "
                          "state on disk; prints one JSON line per seeded account, then 'ready'")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on stderr)")
        serve.add_argument("--seed", action="append", default=[], metavar="PLATFORM:PRODUCTS:VARIANTS",
                           help="create an account with this many products (repeatable; 0 products for an empty "
                                "account)")
        serve.add_argument("--currency", default="DKK", help="currency of every seeded account")
        serve.add_argument("--channel", default="",
                           help="BigCommerce: also list every seeded product in this channel (created if missing), "
                                "e.g. 'PayPal Zettle'")
        serve.add_argument("--random-seed", type=int, default=1, help="random seed, for repeatable catalogs")

    def handle(self, *args, action, **options):
        if action == "serve":
            return self._serve(options)
        if action == "reset":
            reset_all()
            self.stdout.write("Sandboxes emptied.")
            return
        platform = options["platform"]
        if options["products"] < 0 or options["variants"] < 1:
            raise CommandError("--products must be 0 or more and --variants 1 or more.")
        products = catalog(options["products"], variants=options["variants"], seed=options["seed"])
        with persisted(platform) as sandbox:
            connect = sandbox.create_account()
            sandbox.seed(connect["account"], products)
        base_url = f"{settings.SANDBOX_BASE_URL.rstrip('/')}/{platform}"
        self.stdout.write(json.dumps({"platform": platform, "base_url": base_url, "products": len(products),
                                      "variants": sum(len(p.variants) for p in products), **connect}))

    def _serve(self, options):
        try:
            seeds = [parse_seed(spec) for spec in options["seed"]]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            serve(host=options["host"], port=options["port"], seeds=seeds, currency=options["currency"].upper(),
                  channel=options["channel"], random_seed=options["random_seed"], out=self.stdout,
                  err=self.stderr)
        except OSError as exc:
            raise CommandError(f"Could not serve on {options['host']}:{options['port']}: {exc}") from exc
        except KeyboardInterrupt:
            pass
