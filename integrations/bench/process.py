"""The sandbox server as a subprocess: start it on a free loopback port, read its seeded accounts,
ask it for call counts (and, for ``bench stock``, sell and read levels), and always stop it. Also
Flyt's own processes for a benchmark (``ServiceProcess``: the web server, a Celery worker)."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx
from django.conf import settings


class SandboxServerError(RuntimeError):
    pass


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Started:
    """``with X(...) as x:``: ``start()`` on entering (returns the started object), ``stop()`` on leaving,
    also on an error."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class SandboxServer(Started):
    """``with SandboxServer(seeds=[...]) as server: server.accounts, server.stats(reset=True)``."""

    def __init__(self, *, seeds, currency, channel="", random_seed=1, host="127.0.0.1", startup_timeout_s=1800):
        self.seeds, self.currency, self.channel = list(seeds), currency, channel
        self.random_seed, self.host, self.startup_timeout_s = random_seed, host, startup_timeout_s
        self.port = None
        self.accounts = []
        self.process = None
        self._stderr = None
        self._http = None

    @property
    def root(self):
        return f"http://{self.host}:{self.port}"

    def command(self):
        manage = str(settings.BASE_DIR / "manage.py")
        command = [sys.executable, manage, "sandbox", "serve", "--host", self.host, "--port", str(self.port),
                   "--currency", self.currency, "--random-seed", str(self.random_seed)]
        for platform, products, variants in self.seeds:
            command += ["--seed", f"{platform}:{products}:{variants}"]
        if self.channel:
            command += ["--channel", self.channel]
        return command

    def start(self):
        self.port = free_port(self.host)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE, "SANDBOX_ENABLED": "true",
               "PYTHONUNBUFFERED": "1"}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed in stop()
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=self._stderr, env=env,  # noqa: S603
                                        cwd=str(settings.BASE_DIR), text=True)
        lines = []
        reader = threading.Thread(target=self._read_until_ready, args=(lines,), daemon=True)
        reader.start()
        reader.join(self.startup_timeout_s)
        if reader.is_alive() or not lines or lines[-1] != "ready":
            problem = self.stderr_tail() or "no output"
            self.stop()
            raise SandboxServerError(f"The sandbox server did not start: {problem}")
        self.accounts = [json.loads(line) for line in lines[:-1]]
        self._http = httpx.Client(base_url=self.root, timeout=30.0)
        return self

    def _read_until_ready(self, lines):
        for line in self.process.stdout:
            line = line.strip()
            if not line:
                continue
            lines.append(line)
            if line == "ready":
                return

    def account(self, platform):
        return next(a for a in self.accounts if a["platform"] == platform)

    def stats(self, *, reset=False):
        """Per-platform call counts the sandboxes recorded; ``reset`` zeroes them after reading."""
        response = self._http.post("/sandbox-stats/reset") if reset else self._http.get("/sandbox-stats")
        response.raise_for_status()
        return response.json()

    def holdings(self):
        """What every sandbox account holds now: {platform: {account: {"products", "variants"}}}."""
        response = self._http.get("/sandbox-stats/accounts")
        response.raise_for_status()
        return response.json()

    # --- the control surface (bench stock) ---------------------------------------------------------
    def sell(self, platform, account, sku, qty=1):
        """Sell ``qty`` of ``sku`` at the platform; returns the SKU's level there after the sale."""
        response = self._http.post("/sandbox-control/sell", json={"platform": platform, "account": account,
                                                                   "sku": sku, "qty": qty})
        response.raise_for_status()
        return response.json()["level"]

    def levels(self, platform, account, *, client=None):
        """{sku: level} the platform shows now (``client``: another thread's own httpx client)."""
        response = (client or self._http).get("/sandbox-control/levels",
                                              params={"platform": platform, "account": account})
        response.raise_for_status()
        return response.json()

    def set_stock(self, platform, account, level):
        """Every variant of the account at ``level``, with no webhooks (before anyone listens)."""
        response = self._http.post("/sandbox-control/stock", json={"platform": platform, "account": account,
                                                                    "level": level})
        response.raise_for_status()
        return response.json()

    def deliver_webhooks(self):
        """Start posting the sandboxes' webhooks to their destinations as they fall due."""
        response = self._http.post("/sandbox-control/deliver", json={"on": True})
        response.raise_for_status()

    def outbox(self):
        response = self._http.get("/sandbox-control/outbox")
        response.raise_for_status()
        return response.json()

    def client(self):
        """A new httpx client on the server, for another thread (close it when done)."""
        return httpx.Client(base_url=self.root, timeout=30.0)

    def stderr_tail(self, chars=2000):
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-chars:].strip()

    def stop(self):
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


class PlatformSandboxes(Started):
    """One ``SandboxServer`` process per seeded platform, as the platforms are separate services: a busy
    BigCommerce (serving catalog pages) never slows Zettle's answers through a shared interpreter.
    ``accounts``, ``account``, ``stats`` and ``holdings`` as on one server, summed over them."""

    def __init__(self, *, seeds, currency, channel="", random_seed=1, host="127.0.0.1"):
        self.servers = [SandboxServer(seeds=[seed], currency=currency, channel=channel, random_seed=random_seed,
                                      host=host) for seed in seeds]
        self.accounts = []

    def start(self):
        errors = []

        def start(server):
            try:
                server.start()
            except SandboxServerError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(server,), daemon=True) for server in self.servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.stop()
            raise errors[0]
        self.accounts = [account for server in self.servers for account in server.accounts]
        return self

    def account(self, platform):
        return next(a for a in self.accounts if a["platform"] == platform)

    def stats(self, *, reset=False):
        return _summed([server.stats(reset=reset) for server in self.servers])

    def holdings(self):
        merged = {}
        for server in self.servers:
            for platform, accounts in server.holdings().items():
                merged.setdefault(platform, {}).update(accounts)
        return merged

    def stop(self):
        for server in self.servers:
            server.stop()


def _summed(snapshots):
    """Per-platform call counts of several servers added up (numbers, and dicts of numbers)."""
    total = {}
    for snapshot in snapshots:
        for platform, counts in snapshot.items():
            row = total.setdefault(platform, {})
            for key, value in counts.items():
                if isinstance(value, dict):
                    bucket = row.setdefault(key, {})
                    for name, number in value.items():
                        bucket[name] = bucket.get(name, 0) + number
                else:
                    row[key] = row.get(key, 0) + value
    return total


class ServiceProcess(Started):
    """One of Flyt's own processes for a benchmark (the web server, a worker): started with its own
    environment, its output in a temporary file, ready when ``ready()`` says so, always stopped
    (SIGTERM to its process group, then SIGKILL)."""

    def __init__(self, name, command, *, env, ready, startup_timeout_s=90):
        self.name, self.command, self.env = name, list(command), dict(env)
        self.is_ready, self.startup_timeout_s = ready, startup_timeout_s
        self.process = None
        self._log = None

    def start(self):
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,  # noqa: S603
                                        cwd=str(settings.BASE_DIR), start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                problem = self.log_tail() or f"exit status {self.process.returncode}"
                self.stop()
                raise SandboxServerError(f"{self.name} stopped while starting: {problem}")
            if self.is_ready(self):
                return self
            time.sleep(0.1)
        problem = self.log_tail() or "no output"
        self.stop()
        raise SandboxServerError(f"{self.name} was not ready after {self.startup_timeout_s} s: {problem}")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_text(self):
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def log_tail(self, chars=2000):
        return self.log_text()[-chars:].strip()

    def stop(self, timeout=20):
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


def http_ready(url):
    """A ``ready`` check for ServiceProcess: ``url`` answers 2xx."""

    def check(_service):
        try:
            return httpx.get(url, timeout=1.0).is_success
        except httpx.HTTPError:
            return False

    return check


def log_ready(marker):
    """A ``ready`` check for ServiceProcess: ``marker`` appeared in its output."""

    def check(service):
        return marker in service.log_text()

    return check
