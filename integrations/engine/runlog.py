from synclog.services import sync_entries_add


class RunLog:
    """Sync log entries for one run, written in batches (progress shows every ``batch`` items);
    held back entirely in a dry run, whose hub changes are rolled back before they are written."""

    def __init__(self, *, merchant, run, buffered=False, batch=200):
        self.merchant, self.run, self.buffered, self.batch = merchant, run, buffered, batch
        self._pending = []

    def add(self, **entry):
        self._pending.append(entry)
        if not self.buffered and len(self._pending) >= self.batch:
            self.flush()

    def flush(self):
        pending, self._pending = self._pending, []
        if pending:
            sync_entries_add(merchant=self.merchant, run=self.run, entries=pending)
