"""A product changed on the home base reaches the other platform through the platform's own
signed webhook: intake → inbox → task → sync of that product."""

import pytest
from django.test import Client

from integrations.engine.setup import integration_activate
from integrations.models import WebhookEvent
from synclog.models import SyncRun
from tests.integration.zettle_bigcommerce.conftest import deliver

pytestmark = pytest.mark.django_db


def test_a_product_updated_on_bigcommerce_syncs_to_zettle_by_webhook(shop_factory,
                                                                      django_capture_on_commit_callbacks):
    shop = shop_factory(bc_products=2)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    products = shop.bc_products()
    shop.assign_to_channel(products)
    deliver(shop.bc, django_capture_on_commit_callbacks)  # the assignments arrive as webhooks and sync
    assert len(shop.zettle_products()) == 2

    shop.bc.webhooks.duplicate_rate = 1.0  # every delivery comes twice
    shop.bc.admin_update_product(shop.store, int(products[0].external_id), name="Renamed by webhook")
    answers = deliver(shop.bc, django_capture_on_commit_callbacks)
    assert answers and all(200 <= a < 300 for a in answers)
    assert "Renamed by webhook" in {p.title for p in shop.zettle_products()}
    runs = SyncRun.objects.filter(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK)
    assert runs.exists() and all(r.outcome == SyncRun.Outcome.SUCCESS for r in runs)
    # the duplicate was stored once
    ids = list(WebhookEvent.objects.filter(connection=shop.bc_connection).values_list("delivery_id", flat=True))
    assert len(ids) == len(set(ids))


def test_a_forged_delivery_is_refused_and_changes_nothing(shop_factory):
    shop = shop_factory(bc_products=1)
    integration = shop.integration(home="bigcommerce")
    integration_activate(merchant=shop.merchant, integration=integration)
    url = f"/webhooks/bigcommerce/{shop.bc_connection.public_id}/"
    response = Client().post(url, data=b'{"scope": "store/product/updated", "data": {"id": 1}}',
                             content_type="application/json", HTTP_WEBHOOK_ID="x", HTTP_WEBHOOK_TIMESTAMP="1",
                             HTTP_WEBHOOK_SIGNATURE="v1,Zm9yZ2Vk")
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_product_changed_in_zettle_syncs_to_bigcommerce_by_webhook(shop_factory, django_capture_on_commit_callbacks):
    shop = shop_factory(zettle_products=2)
    integration = shop.integration(home="zettle")
    integration_activate(merchant=shop.merchant, integration=integration)
    shop.zettle_connection.refresh_from_db()
    assert shop.zettle_connection.platform_webhook_secrets  # the signing key Zettle chose is kept
    deliver(shop.zettle, django_capture_on_commit_callbacks)  # the subscription's test message
    product = shop.zettle_products()[0]
    shop.zettle.admin_update_product(shop.org, product.external_id, {"name": "Renamed in Zettle"})
    answers = deliver(shop.zettle, django_capture_on_commit_callbacks)
    assert answers and all(200 <= a < 300 for a in answers)
    assert "Renamed in Zettle" in {p.title for p in shop.bc_products()}
