from django.urls import path

from portal.accounts import views as account_views
from portal.municipalities import views

urlpatterns = [
    path("kommune/<str:number>/", views.municipality_detail, name="municipality_detail"),
    path(
        "kommune/<str:number>/innstillinger/",
        views.municipality_settings,
        name="municipality_settings",
    ),
    path("kommune/<str:number>/personer/", account_views.members, name="members"),
    path(
        "kommune/<str:number>/personer/invitasjon/<int:pk>/trekk-tilbake/",
        account_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "kommune/<str:number>/personer/<int:pk>/fjern/",
        account_views.membership_remove,
        name="membership_remove",
    ),
    path("direktoratet/kommuner/", views.municipality_list, name="municipality_list"),
    path("direktoratet/nokkeltall/import/", views.key_figure_import, name="key_figure_import"),
    path("direktoratet/logg/", views.audit_log, name="audit_log"),
]
