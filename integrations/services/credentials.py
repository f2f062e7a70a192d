"""Re-encrypt stored secrets under the newest FIELD_ENCRYPTION_KEYS key."""

from django.db import transaction

from integrations.models import Connection

_ENCRYPTED_FIELDS = ["credentials", "webhook_secret", "previous_webhook_secret", "platform_webhook_secrets"]


def credentials_rotate_all(*, batch_size=200):
    """Re-encrypt every connection's secrets; returns how many connections were rewritten.

    Reading decrypts with any configured key; saving encrypts with the first (newest) one. Rows
    are locked a batch at a time with SKIP LOCKED so live traffic goes on; a row that was busy
    is picked up by the next batch or the next run (the old key keeps working until removed).
    This is an operator command across every merchant.
    """
    rotated, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                Connection.objects.filter(pk__gt=last_pk).order_by("pk")
                .select_for_update(skip_locked=True).only("pk", *_ENCRYPTED_FIELDS)[:batch_size]
            )
            if not batch:
                return rotated
            for connection in batch:
                connection.save(update_fields=_ENCRYPTED_FIELDS)
                rotated += 1
            last_pk = batch[-1].pk
