import time

from django.conf import settings

from synclog.services import sync_entries_add, sync_run_heartbeat


class RunLog:
    """Sync log entries for one run, written in batches (progress shows every ``batch`` items);
    held back entirely in a dry run, whose hub changes are rolled back before they are written.

    It also keeps the run's lease: ``beat()`` (called as items and pages go by) moves the run's
    heartbeat on at most every ``SYNC_RUN_HEARTBEAT_S`` seconds — one cheap UPDATE."""

    def __init__(self, *, merchant, run, buffered=False, batch=200):
        self.merchant, self.run, self.buffered, self.batch = merchant, run, buffered, batch
        self._pending = []
        self._beaten = time.monotonic()

    def add(self, **entry):
        self._pending.append(entry)
        if not self.buffered and len(self._pending) >= self.batch:
            self.flush()
        else:
            self.beat()

    def beat(self):
        if self.buffered or time.monotonic() - self._beaten < settings.SYNC_RUN_HEARTBEAT_S:
            return
        self._beaten = time.monotonic()
        sync_run_heartbeat(merchant=self.merchant, run=self.run)

    def flush(self):
        pending, self._pending = self._pending, []
        if pending:
            sync_entries_add(merchant=self.merchant, run=self.run, entries=pending)
        self.beat()
