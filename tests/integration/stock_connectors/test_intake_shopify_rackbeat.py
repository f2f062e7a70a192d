"""Shopify and Rackbeat deliveries at Flyt's intake over HTTP (``/webhooks/<platform>/<public id>/``):
the subscriptions are made by the stock service, the sandboxes' own deliveries after a sale are
stored once, and forged ones are refused with nothing stored."""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client

from integrations.models import WebhookEvent
from integrations.rackbeat.sandbox import RackbeatSandbox
from integrations.sandbox import registry
from integrations.sandbox.clock import FakeClock
from integrations.sandbox.seed import catalog
from integrations.services.stock import stock_connection_reconcile
from integrations.shopify.sandbox import ShopifySandbox
from tests.integration.stock_connectors import conftest

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    # the real time: Shopify deliveries carry X-Shopify-Triggered-At, which intake checks
    return FakeClock(start=time.time())


@pytest.fixture
def sandboxes(clock):
    shopify = registry.install("shopify", ShopifySandbox(clock=clock))
    rackbeat = registry.install("rackbeat", RackbeatSandbox(clock=clock))
    yield shopify, rackbeat
    registry.uninstall_all()


def connect(merchant, platform, sandbox, **options):
    account = sandbox.create_account(**options)
    return conftest.connect(merchant, platform, account), account["account"]


def subscribed(merchant, platform, sandbox, *, prefix):
    """A new account with one product, connected; the stock service's health check registers the
    webhooks (and, for Rackbeat, keeps the token)."""
    connection, key = connect(merchant, platform, sandbox)
    sandbox.seed(key, catalog(1, prefix=prefix))
    sandbox.webhooks.clear()
    stock_connection_reconcile(merchant=merchant, connection=connection)
    return connection, key


def post(path, headers, body):
    return Client().post(path, data=body, content_type=headers.get("Content-Type", "application/json"),
                         **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
                            if k.lower() != "content-type"})


def deliver(sandbox, capture, *, process=False):
    """The sandbox's pending deliveries, posted to intake; returns [(status, headers, body)]. Without
    ``process`` the stored events are not processed (what is shown is intake)."""
    seen = []

    def send(url, headers, body):
        with capture(execute=process):
            response = post(urlsplit(url).path, headers, body)
        seen.append((response.status_code, headers, body))
        return response.status_code

    sandbox.webhooks.run_until_idle(send)
    return seen


def test_shopify_deliveries_are_stored_once_and_forged_ones_refused(merchant_a, sandboxes,
                                                                    django_capture_on_commit_callbacks):
    shopify, _ = sandboxes
    connection, shop = subscribed(merchant_a, "shopify", shopify, prefix="SHP")
    path = f"/webhooks/shopify/{connection.public_id}/"
    hooks = shopify.account(shop)["webhooks"].values()
    assert {h["topic"] for h in hooks} == {"inventory_levels/update", "inventory_levels/connect"}
    assert all(urlsplit(h["address"]).path == path for h in hooks)

    shopify.webhooks.duplicate_rate = 1.0  # every delivery comes twice
    sku = next(v["sku"] for p in shopify.account(shop)["products"].values() for v in p["variants"])
    shopify.sell(shop, sku, 1)
    seen = deliver(shopify, django_capture_on_commit_callbacks)
    assert len(seen) == 2 and all(status == 204 for status, _, _ in seen)
    events = list(WebhookEvent.objects.filter(connection=connection))
    assert [e.topic for e in events] == ["inventory_levels/update"]  # the duplicate was stored once

    _, headers, body = seen[0]
    forged_body = body.replace(b'"available":', b'"available":1')
    secret = connection.credentials["client_secret"]
    # new delivery ids, so that a forgery accepted by mistake could not pass for a duplicate
    other_shop = {**headers, "X-Shopify-Shop-Domain": "someone-else.myshopify.com"}
    wrong_key = {**headers, "X-Shopify-Hmac-Sha256": base64.b64encode(
        hmac.new(b"not-the-secret", body, hashlib.sha256).digest()).decode()}
    unsigned = {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}
    stale = {**headers, "X-Shopify-Triggered-At": "2020-01-01T00:00:00.000Z"}
    # forged: 401; signed but triggered long before Shopify's retries end: 400
    for n, (forged_headers, forged, status) in enumerate(((headers, forged_body, 401), (other_shop, body, 401),
                                                          (wrong_key, body, 401), (unsigned, body, 401),
                                                          (stale, body, 400))):
        response = post(path, {**forged_headers, "X-Shopify-Webhook-Id": f"forged-{n}"}, forged)
        assert response.status_code == status, forged_headers
        assert "error" in response.json()
    assert hmac.compare_digest(headers["X-Shopify-Hmac-Sha256"], base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode())  # the genuine one was signed so
    assert WebhookEvent.objects.filter(connection=connection).count() == 1


def test_rackbeat_deliveries_are_stored_once_and_forged_ones_refused(merchant_a, sandboxes,
                                                                     django_capture_on_commit_callbacks):
    _, rackbeat = sandboxes
    connection, company = subscribed(merchant_a, "rackbeat", rackbeat, prefix="RB")
    connection.refresh_from_db()
    hook = next(iter(rackbeat.account(company)["webhooks"].values()))
    assert connection.platform_webhook_secrets and hook["token"] in connection.platform_webhook_secrets[0].split()

    number = next(iter(rackbeat.account(company)["products"]))
    rackbeat.sell(company, number, 1)
    seen = deliver(rackbeat, django_capture_on_commit_callbacks)
    assert seen and all(status == 204 for status, _, _ in seen)
    events = WebhookEvent.objects.filter(connection=connection)
    assert events.count() == len(seen) and {e.topic for e in events} == {"product.updated"}
    # the same delivery again is answered and not stored twice
    status, headers, body = seen[0]
    assert post(urlsplit(hook["url"]).path, headers, body).status_code == 204
    assert WebhookEvent.objects.filter(connection=connection).count() == len(seen)

    path = urlsplit(hook["url"]).path
    fresh = json.dumps({**json.loads(body), "data": {"forged": True}}).encode()
    forgeries = (
        ({**headers, "Rackbeat-Webhook-Token": "0" * 32}, fresh, 401),  # a guessed token
        ({k: v for k, v in headers.items() if k != "Rackbeat-Webhook-Token"}, fresh, 401),  # no token
        ({**headers, "Rackbeat-Account-Id": "999999"}, fresh, 401),  # the right token for another account
        ({**headers, "Rackbeat-Webhook-Event": "order.created"}, fresh, 401),  # header and body disagree
        (headers, b"not json", 400),
    )
    for forged_headers, forged, expected in forgeries:
        response = post(path, forged_headers, forged)
        assert response.status_code == expected, forged_headers
    assert WebhookEvent.objects.filter(connection=connection).count() == len(seen)


def test_a_sale_on_each_platform_reaches_the_others(merchant_a, sandboxes, clock, django_capture_on_commit_callbacks):
    """Shopify and Rackbeat by their own webhooks through intake, Shopbox by polling."""
    from catalog.models import Product, Variant
    from integrations.models import Connection
    from integrations.services.stock import stock_connection_poll, stock_connection_start
    from integrations.shopbox.sandbox import ShopboxSandbox

    shopify, rackbeat = sandboxes
    shopbox = registry.install("shopbox", ShopboxSandbox(clock=clock))
    platforms = {"shopify": shopify, "rackbeat": rackbeat, "shopbox": shopbox}
    seed = catalog(2, prefix="ALL")
    for product in seed:
        hub = Product.objects.create(merchant=merchant_a, title=product.name)
        for variant in product.variants:
            Variant.objects.create(merchant=merchant_a, product=hub, sku=variant.sku, barcode=variant.barcode)
    connections, keys = {}, {}
    for platform, sandbox in platforms.items():
        connection, keys[platform] = connect(merchant_a, platform, sandbox,
                                             **({} if platform == "shopify" else {"rate_per_minute": 100_000}))
        sandbox.seed(keys[platform], seed)
        Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.ACTIVE, stock_direction="both")
        connection.refresh_from_db()
        connections[platform] = connection
        sandbox.webhooks.clear()

    def deliver_all():
        for _ in range(6):
            if not any(s.webhooks.pending for s in platforms.values()):
                return
            for sandbox in (shopify, rackbeat):
                deliver(sandbox, django_capture_on_commit_callbacks, process=True)
        raise AssertionError("webhooks kept coming: a write ping-pong")

    for platform in platforms:  # the first to link an item sets Flyt's level; the others follow it
        with django_capture_on_commit_callbacks(execute=True):
            stock_connection_start(merchant=merchant_a, connection=connections[platform])
        deliver_all()
    sku = seed[0].variants[0].sku

    def levels():
        return (shopify.stock_of(keys["shopify"], sku), int(rackbeat.stock_of(keys["rackbeat"], sku, location="1")),
                shopbox.stock_of(keys["shopbox"], sku))

    start = seed[0].variants[0].stock
    assert levels() == (start, start, start)
    shopify.sell(keys["shopify"], sku, 2)
    deliver_all()
    assert levels() == (start - 2,) * 3
    rackbeat.sell(keys["rackbeat"], sku, 1)
    deliver_all()
    assert levels() == (start - 3,) * 3
    clock.advance(5)
    shopbox.sell(keys["shopbox"], sku, 1)
    with django_capture_on_commit_callbacks(execute=True):
        stock_connection_poll(merchant=merchant_a, connection=connections["shopbox"])
    deliver_all()
    assert levels() == (start - 4,) * 3
