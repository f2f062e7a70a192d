"""Shopbox sends no webhooks: no subscription API, delivery format or signing scheme is known
(reference §2.5). Flyt polls instead; ``integrations.shopbox.polling`` has what polling needs
(``changes_since`` and ``change_key``, the dedupe key a delivery id would otherwise give).

``verify`` exists so that a request claiming to be a Shopbox webhook is refused, never trusted.
"""

from integrations.errors import WebhookRejected

from .polling import change_key, changes_since

__all__ = ["change_key", "changes_since", "verify"]


def verify(*, headers, body, secrets, now=None, tolerance_s=300):
    raise WebhookRejected("Shopbox does not send webhooks; Flyt polls Shopbox instead.")
