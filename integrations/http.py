"""The base of every platform client: httpx with timeouts, no redirects, a host guard, paced
retries and one error type.

The host guard (``production_host_allowed``) lets a client reach only https on the platform's own
hosts, plus the configured sandbox hosts while the sandboxes are on (``host_allowed``). A header
value no HTTP request can carry (a credential typed with accents or a line break) is refused
before anything is sent, with the one permanent ``ConnectorError``.

Platform clients subclass ``PlatformClient`` and fill in the hooks: ``auth_headers`` (and
``refresh_auth`` for expiring tokens), ``observe`` (read rate-limit headers), ``wait_before``
(pause *before* running dry), ``retry_after`` (how long a 429 asks us to wait) and
``error_message`` (the platform's error body in words for people). Waiting goes through a clock
so tests move time instead of sleeping.
"""

import functools
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext

from integrations.errors import ConnectorError

logger = logging.getLogger("flyt.http")

RETRYABLE_STATUSES = {500, 502, 503, 504}


class SystemClock:
    """Wall-clock time for production; the sandboxes' FakeClock has the same two methods."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base_s: float = 0.5
    cap_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter for retry number ``attempt`` (0-based)."""
        return random.uniform(0, min(self.cap_s, self.base_s * (2**attempt)))


@dataclass
class CallStats:
    """What a client did: requests by kind and the seconds spent waiting for rate limits."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    rate_limit_wait_s: float = 0.0
    by_path: dict = field(default_factory=dict)


def sandbox_hosts():
    """Hosts a client may reach besides the platform's own: the sandboxes, only when enabled."""
    if not getattr(settings, "SANDBOX_ENABLED", False):
        return set()
    return set(getattr(settings, "SANDBOX_HOSTS", ()))


def production_host_allowed(url, allowed_suffixes):
    """The production host guard: True only when ``url`` is https on the default port of one of the
    platform's own hosts (never a sandbox, a private or loopback address, or another port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.scheme != "https" or port not in (None, 443) or parts.username or parts.password:
        return False
    return any(host == suffix or host.endswith("." + suffix) for suffix in allowed_suffixes)


def host_allowed(url, allowed_suffixes):
    """True when ``url`` is https on one of the platform's hosts, or a configured sandbox host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if host in sandbox_hosts():
        return parts.scheme in ("http", "https")
    return production_host_allowed(url, allowed_suffixes)


def header_value_sendable(value) -> bool:
    """True when ``value`` can travel in an HTTP header: printable ASCII only (no line breaks)."""
    if isinstance(value, bytes):
        return all(0x20 <= b < 0x7F for b in value)
    return all(" " <= ch <= "~" for ch in str(value))


@functools.cache
def tls_context():
    """One TLS context for every platform client of the process: loading the CA bundle costs about
    25 ms, and a task builds its clients afresh."""
    return httpx.create_ssl_context()


class PlatformClient:
    platform = ""
    label = ""
    allowed_host_suffixes: tuple = ()
    timeout = httpx.Timeout(10.0, connect=3.0)
    user_agent = "Flyt/1.0 (+https://flyt.example)"

    def __init__(self, *, base_url, transport=None, clock=None, retry=None):
        if not host_allowed(base_url, self.allowed_host_suffixes):
            raise ConnectorError(
                f"{self.label or self.platform} address {urlsplit(base_url).hostname or base_url!r} is not one of "
                f"{self.label or self.platform}'s own hosts; check the address you entered.",
                retryable=False, platform=self.platform,
            )
        self.base_url = base_url.rstrip("/")
        self.clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self.stats = CallStats()
        self._stats_lock = threading.Lock()  # a client may be used from two threads (the push's writers)
        self.http = httpx.Client(base_url=self.base_url, transport=transport, timeout=self.timeout,
                                 follow_redirects=False, headers={"User-Agent": self.user_agent},
                                 verify=tls_context())

    # --- hooks ----------------------------------------------------------------------------------
    def auth_headers(self) -> dict:
        return {}

    def refresh_auth(self, response=None) -> bool:
        """Get a new token after the 401 ``response``; True when a retry can succeed."""
        return False

    def observe(self, response: httpx.Response) -> None:
        """Read the platform's rate-limit headers from every response."""

    def wait_before(self) -> float:
        """Seconds to pause before the next request so the quota never runs dry."""
        return 0.0

    def is_throttled(self, response: httpx.Response) -> bool:
        return response.status_code == 429

    def retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - self.clock.now())
            except (TypeError, ValueError):
                return None

    def error_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if isinstance(body, dict):
            for key in ("title", "message", "error_description", "developerMessage", "errors", "error"):
                if body.get(key):
                    return str(body[key])[:300]
        return str(body)[:300]

    # --- the request loop ------------------------------------------------------------------------
    def pause(self, seconds: float, *, rate_limit: bool) -> None:
        if seconds <= 0:
            return
        if rate_limit:
            with self._stats_lock:
                self.stats.rate_limit_wait_s += seconds
        self.clock.sleep(seconds)

    def request(self, method, path, *, params=None, json=None, data=None, headers=None, content=None):
        """One logical call: retried on 5xx, resets, timeouts and 429; raises ConnectorError."""
        label = self.label or self.platform
        refreshed = False
        last_problem = ""
        for attempt in range(self.retry.attempts):
            self.pause(self.wait_before(), rate_limit=True)
            sent_headers = {**self.auth_headers(), **(headers or {})}
            if not all(header_value_sendable(value) for value in sent_headers.values()):
                raise self.unsendable_error()
            try:
                response = self.http.request(method, path, params=params, json=json, data=data, content=content,
                                             headers=sent_headers)
            except UnicodeEncodeError as exc:  # a value httpx cannot encode: nothing was sent
                raise self.unsendable_error() from exc
            except httpx.TimeoutException:
                last_problem = f"{label} did not answer in time"
            except httpx.TransportError as exc:
                last_problem = f"could not reach {label} ({type(exc).__name__})"
            else:
                self._count(method, path)
                self.observe(response)
                if self.is_throttled(response):
                    wait = self.retry_after(response)
                    last_problem = f"{label} asked us to slow down"
                    if attempt + 1 < self.retry.attempts:
                        self.stats.retries += 1
                        self.pause(wait if wait is not None else self.retry.backoff(attempt) + 1.0, rate_limit=True)
                        continue
                    raise ConnectorError(f"{last_problem}; Flyt will try again.", retryable=True,
                                         retry_after=wait, status=429, platform=self.platform)
                if response.status_code in RETRYABLE_STATUSES:
                    last_problem = f"{label} had a temporary problem (HTTP {response.status_code})"
                elif response.status_code == 401 and not refreshed and self.refresh_auth(response):
                    refreshed = True
                    continue
                elif response.status_code == 304:  # "not modified" answers a conditional read
                    return response
                elif 300 <= response.status_code < 400:
                    raise ConnectorError(f"{label} answered with a redirect, which Flyt does not follow.",
                                         retryable=False, status=response.status_code, platform=self.platform)
                elif response.status_code >= 400:
                    raise self.permanent_error(response)
                else:
                    return response
            if attempt + 1 < self.retry.attempts:
                self.stats.retries += 1
                logger.info("%s %s %s: %s, retry %s", self.platform, method, path, last_problem, attempt + 1)
                self.pause(self.retry.backoff(attempt), rate_limit=False)
        raise ConnectorError(f"{last_problem}; Flyt will try again later.", retryable=True, platform=self.platform)

    def unsendable_error(self):
        """The credentials (or another header) hold characters no HTTP request can carry: a person
        must type them again, so the error is permanent. The value itself is never repeated."""
        label = self.label or self.platform
        message = gettext("The %(label)s credentials contain characters that cannot be sent to %(label)s (for "
                          "example letters with accents, spaces or line breaks pasted by mistake). Reconnect "
                          "%(label)s and copy the key again.") % {"label": label}
        return ConnectorError(message, retryable=False, platform=self.platform)

    def permanent_error(self, response):
        status = response.status_code
        label = self.label or self.platform
        detail = self.error_message(response)
        if status == 401:
            message = f"{label} refused the credentials. Reconnect {label} with a valid key."
        elif status == 403:
            message = f"{label} refused access: the key lacks a permission Flyt needs ({detail})."
        elif status == 404:
            message = f"{label} does not have it any more (404): {detail}"
        else:
            message = f"{label} rejected the request (HTTP {status}): {detail}"
        return ConnectorError(message, retryable=False, status=status, platform=self.platform,
                              detail={"body": response.text[:2000]})

    def _count(self, method, path):
        key = f"{method.upper()} {path}"
        with self._stats_lock:
            if method.upper() in ("GET", "HEAD"):
                self.stats.reads += 1
            else:
                self.stats.writes += 1
            self.stats.by_path[key] = self.stats.by_path.get(key, 0) + 1

    def close(self):
        self.http.close()


class RollingWindowPacing:
    """Pacing for platforms that answer ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` over a
    rolling window: close to the limit, wait until our oldest request in the window has left it.

    Mix in before PlatformClient; set ``rate_window_s`` and ``rate_reserve`` (requests left at
    which we stop and wait)."""

    rate_window_s = 60.0
    rate_reserve = 1
    rate_tracked = 5000

    def observe(self, response):
        if not hasattr(self, "_sent"):
            self._sent = deque(maxlen=self.rate_tracked)
        self._sent.append(self.clock.now())
        try:
            self.rate_limit = int(response.headers["X-RateLimit-Limit"])
            self.rate_remaining = int(response.headers["X-RateLimit-Remaining"])
        except (KeyError, ValueError):
            return

    def wait_before(self) -> float:
        remaining = getattr(self, "rate_remaining", None)
        if remaining is None or remaining > self.rate_reserve:
            return 0.0
        now = self.clock.now()
        recent = [t for t in self._sent if t > now - self.rate_window_s]
        if not recent:
            return 0.0
        return max(0.0, recent[0] + self.rate_window_s - now)
