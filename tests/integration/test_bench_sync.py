"""``manage.py bench sync`` end to end on a small catalog: the sandboxes in their own process over
real HTTP, the initial sync and the unchanged re-run, and the JSON line the benchmark prints."""

import io
import json

import pytest
from django.core.management import call_command

from integrations.bench.serve import call_kind, normalise_path
from integrations.bench.sync import forced_seconds

PRODUCTS, VARIANTS = 5, 2


def run_bench(source, target):
    out = io.StringIO()
    call_command("bench", "sync", "--source", source, "--target", target, "--products", str(PRODUCTS),
                 "--variants", str(VARIANTS), stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, "the benchmark prints one JSON line"
    return json.loads(lines[0])


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), [("bigcommerce", "zettle"), ("zettle", "bigcommerce")])
def test_bench_sync_syncs_everything_once_and_rerun_writes_nothing(source, target):
    result = run_bench(source, target)

    for key in ("products", "variants", "wall_s", "rerun_wall_s", "api_calls", "rerun_api_calls", "rate_limit_wait_s",
                "assumed", "peak_rss_mb", "rerun_write_calls", "forced_s", "outcome", "rerun_outcome"):
        assert key in result, key
    assert (result["products"], result["variants"]) == (PRODUCTS, PRODUCTS * VARIANTS)
    assert (result["outcome"], result["rerun_outcome"]) == ("success", "success"), result["errors"]
    assert result["outcomes"]["initial"]["created"] == PRODUCTS and result["outcomes"]["initial"]["failed"] == 0
    assert result["outcomes"]["rerun"]["unchanged"] == PRODUCTS
    assert result["target_holds"] == {"products": PRODUCTS, "variants": PRODUCTS * VARIANTS}

    for calls in (result["api_calls"], result["rerun_api_calls"]):
        assert set(calls) == {"bigcommerce", "zettle"}
        assert all(isinstance(c["read"], int) and isinstance(c["write"], int) for c in calls.values())
    assert result["api_calls"][target]["write"] > 0
    # nothing changed: the re-run writes nothing anywhere, and reads the source at the page-size minimum
    assert result["rerun_write_calls"] == 0
    assert all(c["write"] == 0 for c in result["rerun_api_calls"].values())
    assert result["rerun_source_list_reads"] == result["source_read_minimum"] == 1
    assert result["rerun_api_calls"][source]["read"] <= result["source_read_minimum"] + 1  # + BigCommerce's channel

    assumed = result["assumed"]
    assert (assumed["bigcommerce"]["requests_per_window"], assumed["bigcommerce"]["window_s"]) == (150, 30.0)
    assert assumed["zettle"]["inventory_per_s"] == 4.0
    assert assumed["bigcommerce"]["page_size"] == 250 and assumed["zettle"]["page_size"] == 500
    assert result["peak_rss_mb"] > 0 and result["rate_limit_wait_s"] >= 0 and result["forced_s"] >= 0


def test_forced_seconds_follow_the_documented_limits():
    assumed = {"bigcommerce": {"requests_per_window": 150, "window_s": 30.0},
               "zettle": {"inventory_per_s": 4.0, "products_per_s": None}}
    calls = {"bigcommerce": {"read": 200, "write": 101, "auth": 0, "throttled": 1, "by_service": {"api": 301}},
             "zettle": {"read": 3, "write": 20, "auth": 1, "throttled": 0,
                        "by_service": {"inventory": 9, "products": 14, "oauth": 1}}}
    # 300 accepted BigCommerce calls fill two 30 s windows; 9 inventory calls need three rolling seconds
    assert forced_seconds(calls, assumed) == {"bigcommerce": 30.0, "zettle": 2.0}
    assert forced_seconds({}, assumed) == {}


def test_served_paths_are_counted_by_shape_and_kind():
    assert normalise_path("/stores/s1a2b3/v3/catalog/products/12/variants") == \
        "/stores/{store}/v3/catalog/products/{id}/variants"
    assert normalise_path("/products/organizations/self/products/v2/5f1ef965-e782-11f1-89a7-f3a752e6b438") == \
        "/products/organizations/self/products/v2/{id}"
    assert call_kind("zettle", "POST", "/oauth/token") == "auth"
    assert call_kind("zettle", "GET", "/products/organizations/self/library") == "read"
    assert call_kind("bigcommerce", "PUT", "/stores/x/v3/catalog/products") == "write"
