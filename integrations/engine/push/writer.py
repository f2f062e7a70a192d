"""The push's writes to the target platform, in order, from background threads (on every clock)."""

import queue
import threading
import time
from collections import deque

from integrations.http import SystemClock

WRITER_QUEUE = 1  # batches waiting for the writer threads: memory stays bounded whatever the catalog
# batches waiting between two steps of the chain: with one waiting between each two steps, up to five
# creates (Zettle imports) are under way at once; an import takes ~2 s and finishing one ~1.25 s, so
# that is enough for the stock calls to follow each other, and few enough that memory stays small
WRITER_IN_FLIGHT = 1
READY_MARGIN_S = 0.05  # added to the connector's ``create_ready_s`` before the first question


class _Writer:
    """Sends create and update batches to the target in order and hands back ``(kind, batch, results)``.

    Background threads own the target connector and do only HTTP, never the database, so the engine's
    thread works on the next page while the writes wait on rate limits. The same threads run on every
    clock: a wait (a rate limit, an import not done yet) is a ``sleep`` on the connector's clock, which a
    test's FakeClock turns into moving time. The batches go through a chain of threads, one step each,
    in order:

    - a connector with ``start_create``/``finish_create`` (Zettle's bulk imports) has its creates
      started by ``flyt-push-starter``; when it also has ``await_create``, ``flyt-push-waiter`` waits
      for each import (asking no sooner than ``create_ready_s`` after it started), and
      ``flyt-push-writer`` finishes it (the rate-limited initial stock). Starting or waiting for the
      next import never delays a rate-limited call; up to ``WRITER_IN_FLIGHT`` started creates queue
      between two steps;
    - everything else is written by ``flyt-push-writer``.

    Batches are written and handed back in the order offered. At most ``WRITER_QUEUE`` batches wait
    for the first thread and ``WRITER_IN_FLIGHT`` between two threads: memory stays bounded.

    An error that stops the writes (ConnectorError) is kept and raised in the engine's thread; nothing
    offered after it is started (what is already started is still finished)."""

    def __init__(self, *, connector, fields, placement):
        self.connector, self.fields, self.placement = connector, fields, placement
        self.clock = getattr(connector, "clock", None) or SystemClock()
        self._done = deque()  # appended by the writer, taken by the engine's thread
        self._failure = None
        self._stopped = threading.Event()  # a write failed: nothing more is started (never cleared)
        self._closed = False
        self._threads = []
        self._jobs = queue.Queue(maxsize=WRITER_QUEUE)
        inbox, steps = self._jobs, self._steps()
        for number, (step, name) in enumerate(steps, start=1):
            outbox = None if number == len(steps) else queue.Queue(maxsize=WRITER_IN_FLIGHT)
            thread = threading.Thread(target=self._run_step, args=(step, inbox, outbox), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
            inbox = outbox

    def offer(self, kind, batch, timeout=0.2):
        """Hand over one batch; False when the writer is busy (try again after saving what is done)."""
        self.raise_failure()
        try:
            self._jobs.put((kind, batch, None, None), timeout=timeout)
        except queue.Full:
            return False
        return True

    def take(self):
        done = []
        while self._done:
            done.append(self._done.popleft())
        return done

    def raise_failure(self):
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def close(self, timeout=None):
        """No more batches: wait until every batch handed over is written (or dropped after an error).
        With ``timeout``: wait at most that long; returns whether the writes are over (call again)."""
        if not self._closed:
            try:
                self._jobs.put(None, timeout=timeout)
            except queue.Full:
                return False  # the first thread is still busy with the last batch
            self._closed = True
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return False
        return True

    def _write(self, kind, batch):
        if kind == "create":
            return self.connector.create_products(products=[d for _, d, _ in batch], fields=self.fields,
                                                  placement=self.placement)
        return self.connector.update_products(products=[d for _, d, _, _, _ in batch], fields=self.fields)

    # --- the threads ------------------------------------------------------------------------------------
    # An item is (kind, batch, pending, ready_at): ``pending`` is a started create (None otherwise). A
    # step returns the item for the next thread, or ``(kind, batch, results)`` when it is the last.
    def _steps(self):
        connector = self.connector
        start, finish = getattr(connector, "start_create", None), getattr(connector, "finish_create", None)
        if start is None or finish is None:
            return [(self._step_write, "flyt-push-writer")]
        steps = [(self._step_start, "flyt-push-starter")]
        if getattr(connector, "await_create", None) is not None:
            steps.append((self._step_await, "flyt-push-waiter"))
        return [*steps, (self._step_finish, "flyt-push-writer")]

    def _step_start(self, kind, batch, pending, ready_at):
        if kind != "create" or self._stopped.is_set():
            return kind, batch, None, None
        pending = self.connector.start_create(products=[d for _, d, _ in batch], fields=self.fields,
                                              placement=self.placement)
        ready_s = float(getattr(self.connector, "create_ready_s", 0.0) or 0.0)
        return kind, batch, pending, self.clock.now() + ready_s + READY_MARGIN_S

    def _step_await(self, kind, batch, pending, ready_at):
        if pending is not None:
            self._sleep_until(ready_at)
            self.connector.await_create(pending)
        return kind, batch, pending, ready_at

    def _step_finish(self, kind, batch, pending, ready_at):
        if pending is None:
            return self._step_write(kind, batch, pending, ready_at)
        self._sleep_until(ready_at)
        return "create", batch, self.connector.finish_create(pending)

    def _step_write(self, kind, batch, pending, ready_at):
        if self._stopped.is_set():
            return None  # dropped: written by the next pass
        return kind, batch, self._write(kind, batch)

    def _sleep_until(self, ready_at):
        # never ask before the import can be done: an import asked about too early costs the connector's
        # whole poll interval (2 s on Zettle), far more than the wait here
        early = ready_at - self.clock.now()
        if early > 0:
            self.clock.sleep(early)

    def _run_step(self, step, inbox, outbox):
        """One thread of the chain: ``outbox`` None for the last step, which hands results to the engine."""
        try:
            while (item := inbox.get()) is not None:
                out = step(*item)
                if out is None:
                    continue
                if outbox is None:
                    self._done.append(out)
                else:
                    outbox.put(out)
        except BaseException as exc:  # kept for the engine's thread; what was not written is written next pass
            self._failure = exc
            self._stopped.set()
            while inbox.get() is not None:  # let the threads before this one finish
                pass
        finally:
            if outbox is not None:
                outbox.put(None)  # the batches end here for the next thread too


def _placement(integration):
    return {"category": "PayPal Zettle", "visible": False} if integration.home_platform == "zettle" else {}

