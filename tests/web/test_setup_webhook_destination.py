"""Finishing setup when Zettle cannot deliver its test notification to Flyt's public address: the
merchant is told in plain words what happened and what to do, the sync log says so, and the
integration still works by its regular sync. With a reachable address the subscription is made
and Zettle's test message reaches Flyt's webhook view."""

import httpx
import pytest

from integrations.sandbox.seed import catalog
from integrations.services.stock import stock_connection_start
from synclog.models import SyncEntry, SyncRun
from tests.web.conftest import set_up

pytestmark = pytest.mark.django_db


def unreachable(url, headers, body):
    raise httpx.ConnectError("Name or service not known")


def html(response):
    return response.content.decode()


def test_finish_tells_the_merchant_when_zettle_cannot_reach_flyt(client_a, merchant_a, bc, zettle):
    zettle.sender = unreachable  # Flyt's public address cannot be reached from the internet
    integration, bc_account, zettle_account, response = set_up(client_a, bc, zettle, home="zettle", scope="all",
                                                               zettle_seed=catalog(3, prefix="ZT"))
    assert response.status_code == 302
    page = html(client_a.get(response.url))
    assert "Zettle could not reach Flyt" in page and "https" in page and "PUBLIC_BASE_URL" in page
    assert "every hour" in page
    assert "ConnectorError" not in page and "DESTINATION_NOT_ACCESSIBLE" not in page
    # set up all the same, and it works: the setup sync copied Zettle's products to BigCommerce
    assert integration.completed_at is not None
    assert len(bc.state["accounts"][bc_account["account"]]["products"]) == 3
    assert zettle.account(zettle_account["account"])["subscriptions"] == {}
    assert not integration.connection_for("zettle").platform_webhook_secrets
    # the sync log says so
    run = SyncRun.objects.filter(merchant=merchant_a, trigger=SyncRun.Trigger.SETUP).latest("pk")
    [entry] = SyncEntry.objects.filter(run=run, level=SyncEntry.Level.WARNING, object_type="webhooks")
    assert "Zettle could not reach Flyt" in entry.message and "every hour" in entry.message


def test_stock_start_notes_the_refused_subscription_and_still_brings_stock_in_step(client_a, merchant_a, bc, zettle):
    zettle.sender = unreachable
    integration, _, _, _ = set_up(client_a, bc, zettle, home="zettle", scope="all", zettle_seed=catalog(2))
    outcome = stock_connection_start(merchant=merchant_a, connection=integration.connection_for("zettle"))
    assert outcome is not None
    zettle_side = integration.connection_for("zettle")
    run = SyncRun.objects.filter(merchant=merchant_a, connection=zettle_side, resource="stock").latest("pk")
    assert run.outcome != SyncRun.Outcome.FAILED
    assert SyncEntry.objects.filter(run=run, level=SyncEntry.Level.WARNING, object_type="webhooks",
                                    message__contains="Zettle could not reach Flyt").exists()


def test_finish_with_a_reachable_address_subscribes_and_the_test_message_reaches_flyt(client_a, bc, zettle):
    integration, _, zettle_account, response = set_up(client_a, bc, zettle, home="zettle", scope="all",
                                                      zettle_seed=catalog(2))
    page = html(client_a.get(response.url))
    assert "could not reach" not in page
    [subscription] = zettle.account(zettle_account["account"])["subscriptions"].values()
    assert subscription["destination"].startswith("https://flyt.example/webhooks/zettle/")
    integration.connection_for("zettle").refresh_from_db()
    assert integration.connection_for("zettle").platform_webhook_secrets == [subscription["signingKey"]]
    [test] = [d for d in zettle.webhooks.deliveries if d.topic == "TestMessage"]
    assert test.status == "delivered" and 200 <= test.history[0][1] < 300  # answered by Flyt's webhook view
