"""``bench sync``: the initial sync of a seeded catalog and an unchanged re-run, timed and counted.

The sandboxes run in their own processes (``manage.py sandbox serve``, one per platform, as they are
separate services) on the real clock with the platforms' documented rate limits, so this process
holds only Flyt: its peak RSS is Flyt's. Call counts come from the sandbox processes (what the
platforms see); rate-limit waits from Flyt's clients (the seconds they paused before or after a 429).
"""

import math
import resource
import secrets
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError
from django.test.utils import override_settings

from integrations.bench.process import PlatformSandboxes
from integrations.http import PlatformClient

PLATFORMS = ("bigcommerce", "zettle")


class BenchError(Exception):
    """The benchmark cannot run; the message says why and what to do."""


def check_migrated(using=DEFAULT_DB_ALIAS):
    """Refuse a database without Flyt's tables: the bench never migrates by itself."""
    connection = connections[using]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise BenchError(f"Cannot use the database {connection.settings_dict.get('NAME')!r}: {exc}".strip()) from exc
    if pending:
        raise BenchError(
            f"The database {connection.settings_dict.get('NAME')!r} has {len(pending)} unapplied migrations "
            f"(first: {pending[0][0]}). Run `python manage.py migrate` against it first; the bench does not "
            "migrate by itself.")


# --- what the bench assumes about the platforms ------------------------------------------------------

def assumptions(accounts):
    """Rate limits (as the sandboxes enforce them) and the page and batch sizes Flyt's clients use."""
    from integrations.bigcommerce.catalog_api import PRODUCT_BATCH, VARIANT_BATCH
    from integrations.bigcommerce.client import PAGE_LIMIT
    from integrations.bigcommerce.commerce_api import INVENTORY_BATCH
    from integrations.zettle.api_inventory import MOVEMENTS_MAX, TRACKING_MAX
    from integrations.zettle.api_products import IMPORT_BATCH, LIBRARY_PAGE_MAX
    from integrations.zettle.client import ZettleClient

    limits = {a["platform"]: a.get("limits") or {} for a in accounts}
    bc, zettle = limits.get("bigcommerce", {}), limits.get("zettle", {})
    return {
        "bigcommerce": {
            "requests_per_window": bc.get("requests_per_window", 150), "window_s": bc.get("window_s", 30.0),
            "page_size": PAGE_LIMIT, "product_batch": PRODUCT_BATCH, "variant_batch": VARIANT_BATCH,
            "inventory_batch": INVENTORY_BATCH, "write_batch_size": _write_batch_size("bigcommerce"),
        },
        "zettle": {
            "inventory_per_s": zettle.get("inventory_per_s", ZettleClient.default_rates["inventory"]),
            "products_per_s": zettle.get("products_per_s") or None,  # none documented
            "page_size": min(LIBRARY_PAGE_MAX, int(zettle.get("library_page") or LIBRARY_PAGE_MAX)),
            "import_batch": IMPORT_BATCH, "inventory_movements_batch": MOVEMENTS_MAX,
            "inventory_tracking_batch": TRACKING_MAX,
            "write_batch_size": _write_batch_size("zettle"),
        },
    }


def _write_batch_size(platform):
    from django.utils.module_loading import import_string

    from integrations.registry import CONNECTORS

    try:
        return import_string(CONNECTORS[platform]).write_batch_size
    except ImportError:
        return None


def forced_seconds(calls, assumed):
    """The least time the rate limits force on ``calls`` (accepted requests), per platform.

    BigCommerce: a fixed window of ``requests_per_window`` per ``window_s`` per store, so C calls span
    at least (ceil(C / quota) - 1) windows. Zettle: ``inventory_per_s`` over a rolling second on the
    inventory service (no documented limit elsewhere), so C inventory calls take (ceil(C / rate) - 1) s.
    """
    out = {}
    stats = calls.get("bigcommerce")
    if stats:
        accepted = stats["read"] + stats["write"] + stats["auth"] - stats["throttled"]
        quota, window = assumed["bigcommerce"]["requests_per_window"], assumed["bigcommerce"]["window_s"]
        out["bigcommerce"] = max(0, math.ceil(accepted / quota) - 1) * window if accepted else 0.0
    stats = calls.get("zettle")
    if stats:
        seconds = 0.0
        for service, rate in (("inventory", assumed["zettle"]["inventory_per_s"]),
                              ("products", assumed["zettle"]["products_per_s"])):
            count = stats["by_service"].get(service, 0)
            if rate and count:
                seconds = max(seconds, (math.ceil(count / rate) - 1) * 1.0)
        out["zettle"] = seconds
    return out


# --- measuring Flyt's clients ---------------------------------------------------------------------

@contextmanager
def tracked_clients():
    """Collect the call stats of every platform client created inside the block (for rate-limit
    waits, which only the client knows). ``take()`` returns the totals so far and starts over."""
    seen = []
    original = PlatformClient.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append((self.platform, self.stats))

    def take():
        totals = {}
        for platform, stats in seen:
            row = totals.setdefault(platform, {"read": 0, "write": 0, "retries": 0, "rate_limit_wait_s": 0.0})
            row["read"] += stats.reads
            row["write"] += stats.writes
            row["retries"] += stats.retries
            row["rate_limit_wait_s"] += stats.rate_limit_wait_s
        seen.clear()
        return totals

    PlatformClient.__init__ = init
    try:
        yield take
    finally:
        PlatformClient.__init__ = original


# --- the benchmark --------------------------------------------------------------------------------

def _rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _merchant(*, source, target, products, variants, currency):
    from merchants.services import merchant_create, user_create

    token = secrets.token_hex(4)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    owner = user_create(email=f"bench-{stamp}-{token}@bench.flyt.test", password=secrets.token_urlsafe(24))
    return merchant_create(name=f"Bench {source} to {target} {products}x{variants}", owner=owner,
                           slug=f"bench-{stamp}-{token}", default_currency=currency)


def _connect(*, merchant, account, currency):
    from integrations.platforms import PLATFORMS
    from integrations.services.connections import connection_create

    platform = account["platform"]
    return connection_create(merchant=merchant, platform=platform, name=PLATFORMS[platform].label,
                             credentials=account["credentials"],
                             settings={**account["settings"], "base_url": account["base_url"], "currency": currency},
                             external_account_id=account["external_account_id"])


def _calls(stats):
    """{platform: {read, write, auth, throttled}} from the server's counters."""
    return {platform: {k: stats.get(platform, {}).get(k, 0) for k in ("read", "write", "auth", "throttled")}
            for platform in PLATFORMS}


def _run_summary(run):
    if run is None:
        return None
    return {"id": run.pk, "outcome": run.outcome, "created": run.created_count, "updated": run.updated_count,
            "unchanged": run.unchanged_count, "skipped": run.skipped_count, "failed": run.failed_count,
            "summary": run.summary}


def _timed(func):
    started = time.perf_counter()
    try:
        return func(), None, time.perf_counter() - started
    except Exception as exc:  # the benchmark reports a failed run instead of dying without numbers
        return None, f"{type(exc).__name__}: {exc}", time.perf_counter() - started


def _source_list_reads(by_path, source):
    suffix = "/v3/catalog/products" if source == "bigcommerce" else "/library"
    return sum(n for key, n in by_path.items() if key.startswith("GET ") and key.endswith(suffix))


def bench_sync(*, source, target, products, variants, currency="DKK", random_seed=1, rerun=True):
    """Seed, run the initial sync and an unchanged re-run; returns the result (one JSON-able dict).
    Runs with DEBUG off, as production does (DEBUG keeps every query's SQL in memory)."""
    from integrations.bigcommerce.catalog_api import ZETTLE_CHANNEL
    from integrations.engine.runner import integration_sync
    from integrations.engine.setup import integration_activate
    from integrations.models import Integration
    from synclog.models import SyncRun

    if {source, target} != set(PLATFORMS):
        raise BenchError(f"bench sync runs BigCommerce <-> Zettle; got --source {source} --target {target}.")
    if products < 0 or variants < 1:
        raise BenchError("--products must be 0 or more and --variants 1 or more.")
    check_migrated()
    baseline_rss = _rss_mb()
    seeds = [(source, products, variants), (target, 0, 1)]
    channel = ZETTLE_CHANNEL if source == "bigcommerce" else ""
    hosts = list(dict.fromkeys([*settings.SANDBOX_HOSTS, "127.0.0.1"]))
    started = time.perf_counter()
    with PlatformSandboxes(seeds=seeds, currency=currency, channel=channel, random_seed=random_seed) as server, \
            override_settings(SANDBOX_ENABLED=True, SANDBOX_HOSTS=hosts, DEBUG=False), tracked_clients() as take:
        seed_s = time.perf_counter() - started
        assumed = assumptions(server.accounts)
        merchant = _merchant(source=source, target=target, products=products, variants=variants,
                             currency=currency)
        home = _connect(merchant=merchant, account=server.account(source), currency=currency)
        other = _connect(merchant=merchant, account=server.account(target), currency=currency)
        integration = Integration.objects.create(
            merchant=merchant, bigcommerce=home if source == "bigcommerce" else other,
            zettle=home if source == "zettle" else other, home_platform=source, prices_included=True,
            initial_scope=Integration.Scope.ALL, setup_step="finish")
        server.stats(reset=True)
        take()
        run, error, wall_s = _timed(lambda: integration_activate(merchant=merchant, integration=integration))
        initial_stats, initial_clients = server.stats(reset=True), take()
        initial_rss = _rss_mb()
        rerun_run, rerun_error, rerun_wall_s, rerun_stats, rerun_clients = None, None, None, {}, {}
        if rerun and error is None:
            integration.refresh_from_db()
            rerun_run, rerun_error, rerun_wall_s = _timed(lambda: integration_sync(
                merchant=merchant, integration=integration, trigger=SyncRun.Trigger.MANUAL, full=True))
            rerun_stats, rerun_clients = server.stats(reset=True), take()
        holdings = server.holdings()
    api_calls, rerun_calls = _calls(initial_stats), _calls(rerun_stats)
    forced = forced_seconds(initial_stats, assumed)
    rerun_forced = forced_seconds(rerun_stats, assumed) if rerun_stats else {}
    page_size = assumed[source]["page_size"]
    target_account = server.account(target)["account"]
    return {
        "bench": "sync", "source": source, "target": target,
        "products": products, "variants": products * variants, "variants_per_product": variants,
        "currency": currency, "database": connections[DEFAULT_DB_ALIAS].vendor,
        "merchant": merchant.slug,
        "wall_s": round(wall_s, 3),
        "rerun_wall_s": round(rerun_wall_s, 3) if rerun_wall_s is not None else None,
        "seed_s": round(seed_s, 3),
        "api_calls": api_calls,
        "rerun_api_calls": rerun_calls if rerun_stats else None,
        "rerun_write_calls": sum(c["write"] for c in rerun_calls.values()) if rerun_stats else None,
        "rate_limit_wait_s": round(sum(c["rate_limit_wait_s"] for c in initial_clients.values()), 3),
        "rerun_rate_limit_wait_s": round(sum(c["rate_limit_wait_s"] for c in rerun_clients.values()), 3),
        "forced_s": round(max(forced.values(), default=0.0), 3),
        "forced_s_by_platform": forced,
        "rerun_forced_s": round(max(rerun_forced.values(), default=0.0), 3) if rerun_stats else None,
        "source_read_minimum": max(1, math.ceil(products / page_size)),
        "rerun_source_list_reads": _source_list_reads(rerun_stats.get(source, {}).get("by_path", {}), source)
        if rerun_stats else None,
        "assumed": assumed,
        "peak_rss_mb": _rss_mb(), "rss_after_initial_mb": initial_rss, "baseline_rss_mb": baseline_rss,
        "outcome": run.outcome if run is not None else "error",
        "rerun_outcome": rerun_run.outcome if rerun_run is not None else ("error" if rerun_error else None),
        "outcomes": {"initial": _run_summary(run), "rerun": _run_summary(rerun_run)},
        "errors": {k: v for k, v in (("initial", error), ("rerun", rerun_error)) if v},
        "target_holds": holdings.get(target, {}).get(target_account, {}),
        "client_calls": {"initial": initial_clients, "rerun": rerun_clients},
        "calls_by_path": {"initial": {p: s.get("by_path", {}) for p, s in initial_stats.items()},
                          "rerun": {p: s.get("by_path", {}) for p, s in rerun_stats.items()}},
    }
