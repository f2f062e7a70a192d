"""``manage.py bench sync`` end to end on a small catalog: the sandboxes in their own process over
real HTTP, the initial sync and the unchanged re-run, and the JSON line the benchmark prints."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from integrations.bench.serve import call_kind, call_service, normalise_path
from integrations.bench.sync import PLATFORMS, forced_seconds, unmeasured_limits
from integrations.platforms import load, spec_for

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
    assert set(assumed) == {source, target}
    limits = {(p, limit["name"]): limit for p in assumed for limit in assumed[p]["rate_limits"]}
    bc, inventory = limits["bigcommerce", "requests"], limits["zettle", "inventory requests"]
    assert (bc["requests"], bc["window_s"], bc["kind"]) == (150, 30.0, "fixed window")
    assert (inventory["requests"], inventory["window_s"], inventory["kind"]) == (4.0, 1.0, "rolling window")
    assert assumed["bigcommerce"]["page_size"] == 250 and assumed["zettle"]["page_size"] == 500
    assert (assumed["bigcommerce"]["write_batch_size"], assumed["zettle"]["write_batch_size"]) == (10, 500)
    assert result["peak_rss_mb"] > 0 and result["rate_limit_wait_s"] >= 0 and result["forced_s"] >= 0
    # when the pass first and last called each service: within the pass
    spans = [span for services in result["service_calls_s"].values() for span in services.values()]
    assert spans and all(0 <= first <= last <= result["wall_s"] + 0.5 for first, last in spans)
    if target == "zettle":
        assert "inventory" in result["service_calls_s"]["zettle"]


@pytest.mark.django_db
def test_bench_sync_runs_any_pair_with_each_platforms_declared_limits_and_batches():
    result = run_bench("rackbeat", "shopbox")

    assert (result["outcome"], result["rerun_outcome"]) == ("success", "success"), result["errors"]
    assert result["outcomes"]["initial"]["created"] == PRODUCTS and result["outcomes"]["rerun"]["unchanged"] == PRODUCTS
    assert result["target_holds"] == {"products": PRODUCTS, "variants": PRODUCTS * VARIANTS}
    assert result["rerun_write_calls"] == 0
    assert result["rerun_source_list_reads"] == result["source_read_minimum"] == 1
    assert set(result["api_calls"]) == set(result["forced_s_by_platform"]) == {"rackbeat", "shopbox"}
    assumed = result["assumed"]
    for platform in ("rackbeat", "shopbox"):
        spec = spec_for(platform)
        assert [(limit["name"], limit["requests"], limit["window_s"]) for limit in assumed[platform]["rate_limits"]] \
            == [(limit.name, limit.requests, limit.window_s) for limit in spec.rate_limits]
        assert assumed[platform]["page_size"] == spec.page_size
        assert assumed[platform]["write_batch_size"] == load(platform, "product_connector").write_batch_size
    assert result["forced_s"] == 0.0  # a few calls: far from a minute's allowance on either side


def _limit(name, requests, window_s, kind, bucket=None):
    return {"name": name, "requests": requests, "window_s": window_s, "kind": kind, "scope": "account",
            "bucket": bucket}


def test_forced_seconds_follow_the_documented_limits():
    assumed = {
        "bigcommerce": {"rate_limits": [_limit("requests", 150, 30.0, "fixed window")]},
        "zettle": {"rate_limits": [_limit("inventory requests", 4.0, 1.0, "rolling window")]},
        "rackbeat": {"rate_limits": [_limit("requests", 480, 60.0, "rolling window")]},
        "shopify": {"rate_limits": [_limit("GraphQL cost points", 100, 1.0, "cost points", bucket=1000),
                                    _limit("REST requests", 2, 1.0, "leaky bucket", bucket=40)]},
    }
    calls = {"bigcommerce": {"read": 200, "write": 101, "auth": 0, "throttled": 1, "by_service": {"api": 301}},
             "zettle": {"read": 3, "write": 20, "auth": 1, "throttled": 0,
                        "by_service": {"inventory": 9, "products": 14, "oauth": 1}},
             "rackbeat": {"read": 481, "write": 0, "auth": 0, "throttled": 0, "by_service": {"api": 481}},
             "shopify": {"read": 30, "write": 50, "auth": 0, "throttled": 0,
                         "by_service": {"graphql": 30, "rest": 50}}}
    # 300 accepted BigCommerce calls fill two 30 s windows; 9 inventory calls need three rolling seconds;
    # 481 Rackbeat calls two rolling minutes; Shopify's 50 REST calls overflow its bucket of 40 by 10, at 2 a
    # second (without the points its GraphQL queries cost, that limit is left out, and said so)
    assert forced_seconds(calls, assumed) == {"bigcommerce": 30.0, "zettle": 2.0, "rackbeat": 60.0, "shopify": 5.0}
    assert unmeasured_limits(calls, assumed) == {"bigcommerce": [], "zettle": [], "rackbeat": [],
                                                 "shopify": ["GraphQL cost points"]}
    assert forced_seconds({}, assumed) == {}
    # with the points Shopify's answers said the queries cost: 2,500 points through a bucket of 1,000
    # restoring 100 a second
    calls["shopify"]["cost"] = 2500.0
    assert forced_seconds(calls, assumed)["shopify"] == 15.0
    assert unmeasured_limits(calls, assumed)["shopify"] == []


def test_every_platform_is_a_choice_and_a_pair_of_one_platform_is_refused():
    assert set(PLATFORMS) == {"bigcommerce", "zettle", "shopify", "shopbox", "rackbeat"}
    with pytest.raises(CommandError, match="must differ"):
        call_command("bench", "sync", "--source", "shopbox", "--target", "shopbox", "--products", "1")
    with pytest.raises(CommandError):
        call_command("bench", "sync", "--source", "woocommerce", "--target", "zettle", "--products", "1")


def test_served_paths_are_counted_by_shape_and_kind():
    assert normalise_path("/stores/s1a2b3/v3/catalog/products/12/variants") == \
        "/stores/{store}/v3/catalog/products/{id}/variants"
    assert normalise_path("/products/organizations/self/products/v2/5f1ef965-e782-11f1-89a7-f3a752e6b438") == \
        "/products/organizations/self/products/v2/{id}"
    assert call_kind("zettle", "POST", "/oauth/token") == "auth"
    assert call_kind("zettle", "GET", "/products/organizations/self/library") == "read"
    assert call_kind("bigcommerce", "PUT", "/stores/x/v3/catalog/products") == "write"
    assert call_kind("shopbox", "POST", "/authenticate/credentials") == "auth"
    query, mutation = b'{"query": "query { products(first: 50) { nodes { id } } }"}', \
        b'{"query": "mutation { productSet(input: {}) { product { id } } }"}'
    assert call_kind("shopify", "POST", "/admin/api/2025-01/graphql.json", query) == "read"
    assert call_kind("shopify", "POST", "/admin/api/2025-01/graphql.json", mutation) == "write"
    assert (call_service("shopify", "/admin/api/2025-01/graphql.json"),
            call_service("shopify", "/admin/api/2025-01/products.json"),
            call_service("zettle", "/inventory/v3/movements"), call_service("rackbeat", "/products")) == (
        "graphql", "rest", "inventory", "api")
