from django.urls import path

from portal.benchmark import views

urlpatterns = [
    path("kommune/<str:number>/rapport/", views.report_home, name="benchmark_home"),
    path(
        "kommune/<str:number>/rapport/<slug:identifier>/",
        views.report_detail,
        name="benchmark_report",
    ),
    path(
        "kommune/<str:number>/rapport/<slug:identifier>/status/",
        views.report_status,
        name="benchmark_report_status",
    ),
    path(
        "kommune/<str:number>/rapport/<slug:identifier>/rapport.pdf",
        views.report_pdf,
        name="benchmark_report_pdf",
    ),
    path(
        "kommune/<str:number>/rapport/<slug:identifier>/tall.csv",
        views.report_csv,
        name="benchmark_report_csv",
    ),
    path("direktoratet/rapporter/", views.benchmark_admin, name="benchmark_admin"),
    path("direktoratet/rapporter/bunke/", views.batch_start, name="benchmark_batch_start"),
    path(
        "direktoratet/rapporter/bunke/<int:batch_id>/", views.batch_detail, name="benchmark_batch"
    ),
    path(
        "direktoratet/rapporter/bunke/<int:batch_id>/status/",
        views.batch_status,
        name="benchmark_batch_status",
    ),
    path(
        "direktoratet/rapporter/bunke/<int:batch_id>/gjenoppta/",
        views.batch_resume,
        name="benchmark_batch_resume",
    ),
]
