"""What the platforms' stock connectors share (the contract itself is ``integrations.contracts.stock``).

``ClientStockConnector``: a connector over one platform client built from the connection, with the
account's locations read once per connector and the client's call counts. The functions put the
recurring answers in one place: an item refused in the merchant's words (``refused``), every item of
a call the platform did not answer (``not_answered``), and a batch sent whole, then item by item when
the platform refuses it as a whole (``write_each_on_refusal``).
"""

from abc import abstractmethod

from integrations.contracts.stock import AdjustResult, ExternalLocation, StockConnector
from integrations.errors import ConnectorError

CONNECTION_STATUSES = (401, 403)  # every item would fail the same way: raise


class ClientStockConnector(StockConnector):
    """``client_class.from_connection(...)`` as ``self.client``; ``locations()`` read once
    (``_read_locations``) and kept for the life of the connector."""

    client_class = None

    def __init__(self, connection, *, transport=None, clock=None):
        super().__init__(connection, transport=transport, clock=clock)
        self.client = self.client_class.from_connection(connection, transport=transport, clock=clock)
        self._locations = None

    # --- locations -----------------------------------------------------------------------------------
    def locations(self) -> list[ExternalLocation]:
        if self._locations is None:
            self._locations = self._read_locations()
        return self._locations

    @abstractmethod
    def _read_locations(self) -> list[ExternalLocation]:
        """The account's locations as the platform lists them (exactly one ``is_default``)."""

    def _default_location(self) -> str:
        """The default location's id ("" when the account has none)."""
        return next((loc.external_id for loc in self.locations() if loc.is_default), "")

    # --- measuring ------------------------------------------------------------------------------------
    def call_stats(self):
        stats = self.client.stats
        return {"read": stats.reads, "write": stats.writes, "retries": stats.retries,
                "rate_limit_wait_s": round(stats.rate_limit_wait_s, 3)}


def refused(label, why, remedy, *, retryable=False) -> AdjustResult:
    """"Stock for <label> not written: <why> — <remedy>." as a failed result."""
    return AdjustResult(ok=False, retryable=retryable, error=f"Stock for {label} not written: {why} — {remedy}.")


def not_answered(results, indexes, changes, exc, *, platform, refuse):
    """The platform did not answer a call (after something else was written): every item of it may be
    tried again. ``refuse(change, why, remedy, retryable=)`` words the result."""
    for index in indexes:
        results[index] = refuse(changes[index], f"{platform} did not answer ({exc.message})",
                                "Flyt tries again shortly", retryable=True)


def write_each_on_refusal(items, write, results, *, ok, refused, not_yet):
    """``write(items)`` ([(index, payload)]) in one call; ``results[index] = ok(index, payload)`` for each.

    Unreachable, throttled or 401/403: raised (nothing was written, and every item would fail alike:
    the engine keeps them). Refused as a whole (one item is wrong): each item is written alone so that
    each gets its own answer, ``refused(index, payload, exc)`` for the one the platform refuses. When a
    later single write cannot be made after earlier ones were, the rest are answered with
    ``not_yet(index, payload, exc)`` instead of raising (the engine would otherwise take its own writes
    for changes made on the platform)."""
    try:
        write(items)
    except ConnectorError as exc:
        if exc.retryable or exc.status in CONNECTION_STATUSES:
            raise
        if len(items) > 1:
            for n, one in enumerate(items):  # find the item the platform refuses; the others are written
                try:
                    write_each_on_refusal([one], write, results, ok=ok, refused=refused, not_yet=not_yet)
                except ConnectorError as later:
                    if n == 0:
                        raise  # nothing was written yet
                    for index, payload in items[n:]:
                        results[index] = not_yet(index, payload, later)
                    return
            return
        index, payload = items[0]
        results[index] = refused(index, payload, exc)
        return
    for index, payload in items:
        results[index] = ok(index, payload)
