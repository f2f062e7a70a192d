"""``bench stock``: sales on one sandbox, timed until the other sandbox shows them, on the real path.

Everything runs as in production, each in its own process: the sandboxes (``sandbox serve``, with the
platforms' documented rate limits and a thread posting their signed webhooks over HTTP as they fall
due), Flyt's web server (gunicorn, the webhook intake), one Celery worker (prefork), PostgreSQL and
Redis. This process sets the shop up through the services (as the wizard does), then sells at
``rate`` a second for ``seconds`` on the source platform through the sandbox's control endpoint,
spread at random over the catalog, and polls the target's levels every ``POLL_S``: a sale has landed
when the target shows at most the level the sale left on the source. Latency = landed - posted.

After the sales it waits until everything is quiet (at most ``QUIET_MAX_S``), then counts what was
lost (never landed), double-counted (ledger movements from the source beyond the units sold) and
drifted (SKUs where source, target and hub do not all show the expected level).

The modules: ``setup`` (arguments, environment, subprocesses, the shop), ``measure`` (selling,
polling, waiting until quiet, the database's side), ``report`` (the pure numbers), ``run`` (it all
in order: ``bench_stock``).
"""

from integrations.bench.stock.measure import POLL_S, QUIET_HOLD_S, QUIET_MAX_S, SETUP_QUIET_MAX_S, Poller
from integrations.bench.stock.report import (
    Sale,
    double_counted,
    drifted,
    expected_levels,
    land,
    percentile,
    planned_sales,
    summarise,
    task_times,
)
from integrations.bench.stock.run import bench_stock
from integrations.bench.stock.setup import HOME, check_args, check_environment

__all__ = [
    "HOME", "POLL_S", "QUIET_HOLD_S", "QUIET_MAX_S", "SETUP_QUIET_MAX_S", "Poller", "Sale", "bench_stock",
    "check_args", "check_environment", "double_counted", "drifted", "expected_levels", "land", "percentile",
    "planned_sales", "summarise", "task_times",
]
