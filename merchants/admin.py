from django.contrib import admin

from merchants.models import LoginThrottle, Membership, Merchant
from merchants.services import login_throttle_keys


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "default_currency", "timezone", "language", "created_at"]
    search_fields = ["name", "slug"]
    list_filter = ["default_currency", "language"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role", "merchant"]
    search_fields = ["user__username", "user__email", "merchant__name"]
    autocomplete_fields = ["user", "merchant"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed sign-ins and locks. Search by an account's email or a client address (names are stored
    only as keyed hashes); deleting a row lifts its lock."""

    list_display = ["scope", "failures", "window_started_at", "locked_until"]
    list_filter = ["scope"]
    readonly_fields = ["scope", "key", "failures", "window_started_at", "locked_until"]
    search_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        term = search_term.strip()
        keys = set(login_throttle_keys(username=term, address=term).values())
        return queryset.filter(key__in=keys), False
