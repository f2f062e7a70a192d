from django.urls import path

from integrations.views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("connections/<int:connection_id>/", dashboard.connection_detail, name="connection-detail"),
    path("connections/<int:connection_id>/sync/", dashboard.connection_sync_now, name="connection-sync-now"),
]
