from django.urls import path

from synclog import views

urlpatterns = [
    path("sync-log/", views.run_list, name="synclog-runs"),
    path("sync-log/<int:run_id>/", views.run_detail, name="synclog-run"),
]
