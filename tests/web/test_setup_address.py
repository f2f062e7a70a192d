"""With the sandboxes on, the wizard's API address field reaches only the configured sandbox or
the platform's own hosts: a typed local address is a form error and no request leaves Flyt."""

import socket
import threading
from html import unescape

import pytest

from integrations.models import Connection
from integrations.sandbox import registry
from tests.web.conftest import bc_form, start, step_url, zettle_form

pytestmark = pytest.mark.django_db


class Listener:
    """A local HTTP listener that records what reaches it and answers 401."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
                except OSError:
                    self.received.append(b"")

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def html(response):
    return unescape(response.content.decode())


LOCAL_ADDRESSES = [
    "http://127.0.0.1:{port}",
    "http://127.0.0.1:{port}/sandbox/{platform}",
    "http://localhost:{port}/sandbox/{platform}",
    "https://127.0.0.1:{port}/",
    "http://sandbox.flyt.test:{port}/sandbox/{platform}",
]


@pytest.mark.parametrize("address", LOCAL_ADDRESSES)
def test_a_typed_local_address_is_a_form_error_and_nothing_is_sent(client_a, bc, listener, address):
    integration = start(client_a)
    account = bc.create_account()
    typed = address.format(port=listener.port, platform="bigcommerce")
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(account, base_url=typed))
    assert response.status_code == 400
    assert "not one of BigCommerce's own hosts" in html(response)
    assert listener.received == []
    assert bc.calls() == []
    assert not Connection.objects.exists()


@pytest.mark.parametrize("address", LOCAL_ADDRESSES)
def test_a_typed_local_address_for_zettle_is_a_form_error_and_nothing_is_sent(client_a, bc, zettle, listener,
                                                                              address):
    integration = start(client_a)
    assert client_a.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account())).status_code == 302
    typed = address.format(port=listener.port, platform="zettle")
    response = client_a.post(step_url(integration, "zettle"), zettle_form(zettle.create_account(), base_url=typed))
    assert response.status_code == 400
    assert "not one of Zettle's own hosts" in html(response)
    assert listener.received == []
    assert zettle.calls() == []


@pytest.mark.parametrize("address", ["http://api.bigcommerce.com", "https://api.bigcommerce.com:8443",
                                     "https://api.bigcommerce.com.evil.example", "https://169.254.169.254/",
                                     "ftp://api.bigcommerce.com", "not an address", "https://exämple.com"])
def test_a_typed_address_must_pass_the_production_host_guard(client_a, bc, address):
    integration = start(client_a)
    response = client_a.post(step_url(integration, "bigcommerce"), bc_form(bc.create_account(), base_url=address))
    assert response.status_code == 400
    assert "not one of BigCommerce's own hosts" in html(response)
    assert bc.calls() == []


def test_use_a_sandbox_store_ignores_a_typed_address(client_a, bc, listener):
    integration = start(client_a)
    response = client_a.post(step_url(integration, "bigcommerce"),
                             {"sandbox": "1", "base_url": f"http://127.0.0.1:{listener.port}"})
    assert response.status_code in (302, 400)
    assert listener.received == []
    integration.refresh_from_db()
    if integration.connection_for("bigcommerce") is not None:
        bc_side = integration.connection_for("bigcommerce")
        assert bc_side.settings["base_url"] == registry.inprocess_base_url("bigcommerce")


def test_the_service_ignores_a_typed_address_with_the_sandbox_and_refuses_a_local_one(merchant_a, bc, listener):
    from integrations.services import setup as services

    integration = services.integration_start(merchant=merchant_a)
    connection = services.setup_connect_bigcommerce(
        merchant=merchant_a, integration=integration, use_sandbox=True,
        base_url=f"http://127.0.0.1:{listener.port}")
    assert connection.settings["base_url"] == registry.inprocess_base_url("bigcommerce")
    account = bc.create_account()
    with pytest.raises(services.ConnectionProblem, match="not one of BigCommerce's own hosts"):
        services.setup_connect_bigcommerce(
            merchant=merchant_a, integration=integration, store_hash=account["settings"]["store_hash"],
            access_token=account["credentials"]["access_token"],
            client_secret=account["credentials"]["client_secret"], base_url=f"http://127.0.0.1:{listener.port}")
    assert listener.received == []


def test_the_configured_sandbox_address_can_still_be_typed(client_a, bc):
    integration = start(client_a)
    response = client_a.post(step_url(integration, "bigcommerce"),
                             bc_form(bc.create_account(), base_url=registry.inprocess_base_url("bigcommerce") + "/"))
    assert response.status_code == 302
