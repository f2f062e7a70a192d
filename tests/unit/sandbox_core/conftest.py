import pytest

from integrations.errors import ConnectorError
from integrations.http import PlatformClient, RetryPolicy
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.core import Sandbox, SandboxError, SandboxResponse, route
from integrations.sandbox.ratelimit import FixedWindow
from integrations.sandbox.transport import SandboxTransport


class ShelfSandbox(Sandbox):
    """A tiny platform for exercising the shared machinery: items behind a token, a quota."""

    platform = "shelf"
    webhook_retry_schedule = (10, 20)

    def create_account(self, **options):
        key = f"acct{self.next_id()}"
        self.state["accounts"][key] = {"token": f"tok-{key}", "items": [], "quota": options.get("quota", 5)}
        return {"account": key, "credentials": {"token": f"tok-{key}"}}

    def before_route(self, request):
        token = request.header("x-token")
        for key, account in self.state["accounts"].items():
            if account["token"] == token:
                window = self.__dict__.setdefault("_windows", {}).setdefault(key, FixedWindow(account["quota"], 10))
                allowed, left, reset = window.hit(self.clock.now())
                headers = {"X-Left": str(left), "X-Reset": str(reset)}
                if not allowed:
                    raise SandboxError(429, {"error": "slow down"}, {**headers, "Retry-After": str(reset)})
                return key, headers
        raise SandboxError(401, {"error": "bad token"})

    @route("GET", r"/items")
    def list_items(self, request, account):
        return SandboxResponse(200, {"items": account["items"]})

    @route("POST", r"/items")
    def add_item(self, request, account):
        body = request.json()
        if not body.get("name"):
            raise SandboxError(422, {"error": "name is required"})
        account["items"].append(body)
        return SandboxResponse(201, body)

    @route("GET", r"/moved")
    def moved(self, request, account):
        return SandboxResponse(301, None, {"Location": "http://169.254.169.254/latest/meta-data"})


class ShelfClient(PlatformClient):
    platform = "shelf"
    label = "Shelf"
    allowed_host_suffixes = ("api.shelf.example",)

    def __init__(self, *, token, **kwargs):
        super().__init__(**kwargs)
        self.token = token

    def auth_headers(self):
        return {"X-Token": self.token}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shelf(clock):
    return ShelfSandbox(clock=clock)


@pytest.fixture
def shelf_client(shelf, clock):
    account = shelf.create_account()
    return ShelfClient(token=account["credentials"]["token"], base_url="http://sandbox.flyt.test/sandbox/shelf",
                       transport=SandboxTransport(shelf), clock=clock, retry=RetryPolicy(attempts=4, base_s=1))


__all__ = ["ConnectorError", "ShelfClient", "ShelfSandbox"]
