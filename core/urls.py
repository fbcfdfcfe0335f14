from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import admin_login
from common.api_index import ApiIndexView
from common.views import health, metrics
from documents.urls import api_urlpatterns as documents_api

api_patterns = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("invoices.urls")),
    path("", include("recurring.urls")),
    path("", include("products.urls")),
    path("", include("reminders.urls")),
    path("", include((documents_api, "documents"), namespace="documents-api")),
    path("settings/", include("settings_app.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="docs/redoc.html"),
        name="redoc",
    ),
]

urlpatterns = [
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    # Before the admin's own login: the same throttles as the API's (accounts.views).
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("documents.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "common.handlers.json_bad_request"
handler403 = "common.handlers.json_permission_denied"
handler404 = "common.handlers.json_not_found"
handler500 = "common.handlers.json_server_error"

admin.site.site_header = "Billing back office"
admin.site.site_title = "Billing"
