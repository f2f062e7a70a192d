import pytest

from integrations.engine.connections import ConnectionProblem, connection_activate, connection_disconnect
from integrations.models import Connection
from integrations.selectors import connection_list
from integrations.services.connections import (
    connection_create,
    connection_request_sync,
    connection_rotate_webhook_secret,
    connection_set_credentials,
    connection_update,
)
from merchants.errors import NotOwned
from synclog.models import SyncRun
from tests.factories import ConnectionFactory


@pytest.mark.django_db
def test_a_new_connection_is_incomplete_until_activated(merchant_a):
    connection = connection_create(merchant=merchant_a, platform="bigcommerce", name="Web shop",
                                   settings={"store_hash": "abc123"}, external_account_id="abc123",
                                   products_direction="pull", stock_direction="both")
    assert connection.status == Connection.Status.INCOMPLETE
    assert connection.webhook_secret and connection.public_id
    connection_activate(merchant=merchant_a, connection=connection)
    assert connection.status == Connection.Status.ACTIVE


@pytest.mark.django_db
def test_settings_are_validated_against_the_platform_schema(merchant_a):
    with pytest.raises(ConnectionProblem, match="store_hash"):
        connection_create(merchant=merchant_a, platform="bigcommerce", name="x", settings={})
    with pytest.raises(ConnectionProblem, match="shop_domain"):
        connection_create(merchant=merchant_a, platform="shopify", name="x",
                          settings={"shop_domain": "evil.example.com"})
    ok = connection_create(merchant=merchant_a, platform="shopify", name="x",
                           settings={"shop_domain": "nordic-socks.myshopify.com"})
    with pytest.raises(ConnectionProblem, match="poll_interval_seconds"):
        connection_create(merchant=merchant_a, platform="shopbox", name="x", settings={"poll_interval_seconds": 1})
    with pytest.raises(ConnectionProblem):
        connection_update(merchant=merchant_a, connection=ok, settings={"shop_domain": "not a domain"})


@pytest.mark.django_db
def test_one_platform_account_belongs_to_one_merchant_only(merchant_a, merchant_b):
    connection_create(merchant=merchant_a, platform="bigcommerce", name="A", settings={"store_hash": "s1"},
                      external_account_id="s1")
    with pytest.raises(ConnectionProblem, match="another Flyt shop"):
        connection_create(merchant=merchant_b, platform="bigcommerce", name="B", settings={"store_hash": "s1"},
                          external_account_id="s1")
    with pytest.raises(ConnectionProblem, match="already connected to your shop"):
        connection_create(merchant=merchant_a, platform="bigcommerce", name="A2", settings={"store_hash": "s1"},
                          external_account_id="s1")
    # The same id on another platform is another account.
    connection_create(merchant=merchant_b, platform="rackbeat", name="B", external_account_id="s1")


@pytest.mark.django_db
def test_after_disconnecting_the_account_can_be_connected_again(merchant_a, merchant_b):
    first = connection_create(merchant=merchant_a, platform="bigcommerce", name="A", settings={"store_hash": "s2"},
                              external_account_id="s2", credentials={"access_token": "secret-token-1"})
    connection_disconnect(merchant=merchant_a, connection=first)
    first.refresh_from_db()
    assert first.status == Connection.Status.DISCONNECTED and first.credentials == {}
    connection_create(merchant=merchant_b, platform="bigcommerce", name="B", settings={"store_hash": "s2"},
                      external_account_id="s2")


@pytest.mark.django_db
def test_credentials_need_the_platform_fields(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, platform="zettle", settings={}, credentials={})
    with pytest.raises(ConnectionProblem, match="Enter the API key to connect Zettle"):
        connection_set_credentials(merchant=merchant_a, connection=connection, credentials={"client_id": "c"})
    connection_set_credentials(merchant=merchant_a, connection=connection,
                               credentials={"client_id": "c", "api_key": "k" * 40})
    connection.refresh_from_db()
    assert connection.masked_credentials["api_key"].endswith("kkkk")
    assert "k" * 40 not in str(connection.masked_credentials)


@pytest.mark.django_db
def test_rotating_the_webhook_secret_keeps_the_previous_one(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a)
    old = connection.webhook_secret
    connection_rotate_webhook_secret(merchant=merchant_a, connection=connection)
    connection.refresh_from_db()
    assert connection.webhook_secret != old and connection.previous_webhook_secret == old


@pytest.mark.django_db
def test_services_refuse_another_merchants_connection(merchant_a, merchant_b):
    foreign = ConnectionFactory(merchant=merchant_b)
    for call in (connection_activate, connection_disconnect):
        with pytest.raises(NotOwned, match="another shop"):
            call(merchant=merchant_a, connection=foreign)
    foreign.refresh_from_db()
    assert foreign.status == Connection.Status.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_sync_now_runs_a_logged_pass_after_commit(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a)
    connection_request_sync(merchant=merchant_a, connection=connection)
    run = SyncRun.objects.get(connection=connection)
    assert run.trigger == SyncRun.Trigger.MANUAL
    assert run.finished_at is not None
    # A connection outside a finished integration has nothing to sync: the run says so in people's words.
    assert run.outcome == SyncRun.Outcome.FAILED
    assert "Finish its setup first" in run.entries.get().message


@pytest.mark.django_db
def test_a_paused_connection_cannot_be_synced_and_says_why(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, status=Connection.Status.PAUSED)
    with pytest.raises(ConnectionProblem, match="paused"):
        connection_request_sync(merchant=merchant_a, connection=connection)


@pytest.mark.django_db
def test_connection_list_is_scoped_and_hides_disconnected(merchant_a, merchant_b):
    mine = ConnectionFactory(merchant=merchant_a)
    ConnectionFactory(merchant=merchant_a, status=Connection.Status.DISCONNECTED)
    ConnectionFactory(merchant=merchant_b)
    assert list(connection_list(merchant=merchant_a)) == [mine]
