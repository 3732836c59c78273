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
    path("direktoratet/logg/", views.audit_log, name="audit_log"),
]
