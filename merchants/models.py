from django.conf import settings
from django.db import models


class Merchant(models.Model):
    """A retailer: the tenant. Everything Flyt stores for a shop hangs off one of these."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    default_currency = models.CharField(max_length=3, default="DKK", help_text="ISO 4217 code, e.g. DKK")
    timezone = models.CharField(max_length=64, default="Europe/Copenhagen")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique_user_merchant")]
        ordering = ["merchant__name"]

    def __str__(self):
        return f"{self.user} @ {self.merchant} ({self.role})"


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one account name or one client address, and the lock they led to.

    Not tenant-owned: a sign-in comes before any merchant. ``key`` is a keyed hash of the
    normalised account name or the address, so names people type (a password pasted in the wrong
    field, say) are never stored as typed."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Account"
        ADDRESS = "address", "Client address"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="loginthrottle_unique_scope_key")]

    def __str__(self):
        return f"{self.scope} {self.key[:12]}: {self.failures} failures"
