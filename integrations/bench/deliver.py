"""The sandbox server's webhook delivery thread (``bench stock``): the sandboxes' signed deliveries
posted to their URLs over real HTTP as they fall due."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx


class WebhookDeliverer:
    """Posts every due webhook delivery of the sandboxes to its URL over real HTTP, as it becomes due,
    from a pool of senders (platforms deliver concurrently). The post is made outside the sandbox's
    lock and its answer booked under it (``WebhookOutbox.record_attempt``: retries on the platform's
    schedule, given up after the last). Delivered ones leave the outbox so it stays short."""

    def __init__(self, sandboxes, *, senders=8, poll_s=0.005, timeout_s=10.0):
        self.sandboxes = sandboxes
        self.poll_s, self.timeout_s = poll_s, timeout_s
        self.pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="webhook-sender")
        self.local = threading.local()
        self.lock = threading.Lock()
        self.in_flight = set()  # id() of deliveries being sent
        self.stats = {platform: {"in_flight": 0, "delivered": 0, "failed_attempts": 0, "send_ms_total": 0.0}
                      for platform in sandboxes}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="webhook-deliverer", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.pool.shutdown(wait=False, cancel_futures=True)

    def counts(self, platform):
        with self.lock:
            row = dict(self.stats[platform])
        row["send_ms_avg"] = round(row["send_ms_total"] / (row["delivered"] or 1), 2)
        row["send_ms_total"] = round(row["send_ms_total"], 1)
        return row

    def _loop(self):
        while not self.stopped.is_set():
            for platform, sandbox in self.sandboxes.items():
                with sandbox.lock:
                    outbox = sandbox.webhooks
                    if not outbox.deliveries:
                        continue
                    now = sandbox.clock.now()
                    outbox.deliveries[:] = [d for d in outbox.deliveries if d.status != "delivered"]
                    due = sorted((d for d in outbox.deliveries if d.status == "pending" and d.due_at <= now
                                  and id(d) not in self.in_flight), key=lambda d: d.due_at)
                    with self.lock:
                        for delivery in due:
                            self.in_flight.add(id(delivery))
                        self.stats[platform]["in_flight"] += len(due)
                for delivery in due:
                    self.pool.submit(self._send, platform, sandbox, delivery)
            self.stopped.wait(self.poll_s)

    def _client(self):
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(timeout=self.timeout_s)
        return client

    def _send(self, platform, sandbox, delivery):
        started = time.perf_counter()
        now = sandbox.clock.now()
        try:
            status = self._client().post(delivery.url, headers=delivery.headers(now), content=delivery.body) \
                .status_code
        except Exception as exc:  # an intake that cannot be reached is a failed attempt, retried later
            status = type(exc).__name__
        with sandbox.lock:
            sandbox.webhooks.record_attempt(delivery, status, now)
        with self.lock:
            self.in_flight.discard(id(delivery))
            row = self.stats[platform]
            row["in_flight"] -= 1
            if delivery.status == "delivered":
                row["delivered"] += 1
                row["send_ms_total"] += (time.perf_counter() - started) * 1000
            else:
                row["failed_attempts"] += 1
