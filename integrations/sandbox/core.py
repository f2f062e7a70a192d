"""What every platform sandbox shares: requests and responses, routing, recording, faults.

A platform sandbox subclasses ``Sandbox``, declares its endpoints with ``@route(method, regex)``
and keeps all its data in ``self.state`` (plain JSON-able dicts and lists, so it can be saved to
disk when served over HTTP and read back by another process). Handlers raise ``SandboxError``
with the platform's own status and error body.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from integrations.sandbox.clock import FakeClock
from integrations.sandbox.webhooks import WebhookOutbox


@dataclass
class SandboxRequest:
    method: str
    path: str  # the platform's own path, e.g. /stores/abc123/v3/catalog/products
    query: dict = field(default_factory=dict)  # name -> list of values
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        if not self.body:
            return None
        return json.loads(self.body)

    def form(self):
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class SandboxResponse:
    status: int = 200
    body: object = None  # bytes, str, or a JSON-able value
    headers: dict = field(default_factory=dict)

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()

    def final_headers(self) -> dict:
        headers = dict(self.headers)
        if self.body is not None and not isinstance(self.body, bytes | str):
            headers.setdefault("Content-Type", "application/json")
        return headers


class SandboxError(Exception):
    """Answer with the platform's own error: status, body and headers."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(f"{status}: {body}")
        self.response = SandboxResponse(status=status, body=body, headers=headers or {})


def route(method, pattern):
    """Declare a handler for ``method`` on paths matching the regex ``pattern`` (whole path)."""

    def decorator(func):
        func._sandbox_route = (method.upper(), re.compile(f"^{pattern}$"))
        return func

    return decorator


@dataclass
class Recorded:
    at: float
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    status: int
    account: str | None = None

    def json(self):
        return json.loads(self.body) if self.body else None


@dataclass
class Fault:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    path_contains: str = ""
    reset: bool = False  # a dropped connection instead of a response


class ConnectionReset(Exception):
    """The sandbox drops the connection (the transport turns this into an httpx error)."""


class Faults:
    """Faults injected into the next matching requests, and latency for every request. A test may add
    faults while the pass under test calls the sandbox from its writer threads."""

    def __init__(self):
        self.pending: list[Fault] = []
        self.latency_s = 0.0
        self._lock = threading.Lock()

    def fail_next(self, count=1, *, status=503, body=None, headers=None, path_contains="", reset=False):
        with self._lock:
            for _ in range(count):
                self.pending.append(Fault(status=status, body=body, headers=dict(headers or {}),
                                          path_contains=path_contains, reset=reset))

    def take(self, path) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self.pending):
                if fault.path_contains in path:
                    return self.pending.pop(index)
        return None

    def clear(self):
        with self._lock:
            self.pending.clear()
        self.latency_s = 0.0


class Sandbox:
    platform = ""
    # how long after the failed attempt each webhook retry is made, in seconds
    webhook_retry_schedule: tuple = (60, 300, 900)

    def __init__(self, clock=None):
        self.clock = clock or FakeClock()
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.faults = Faults()
        self.webhooks = WebhookOutbox(self)
        self.state = self.empty_state()
        self._routes = [
            (getattr(self, name)._sandbox_route, getattr(self, name))
            for name in dir(type(self))
            if hasattr(getattr(type(self), name, None), "_sandbox_route")
        ]

    # --- state ----------------------------------------------------------------------------------
    def empty_state(self) -> dict:
        return {"accounts": {}, "sequence": 0}

    def reset(self):
        with self.lock:
            self.state = self.empty_state()
            self.requests.clear()
            self.faults.clear()
            self.webhooks.clear()

    def next_id(self) -> int:
        self.state["sequence"] += 1
        return self.state["sequence"]

    def account(self, key):
        account = self.state["accounts"].get(str(key))
        if account is None:
            raise SandboxError(404, self.not_found_body())
        return account

    # --- to be provided by each platform -----------------------------------------------------------
    def create_account(self, **options) -> dict:
        """Make an account; returns what a merchant would enter to connect it."""
        raise SandboxError(501, {"error": "not supported by this sandbox"})

    def seed(self, account_key, products) -> None:
        """Fill an account with ``products`` (a list of ``seed.SeedProduct``)."""
        raise SandboxError(501, {"error": "not supported by this sandbox"})

    def not_found_body(self):
        return {"status": 404, "title": "Not Found"}

    def on_webhook_exhausted(self, delivery) -> None:
        """Called when a delivery failed its last retry (platforms deactivate or delete the hook)."""

    def before_route(self, request) -> tuple[str | None, dict]:
        """Authenticate and rate-limit; returns (account key or None, headers for the response).
        Raise SandboxError to refuse."""
        return None, {}

    # --- serving ----------------------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        with self.lock:
            self.clock.advance(self.faults.latency_s)
            account_key, extra_headers = None, {}
            fault = self.faults.take(request.path)
            try:
                if fault is not None:
                    if fault.reset:
                        self._record(request, 0, None)
                        raise ConnectionReset(request.path)
                    raise SandboxError(fault.status, fault.body, fault.headers)
                account_key, extra_headers = self.before_route(request)
                response = self._dispatch(request, account_key)
            except SandboxError as exc:
                response = exc.response
            for name, value in extra_headers.items():
                response.headers.setdefault(name, value)
            self._record(request, response.status, account_key)
            return response

    def _dispatch(self, request, account_key):
        allowed = False
        for (method, pattern), handler in self._routes:
            match = pattern.match(request.path)
            if not match:
                continue
            if method != request.method.upper():
                allowed = True
                continue
            kwargs = match.groupdict()
            if account_key is not None:
                kwargs["account"] = self.account(account_key)
            return handler(request, **kwargs)
        if allowed:
            raise SandboxError(405, {"status": 405, "title": "Method Not Allowed"})
        raise SandboxError(404, self.not_found_body())

    def _record(self, request, status, account_key):
        self.requests.append(Recorded(at=self.clock.now(), method=request.method.upper(), path=request.path,
                                      query=request.query, headers=request.headers, body=request.body,
                                      status=status, account=account_key))

    # --- for tests --------------------------------------------------------------------------------
    def calls(self, method=None, path_contains="", status=None) -> list[Recorded]:
        with self.lock:  # the pass's threads may still be recording
            requests = list(self.requests)
        return [r for r in requests
                if (method is None or r.method == method.upper()) and path_contains in r.path
                and (status is None or r.status == status)]
