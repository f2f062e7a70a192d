from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Flyt support"
admin.site.site_title = "Flyt support"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("merchants.urls")),
    path("", include("synclog.urls")),
    path("", include("integrations.urls")),
]

if settings.SANDBOX_ENABLED:
    from integrations.sandbox.views import sandbox_view

    urlpatterns += [path("sandbox/<str:platform>/<path:path>", sandbox_view, name="sandbox")]
