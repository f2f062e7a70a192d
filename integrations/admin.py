from django import forms
from django.contrib import admin, messages

from integrations.fields import mask
from integrations.models import (
    Binding,
    Connection,
    Integration,
    IntegrationMember,
    Listing,
    RemoteStock,
    SyncCursor,
    TaskAttempt,
    WebhookEvent,
)
from integrations.services.webhooks import webhook_events_replay
from merchants.admin_mixins import ReadOnlyAdminMixin


class ConnectionAdminForm(forms.ModelForm):
    class Meta:
        model = Connection
        # Secrets are not in the form at all: support never sees or edits them.
        fields = ["merchant", "platform", "name", "external_account_id", "settings", "status", "status_message",
                  "products_direction", "stock_direction",
                  "sync_interval_minutes", "next_run_at"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    """Support sees a mask of the credentials, never the values; they are replaced by the merchant."""

    form = ConnectionAdminForm
    list_display = ["name", "merchant", "platform", "status", "external_account_id", "last_run_at", "next_run_at"]
    list_filter = ["merchant", "platform", "status"]
    search_fields = ["name", "external_account_id", "merchant__name", "public_id"]
    readonly_fields = ["public_id", "credentials_masked", "webhook_secret_masked", "created_at", "updated_at",
                       "last_run_at"]
    list_select_related = ["merchant"]

    @admin.display(description="Credentials")
    def credentials_masked(self, obj):
        return ", ".join(f"{k}: {v}" for k, v in obj.masked_credentials.items()) or "—"

    @admin.display(description="Webhook secret")
    def webhook_secret_masked(self, obj):
        return mask(obj.webhook_secret) or "—"


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["connection", "kind", "hub_id", "external_id", "external_parent_id", "origin", "merchant"]
    list_filter = ["merchant", "kind", "origin"]
    search_fields = ["external_id", "external_parent_id"]
    list_select_related = ["connection", "merchant"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "merchant", "connection", "topic", "delivery_id", "status", "attempts"]
    list_filter = ["merchant", "status", "connection__platform"]
    search_fields = ["delivery_id", "topic"]
    exclude = ["body"]
    readonly_fields = ["body_text"]
    list_select_related = ["merchant", "connection"]

    actions = ["replay"]

    @admin.display(description="Body")
    def body_text(self, obj):
        return bytes(obj.body).decode("utf-8", errors="replace")

    def has_replay_permission(self, request):
        return request.user.is_active and request.user.is_staff and self.has_view_permission(request)

    @admin.action(description="Replay selected events", permissions=["replay"])
    def replay(self, request, queryset):
        count = webhook_events_replay(events=queryset)
        self.message_user(request, f"{count} event(s) queued to be processed again. An event whose change is "
                                   "already in Flyt changes nothing.", messages.SUCCESS)


@admin.register(RemoteStock)
class RemoteStockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What each platform showed for each item and location when Flyt last read or wrote it."""

    list_display = ["variant", "connection", "external_variant_id", "external_location_id", "location", "last_known",
                    "dirty", "version", "updated_at", "merchant"]
    list_filter = ["merchant", "connection__platform", "dirty", ("location", admin.EmptyFieldListFilter)]
    search_fields = ["variant__sku", "external_variant_id", "external_product_id", "external_location_id",
                     "connection__name"]
    list_select_related = ["variant", "connection", "location", "merchant"]
    date_hierarchy = "updated_at"


@admin.register(TaskAttempt)
class TaskAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task_name", "task_id", "deliveries", "gave_up", "last_seen_at"]
    list_filter = ["gave_up", "task_name"]
    search_fields = ["task_id", "task_name"]


class IntegrationMemberInline(admin.TabularInline):
    """Who is in the integration and in which role: shown, not edited here (the wizard sets roles)."""

    model = IntegrationMember
    fields = ["connection", "products_role", "stock_role", "position"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IntegrationMember)
class IntegrationMemberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["integration", "connection", "products_role", "stock_role", "merchant"]
    list_filter = ["products_role", "stock_role", "merchant"]
    search_fields = ["integration__name", "connection__name"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "kind", "home_platform", "prices_included", "setup_step", "completed_at"]
    list_filter = ["merchant", "kind"]
    search_fields = ["name", "merchant__name"]
    inlines = [IntegrationMemberInline]
    readonly_fields = ["kind", "completed_at"]  # what the wizard decided, not support's to change

    def get_readonly_fields(self, request, obj=None):
        """Whether prices are included is fixed once the integration is set up: it changes only by
        disconnecting and connecting again (the help pages' rule), not here."""
        fixed = ["prices_included"] if obj is not None and obj.completed_at is not None else []
        return [*super().get_readonly_fields(request, obj), *fixed]


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["product", "integration", "active", "source", "merchant", "updated_at"]
    list_filter = ["merchant", "active", "source"]
    search_fields = ["product__title"]


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where each connection's reads of each resource resume, and when its last poll was claimed."""

    list_display = ["connection", "resource", "since", "polled_at", "updated_at", "merchant"]
    list_filter = ["merchant", "resource", "connection__platform"]
    search_fields = ["connection__name", "connection__external_account_id"]
    list_select_related = ["connection", "merchant"]
