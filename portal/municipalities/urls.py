from django.urls import path

from portal.core.urls import organisation
from portal.municipalities import views

app_name = "municipalities"

urlpatterns = [
    organisation(
        path("", views.municipality_detail, name="detail"),
        path("innstillinger/", views.municipality_settings, name="settings"),
    ),
    path("direktoratet/kommuner/", views.municipality_list, name="list"),
    path("direktoratet/nokkeltall/import/", views.key_figure_import, name="key_figure_import"),
    path(
        "direktoratet/nokkeltall/import/<int:pk>/",
        views.key_figure_import_preview,
        name="key_figure_import_preview",
    ),
    path(
        "direktoratet/nokkeltall/import/<int:pk>/bekreft/",
        views.key_figure_import_confirm,
        name="key_figure_import_confirm",
    ),
    path(
        "direktoratet/nokkeltall/import/<int:pk>/avbryt/",
        views.key_figure_import_cancel,
        name="key_figure_import_cancel",
    ),
    path("direktoratet/logg/", views.audit_log, name="audit_log"),
]
