"""The one error type connectors raise. Callers decide retry or give-up from it alone."""


class ConnectorError(Exception):
    """A platform call failed.

    ``retryable`` says whether trying again later can succeed (timeouts, 5xx, 429); permanent
    errors (bad credentials, validation) need a person. ``retry_after`` is the platform's own
    answer, in seconds, when it gave one. ``message`` is written for the merchant.
    """

    def __init__(self, message, *, retryable, retry_after=None, status=None, platform="", detail=None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status
        self.platform = platform
        self.detail = detail or {}

    def __repr__(self):
        return (f"ConnectorError({self.message!r}, retryable={self.retryable}, retry_after={self.retry_after}, "
                f"status={self.status}, platform={self.platform!r})")


class WebhookRejected(Exception):
    """A webhook delivery that must not be accepted (forged, stale, unsigned, malformed).

    ``reason`` is short and safe to log and to answer with; it never contains a secret. ``status``
    is the HTTP answer, chosen by the class: this base class is an authentication failure (401);
    the subclasses below name the other kinds.
    """

    status = 401

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class WebhookUnknownConnection(WebhookRejected):
    """No active connection (or no webhooks at all) at this address."""

    status = 404


class WebhookMalformed(WebhookRejected):
    """The body is not what the platform sends: not UTF-8 JSON, too deep, wrong shape."""

    status = 400


class WebhookStale(WebhookRejected):
    """Correctly signed, but older than the platform would still retry it (or from the future)."""

    status = 400


class WebhookTooLarge(WebhookRejected):
    """The body is over ``WEBHOOK_MAX_BYTES``."""

    status = 413


class WebhookLengthRequired(WebhookRejected):
    """A chunked body the server cannot tell the end of (no ``wsgi.input_terminated``)."""

    status = 411
