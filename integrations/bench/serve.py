"""Serve in-memory sandboxes over real HTTP from their own process, for benchmarks.

``python manage.py sandbox serve --port P --seed bigcommerce:1000:3`` starts a small threaded WSGI
server (standard library only) on the real clock, with no JSON persistence: state lives in this
process's memory. The sandboxes answer under ``/sandbox/<platform>/<the platform's own path>``,
exactly like the demo's ``/sandbox/`` URLs, so Flyt's clients talk to them as to any host.

Besides the platforms' own paths there is a tiny stats endpoint:

    GET  /sandbox-stats           {platform: {"read", "write", "auth", "throttled", "by_method",
                                               "by_path", "by_service"}}
    POST /sandbox-stats/reset     the same snapshot, then every counter goes back to zero
    GET  /sandbox-stats/accounts  {platform: {account: {"products", "variants"}}} held now

Requests are counted as the sandbox recorded them (what the platform sees), then the recorded
copies are dropped so the server's memory does not grow with the number of calls.

And a control surface for ``bench stock`` under ``/sandbox-control/`` (the merchant's side of the
platforms: sell, levels, stock, deliver, outbox), in ``integrations.bench.control``; the webhook
delivery thread it starts is ``integrations.bench.deliver.WebhookDeliverer``.
"""

import json
import re
import secrets
import threading
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings

from integrations.bench.control import (
    CONTROL_PATH,
    LEVELS,
    STOCK_SETTERS,
    ControlSurface,
    json_response,
    status_line,
)
from integrations.bench.deliver import WebhookDeliverer
from integrations.sandbox.clock import RealClock
from integrations.sandbox.core import ConnectionReset, SandboxRequest
from integrations.sandbox.registry import SANDBOXES, new_sandbox
from integrations.sandbox.seed import catalog
from integrations.shopbox.sandbox.base import AUTH_PATH
from integrations.zettle.api_inventory import is_read_by_post

__all__ = ["CONTROL_PATH", "LEVELS", "STATS_PATH", "STOCK_SETTERS", "CallCounter", "SandboxApp", "WebhookDeliverer",
           "call_kind", "call_service", "enforced_limits", "normalise_path", "parse_seed", "seed_account", "serve"]

STATS_PATH = "/sandbox-stats"
READ_METHODS = ("GET", "HEAD")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def normalise_path(path):
    """``/stores/abc/v3/catalog/products/12/variants`` -> ``/stores/{store}/v3/catalog/products/{id}/variants``."""
    parts = path.split("/")
    out = []
    for index, part in enumerate(parts):
        if index and parts[index - 1] == "stores":
            out.append("{store}")
        elif part.isdigit() or _UUID.match(part):
            out.append("{id}")
        else:
            out.append(part)
    return "/".join(out)


def call_kind(platform, method, path, body=b""):
    """"read", "write" or "auth" (getting a token is neither reading nor writing the catalog)."""
    if (platform == "zettle" and path.startswith("/oauth/token")) or (platform == "shopbox" and path == AUTH_PATH):
        return "auth"
    if platform == "zettle" and method == "POST" and is_read_by_post(path):
        return "read"  # Zettle reads the balances (and tracking) of many products with a POST
    if platform == "shopify" and call_service(platform, path) == "graphql":
        return "write" if _graphql_mutation(body) else "read"  # every GraphQL call is a POST
    return "read" if method in READ_METHODS else "write"


def _graphql_mutation(body):
    try:
        query = str((json.loads(body or b"{}") or {}).get("query") or "")
    except (ValueError, AttributeError):
        return True
    return query.lstrip().startswith("mutation")


def call_service(platform, path):
    """Which of the platform's services (each with its own rate limit) a call went to: Zettle's first path
    segment (products, inventory, oauth...), Shopify's graphql or rest, one "api" elsewhere."""
    if platform == "zettle":
        return path.strip("/").split("/", 1)[0]
    if platform == "shopify":
        return "graphql" if path.rstrip("/").endswith("graphql.json") else "rest"
    return "api"


def graphql_cost(platform, path, response):
    """The points a Shopify GraphQL answer says the call took from the shop's cost bucket (what it
    actually cost; 0 for anything else)."""
    if platform != "shopify" or response is None or call_service(platform, path) != "graphql":
        return 0.0
    body = response.body if isinstance(response.body, dict) else {}
    cost = ((body.get("extensions") or {}).get("cost") or {})
    return float(cost.get("actualQueryCost") or 0.0)


class CallCounter:
    """Per-platform counts of the requests the sandboxes recorded."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, platform, recorded, cost=0.0):
        with self.lock:
            stats = self.counts.setdefault(platform, {"read": 0, "write": 0, "auth": 0, "throttled": 0,
                                                      "by_method": {}, "by_path": {}, "by_service": {}})
            if cost:
                stats["cost"] = stats.get("cost", 0) + cost
            for request in recorded:
                kind = call_kind(platform, request.method, request.path, request.body)
                stats[kind] += 1
                if request.status == 429:
                    stats["throttled"] += 1
                stats["by_method"][request.method] = stats["by_method"].get(request.method, 0) + 1
                key = f"{request.method} {normalise_path(request.path)}"
                stats["by_path"][key] = stats["by_path"].get(key, 0) + 1
                service = call_service(platform, request.path)
                stats["by_service"][service] = stats["by_service"].get(service, 0) + 1
                # when each service was first and last called (epoch seconds): where a pass's time goes
                first, last = stats.setdefault("first_at", {}), stats.setdefault("last_at", {})
                first[service] = min(first.get(service, request.at), request.at)
                last[service] = max(last.get(service, request.at), request.at)

    def snapshot(self, *, reset=False):
        with self.lock:
            out = json.loads(json.dumps(self.counts))
            if reset:
                self.counts = {}
            return out


class SandboxApp(ControlSurface):
    """The WSGI application: the sandboxes, their call counter, the stats endpoint and the control
    surface (``integrations.bench.control``)."""

    def __init__(self, sandboxes):
        self.sandboxes = sandboxes
        self.counter = CallCounter()
        self.deliverer = None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        method = environ["REQUEST_METHOD"].upper()
        if path.startswith(CONTROL_PATH + "/"):
            return self.control(environ, start_response, path[len(CONTROL_PATH) + 1:].rstrip("/"), method)
        if path.rstrip("/") == STATS_PATH:
            return json_response(start_response, 200, self.counter.snapshot())
        if path.rstrip("/") == STATS_PATH + "/reset":
            if method != "POST":
                return json_response(start_response, 405, {"error": "POST to reset"})
            return json_response(start_response, 200, self.counter.snapshot(reset=True))
        if path.rstrip("/") == STATS_PATH + "/accounts":
            return json_response(start_response, 200, self.accounts())
        parts = path.split("/", 3)  # "", "sandbox", platform, rest
        if len(parts) < 3 or parts[1] != "sandbox" or parts[2] not in self.sandboxes:
            return json_response(start_response, 404, {"error": f"No sandbox at {path}"})
        platform = parts[2]
        sandbox = self.sandboxes[platform]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        query = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        request = SandboxRequest(method=method, path="/" + (parts[3] if len(parts) > 3 else ""), query=query,
                                 headers=headers, body=body)
        with sandbox.lock:
            try:
                response = sandbox.handle(request)
            except ConnectionReset:
                response = None
            recorded, sandbox.requests[:] = list(sandbox.requests), []
        self.counter.add(platform, recorded, cost=graphql_cost(platform, request.path, response))
        if response is None:
            return json_response(start_response, 502, {"error": "connection reset (injected fault)"})
        content = response.content()
        out_headers = [(name, str(value)) for name, value in response.final_headers().items()
                       if name.lower() != "content-length"]
        out_headers.append(("Content-Length", str(len(content))))
        start_response(status_line(response.status), out_headers)
        return [content]

    def accounts(self):
        """{platform: {account: {"products": n, "variants": n}}}: what each account holds now."""
        out = {}
        for platform, sandbox in self.sandboxes.items():
            with sandbox.lock:
                for key, account in sandbox.state["accounts"].items():
                    products = account.get("products") or {}
                    if isinstance(account.get("variants"), dict):  # BigCommerce keeps variants apart
                        variants = len(account["variants"])
                    else:
                        variants = sum(len(p.get("variants") or []) for p in products.values())
                    out.setdefault(platform, {})[key] = {"products": len(products), "variants": variants}
        return out

class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the standard library's name
        pass


def parse_seed(spec):
    """``platform:products:variants`` -> (platform, products, variants)."""
    parts = spec.split(":")
    if len(parts) != 3 or parts[0] not in SANDBOXES:
        raise ValueError(f"--seed {spec!r}: expected platform:products:variants with platform one of "
                         f"{', '.join(sorted(SANDBOXES))}")
    try:
        products, variants = int(parts[1]), int(parts[2])
    except ValueError as exc:
        raise ValueError(f"--seed {spec!r}: products and variants must be whole numbers") from exc
    if products < 0 or variants < 1:
        raise ValueError(f"--seed {spec!r}: products must be 0 or more and variants 1 or more")
    return parts[0], products, variants


def enforced_limits(platform, sandbox, account_key):
    """The rate limits the sandbox enforces on this account, by the names of the limits in the platform's
    spec (``integrations/<platform>/spec.py``): ``{name: {"requests", "window_s", "bucket"}}`` (``bucket``:
    what a bucket holds before it paces, for leaky buckets and cost points), and ``raw``: the account's own
    settings."""
    account = sandbox.account(account_key)
    if platform == "bigcommerce":
        return {"requests": {"requests": account["quota"], "window_s": account["window_s"]},
                "raw": {"requests_per_window": account["quota"], "window_s": account["window_s"]}}
    if platform == "zettle":
        limits = dict(account["limits"])
        return {"inventory requests": {"requests": limits["inventory_per_s"], "window_s": 1.0}, "raw": limits}
    if platform == "shopify":
        limits = dict(account["limits"])
        return {"GraphQL cost points": {"requests": limits["graphql_restore_per_s"], "window_s": 1.0,
                                        "bucket": limits["graphql_maximum"]},
                "REST requests": {"requests": limits["rest_leak_per_s"], "window_s": 1.0,
                                  "bucket": limits["rest_bucket_size"]},
                "raw": limits}
    config = dict(account.get("config") or {})
    if "rate_per_minute" in config:  # Shopbox, Rackbeat: a rolling minute
        return {"requests": {"requests": config["rate_per_minute"], "window_s": 60.0},
                "raw": {k: v for k, v in config.items() if isinstance(v, int | float)}}
    return {}


def seed_account(sandbox, platform, products, variants, *, currency, channel, random_seed, base_url):
    """One sandbox account filled with ``products`` x ``variants``; returns its JSON line."""
    options = {"currency": currency}
    # account ids that repeat in every new server process would be refused by Flyt once another bench's
    # shop in the database holds them: a random store hash or shop name, or the sandbox's numbering
    # started at a random point
    if platform == "bigcommerce":
        options["store_hash"] = "s" + secrets.token_hex(6)
    elif platform == "shopify":
        options["shop"] = "flyt-bench-" + secrets.token_hex(4)
    with sandbox.lock:
        sandbox.state["sequence"] = max(sandbox.state.get("sequence", 0), (1 + secrets.randbelow(10**6)) * 1000)
    connect = sandbox.create_account(**options)
    account_key = connect["account"]
    prefix = {"bigcommerce": "BC", "zettle": "ZT"}.get(platform, platform[:2].upper())
    seeds = catalog(products, variants=variants, seed=random_seed, prefix=prefix)
    if seeds:
        sandbox.seed(account_key, seeds)
    channel_id = None
    if platform == "bigcommerce" and channel:
        channel_id = _list_in_channel(sandbox, account_key, channel)
    connect["settings"] = {**connect["settings"], "base_url": f"{base_url}/{platform}"}
    line = {"platform": platform, "base_url": f"{base_url}/{platform}", "products": len(seeds),
            "variants": sum(len(p.variants) for p in seeds), "currency": currency,
            "limits": enforced_limits(platform, sandbox, account_key), **connect}
    if channel_id is not None:
        line["channel_id"] = channel_id
    return line


def _list_in_channel(sandbox, account_key, name):
    """BigCommerce: the channel ``name`` (created like Flyt's prepare would) with every product in it."""
    with sandbox.lock:
        account = sandbox.account(account_key)
        channel = next((c for c in account["channels"].values() if c["name"] == name), None)
        if channel is None:
            channel = sandbox.create_channel_record(account, {"name": name, "type": "pos", "platform": "custom",
                                                              "status": "connected"})
        assigned = {tuple(pair) for pair in account["channel_assignments"]}
        for product_id in sorted(int(pid) for pid in account["products"]):
            if (product_id, channel["id"]) not in assigned:
                account["channel_assignments"].append([product_id, channel["id"]])
        return channel["id"]


def serve(*, host, port, seeds, currency, channel, random_seed, out, err=None, ready=None):
    """Bind, seed, print one JSON line per seeded account then ``ready``, and serve until stopped."""
    server = make_server(host, port, None, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    bound_port = server.server_address[1]
    base_url = f"http://{host}:{bound_port}/sandbox"
    settings.SANDBOX_BASE_URL = base_url  # the URLs the sandboxes hand out (Zettle's Link headers)
    sandboxes = {}
    for platform, products, variants in seeds:
        sandbox = sandboxes.get(platform) or sandboxes.setdefault(platform, new_sandbox(platform, clock=RealClock()))
        line = seed_account(sandbox, platform, products, variants, currency=currency, channel=channel,
                            random_seed=random_seed, base_url=base_url)
        out.write(json.dumps(line) + "\n")
        out.flush()
    for platform in SANDBOXES:  # unseeded platforms are served too (empty)
        sandboxes.setdefault(platform, new_sandbox(platform, clock=RealClock()))
    app = SandboxApp(sandboxes)
    server.set_app(app)
    if err is not None:
        err.write(f"sandboxes served at {base_url}/<platform>; stats at http://{host}:{bound_port}{STATS_PATH}\n")
        err.flush()
    out.write("ready\n")
    out.flush()
    if ready is not None:
        ready(server, app)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        if app.deliverer is not None:
            app.deliverer.stop()
        server.server_close()
