"""The push's writes to the target platform, in order, from one background thread on the real clock."""

import queue
import threading
import time
from collections import deque

WRITER_QUEUE = 1  # batches waiting for the writer thread: memory stays bounded whatever the catalog
# creates started on the platform (Zettle imports) and not finished yet: an import takes ~2 s and
# finishing one (its initial stock, rate limited) ~1.25 s, so with three the oldest is done by the
# time the writer comes to it and the rate-limited stock calls follow each other without a gap
WRITER_IN_FLIGHT = 3
READY_MARGIN_S = 0.05  # added to the connector's ``create_ready_s`` before the first question


class _Writer:
    """Sends create and update batches to the target in order and hands back ``(kind, batch, results)``.

    Inline (dry clocks, tests on a fake clock): each batch is written when offered. Threaded (the real
    clock): one background thread owns the target connector and does only HTTP, never the database, so
    the engine's thread works on the next page while the writes wait on rate limits. A connector with
    ``start_create``/``finish_create`` (Zettle's bulk imports) gets up to ``WRITER_IN_FLIGHT`` creates
    started before the oldest is finished, ``create_ready_s`` after it started. An error that stops the
    writes (ConnectorError) is kept and raised in the engine's thread; batches after it are not sent."""

    def __init__(self, *, connector, fields, placement, threaded):
        self.connector, self.fields, self.placement, self.threaded = connector, fields, placement, threaded
        self._done = deque()  # appended by the writer, taken by the engine's thread
        self._failure = None
        self._closed = False
        self._thread = None
        if threaded:
            self._jobs = queue.Queue(maxsize=WRITER_QUEUE)
            self._thread = threading.Thread(target=self._run, name="flyt-push-writer", daemon=True)
            self._thread.start()

    def offer(self, kind, batch, timeout=0.2):
        """Hand over one batch; False when the writer is busy (try again after saving what is done)."""
        self.raise_failure()
        if not self.threaded:
            try:
                self._done.append((kind, batch, self._write(kind, batch)))
            except Exception as exc:
                self._failure = exc
                self.raise_failure()
            return True
        try:
            self._jobs.put((kind, batch), timeout=timeout)
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

    def close(self):
        """No more batches: wait until every batch handed over is written (or dropped after an error)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()

    def _write(self, kind, batch):
        if kind == "create":
            return self.connector.create_products(products=[d for _, d, _ in batch], fields=self.fields,
                                                  placement=self.placement)
        return self.connector.update_products(products=[d for _, d, _, _, _ in batch], fields=self.fields)

    def _run(self):
        start = getattr(self.connector, "start_create", None)
        finish = getattr(self.connector, "finish_create", None)
        ready_s = float(getattr(self.connector, "create_ready_s", 0.0) or 0.0)
        in_flight, closing = deque(), False
        try:
            while in_flight or not closing:
                if in_flight and (closing or len(in_flight) >= WRITER_IN_FLIGHT or time.monotonic() >= in_flight[0][2]):
                    # never ask before the import can be done: an import asked about too early costs the
                    # connector's whole poll interval (2 s on Zettle), far more than the wait here
                    early = in_flight[0][2] - time.monotonic()
                    if early > 0:
                        time.sleep(early)
                    batch, pending, _ = in_flight.popleft()
                    self._done.append(("create", batch, finish(pending)))
                    continue
                try:
                    job = self._jobs.get(timeout=max(0.0, in_flight[0][2] - time.monotonic()) if in_flight else None)
                except queue.Empty:
                    continue
                if job is None:
                    closing = True
                    continue
                kind, batch = job
                if kind == "create" and start is not None and finish is not None:
                    pending = start(products=[d for _, d, _ in batch], fields=self.fields, placement=self.placement)
                    in_flight.append((batch, pending, time.monotonic() + ready_s + READY_MARGIN_S))
                else:
                    self._done.append((kind, batch, self._write(kind, batch)))
        except BaseException as exc:  # kept for the engine's thread; what was not written is written next pass
            self._failure = exc
            while not closing:  # take (and drop) what is still handed over, so the engine never waits on us
                closing = self._jobs.get() is None


def _placement(integration):
    return {"category": "PayPal Zettle", "visible": False} if integration.home_platform == "zettle" else {}

