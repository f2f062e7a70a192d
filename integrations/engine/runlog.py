from synclog.services import sync_entry_add


class RunLog:
    """Sync log entries for one run; buffered in a dry run (whose hub changes are rolled back)."""

    def __init__(self, *, merchant, run, buffered=False):
        self.merchant, self.run, self.buffered = merchant, run, buffered
        self._pending = []

    def add(self, **entry):
        if self.buffered:
            self._pending.append(entry)
        else:
            sync_entry_add(merchant=self.merchant, run=self.run, **entry)

    def flush(self):
        pending, self._pending = self._pending, []
        for entry in pending:
            sync_entry_add(merchant=self.merchant, run=self.run, **entry)
