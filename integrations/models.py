"""The edge of Flyt: connections to platform accounts, bindings, the webhook inbox."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.fields import EncryptedJSONField, EncryptedTextField, mask
from integrations.platforms import PLATFORM_CHOICES, PLATFORMS
from merchants.tenancy import MerchantOwnedModel


def _new_webhook_secret():
    return secrets.token_urlsafe(32)


class Direction(models.TextChoices):
    PULL = "pull", "Pull into Flyt"
    PUSH = "push", "Push from Flyt"
    BOTH = "both", "Both ways"
    OFF = "off", "Off"


class Connection(MerchantOwnedModel):
    """One merchant's link to one account on one platform."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "Configuration incomplete"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ERROR = "error", "Needs attention"
        DISCONNECTED = "disconnected", "Disconnected"

    platform = models.CharField(max_length=32, choices=PLATFORM_CHOICES)
    name = models.CharField(max_length=200)
    external_account_id = models.CharField(
        max_length=255, blank=True, help_text="The platform's id of the account, e.g. a store hash"
    )
    credentials = EncryptedJSONField(default=dict, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INCOMPLETE)
    status_message = models.CharField(max_length=500, blank=True, help_text="Why the status is what it is")
    products_direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OFF)
    stock_direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OFF)
    sync_interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Scheduled sync every N minutes; empty for no schedule"
    )
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    webhook_secret = EncryptedTextField(default=_new_webhook_secret, blank=True)
    previous_webhook_secret = EncryptedTextField(blank=True, default="")
    # Secrets the platform issued for its webhooks (e.g. Zettle's signingKey, Rackbeat's tokens).
    platform_webhook_secrets = EncryptedJSONField(default=list, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stock_reconcile_hours = models.PositiveIntegerField(
        default=24, help_text="Compare every stock level with the platform every N hours (0: only on demand)")
    stock_reconciled_at = models.DateTimeField(null=True, blank=True)
    stock_drift_count = models.PositiveIntegerField(
        default=0, help_text="Levels the last stock reconciliation found wrong and corrected")
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # One platform account belongs to one merchant only, and is connected once.
            models.UniqueConstraint(
                fields=["platform", "external_account_id"],
                condition=~Q(external_account_id="") & ~Q(status="disconnected"),
                name="connection_unique_platform_account",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_run_at"])]

    def __str__(self):
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def platform_info(self):
        return PLATFORMS[self.platform]

    @property
    def masked_credentials(self):
        return {key: mask(value) for key, value in (self.credentials or {}).items()}


class Binding(MerchantOwnedModel):
    """A hub object and its counterpart on one connection's platform."""

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product"
        VARIANT = "variant", "Variant"
        CATEGORY = "category", "Category"
        IMAGE = "image", "Image"
        LOCATION = "location", "Location"

    class Origin(models.TextChoices):
        CREATED = "created", "Created by Flyt"
        LINKED = "linked", "Linked to an existing object"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="bindings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    hub_id = models.BigIntegerField(help_text="Primary key of the hub object of this kind")
    external_id = models.CharField(max_length=255)
    external_parent_id = models.CharField(max_length=255, blank=True)
    last_pushed_hash = models.CharField(max_length=64, blank=True, help_text="Hash of what Flyt last wrote")
    remote_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the platform's copy as last read, to notice edits made there"
    )
    origin = models.CharField(
        max_length=8, choices=Origin.choices, default=Origin.LINKED,
        help_text="Created: Flyt made the platform's object, so removing the products Flyt synced may delete "
                  "it. Linked: it existed there already (or nobody knows), so it is only ever unlinked.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "external_id"], name="binding_unique_external"),
            models.UniqueConstraint(fields=["connection", "kind", "hub_id"], name="binding_unique_hub"),
        ]

    def __str__(self):
        return f"{self.kind} {self.hub_id} ↔ {self.external_id}"


class RemoteStock(MerchantOwnedModel):
    """One variant's level at one location of one connection's platform, as Flyt last knew it.

    ``last_known`` is what the platform showed when Flyt last read it or wrote it: a notification
    is turned into a ledger movement of (current level - last_known), so a duplicate, an echo of
    Flyt's own write or an out-of-order delivery makes no movement. ``dirty`` says the hub moved
    since the last push. Rows are locked (in primary-key order) while read, compared and written.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="remote_stock")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text="The hub location; empty while the platform's "
                                                             "location is not mapped")
    external_variant_id = models.CharField(max_length=255)
    external_product_id = models.CharField(max_length=255, blank=True)
    external_location_id = models.CharField(max_length=255)
    last_known = models.IntegerField(null=True, blank=True)
    dirty = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0, help_text="Changes taken from the platform so far")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_variant_id", "external_location_id"],
                                    name="remotestock_unique_item_location"),
        ]
        indexes = [models.Index(fields=["connection", "dirty"]), models.Index(fields=["variant"])]

    def __str__(self):
        return f"{self.external_variant_id}@{self.external_location_id}: {self.last_known}"


class WebhookEvent(MerchantOwnedModel):
    """The inbox: a platform's delivery, stored before we answer 2xx, processed by a task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhook_events")
    delivery_id = models.CharField(max_length=255)
    # SHA-256 of what the platform's signature covers: a replay under a new delivery id is a duplicate
    content_hash = models.CharField(max_length=64, blank=True, default="")
    topic = models.CharField(max_length=255)
    headers = models.JSONField(default=dict, blank=True, help_text="Selected headers only; no secrets")
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "delivery_id"], name="webhookevent_unique_delivery"),
            models.UniqueConstraint(fields=["connection", "content_hash"], condition=~models.Q(content_hash=""),
                                    name="webhookevent_unique_content"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.topic} {self.delivery_id}"


class TaskAttempt(models.Model):
    """How many times one task message has been delivered: the cap that breaks poison loops.

    Celery re-queues a late-acked message when its worker dies; without a count kept outside the
    message, a message that kills its worker would be delivered forever.
    """

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    deliveries = models.PositiveIntegerField(default=0)
    gave_up = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self):
        return f"{self.task_name} {self.task_id} ×{self.deliveries}"


class Role(models.TextChoices):
    """What a member of an integration is for one resource."""

    HOME = "home", _("Home base")
    TARGET = "target", _("Target")
    BOTH = "both", _("Both ways")
    OFF = "off", _("Off")


class Integration(MerchantOwnedModel):
    """An integration as merchants know it: a named set of one merchant's connections (its members),
    each with a role per resource, run by the policy of its kind (``integrations.kinds``): e.g.
    Zettle ↔ BigCommerce, or a product sync between any two platforms."""

    class Scope(models.TextChoices):
        ALL = "all", _("All products")
        SELECTED = "selected", _("Selected products")

    kind = models.CharField(max_length=32, default="zettle_bigcommerce",
                            help_text="The kind's key in integrations.kinds, which decides its rules and steps")
    name = models.CharField(max_length=200, default="Zettle ↔ BigCommerce")
    prices_included = models.BooleanField(default=False)
    initial_scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.ALL)
    setup_step = models.CharField(max_length=32, default="", blank=True, help_text="The open wizard step")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    # --- members (read once per instance; ``forget_members`` after changing them) ----------------------
    @property
    def member_list(self):
        cached = getattr(self, "_member_list", None)
        if cached is None:
            if self.pk is None:
                return []
            cached = self._member_list = list(
                self.members.select_related("connection").order_by("position", "pk"))
        return cached

    def forget_members(self):
        self.__dict__.pop("_member_list", None)

    def refresh_from_db(self, *args, **kwargs):
        self.forget_members()
        super().refresh_from_db(*args, **kwargs)

    def _with_role(self, resource, *roles):
        return [m.connection for m in self.member_list if getattr(m, f"{resource}_role") in roles]

    @property
    def home(self):
        """The connection whose products win (the home base; a both-ways member when there is none)."""
        found = self._with_role("products", Role.HOME) or self._with_role("products", Role.BOTH)
        return found[0] if found else None

    @property
    def targets(self):
        """The connections the home base's products are written to, in order."""
        home = self.home
        return [c for c in self._with_role("products", Role.TARGET, Role.BOTH) if c != home]

    @property
    def target(self):
        targets = self.targets
        return targets[0] if targets else None

    @property
    def connections(self):
        return [m.connection for m in self.member_list]

    @property
    def product_members(self):
        """The connections that take part in the product sync (any role but off), in order."""
        return self._with_role("products", Role.HOME, Role.TARGET, Role.BOTH)

    @property
    def both_ways(self):
        """The members whose products sync both ways (none when the integration has a home base)."""
        return [] if self._with_role("products", Role.HOME) else self._with_role("products", Role.BOTH)

    @property
    def home_platform(self):
        home = self.home
        return home.platform if home is not None else ""

    def connection_for(self, platform):
        """The member connection on ``platform`` (the first one), or None."""
        return next((m.connection for m in self.member_list if m.connection.platform == platform), None)


class IntegrationMember(MerchantOwnedModel):
    """One connection in an integration and its role for each resource."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="members")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="memberships")
    products_role = models.CharField(max_length=8, choices=Role.choices, default=Role.OFF)
    stock_role = models.CharField(max_length=8, choices=Role.choices, default=Role.OFF)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "connection"], name="integrationmember_unique_connection"),
        ]

    def __str__(self):
        return f"{self.connection} in {self.integration}: products {self.products_role}, stock {self.stock_role}"


class Listing(MerchantOwnedModel):
    """A hub product that an integration syncs to its target platform (assigned to the channel)."""

    class Source(models.TextChoices):
        SETUP = "setup", "Synced at setup"
        SELECTED = "selected", "Selected by the merchant"
        CREATED = "created", "Created after setup"
        CHANNEL = "channel", "Assigned to the channel on the home base"
        HOME = "home", "A product of the home base"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="listings")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "product"], name="listing_unique_product")]
        indexes = [models.Index(fields=["integration", "active"])]

    def __str__(self):
        return f"{self.product} on {self.integration}"


class SyncCursor(MerchantOwnedModel):
    """Where one connection's incremental read of one resource resumes, one row per resource, each
    written only by the subsystem that reads that resource (``integrations.engine.cursors``).

    ``since`` is the watermark on the platform's clock: the next read asks for what changed since
    then. ``polled_at`` (Flyt's clock) is when a poll of a platform without webhooks was last
    claimed, so the dispatcher claims the next one only once the interval has passed.
    """

    class Resource(models.TextChoices):
        PRODUCTS = "products", "Products"
        STOCK = "stock", "Stock"
        ORDERS = "orders", "Orders"
        CUSTOMERS = "customers", "Customers"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_cursors")
    resource = models.CharField(max_length=16, choices=Resource.choices)
    since = models.DateTimeField(null=True, blank=True,
                                 help_text="The next read asks for changes since then (the platform's clock)")
    polled_at = models.DateTimeField(null=True, blank=True, help_text="When the last poll was claimed")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["connection", "resource"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "resource"], name="synccursor_unique_resource"),
        ]

    def __str__(self):
        return f"{self.connection_id} {self.resource}: since {self.since}"
