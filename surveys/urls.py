from django.urls import include, path

from surveys.editions import views as directorate_views
from surveys.followup import views as followup_views
from surveys.respondent import views

urlpatterns = [
    path(
        "kommune/<str:number>/undersokelse/<int:year>/",
        views.survey_overview,
        name="survey_overview",
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/lagre/",
        views.survey_autosave,
        name="survey_autosave",
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/gjennomgang/",
        views.survey_review,
        name="survey_review",
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/send-inn/",
        views.survey_submit,
        name="survey_submit",
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/svar.pdf", views.survey_pdf, name="survey_pdf"
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/del/<slug:section_key>/",
        views.survey_section,
        name="survey_section",
    ),
    path(
        "kommune/<str:number>/undersokelse/<int:year>/del/<slug:section_key>/tildel/",
        views.section_assign,
        name="section_assign",
    ),
    path("direktoratet/undersokelser/", directorate_views.edition_list, name="edition_list"),
    path(
        "direktoratet/undersokelser/<int:year>/",
        directorate_views.edition_detail,
        name="edition_detail",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/definisjon.yaml",
        directorate_views.edition_export,
        name="edition_export",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/forhandsvisning/",
        directorate_views.edition_preview_pick,
        name="edition_preview_pick",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/forhandsvisning/<str:number>/",
        directorate_views.edition_preview,
        name="edition_preview",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/oppfolging/",
        followup_views.edition_dashboard,
        name="edition_dashboard",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/oppfolging/<str:number>/",
        followup_views.organisation_follow_up,
        name="organisation_follow_up",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/representativitet/",
        followup_views.edition_representativeness,
        name="edition_representativeness",
    ),
    path("", include("surveys.urls_analysis")),
]
