import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from integrations.models import Connection
from tests.factories import ConnectionFactory

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


def raw_columns(pk):
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials, webhook_secret FROM integrations_connection WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_raw_column_is_not_the_plaintext(merchant_a):
    connection = ConnectionFactory(merchant=merchant_a, credentials={"access_token": TOKEN})
    raw_credentials, raw_secret = raw_columns(connection.pk)
    assert TOKEN not in raw_credentials
    assert connection.webhook_secret not in raw_secret
    assert raw_credentials.startswith("gAAAA")  # a Fernet token
    assert Connection.objects.get(pk=connection.pk).credentials == {"access_token": TOKEN}


@pytest.mark.django_db
def test_rotate_credentials_re_encrypts_under_the_newest_key(merchant_a, merchant_b, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    a = ConnectionFactory(merchant=merchant_a, credentials={"access_token": TOKEN})
    b = ConnectionFactory(merchant=merchant_b, credentials={"api_token": "rb-secret"})
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_credentials")

    for connection, expected in ((a, {"access_token": TOKEN}), (b, {"api_token": "rb-secret"})):
        raw_credentials, raw_secret = raw_columns(connection.pk)
        assert Fernet(new_key.encode()).decrypt(raw_credentials.encode())  # readable with the new key alone
        assert Fernet(new_key.encode()).decrypt(raw_secret.encode())
        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now be removed
        assert Connection.objects.get(pk=connection.pk).credentials == expected
        settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]


@pytest.mark.django_db
def test_a_removed_key_gives_a_clear_error_not_garbage(merchant_a, settings):
    from django.core.exceptions import ImproperlyConfigured

    connection = ConnectionFactory(merchant=merchant_a)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="removed too early"):
        Connection.objects.get(pk=connection.pk)
