from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit.api import urls as audit_api
from escalations.api import urls as escalations_api
from knowledge.api import urls as knowledge_api

admin.site.site_header = _("Escalation back office")
admin.site.site_title = _("Escalation back office")
admin.site.index_title = _("Cases, escalations and SLA")

# The REST API, version 1: each app owns its routes; their names share the "api" namespace.
api_v1 = [*escalations_api.urlpatterns, *knowledge_api.urlpatterns, *audit_api.urlpatterns]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        if settings.API_DOCS_PUBLIC
        else login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

handler400 = "kit.api.errors.bad_request"
handler404 = "kit.api.errors.page_not_found"
handler500 = "kit.api.errors.server_error"
