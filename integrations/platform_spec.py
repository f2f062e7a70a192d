"""The shape of a platform's declaration (``integrations/<platform>/spec.py``): plain data and dotted
paths, so declaring a platform imports none of its code. ``integrations.platforms`` collects them."""

from dataclasses import dataclass, field, replace

PRINTABLE = r"[\x21-\x7e]+"  # printable ASCII, no spaces


@dataclass(frozen=True)
class CredentialField:
    """One credential a person pastes in to connect: ``label`` in their words (translatable), at most
    ``max_length`` characters matching ``pattern`` (by default printable ASCII without spaces, since
    credentials travel in HTTP headers)."""

    name: str
    label: str
    max_length: int = 256
    pattern: str = PRINTABLE


@dataclass(frozen=True)
class RateLimit:
    """A limit the platform puts on Flyt's calls: ``requests`` per ``window_s`` seconds, shared by
    ``scope`` (e.g. every app on the store). ``kind`` says how it is counted ("fixed window",
    "rolling window", "leaky bucket", "cost points")."""

    name: str
    requests: float
    window_s: float
    kind: str = "rolling window"
    scope: str = "account"


@dataclass(frozen=True)
class Capabilities:
    """What Flyt can do with the platform today. Products read / write left as None follow the spec's
    product fields: a platform reads products when it declares fields it reads (and so for writes)."""

    products_read: bool | None = None
    products_write: bool | None = None
    stock_read: bool = False
    stock_write: bool = False
    orders: bool = False
    customers: bool = False


def settings_schema(properties, required=()):
    """A connection's settings: the platform's own ``properties`` plus the sandbox switch and API address."""
    return {
        "type": "object",
        "properties": {
            "sandbox": {"type": "boolean"},
            "base_url": {"type": "string", "format": "uri"},
            **properties,
        },
        "required": list(required),
        "additionalProperties": True,
    }


@dataclass(frozen=True)
class PlatformSpec:
    """Everything Flyt knows about a platform before any of its code runs.

    Changes reach Flyt either by webhooks (``webhooks_module``: ``delivery_id``, ``topic``,
    ``signed_content``, ``parse``, optionally ``is_test_message``; ``webhook_verifier``: a function
    ``(connection, headers, body)`` raising ``WebhookRejected``) or by polling every
    ``poll_interval_s`` seconds (the merchant may change it in the settings' ``poll_interval_seconds``).
    ``product_fields_read`` / ``product_fields_write`` are names from
    ``integrations.contracts.products.PRODUCT_FIELDS``."""

    key: str
    label: str
    account_hint: str
    credentials: tuple[CredentialField, ...]
    settings_schema: dict
    capabilities: Capabilities
    client: str  # dotted path of the API client class (``from_connection``, ``allowed_host_suffixes``)
    sandbox: str  # dotted path of the in-process sandbox class
    stock_connector: str | None = None
    product_connector: str | None = None
    product_fields_read: frozenset = frozenset()
    product_fields_write: frozenset = frozenset()
    settings_defaults: dict = field(default_factory=dict)
    webhooks_module: str | None = None
    webhook_verifier: str | None = None
    poll_interval_s: int | None = None
    # one real read that shows the credentials work: ``(*, client, settings_) -> (external_account_id,
    # settings learnt)``, raising ConnectorError when the platform refuses
    credential_probe: str | None = None
    rate_limits: tuple[RateLimit, ...] = ()
    page_size: int = 100  # items per page of a list read
    batch_sizes: dict = field(default_factory=dict)  # items per write call, by what is written

    def __post_init__(self):
        caps = self.capabilities
        if caps.products_read is None or caps.products_write is None:
            object.__setattr__(self, "capabilities", replace(
                caps,
                products_read=bool(self.product_fields_read) if caps.products_read is None else caps.products_read,
                products_write=bool(self.product_fields_write) if caps.products_write is None else caps.products_write,
            ))

    @property
    def credential_fields(self):
        """The credentials' names, in the order a person is asked for them."""
        return tuple(c.name for c in self.credentials)

    @property
    def webhooks(self):
        """Whether the platform tells Flyt about changes by webhook (else Flyt polls it)."""
        return self.webhooks_module is not None

    @property
    def polled(self):
        return self.poll_interval_s is not None

    @property
    def resources(self):
        """The resources Flyt syncs with this platform in some direction."""
        caps = self.capabilities
        return tuple(name for name, on in (
            ("products", caps.products_read or caps.products_write),
            ("stock", caps.stock_read or caps.stock_write),
            ("orders", caps.orders),
            ("customers", caps.customers),
        ) if on)
