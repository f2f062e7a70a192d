class ReadOnlyAdminMixin:
    """For logs, ledgers and inboxes: written by services only; support reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
