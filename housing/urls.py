from django.urls import path

from housing import views

P = "kommune/<str:number>/profil/"

urlpatterns = [
    path(P, views.profile, name="housing_profile"),
    path(f"{P}historikk/", views.profile_history, name="housing_history"),
    path(f"{P}per-dato/", views.profile_as_of, name="housing_as_of"),
    # Housing lines
    path(f"{P}bolig/", views.housing_lines, name="housing_lines"),
    path(f"{P}bolig/ny/", views.housing_line_form, name="housing_line_create"),
    path(f"{P}bolig/<int:pk>/", views.housing_line_form, name="housing_line_edit"),
    path(f"{P}bolig/<int:pk>/slett/", views.housing_line_delete, name="housing_line_delete"),
    path(f"{P}bolig/ledighet/", views.housing_vacancies, name="housing_vacancies"),
    path(f"{P}bolig/last-opp/", views.housing_upload, name="housing_upload"),
    path(f"{P}bolig/last-ned/", views.housing_download, name="housing_download"),
    path(f"{P}bolig/mal/", views.housing_template, name="housing_template"),
    # Staffed housing for unaccompanied minors
    path(f"{P}bemannet-bolig/ny/", views.staffed_housing_form, name="staffed_housing_create"),
    path(f"{P}bemannet-bolig/<int:pk>/", views.staffed_housing_form, name="staffed_housing_edit"),
    path(
        f"{P}bemannet-bolig/<int:pk>/slett/",
        views.staffed_housing_delete,
        name="staffed_housing_delete",
    ),
    # Contact persons
    path(f"{P}kontaktpersoner/ny/", views.contact_form, name="contact_create"),
    path(f"{P}kontaktpersoner/<int:pk>/", views.contact_form, name="contact_edit"),
    path(f"{P}kontaktpersoner/<int:pk>/slett/", views.contact_delete, name="contact_delete"),
    # Service sections (skole, introduksjonsprogram, barnehage, tolk, helse, ...) and confirming
    path(f"{P}<slug:slug>/endre/", views.section_edit, name="housing_section_edit"),
    path(f"{P}<slug:slug>/bekreft/", views.section_confirm, name="housing_section_confirm"),
    # The directorate
    path("bosetting/sok/", views.settlement_search, name="settlement_search"),
    path("bosetting/sok/eksport/", views.settlement_search_export, name="settlement_search_export"),
    path("bosetting/profiler/", views.profile_freshness, name="profile_freshness"),
]
