"""Support in the admin: "Replay selected events" on the webhook inbox, and RemoteStock read-only."""

import pytest
from django.urls import reverse

from integrations.models import RemoteStock, WebhookEvent
from tests.factories import ConnectionFactory, LocationFactory, VariantFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def replay(client, events):
    return client.post(reverse("admin:integrations_webhookevent_changelist"),
                       {"action": "replay", "_selected_action": [e.pk for e in events]}, follow=True)


def test_replay_selected_events_sets_them_pending_and_queues_them_after_commit(
        staff_client, merchant_a, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("integrations.tasks.webhook_event_process_task.delay", lambda pk: queued.append(pk))
    connection = ConnectionFactory(merchant=merchant_a)
    done = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DONE)
    failed = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.FAILED, error="timeout")
    untouched = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DONE)

    assert "Replay selected events" in html(staff_client.get(reverse("admin:integrations_webhookevent_changelist")))
    with django_capture_on_commit_callbacks(execute=True):
        response = replay(staff_client, [done, failed])

    assert response.status_code == 200
    assert "2 event(s) queued to be processed again." in html(response)
    assert sorted(queued) == sorted([done.pk, failed.pk])
    statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert statuses == {done.pk: "pending", failed.pk: "pending", untouched.pk: "done"}
    assert WebhookEvent.objects.get(pk=failed.pk).error == ""


def test_merchant_users_cannot_replay(client_a, merchant_a):
    event = WebhookEventFactory(connection=ConnectionFactory(merchant=merchant_a), status=WebhookEvent.Status.DONE)
    response = client_a.post(reverse("admin:integrations_webhookevent_changelist"),
                             {"action": "replay", "_selected_action": [event.pk]})
    assert response.status_code == 302 and "/admin/login/" in response.url
    event.refresh_from_db()
    assert event.status == "done"


def test_remote_stock_is_listed_read_only(staff_client, merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, name="Web shop")
    row = RemoteStock.objects.create(merchant=merchant_a, connection=connection,
                                     variant=VariantFactory(product__merchant=merchant_a, sku="MUG-1"),
                                     location=LocationFactory(merchant=merchant_a), external_variant_id="77",
                                     external_location_id="1", last_known=12, dirty=True)

    listing = staff_client.get(reverse("admin:integrations_remotestock_changelist"), {"q": "MUG-1"})
    assert listing.status_code == 200
    page = html(listing)
    assert "MUG-1" in page and "Web shop" in page and ">12<" in page
    assert staff_client.get(reverse("admin:integrations_remotestock_changelist"),
                            {"location__isempty": "1"}).status_code == 200
    assert staff_client.get(reverse("admin:integrations_remotestock_add")).status_code == 403
    change = staff_client.get(reverse("admin:integrations_remotestock_change", args=[row.pk]))
    assert change.status_code == 200 and 'name="last_known"' not in html(change)
    assert staff_client.post(reverse("admin:integrations_remotestock_delete", args=[row.pk])).status_code == 403
