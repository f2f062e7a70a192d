"""Outgoing webhooks of a sandbox: queued, signed at send time, retried on the platform's
schedule, with knobs for the faults real platforms show (duplicates, reordering, drops, delay).

A platform sandbox calls ``outbox.enqueue(...)`` when something changes and gives a ``sign``
function that returns the headers for one attempt. Tests (or the demo) call
``outbox.deliver_due(send)`` with ``send(url, headers, body) -> HTTP status``.
"""

import random
import uuid
from dataclasses import dataclass, field


@dataclass
class Delivery:
    id: str
    account: str
    topic: str
    url: str
    body: bytes
    sign: object  # callable(delivery, now) -> headers
    due_at: float
    subscription_id: str | None = None
    attempts: int = 0
    status: str = "pending"  # pending, delivered, failed, dropped
    history: list = field(default_factory=list)  # (time, status or error)
    copy_of: str | None = None

    def headers(self, now):
        return self.sign(self, now)


class WebhookOutbox:
    def __init__(self, sandbox, seed=0):
        self.sandbox = sandbox
        self.random = random.Random(seed)
        self.duplicate_rate = 0.0
        self.drop_rate = 0.0
        self.reorder = False
        self.delay_s = 0.0
        self.time_factor = 1.0  # scales the retry schedule (e.g. 0.001 in tests)
        self.deliveries: list[Delivery] = []

    def clear(self):
        self.deliveries.clear()

    @property
    def pending(self):
        return [d for d in self.deliveries if d.status == "pending"]

    def enqueue(self, *, account, topic, url, body, sign, subscription_id=None, delivery_id=None):
        now = self.sandbox.clock.now()
        delivery = Delivery(id=delivery_id or str(uuid.UUID(int=self.random.getrandbits(128))), account=account,
                            topic=topic, url=url, body=body, sign=sign, due_at=now + self.delay_s,
                            subscription_id=subscription_id)
        if self.drop_rate and self.random.random() < self.drop_rate:
            delivery.status = "dropped"
        self.deliveries.append(delivery)
        if delivery.status == "pending" and self.duplicate_rate and self.random.random() < self.duplicate_rate:
            twin = Delivery(id=delivery.id, account=account, topic=topic, url=url, body=body, sign=sign,
                            due_at=delivery.due_at + self.random.uniform(0, 2), subscription_id=subscription_id,
                            copy_of=delivery.id)
            self.deliveries.append(twin)
        return delivery

    def deliver_due(self, send):
        """Send every delivery that is due now; returns the deliveries attempted."""
        now = self.sandbox.clock.now()
        due = [d for d in self.deliveries if d.status == "pending" and d.due_at <= now]
        if self.reorder:
            self.random.shuffle(due)
        else:
            due.sort(key=lambda d: d.due_at)
        for delivery in due:
            self._attempt(delivery, send)
        return due

    def run_until_idle(self, send, *, max_seconds=7 * 24 * 3600):
        """Deliver, moving the clock to each next due time, until nothing is pending."""
        deadline = self.sandbox.clock.now() + max_seconds
        while self.pending:
            next_due = min(d.due_at for d in self.pending)
            if next_due > deadline:
                break
            self.sandbox.clock.advance(max(0.0, next_due - self.sandbox.clock.now()))
            self.deliver_due(send)

    def _attempt(self, delivery, send):
        now = self.sandbox.clock.now()
        try:
            status = send(delivery.url, delivery.headers(now), delivery.body)
        except Exception as exc:  # a receiver that cannot be reached counts as a failed attempt
            status = f"{type(exc).__name__}"
        self.record_attempt(delivery, status, now)

    def record_attempt(self, delivery, status, now):
        """Book one attempt made at ``now`` that answered ``status`` (an HTTP status, or the name of the
        error): delivered, due again on the retry schedule, or given up. For senders that post
        outside the sandbox's lock (the benchmark's delivery thread) and book the answer under it."""
        delivery.attempts += 1
        delivery.history.append((now, status))
        if isinstance(status, int) and 200 <= status < 300:
            delivery.status = "delivered"
            return
        schedule = self.sandbox.webhook_retry_schedule
        if delivery.attempts > len(schedule):
            delivery.status = "failed"
            self.sandbox.on_webhook_exhausted(delivery)
            return
        delivery.due_at = now + schedule[delivery.attempts - 1] * self.time_factor
