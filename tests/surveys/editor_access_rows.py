"""The questionnaire editor's URL patterns × the standard cast, in the format of MATRIX in
tests/accounts/test_access_matrix.py. Only IMDi's admins; everyone else 403 (anonymous: login).

The rows use a draft edition of 2030, so the structural pages answer 200 rather than sending the
admin back because the edition has been opened."""

from tests.conftest import CAST_NAMES

LOGIN = "login-redirect"

ADMIN_ONLY = {
    "anonymous": LOGIN,
    "editor_a": 403,
    "viewer_a": 403,
    "signatory_a": 403,
    "editor_b": 403,
    "adviser_a": 403,
    "adviser_other": 403,
    "officer": 403,
    "admin": 200,
}
ADMIN_POSTS = {**ADMIN_ONLY, "admin": 302}
ONLY_POST = {**dict.fromkeys(CAST_NAMES, 405), "anonymous": LOGIN}


def _draft(cast):
    from surveys.editions.services import edition_import
    from surveys.models import SurveyEdition
    from tests.surveys.conftest import definition

    content = definition(year=2030, opens="2030-11-01", deadline="2031-01-15")
    del content["previous_year"]
    edition = SurveyEdition.objects.filter(year=2030).first() or edition_import(
        actor=None, content=content
    )
    return {"year": edition.year}


def _section(cast):
    return {**_draft(cast), "section_key": "services"}


def _question(cast):
    return {**_draft(cast), "key": "advice"}


EDITOR_MATRIX = {
    "surveys:editor_overview": ("get", _draft, ADMIN_ONLY),
    "surveys:editor_translations": ("get", _draft, ADMIN_ONLY),
    "surveys:editor_history": ("get", _draft, ADMIN_ONLY),
    "surveys:editor_edition_texts": ("get", _draft, ADMIN_ONLY),
    "surveys:editor_section_add": ("get", _draft, ADMIN_ONLY),
    "surveys:editor_section_edit": ("get", _section, ADMIN_ONLY),
    # Nothing chosen: back to the overview with why.
    "surveys:editor_section_move": ("post", _section, ADMIN_POSTS),
    "surveys:editor_section_remove": ("get", _section, ADMIN_ONLY),
    "surveys:editor_question_add": ("get", _section, ADMIN_ONLY),
    "surveys:editor_question_edit": ("get", _question, ADMIN_ONLY),
    "surveys:editor_question_move": ("post", _question, ADMIN_POSTS),
    "surveys:editor_question_remove": ("get", _question, ADMIN_ONLY),
}
EDITOR_GET_ONLY_CHECKS = {
    "surveys:editor_section_move": ONLY_POST,
    "surveys:editor_question_move": ONLY_POST,
}
