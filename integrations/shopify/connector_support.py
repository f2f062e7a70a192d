"""Small pure helpers of the Shopify product connector: labels and refusals in the merchant's words, variant
keys, call counts."""

from django.utils.translation import gettext

from integrations.contracts.products import product_label as label  # noqa: F401 - the connectors' name
from integrations.contracts.products import variant_key  # noqa: F401
from integrations.errors import ConnectorError

CONNECTION_STATUSES = (401, 403)  # every product would fail the same way: raise instead of reporting each




def user_error_text(errors):
    """Shopify's ``userErrors`` as one sentence: their messages, without field paths or codes."""
    messages = list(dict.fromkeys(str(e.get("message") or "").strip().rstrip(".") for e in errors or []))
    return "; ".join(m for m in messages if m)


def refused(product, errors):
    return gettext("Shopify refused product %(product)s: %(reason)s. Correct it in Flyt and sync again.") % {
        "product": label(product), "reason": user_error_text(errors) or gettext("no reason given")}


def refused_call(product, exc: ConnectorError):
    """A request about one product that Shopify refused as a whole (e.g. a value of the wrong kind)."""
    if exc.retryable:
        return gettext("Shopify did not take product %(product)s this time (%(reason)s); Flyt will try again.") % {
            "product": label(product), "reason": exc.message}
    return gettext("Shopify refused product %(product)s: %(reason)s. Correct it in Flyt and sync again.") % {
        "product": label(product), "reason": exc.message}


def too_many_options(product, count, limit):
    return gettext("Shopify cannot take product %(product)s: it has %(count)s options and Shopify allows at most "
                   "%(limit)s per product. Combine options in Flyt so it has %(limit)s or fewer.") % {
        "product": label(product), "count": count, "limit": limit}


def too_many_variants(product, count, limit):
    return gettext("Shopify cannot take product %(product)s: it has %(count)s variants and Shopify allows at most "
                   "%(limit)s per product. Split it into several products in Flyt.") % {
        "product": label(product), "count": count, "limit": limit}


def gone(product):
    return gettext("Shopify no longer has product %(product)s; Flyt creates it again at the next sync.") % {
        "product": label(product)}


def currencies_differ(product, currency):
    return gettext("Product %(product)s: prices not synced to Shopify — currencies differ (%(ours)s in Flyt vs "
                   "%(theirs)s in Shopify).") % {"product": label(product), "ours": product.currency,
                                                 "theirs": currency}


def call_stats(stats) -> dict:
    """{"read", "write", "rate_limit_wait_s"}: the client counts a GraphQL query as a read, a mutation as a write."""
    return {"read": stats.reads, "write": stats.writes, "rate_limit_wait_s": round(stats.rate_limit_wait_s, 3)}
