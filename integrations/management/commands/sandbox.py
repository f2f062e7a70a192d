import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.sandbox.registry import SANDBOXES, persisted, reset_all
from integrations.sandbox.seed import catalog


class Command(BaseCommand):
    help = "Seed or empty the platform sandboxes served under /sandbox/."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="create a sandbox account with realistic products")
        seed.add_argument("platform", choices=sorted(SANDBOXES))
        seed.add_argument("--products", type=int, default=20)
        seed.add_argument("--variants", type=int, default=1)
        seed.add_argument("--seed", type=int, default=1, help="random seed, for repeatable catalogs")
        sub.add_parser("reset", help="empty every sandbox")

    def handle(self, *args, action, **options):
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
