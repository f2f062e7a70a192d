"""How intake checks each platform's signature: one function per platform, (connection, headers, body),
raising WebhookRejected. Each platform's spec names its function (``PlatformSpec.webhook_verifier``);
a platform that sends no webhooks has none."""

from integrations.bigcommerce.webhooks import verify_for_connection as bigcommerce_verify
from integrations.errors import WebhookRejected
from integrations.rackbeat.stock import known_tokens as rackbeat_tokens
from integrations.rackbeat.webhooks import ACCOUNT_HEADER as RACKBEAT_ACCOUNT_HEADER
from integrations.rackbeat.webhooks import verify as rackbeat_verify
from integrations.shopify.webhooks import verify as shopify_verify
from integrations.zettle.webhooks import RETRY_WINDOW_S as ZETTLE_RETRY_WINDOW_S
from integrations.zettle.webhooks import verify as zettle_verify


def verify_bigcommerce(connection, headers, body):
    bigcommerce_verify(connection=connection, headers=headers, body=body)


def verify_zettle(connection, headers, body):
    # Zettle retries the same signed envelope (same timestamp) for ~72 hours: the age is bounded by
    # that window, and replays inside it are stopped by the hash of the signed timestamp + payload.
    zettle_verify(headers=headers, body=body, secrets=list(connection.platform_webhook_secrets or []),
                  tolerance_s=None, max_age_s=ZETTLE_RETRY_WINDOW_S)


def _header(headers, name):
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def verify_shopify(connection, headers, body):
    # Shopify signs with the app's client secret, kept in the connection's credentials (and the
    # previous one while it is being rotated); Flyt cannot choose a secret per subscription.
    credentials = connection.credentials or {}
    secrets = [credentials.get("client_secret"), credentials.get("previous_client_secret")]
    shopify_verify(headers=headers, body=body, secrets=[s for s in secrets if s])
    shop = _header(headers, "X-Shopify-Shop-Domain")
    expected = (connection.settings or {}).get("shop_domain") or connection.external_account_id
    if shop and expected and shop.strip().lower() != str(expected).strip().lower():
        raise WebhookRejected("delivery is for another shop")


def verify_rackbeat(connection, headers, body):
    # No signature: each subscription's token, issued by Rackbeat when it was created, is compared
    # (every token Flyt keeps for the connection; the previous set during a re-registration).
    rackbeat_verify(headers=headers, body=body, secrets=rackbeat_tokens(connection))
    account = _header(headers, RACKBEAT_ACCOUNT_HEADER)
    if account and connection.external_account_id and account.strip() != str(connection.external_account_id):
        raise WebhookRejected("delivery is for another Rackbeat account")

