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
from integrations.bigcommerce.catalog_api import ZETTLE_CHANNEL
from integrations.engine.runner import integration_sync
from integrations.engine.setup import integration_activate
from integrations.http import PlatformClient
from integrations.kinds import KINDS
from integrations.platforms import PLATFORMS as SPECS
from integrations.platforms import load, spec_for
from integrations.services.connections import connection_create
from integrations.services.integrations import integration_create
from merchants.services import merchant_create, user_create
from synclog.models import SyncRun

PLATFORMS = tuple(SPECS)  # every platform Flyt connects to: any two make a benchmark
# the path of a platform's product list (GET, normalised), to count the source's list reads; "" when the
# list is not read by its own GETs (Shopify reads it through GraphQL)
LIST_PATH_SUFFIX = {"zettle": "/library", "shopify": ""}


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
    """Per platform benched: its rate limits (as its spec documents them, with the numbers the sandbox
    enforces on the account where it says), its page size and batch sizes, and its product connector's
    write batch size."""
    out = {}
    for account in accounts:
        platform = account["platform"]
        spec = spec_for(platform)
        enforced = account.get("limits") or {}
        out[platform] = {
            "rate_limits": [_limit(limit, enforced.get(limit.name) or {}) for limit in spec.rate_limits],
            "enforced": enforced.get("raw", {}),
            "page_size": spec.page_size,
            "batch_sizes": dict(spec.batch_sizes),
            "write_batch_size": _write_batch_size(platform),
        }
    return out


def _limit(limit, enforced):
    return {"name": limit.name, "kind": limit.kind, "scope": limit.scope,
            "requests": enforced.get("requests", limit.requests), "window_s": enforced.get("window_s", limit.window_s),
            "bucket": enforced.get("bucket")}


def _write_batch_size(platform):
    try:
        connector = load(platform, "product_connector")
    except ImportError:  # the platform's product connector is not there yet
        return None
    return getattr(connector, "write_batch_size", None)


def _limited_calls(limit, stats):
    """How many of the calls in ``stats`` (one platform's) count against ``limit`` (for cost points: the
    points they cost); None when the sandbox server did not count them."""
    by_service = stats.get("by_service") or {}
    name = limit["name"].lower()
    if limit["kind"] == "cost points":
        return stats.get("cost")  # the points the platform's answers say the calls cost, when counted
    if name.startswith("inventory"):
        return by_service.get("inventory", 0)
    if name.startswith("rest"):
        return by_service.get("rest", 0)
    return stats.get("read", 0) + stats.get("write", 0) + stats.get("auth", 0) - stats.get("throttled", 0)


def limit_floor(limit, calls):
    """The least seconds ``limit`` forces on ``calls``: a window of ``requests`` per ``window_s`` (fixed or
    rolling) lets C calls through in (ceil(C / requests) - 1) windows; a bucket (leaky, or cost points)
    holding ``bucket`` and refilling ``requests`` per ``window_s`` takes (C - bucket) / rate. None when it
    cannot be told (calls not counted, or the bucket's size unknown)."""
    if calls is None:
        return None
    if not calls:
        return 0.0
    if limit["kind"] in ("leaky bucket", "cost points"):
        if limit.get("bucket") is None:
            return None
        return round(max(0.0, (calls - limit["bucket"]) * limit["window_s"] / limit["requests"]), 3)
    return max(0, math.ceil(calls / limit["requests"]) - 1) * float(limit["window_s"])


def forced_seconds(calls, assumed):
    """The least time the platforms' rate limits force on ``calls`` (the sandboxes' counts), per platform:
    the largest floor among the platform's limits (see ``limit_floor``). E.g. BigCommerce's 150 requests per
    30 s store window, Zettle's 4 inventory requests a rolling second."""
    out = {}
    for platform, stats in calls.items():
        if platform not in assumed or not stats:
            continue
        floors = [limit_floor(limit, _limited_calls(limit, stats)) for limit in assumed[platform]["rate_limits"]]
        floors = [f for f in floors if f is not None]
        if floors:
            out[platform] = max(floors)
    return out


def unmeasured_limits(calls, assumed):
    """The limits ``forced_seconds`` could not count calls for (they are left out of the floor)."""
    return {platform: [limit["name"] for limit in assumed[platform]["rate_limits"]
                       if limit_floor(limit, _limited_calls(limit, stats)) is None]
            for platform, stats in calls.items() if platform in assumed and stats}


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
    token = secrets.token_hex(4)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    owner = user_create(email=f"bench-{stamp}-{token}@bench.flyt.test", password=secrets.token_urlsafe(24))
    return merchant_create(name=f"Bench {source} to {target} {products}x{variants}", owner=owner,
                           slug=f"bench-{stamp}-{token}", default_currency=currency)


def _connect(*, merchant, account, currency):
    platform = account["platform"]
    return connection_create(merchant=merchant, platform=platform, name=SPECS[platform].label,
                             credentials=account["credentials"],
                             settings={**account["settings"], "base_url": account["base_url"], "currency": currency},
                             external_account_id=account["external_account_id"])


def _integration(*, merchant, home, target):
    """The integration benched: ``home`` (the source) pushing products to ``target``, prices included, of
    the kind made for these two platforms (else the generic product sync). The one place the bench makes
    an integration."""
    pair = {home.platform, target.platform}
    kind = next((k for k in KINDS.values() if k.platforms and set(k.platforms) == pair), None) or \
        next(k for k in KINDS.values() if not k.platforms)
    return integration_create(merchant=merchant, kind=kind.key, prices_included=True, setup_step="finish",
                              members=[(home, {"products": "home"}), (target, {"products": "target"})])


def _calls(stats, platforms):
    """{platform: {read, write, auth, throttled}} from the server's counters."""
    return {platform: {k: stats.get(platform, {}).get(k, 0) for k in ("read", "write", "auth", "throttled")}
            for platform in platforms}


def _service_times(stats, started):
    """{platform: {service: [first, last]}}: when the pass first and last called each service, in seconds
    from its start. The time above the floor shows here: before a rate-limited service's first call, and
    after its last."""
    out = {}
    for platform, row in stats.items():
        first, last = row.get("first_at") or {}, row.get("last_at") or {}
        out[platform] = {service: [round(first[service] - started, 3), round(last[service] - started, 3)]
                         for service in first if service in last}
    return out


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
    """GETs of the source's product list, or None when its list is not read by GETs (Shopify's GraphQL)."""
    suffix = LIST_PATH_SUFFIX.get(source, "/products")
    if not suffix:
        return None
    return sum(n for key, n in by_path.items() if key.startswith("GET ") and key.endswith(suffix))


def bench_sync(*, source, target, products, variants, currency="DKK", random_seed=1, rerun=True):
    """Seed, run the initial sync and an unchanged re-run; returns the result (one JSON-able dict).
    Runs with DEBUG off, as production does (DEBUG keeps every query's SQL in memory)."""
    for role, platform in (("--source", source), ("--target", target)):
        if platform not in PLATFORMS:
            raise BenchError(f"{role} {platform!r}: choose one of {', '.join(PLATFORMS)}.")
    if source == target:
        raise BenchError("--source and --target must differ.")
    missing = [p for p in (source, target) if _write_batch_size(p) is None]
    if missing:
        raise BenchError(f"Flyt has no product connector for {', '.join(missing)} yet; bench sync needs one on "
                         "both sides.")
    if products < 0 or variants < 1:
        raise BenchError("--products must be 0 or more and --variants 1 or more.")
    check_migrated()
    baseline_rss = _rss_mb()
    seeds = [(source, products, variants), (target, 0, 1)]
    channel = ZETTLE_CHANNEL if source == "bigcommerce" else ""  # BigCommerce's products in the channel
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
        integration = _integration(merchant=merchant, home=home, target=other)
        server.stats(reset=True)
        take()
        pass_started = time.time()  # the sandboxes' clock: their call times are epoch seconds
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
    api_calls, rerun_calls = _calls(initial_stats, (source, target)), _calls(rerun_stats, (source, target))
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
        "service_calls_s": _service_times(initial_stats, pass_started),
        "forced_s_leaves_out": {p: names for p, names in unmeasured_limits(initial_stats, assumed).items() if names},
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
