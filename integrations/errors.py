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

    ``reason`` is short and safe to log and to answer with; it never contains a secret.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
