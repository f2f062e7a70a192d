"""How intake checks each platform's signature: one function per platform, (connection, headers, body),
raising WebhookRejected."""


def verify_bigcommerce(connection, headers, body):
    from integrations.bigcommerce.webhooks import verify_for_connection

    verify_for_connection(connection=connection, headers=headers, body=body)


def verify_zettle(connection, headers, body):
    from integrations.zettle.webhooks import RETRY_WINDOW_S, verify

    # Zettle retries the same signed envelope (same timestamp) for ~72 hours: the age is bounded by
    # that window, and replays inside it are stopped by the hash of the signed timestamp + payload.
    verify(headers=headers, body=body, secrets=list(connection.platform_webhook_secrets or []), tolerance_s=None,
           max_age_s=RETRY_WINDOW_S)


def _header(headers, name):
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def verify_shopify(connection, headers, body):
    from integrations.errors import WebhookRejected
    from integrations.shopify.webhooks import verify

    # Shopify signs with the app's client secret, kept in the connection's credentials (and the
    # previous one while it is being rotated); Flyt cannot choose a secret per subscription.
    credentials = connection.credentials or {}
    secrets = [credentials.get("client_secret"), credentials.get("previous_client_secret")]
    verify(headers=headers, body=body, secrets=[s for s in secrets if s])
    shop = _header(headers, "X-Shopify-Shop-Domain")
    expected = (connection.settings or {}).get("shop_domain") or connection.external_account_id
    if shop and expected and shop.strip().lower() != str(expected).strip().lower():
        raise WebhookRejected("delivery is for another shop")


def verify_rackbeat(connection, headers, body):
    from integrations.errors import WebhookRejected
    from integrations.rackbeat.stock import known_tokens
    from integrations.rackbeat.webhooks import ACCOUNT_HEADER, verify

    # No signature: each subscription's token, issued by Rackbeat when it was created, is compared
    # (every token Flyt keeps for the connection; the previous set during a re-registration).
    verify(headers=headers, body=body, secrets=known_tokens(connection))
    account = _header(headers, ACCOUNT_HEADER)
    if account and connection.external_account_id and account.strip() != str(connection.external_account_id):
        raise WebhookRejected("delivery is for another Rackbeat account")


VERIFIERS = {"bigcommerce": verify_bigcommerce, "zettle": verify_zettle, "shopify": verify_shopify,
             "rackbeat": verify_rackbeat}
