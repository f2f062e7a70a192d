"""``bench stock``'s run: set up, sell, measure, count (see the package's docstring)."""

import random
import signal
import time
from contextlib import ExitStack
from datetime import UTC, datetime

from django.conf import settings
from django.test.utils import override_settings

from integrations.bench.process import SandboxServer, free_port
from integrations.bench.stock.measure import (
    QUIET_MAX_S,
    SETUP_QUIET_MAX_S,
    Poller,
    hub_levels,
    inbox_stages,
    sell,
    source_movement_units,
    wait_quiet,
)
from integrations.bench.stock.report import (
    PLATFORMS,
    delivery_delta,
    double_counted,
    drifted,
    expected_levels,
    planned_sales,
    summarise,
    task_times,
)
from integrations.bench.stock.setup import (
    HOME,
    bench_merchant,
    celery_worker,
    check_args,
    check_environment,
    child_env,
    pause,
    queued_messages,
    set_up_shop,
    stop_on_sigterm,
    web_server,
)
from integrations.bench.sync import BenchError, _calls, check_migrated
from integrations.bigcommerce.catalog_api import ZETTLE_CHANNEL
from integrations.models import TaskAttempt


def bench_stock(**options):
    """Set up, sell, measure; returns the result (one JSON-able dict). See ``_bench_stock``."""
    previous = stop_on_sigterm()
    try:
        return _bench_stock(**options)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _bench_stock(*, rate, seconds, products=200, variants=1, source="zettle", target="bigcommerce", workers=2,
                 web_workers=3, stock=1000, currency="DKK", random_seed=1, out=None):
    """Set up, sell, measure; returns the result (one JSON-able dict). ``out``: progress lines (stderr)."""
    check_args(rate=rate, seconds=seconds, products=products, variants=variants, workers=workers, source=source,
               target=target, stock=stock)
    check_environment()
    check_migrated()

    def say(message):
        if out is not None:
            out.write(f"bench stock: {message}\n")
            out.flush()

    other = "zettle" if HOME == "bigcommerce" else "bigcommerce"
    seeds = [(HOME, products, variants), (other, 0, 1)]
    hosts = list(dict.fromkeys([*settings.SANDBOX_HOSTS, "127.0.0.1"]))
    errors = []
    rng = random.Random(random_seed)
    with ExitStack() as stack:
        say(f"starting the sandboxes ({products} x {variants} on {HOME})")
        server = stack.enter_context(SandboxServer(seeds=seeds, currency=currency, channel=ZETTLE_CHANNEL,
                                                   random_seed=random_seed))
        server.set_stock(HOME, server.account(HOME)["account"], stock)
        port = free_port()
        intake_url = f"http://127.0.0.1:{port}"
        env = child_env(intake_url=intake_url, hosts=hosts)
        say(f"starting the web server on {intake_url} and a worker (concurrency {workers})")
        web = stack.enter_context(web_server(port=port, env=env, web_workers=web_workers))
        worker = stack.enter_context(celery_worker(env=env, workers=workers))
        services = (web, worker)
        stack.enter_context(override_settings(SANDBOX_ENABLED=True, SANDBOX_HOSTS=hosts, DEBUG=False,
                                              PUBLIC_BASE_URL=intake_url))
        queued_at_start = queued_messages()
        if queued_at_start:
            say(f"warning: {queued_at_start} task message(s) already queued in Redis (an earlier run's backlog?): "
                "the worker works through them too")
        server.deliver_webhooks()
        merchant = bench_merchant(rate=rate, seconds=seconds, currency=currency)
        stack.callback(pause, merchant)  # before the worker stops: what is left in the queue becomes a no-op
        say("setting up the integration and starting stock sync")
        setup_started = time.monotonic()
        by_platform, run = set_up_shop(server=server, merchant=merchant, currency=currency)
        if run is None or run.outcome != "success":
            errors.append(f"setup sync: {getattr(run, 'outcome', 'none')} {getattr(run, 'summary', '')}".strip())
        waited, state = wait_quiet(server=server, merchant=merchant, max_s=SETUP_QUIET_MAX_S, services=services,
                                   say=say)
        setup_s = time.monotonic() - setup_started
        if any(state.values()):
            errors.append(f"setup not quiet after {waited:.0f} s: {state}")
        say(f"set up in {setup_s:.1f} s; selling {rate}/s for {seconds} s on {source}")

        source_account, target_account = server.account(source)["account"], server.account(target)["account"]
        initial_source = server.levels(source, source_account)
        initial_target = server.levels(target, target_account)
        skus = sorted(set(initial_source) & set(initial_target))
        if not skus:
            raise BenchError(f"No SKU is on both {source} and {target} after the setup: {errors}")
        initial_hub = hub_levels(merchant=merchant, skus=skus)
        start_drift = drifted(initial_source, source={k: initial_source[k] for k in skus}, target=initial_target,
                              hub=initial_hub)
        if start_drift:
            errors.append(f"{len(start_drift)} SKU(s) differ before the sales, e.g. {start_drift[:3]}")
        server.stats(reset=True)
        outbox_before = server.outbox()
        log_mark = len(worker.log_text().splitlines())
        since = datetime.now(UTC)
        poller = Poller(server, target, target_account)
        poller.start()
        try:
            sales, started = sell(server, poller, platform=source, account=source_account, skus=skus, rate=rate,
                                  count=planned_sales(rate, seconds), rng=rng, errors=errors)
            selling_s = time.monotonic() - started
            say(f"posted {len(sales)} sales in {selling_s:.1f} s; waiting until quiet (at most {QUIET_MAX_S:.0f} s)")
            waited, state = wait_quiet(server=server, merchant=merchant, max_s=QUIET_MAX_S, services=services,
                                       done=lambda: poller.outstanding() == 0, say=say)
        finally:
            poller.stop()
        landed_at = [s.landed for s in sales if s.landed is not None]
        elapsed_s = (max(landed_at) if landed_at else time.monotonic()) - started
        errors += poller.errors[:20]
        if any(state.values()):
            errors.append(f"not quiet after {waited:.0f} s: {state}")

        stats = server.stats()
        outbox = server.outbox()
        final_source = server.levels(source, source_account)
        final_target = server.levels(target, target_account)
        final_hub = hub_levels(merchant=merchant, skus=skus)
        expected = expected_levels({sku: initial_source[sku] for sku in skus}, sales)
        drift = drifted(expected, source=final_source, target=final_target, hub=final_hub)
        units = sum(s.qty for s in sales)
        moved = source_movement_units(merchant=merchant, connection=by_platform[source], since=since)
        failing = TaskAttempt.objects.filter(last_seen_at__gte=since).exclude(last_error="")
        retried_tasks = failing.count()
        errors += [f"task {'given up' if gave_up else 'retried'}: {name}: {error[:200]}"
                   for name, error, gave_up in failing.values_list("task_name", "last_error", "gave_up")[:5]]
        for service in services:
            if not service.alive():
                errors.append(f"{service.name} died: {service.log_tail(500)}")
        stages = inbox_stages(merchant=merchant, connections_by_platform=by_platform, since=since)
        tasks = task_times(worker.log_text(), since_line=log_mark)

    result = {"bench": "stock", "source": source, "target": target, "rate": rate, "seconds": seconds}
    result.update(summarise(sales, elapsed_s=elapsed_s))
    result.update({
        "double_counted": double_counted(moved, units), "drift": len(drift),
        "drift_skus": drift[:10], "ledger_units_from_source": moved,
        "selling_s": round(selling_s, 3), "quiet_wait_s": round(waited, 3), "setup_s": round(setup_s, 3),
        "skus": len(skus), "products": products, "variants_per_product": variants, "workers": workers,
        "web_workers": web_workers, "api_calls": _calls(stats, PLATFORMS),
        "calls_by_path": {p: s.get("by_path", {}) for p, s in stats.items()},
        "webhooks": delivery_delta(outbox_before, outbox), "stages": stages, "tasks": tasks,
        "tasks_failing": retried_tasks, "queued_at_start": queued_at_start,
        "open_at_end": state, "polls": poller.polls,
        "merchant": merchant.slug,
        "errors": errors,
    })
    return result
