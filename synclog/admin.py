from django.contrib import admin

from merchants.admin_mixins import ReadOnlyAdminMixin
from synclog.models import SyncEntry, SyncRun


class SyncEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SyncEntry
    fields = ["created_at", "level", "action", "object_type", "object_ref", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = True


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "merchant", "connection", "trigger", "direction", "resource", "outcome", "created_count",
                    "updated_count", "failed_count", "started_at", "heartbeat_at", "finished_at"]
    list_filter = ["merchant", "outcome", "trigger", "direction"]
    search_fields = ["merchant__name", "connection__name", "summary"]
    list_select_related = ["merchant", "connection"]
    inlines = [SyncEntryInline]


@admin.register(SyncEntry)
class SyncEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "merchant", "run", "level", "action", "object_ref", "message"]
    list_filter = ["merchant", "level", "action"]
    search_fields = ["object_ref", "message"]
    list_select_related = ["merchant", "run"]
