"""The API's URL patterns × the standard cast, in the format of MATRIX in
tests/accounts/test_access_matrix.py (name: (method, kwargs builder, {cast member: expected})).

Session cookies are not credentials for the API: for the rows named ``api:…`` the matrix sends
each cast member's request with the bearer token of an API client acting as them
(tests/api/clients.py: a client of the member's organisation, or one with the member's
directorate role and region), holding every scope. Anonymous sends no token: 401. Another
organisation's data answers 404, as on the pages; a role without the right 403.
"""

from tests.conftest import CAST_NAMES

TOKEN_200 = {**dict.fromkeys(CAST_NAMES, 200), "anonymous": 401}
PUBLIC_200 = dict.fromkeys(CAST_NAMES, 200)
SEES_A = {  # organisation A's data: its own clients, its region's adviser, the directorate
    **TOKEN_200,
    "editor_b": 404,
    "adviser_other": 404,
}
READS_SURVEYS = {**TOKEN_200, "officer": 403}  # settlement officers read no survey answers


def _a(cast):
    return {"number": cast.a.number}


def _edition(cast):
    from tests.accounts.test_access_matrix import _open_edition

    return {"year": _open_edition().year}


API_MATRIX = {
    # The API's root only tells where its docs are (django-ninja needs it to place its paths).
    "api:api-root": ("get", None, dict.fromkeys(CAST_NAMES, 404)),
    "api:openapi-json": ("get", None, PUBLIC_200),
    "api:openapi-view": ("get", None, PUBLIC_200),
    "api:organisation_list": ("get", None, TOKEN_200),
    "api:organisation_detail": ("get", _a, SEES_A),
    "api:organisation_key_figures": ("get", _a, SEES_A),
    "api:key_figure_list": ("get", None, TOKEN_200),
    "api:edition_list": ("get", None, TOKEN_200),
    "api:edition_detail": ("get", _edition, TOKEN_200),
    "api:response_list": ("get", None, READS_SURVEYS),
    "api:answer_list": ("get", None, READS_SURVEYS),
}
