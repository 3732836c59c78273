from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal import views
from portal.accounts import views as login_views
from portal.api.urls import api_urls
from portal.core.urls import organisation
from surveys.respondent.bench_views import bench_upsert

admin.site.site_header = "Kommuneportalen"
admin.site.site_title = "Kommuneportalen"
admin.site.login = login_views.admin_login  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    organisation(path("endringslogg/", views.change_log, name="change_log")),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
    path("personvern/", views.privacy_statement, name="privacy"),
    path("", include("portal.accounts.urls")),
    path("", include("portal.municipalities.urls")),
    path("", include("surveys.urls")),
    path("", include("housing.urls")),
    path("", include("portal.benchmark.urls")),
    api_urls,
    path("admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(
        path("bench/upsert/<int:response_id>/<int:question_id>/", bench_upsert, name="bench_upsert")
    )

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
