"""Stock sync end to end over the in-process sandboxes: sales made on a sandbox, the sandbox's own
signed webhooks delivered to our intake over HTTP, tasks run as they would on a worker."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from integrations.engine.setup import integration_activate
from integrations.services.stock import stock_connection_start
from tests.integration.zettle_bigcommerce import conftest as zb
from tests.integration.zettle_bigcommerce.conftest import Shop

clock, bc, zettle = zb.clock, zb.bc, zb.zettle  # the same sandbox fixtures


class StockShop(Shop):
    """A Zettle ↔ BigCommerce shop whose integration is set up and whose stock sync has started."""

    def __init__(self, merchant, bc, zettle, capture, **options):
        super().__init__(merchant, bc, zettle, **options)
        self.capture = capture
        self.http = Client()
        self.answers = []

    def start(self, *, home="bigcommerce"):
        self.integration_obj = self.integration(home=home)
        with self.capture(execute=True):
            integration_activate(merchant=self.merchant, integration=self.integration_obj)
        if home == "bigcommerce":  # products in the "PayPal Zettle" channel are the ones synced
            self.bc_connection.refresh_from_db()
            self.bc_client().assign_products_to_channel(
                product_ids=[p.external_id for p in self.bc_products()],
                channel_id=self.bc_connection.settings["channel_id"])
        self.deliver()
        for connection in (self.bc_connection, self.zettle_connection):
            connection.refresh_from_db()
            with self.capture(execute=True):
                stock_connection_start(merchant=self.merchant, connection=connection)
            connection.refresh_from_db()
        self.deliver()
        return self

    def send(self, url, headers, body):
        with self.capture(execute=True):
            return self.send_with(self.http, url, headers, body)

    def send_with(self, client, url, headers, body):
        """Post one delivery to our intake with ``client``; returns the status code."""
        response = client.post(urlsplit(url).path, data=body,
                               content_type=headers.get("Content-Type", "application/json"),
                               **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
                                  if k.lower() != "content-type"})
        self.answers.append(response.status_code)
        return response.status_code

    def deliver(self, rounds=6):
        """Deliver both sandboxes' webhooks until neither has any left (our writes cause echoes)."""
        for _ in range(rounds):
            pending = len(self.bc.webhooks.pending) + len(self.zettle.webhooks.pending)
            if not pending:
                return
            self.bc.webhooks.run_until_idle(self.send)
            self.zettle.webhooks.run_until_idle(self.send)
        raise AssertionError("webhooks kept coming: a write ping-pong")

    def skus(self):
        return sorted(v.sku for p in self.bc_products() for v in p.variants)


@pytest.fixture
def stock_shop(merchant_a, bc, zettle, django_capture_on_commit_callbacks):
    def make(merchant=None, **options):
        return StockShop(merchant or merchant_a, bc, zettle, django_capture_on_commit_callbacks, **options)

    return make
