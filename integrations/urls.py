from django.urls import path

from integrations.views import dashboard, webhooks

urlpatterns = [
    path("webhooks/<str:platform>/<uuid:public_id>/", webhooks.receive, name="webhook-receive"),
    path("", dashboard.dashboard, name="dashboard"),
    path("connections/<int:connection_id>/", dashboard.connection_detail, name="connection-detail"),
    path("connections/<int:connection_id>/sync/", dashboard.connection_sync_now, name="connection-sync-now"),
]
