from django.urls import path

from housing import views
from portal.core.urls import organisation

app_name = "housing"

urlpatterns = [
    organisation(
        path("profil/", views.profile, name="profile"),
        path("profil/historikk/", views.profile_history, name="history"),
        path("profil/per-dato/", views.profile_as_of, name="as_of"),
        path("profil/bekreft-alt/", views.profile_confirm_all, name="confirm_all"),
        # Housing lines
        path("profil/bolig/", views.housing_lines, name="lines"),
        path("profil/bolig/ny/", views.housing_line_form, name="line_create"),
        path("profil/bolig/<int:pk>/", views.housing_line_form, name="line_edit"),
        path("profil/bolig/<int:pk>/slett/", views.housing_line_delete, name="line_delete"),
        path("profil/bolig/ledighet/", views.housing_vacancies, name="vacancies"),
        path("profil/bolig/last-opp/", views.housing_upload, name="upload"),
        path("profil/bolig/last-ned/", views.housing_download, name="download"),
        path("profil/bolig/mal/", views.housing_template, name="template"),
        # Staffed housing for unaccompanied minors
        path(
            "profil/bemannet-bolig/ny/", views.staffed_housing_form, name="staffed_housing_create"
        ),
        path(
            "profil/bemannet-bolig/<int:pk>/",
            views.staffed_housing_form,
            name="staffed_housing_edit",
        ),
        path(
            "profil/bemannet-bolig/<int:pk>/slett/",
            views.staffed_housing_delete,
            name="staffed_housing_delete",
        ),
        # Contact persons
        path("profil/kontaktpersoner/ny/", views.contact_form, name="contact_create"),
        path("profil/kontaktpersoner/<int:pk>/", views.contact_form, name="contact_edit"),
        path("profil/kontaktpersoner/<int:pk>/slett/", views.contact_delete, name="contact_delete"),
        # Service sections (skole, introduksjonsprogram, barnehage, tolk, helse, ...), confirming
        path("profil/<slug:slug>/endre/", views.section_edit, name="section_edit"),
        path("profil/<slug:slug>/bekreft/", views.section_confirm, name="section_confirm"),
    ),
    # The directorate
    path("bosetting/sok/", views.settlement_search, name="settlement_search"),
    path("bosetting/sok/eksport/", views.settlement_search_export, name="settlement_search_export"),
    path("bosetting/profiler/", views.profile_freshness, name="profile_freshness"),
]
