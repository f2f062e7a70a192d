import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from integrations.models import Connection
from integrations.services.dispatch import connections_claim_due
from tests.factories import ConnectionFactory, MerchantFactory


def _due_connections(count, *, merchant, now):
    return [
        ConnectionFactory(merchant=merchant, sync_interval_minutes=180, next_run_at=now - timedelta(seconds=n))
        for n in range(count)
    ]


@pytest.mark.django_db
def test_only_active_due_connections_are_claimed_and_moved_on(merchant_a, merchant_b, monkeypatch):
    monkeypatch.setattr("integrations.tasks.connection_sync_task.delay", lambda *a: None)
    now = timezone.now()
    due = ConnectionFactory(merchant=merchant_a, sync_interval_minutes=180, next_run_at=now - timedelta(minutes=1))
    other_tenant_due = ConnectionFactory(merchant=merchant_b, sync_interval_minutes=60, next_run_at=now)
    ConnectionFactory(merchant=merchant_a, sync_interval_minutes=180, next_run_at=now + timedelta(minutes=5))
    ConnectionFactory(merchant=merchant_a, status=Connection.Status.PAUSED, next_run_at=now - timedelta(hours=1))
    assert sorted(connections_claim_due(now=now)) == sorted([due.pk, other_tenant_due.pk])
    due.refresh_from_db()
    assert due.next_run_at == now + timedelta(minutes=180)
    assert connections_claim_due(now=now) == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatchers_claim_each_due_connection_exactly_once(monkeypatch):
    enqueued = []
    lock = threading.Lock()

    def record(connection_id, trigger, full):
        with lock:
            enqueued.append(connection_id)

    monkeypatch.setattr("integrations.tasks.connection_sync_task.delay", record)
    now = timezone.now()
    merchant = MerchantFactory()
    due = {c.pk for c in _due_connections(30, merchant=merchant, now=now)}
    first_holds_locks = threading.Event()
    second_done = threading.Event()
    claims = {}

    def first():
        # Claim part of the queue and keep the row locks while the other dispatcher runs.
        try:
            with transaction.atomic():
                claims["first"] = connections_claim_due(now=now, limit=12)
                first_holds_locks.set()
                second_done.wait(timeout=30)
        finally:
            connections.close_all()

    def second():
        try:
            first_holds_locks.wait(timeout=30)
            claims["second"] = connections_claim_due(now=now)
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(claims["first"]) == 12
    assert set(claims["first"]).isdisjoint(claims["second"])
    assert set(claims["first"]) | set(claims["second"]) == due
    assert sorted(enqueued) == sorted(due)  # each enqueued once, after its claim committed
    assert connections_claim_due(now=now) == []


@pytest.mark.django_db(transaction=True)
def test_many_dispatchers_racing_never_double_claim(monkeypatch):
    monkeypatch.setattr("integrations.tasks.connection_sync_task.delay", lambda *a: None)
    now = timezone.now()
    due = {c.pk for c in _due_connections(60, merchant=MerchantFactory(), now=now)}
    results, start = [], threading.Barrier(4)

    def run():
        try:
            start.wait()
            while batch := connections_claim_due(now=now, limit=5):
                results.extend(batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(due)
