"""``bench stock``'s numbers, pure (tested without a run): the sales planned and made, when they
landed, latency percentiles, what drifted or was counted twice, the worker's task times and the
webhooks delivered."""

import math
import re
from dataclasses import dataclass

PLATFORMS = ("bigcommerce", "zettle")  # the pair bench stock sells on and watches


@dataclass
class Sale:
    sku: str
    qty: int
    posted: float  # monotonic seconds, just before the sale was posted
    implied: int  # the SKU's level on the source right after this sale
    landed: float | None = None  # when the target first showed <= implied

    @property
    def latency_ms(self):
        return None if self.landed is None else (self.landed - self.posted) * 1000


def planned_sales(rate, seconds):
    return max(1, int(round(rate * seconds)))


def percentile(values, p):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(value):
    return None if value is None else round(value, 1)


def summarise(sales, *, elapsed_s):
    """Latency percentiles, throughput and the lost count of a run's sales."""
    latencies = [s.latency_ms for s in sales if s.landed is not None]
    landed = len(latencies)
    return {
        "sales": len(sales), "units_sold": sum(s.qty for s in sales), "landed": landed,
        "p50_ms": ms(percentile(latencies, 50)), "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(max(latencies, default=None)),
        "throughput_per_s": round(landed / elapsed_s, 2) if elapsed_s > 0 else None,
        "lost": len(sales) - landed,
    }


def land(pending, sku, level, now):
    """The target shows ``level`` for ``sku`` at ``now``: every pending sale of it whose implied level
    is at least that has landed. ``pending[sku]`` is in posting order (implied levels falling)."""
    queue = pending.get(sku)
    count = 0
    while queue and level <= queue[0].implied:
        queue.pop(0).landed = now
        count += 1
    return count


def expected_levels(initial, sales):
    """{sku: initial level - units sold of it}."""
    expected = dict(initial)
    for sale in sales:
        expected[sale.sku] -= sale.qty
    return expected


def drifted(expected, *, source, target, hub):
    """The SKUs where source, target and hub do not all show the expected level."""
    return sorted(sku for sku, want in expected.items()
                  if not (source.get(sku) == target.get(sku) == hub.get(sku) == want))


def double_counted(movement_units, units_sold):
    """Ledger units taken from the source beyond the units sold (0 when none)."""
    return max(0, movement_units - units_sold)


_TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] (?:succeeded in ([0-9.]+)s|(retry):)")


def task_times(log_text, *, since_line=0):
    """{task name: {"runs", "mean_ms", "p95_ms", "max_ms", "total_s", "retries"}} from a Celery worker's
    INFO log (its "Task x[id] succeeded in 0.12s" lines), from line ``since_line`` on."""
    runs, retries = {}, {}
    for line in log_text.splitlines()[since_line:]:
        match = _TASK_DONE.search(line)
        if not match:
            continue
        name = match.group(1).rsplit(".", 1)[-1]
        if match.group(3):
            retries[name] = retries.get(name, 0) + 1
        else:
            runs.setdefault(name, []).append(float(match.group(2)) * 1000)
    out = {}
    for name, times in sorted(runs.items()):
        out[name] = {"runs": len(times), "mean_ms": ms(sum(times) / len(times)), "p95_ms": ms(percentile(times, 95)),
                     "max_ms": ms(max(times)), "total_s": round(sum(times) / 1000, 2)}
    for name, count in retries.items():
        out.setdefault(name, {})["retries"] = count
    return out


def delivery_delta(before, after):
    """Webhooks delivered between two outbox snapshots and the intake's mean answer time."""
    out = {}
    for platform in PLATFORMS:
        a, b = before.get(platform, {}), after.get(platform, {})
        delivered = b.get("delivered", 0) - a.get("delivered", 0)
        total = b.get("send_ms_total", 0.0) - a.get("send_ms_total", 0.0)
        out[platform] = {"delivered": delivered, "answer_ms_avg": round(total / delivered, 1) if delivered else None,
                         "failed_attempts": b.get("failed_attempts", 0) - a.get("failed_attempts", 0)}
    return out
