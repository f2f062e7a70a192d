from integrations.sandbox.ratelimit import CostBucket, FixedWindow, LeakyBucket, RollingRate
from integrations.sandbox.seed import catalog, ean13


def test_accounts_are_separate_and_unknown_paths_and_methods_answer_like_a_server(shelf, shelf_client):
    from integrations.sandbox.core import SandboxRequest

    other = shelf.create_account()
    shelf_client.request("POST", "/items", json={"name": "mine"})
    auth = {"x-token": other["credentials"]["token"]}
    assert shelf.handle(SandboxRequest("GET", "/items", headers=auth)).body == {"items": []}
    assert shelf.handle(SandboxRequest("GET", "/nope", headers=auth)).status == 404
    assert shelf.handle(SandboxRequest("DELETE", "/items", headers=auth)).status == 405


def test_latency_moves_the_clock(shelf, shelf_client, clock):
    shelf.faults.latency_s = 0.25
    before = clock.now()
    shelf_client.request("GET", "/items")
    assert clock.now() - before == 0.25


def test_fixed_window_counts_down_and_resets():
    window = FixedWindow(quota=3, window_s=30)
    assert [window.hit(0)[:2] for _ in range(4)] == [(True, 2), (True, 1), (True, 0), (False, 0)]
    assert window.hit(29.9)[0] is False
    assert window.hit(30.0)[:2] == (True, 2)


def test_leaky_bucket_leaks_at_its_rate():
    bucket = LeakyBucket(size=40, leak_per_s=2)
    assert all(bucket.hit(0)[0] for _ in range(40))
    assert bucket.hit(0) == (False, 40)
    assert bucket.hit(0.5)[0] is True  # one call leaked out
    assert bucket.hit(0.5)[0] is False


def test_cost_bucket_restores_and_refunds():
    bucket = CostBucket(maximum=1000, restore_per_s=100)
    assert bucket.take(900, 0) == (True, 100)
    assert bucket.take(200, 0)[0] is False
    assert bucket.take(200, 1.0)[0] is True  # 100 restored
    bucket.refund(50)
    assert bucket.available == 50


def test_rolling_rate_allows_per_second():
    rate = RollingRate(per_s=4)
    assert [rate.hit(0.1 * i) for i in range(5)] == [True, True, True, True, False]
    assert rate.hit(1.05) is True


def test_webhook_outbox_retries_on_schedule_then_gives_up(shelf, clock):
    exhausted = []
    shelf.on_webhook_exhausted = exhausted.append
    attempts = []

    def failing_receiver(url, headers, body):
        attempts.append(clock.now())
        return 500

    shelf.webhooks.enqueue(account="a", topic="item/created", url="https://flyt.example/hook", body=b"{}",
                           sign=lambda delivery, now: {"X-Id": delivery.id, "X-Ts": str(int(now))})
    shelf.webhooks.run_until_idle(failing_receiver)
    assert [round(t - attempts[0]) for t in attempts] == [0, 10, 30]
    assert len(exhausted) == 1 and exhausted[0].status == "failed"


def test_webhook_outbox_knobs_duplicate_and_drop(shelf):
    shelf.webhooks.duplicate_rate = 1.0
    seen = []
    shelf.webhooks.enqueue(account="a", topic="t", url="u", body=b"1", sign=lambda d, now: {"id": d.id})
    shelf.webhooks.run_until_idle(lambda url, headers, body: seen.append(headers["id"]) or 200)
    assert len(seen) == 2 and seen[0] == seen[1]  # the same delivery id twice
    shelf.webhooks.duplicate_rate, shelf.webhooks.drop_rate = 0.0, 1.0
    dropped = shelf.webhooks.enqueue(account="a", topic="t", url="u", body=b"2", sign=lambda d, now: {})
    assert dropped.status == "dropped" and shelf.webhooks.pending == []


def test_seed_catalog_is_realistic_and_repeatable():
    first, again = catalog(30, variants=3, seed=7), catalog(30, variants=3, seed=7)
    assert first == again
    skus = [v.sku for p in first for v in p.variants]
    assert len(set(skus)) == 90
    assert all(len(v.barcode) == 13 and v.barcode == ean13(int(v.barcode[:12])) for p in first for v in p.variants)
    assert all(p.option_names and len({tuple(v.options.items()) for v in p.variants}) == 3 for p in first)
    assert ean13(400638133393) == "4006381333931"  # a published EAN-13 example
