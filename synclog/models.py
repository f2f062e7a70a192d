"""What merchants and support read: every sync pass and what happened to each item."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merchants.tenancy import MerchantOwnedModel


class SyncRun(MerchantOwnedModel):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        MANUAL = "manual", "Sync now"
        SETUP = "setup", "Setup"

    class Direction(models.TextChoices):
        PULL = "pull", "Pull"
        PUSH = "push", "Push"
        BOTH = "both", "Both"
        RECONCILE = "reconcile", "Reconcile"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Succeeded"
        PARTIAL = "partial", "Finished with errors"
        FAILED = "failed", "Failed"
        # its worker stopped (killed, machine lost) before it finished; the sweeper says so
        INTERRUPTED = "interrupted", _("Interrupted")

    connection = models.ForeignKey(
        "integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="sync_runs"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.BOTH)
    resource = models.CharField(max_length=32, blank=True, help_text="products, stock, orders, customers")
    dry_run = models.BooleanField(default=False)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    summary = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # a running pass says it is alive as it progresses; one silent for longer than the lease
    # (SYNC_RUN_LEASE_S) is taken as dead by the sweeper
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["merchant", "connection", "-started_at"]),
                   models.Index(fields=["heartbeat_at"], condition=Q(outcome="running"),
                                name="synclog_run_running_beat")]

    def __str__(self):
        return f"Run {self.pk} ({self.get_trigger_display()}, {self.get_outcome_display()})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class SyncEntry(MerchantOwnedModel):
    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        NOTE = "note", "Note"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="entries")
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.NOTE)
    object_type = models.CharField(max_length=32, blank=True)
    object_ref = models.CharField(max_length=255, blank=True, help_text="e.g. SKU or external id")
    message = models.TextField(help_text="For the merchant: what happened and what to do")
    detail = models.JSONField(default=dict, blank=True, help_text="For support: ids, payload excerpts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "sync entries"

    def __str__(self):
        return self.message[:80]
