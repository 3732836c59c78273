from django.urls import path

from portal.benchmark import views
from portal.core.urls import organisation

app_name = "benchmark"

R = "rapport/<slug:identifier>/"
BATCH = "direktoratet/rapporter/bunke/<int:batch_id>/"

urlpatterns = [
    organisation(
        path("rapport/", views.report_home, name="home"),
        path(R, views.report_detail, name="report"),
        path(f"{R}status/", views.report_status, name="report_status"),
        path(f"{R}rapport.pdf", views.report_pdf, name="report_pdf"),
        path(f"{R}tall.csv", views.report_csv, name="report_csv"),
    ),
    path("direktoratet/rapporter/", views.benchmark_admin, name="admin"),
    path("direktoratet/rapporter/bunke/", views.batch_start, name="batch_start"),
    path(BATCH, views.batch_detail, name="batch"),
    path(f"{BATCH}status/", views.batch_status, name="batch_status"),
    path(f"{BATCH}gjenoppta/", views.batch_resume, name="batch_resume"),
]
