from django.urls import path

from portal.core.urls import organisation
from surveys.analysis import export_views
from surveys.analysis import views as analysis_views
from surveys.editions import cycle_views, editor_views, paper_views
from surveys.editions import views as edition_views
from surveys.followup import views as followup_views
from surveys.respondent import views

app_name = "surveys"

S = "undersokelse/<int:year>/"  # one organisation's answers to one year's survey
E = "direktoratet/undersokelser/<int:year>/"  # one year's edition, for the directorate
F = f"{E}oppfolging/<str:number>/"  # one organisation's follow-up of that edition

# The respondent: one organisation answering (surveys/respondent/views.py).
respondent = organisation(
    path(S, views.survey_overview, name="overview"),
    path(f"{S}lagre/", views.survey_autosave, name="autosave"),
    path(f"{S}gjennomgang/", views.survey_review, name="review"),
    path(f"{S}send-inn/", views.survey_submit, name="submit"),
    path(f"{S}svar.pdf", views.survey_pdf, name="pdf"),
    path(f"{S}del/<slug:section_key>/", views.survey_section, name="section"),
    path(f"{S}del/<slug:section_key>/tildel/", views.section_assign, name="section_assign"),
    # The blank questionnaire to print (surveys/editions/paper_views.py).
    path(f"{S}skjema/", paper_views.paper, name="paper"),
    path(f"{S}skjema.pdf", paper_views.paper_pdf, name="paper_pdf"),
)

# Editions: the directorate's questionnaires (surveys/editions/views.py).
editions = [
    path("direktoratet/undersokelser/", edition_views.edition_list, name="edition_list"),
    path(E, edition_views.edition_detail, name="edition_detail"),
    path(f"{E}status/", edition_views.edition_status, name="edition_status"),
    path(f"{E}innstillinger/", edition_views.edition_settings, name="edition_settings"),
    path(
        f"{E}bosettingskategori/",
        edition_views.settlement_category_override,
        name="settlement_category_override",
    ),
    path(f"{E}definisjon.yaml", edition_views.edition_export, name="edition_export"),
    path(f"{E}definisjon.xlsx", edition_views.edition_export_xlsx, name="edition_export_xlsx"),
    path(f"{E}forhandsvisning/", edition_views.edition_preview_pick, name="edition_preview_pick"),
    path(
        f"{E}forhandsvisning/<str:number>/",
        edition_views.edition_preview,
        name="edition_preview",
    ),
    # The blank questionnaire to print, for everyone or as one organisation gets it.
    path(f"{E}skjema/", paper_views.edition_paper, name="edition_paper"),
    path(f"{E}skjema.pdf", paper_views.edition_paper_pdf, name="edition_paper_pdf"),
    path(
        f"{E}forhandsvisning/<str:number>/skjema/",
        paper_views.edition_preview_paper,
        name="edition_preview_paper",
    ),
    path(
        f"{E}forhandsvisning/<str:number>/skjema.pdf",
        paper_views.edition_preview_paper_pdf,
        name="edition_preview_paper_pdf",
    ),
    # A new annual cycle (surveys/editions/cycle_views.py).
    path(f"{E}neste-ar/", cycle_views.edition_next_year, name="edition_next_year"),
    path(f"{E}endringer/", cycle_views.edition_diff, name="edition_diff"),
]

# The questionnaire editor (surveys/editions/editor_views.py).
R = f"{E}rediger/"
editor = [
    path(R, editor_views.editor_overview, name="editor_overview"),
    path(f"{R}oversettelser/", editor_views.editor_translations, name="editor_translations"),
    path(f"{R}historikk/", editor_views.editor_history, name="editor_history"),
    path(f"{R}tittel/", editor_views.edition_texts_edit, name="editor_edition_texts"),
    path(f"{R}deler/ny/", editor_views.section_add, name="editor_section_add"),
    path(f"{R}deler/<slug:section_key>/", editor_views.section_edit, name="editor_section_edit"),
    path(
        f"{R}deler/<slug:section_key>/flytt/",
        editor_views.section_move,
        name="editor_section_move",
    ),
    path(
        f"{R}deler/<slug:section_key>/fjern/",
        editor_views.section_remove,
        name="editor_section_remove",
    ),
    path(
        f"{R}deler/<slug:section_key>/nytt-sporsmal/",
        editor_views.question_add,
        name="editor_question_add",
    ),
    path(f"{R}sporsmal/<slug:key>/", editor_views.question_edit, name="editor_question_edit"),
    path(f"{R}sporsmal/<slug:key>/flytt/", editor_views.question_move, name="editor_question_move"),
    path(
        f"{R}sporsmal/<slug:key>/fjern/",
        editor_views.question_remove,
        name="editor_question_remove",
    ),
]

# Follow-up: who has answered, reminders, review (surveys/followup/views.py).
followup = [
    path(f"{E}oppfolging/", followup_views.edition_dashboard, name="edition_dashboard"),
    # Before the organisations' pages, whose <number> would take "purring" too.
    path(f"{E}oppfolging/purring/", followup_views.edition_remind, name="edition_remind"),
    path(F, followup_views.organisation_follow_up, name="organisation_follow_up"),
    path(f"{F}notat/", followup_views.follow_up_note, name="follow_up_note"),
    path(f"{F}frist/", followup_views.follow_up_extend, name="follow_up_extend"),
    path(f"{F}purring/", followup_views.follow_up_remind, name="follow_up_remind"),
    path(f"{F}kommentar/", followup_views.review_comment, name="review_comment"),
    path(f"{F}retur/", followup_views.response_return, name="response_return"),
    path(f"{F}godkjenn/", followup_views.response_approve, name="response_approve"),
    path(
        f"{E}representativitet/",
        followup_views.edition_representativeness,
        name="edition_representativeness",
    ),
]

# Analysis and the data export (surveys/analysis/).
analysis = [
    path(f"{E}analyse/", analysis_views.edition_analysis, name="edition_analysis"),
    path(f"{E}analyse/<slug:key>/", analysis_views.question_analysis, name="question_analysis"),
    path(f"{E}analyse/<slug:key>/temaer/", analysis_views.question_themes, name="question_themes"),
    path(f"{E}analyse/<slug:key>/temaer/nytt/", analysis_views.theme_create, name="theme_create"),
    path(
        f"{E}analyse/<slug:key>/temaer/merk/",
        analysis_views.answer_themes_set,
        name="answer_themes_set",
    ),
    path(f"{E}eksport/", export_views.edition_export_data, name="edition_export_data"),
]

urlpatterns = [respondent, *editions, *editor, *followup, *analysis]
