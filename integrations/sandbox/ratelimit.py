"""The platforms' rate limiters, driven by the sandbox clock."""

from dataclasses import dataclass


@dataclass
class FixedWindow:
    """BigCommerce: ``quota`` requests per ``window_s`` window per store, shared by all tokens."""

    quota: int = 150
    window_s: float = 30.0
    window_start: float | None = None
    used: int = 0

    def hit(self, now: float) -> tuple[bool, int, float]:
        """Count one request. Returns (allowed, requests left, seconds until the window resets)."""
        if self.window_start is None or now >= self.window_start + self.window_s:
            self.window_start, self.used = now, 0
        reset = self.window_start + self.window_s - now
        if self.used >= self.quota:
            return False, 0, reset
        self.used += 1
        return True, self.quota - self.used, reset


@dataclass
class LeakyBucket:
    """Shopify REST: a bucket of ``size`` calls that leaks ``leak_per_s`` calls per second."""

    size: int = 40
    leak_per_s: float = 2.0
    level: float = 0.0
    updated: float | None = None

    def _leak(self, now: float) -> None:
        if self.updated is not None:
            self.level = max(0.0, self.level - (now - self.updated) * self.leak_per_s)
        self.updated = now

    def hit(self, now: float) -> tuple[bool, int]:
        """Count one call. Returns (allowed, calls in the bucket now)."""
        self._leak(now)
        if self.level + 1 > self.size:
            return False, int(round(self.level))
        self.level += 1
        return True, int(round(self.level))


@dataclass
class CostBucket:
    """Shopify GraphQL: ``maximum`` points restoring at ``restore_per_s`` points per second."""

    maximum: float = 1000.0
    restore_per_s: float = 100.0
    available: float | None = None
    updated: float | None = None

    def _restore(self, now: float) -> None:
        if self.available is None:
            self.available = self.maximum
        elif self.updated is not None:
            self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_per_s)
        self.updated = now

    def take(self, cost: float, now: float) -> tuple[bool, float]:
        """Spend ``cost`` points. Returns (allowed, points available afterwards)."""
        self._restore(now)
        if cost > self.available:
            return False, self.available
        self.available -= cost
        return True, self.available

    def refund(self, points: float) -> None:
        self.available = min(self.maximum, (self.available or 0) + points)


@dataclass
class RollingRate:
    """A soft per-second limit measured over a short rolling window (Zettle, Rackbeat)."""

    per_s: float = 4.0
    window_s: float = 1.0
    stamps: list | None = None

    def hit(self, now: float) -> bool:
        stamps = [t for t in (self.stamps or []) if t > now - self.window_s]
        if len(stamps) >= self.per_s * self.window_s:
            self.stamps = stamps
            return False
        stamps.append(now)
        self.stamps = stamps
        return True
