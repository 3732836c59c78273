"""Every URL pattern × the standard cast: who gets what.

A URL pattern without a row in MATRIX fails ``test_every_url_pattern_has_a_row``, so a new page
cannot ship without its access rule being written down and checked.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from portal.accounts.models import Invitation
from tests.api.access_rows import API_MATRIX
from tests.api.access_rows_more import API_MATRIX_MORE
from tests.api.clients import headers_as
from tests.benchmark.access_rows import BENCHMARK_GET_ONLY_CHECKS, BENCHMARK_MATRIX
from tests.conftest import CAST_NAMES
from tests.housing.access_rows import HOUSING_GET_ONLY_CHECKS, HOUSING_MATRIX
from tests.surveys.editor_access_rows import EDITOR_GET_ONLY_CHECKS, EDITOR_MATRIX

LOGIN = "login-redirect"

ALL_200 = dict.fromkeys(CAST_NAMES, 200)
LOGGED_IN_200 = {**dict.fromkeys(CAST_NAMES, 200), "anonymous": LOGIN}
DIRECTORATE_ONLY = {
    "anonymous": LOGIN,
    "editor_a": 403,
    "viewer_a": 403,
    "signatory_a": 403,
    "editor_b": 403,
    "adviser_a": 200,
    "adviser_other": 200,
    "officer": 200,
    "admin": 200,
}
ADMIN_ONLY = {**DIRECTORATE_ONLY, "adviser_a": 403, "adviser_other": 403, "officer": 403}
FOLLOW_UP_ONLY = {**DIRECTORATE_ONLY, "officer": 403}
ONLY_POST = {**dict.fromkeys(CAST_NAMES, 405), "anonymous": LOGIN}
NO_PROVIDER_POST = {**dict.fromkeys(CAST_NAMES, 404), "anonymous": LOGIN}


def _invitation(cast):
    return Invitation.objects.create(
        municipality=cast.a,
        email="new.colleague@example.no",
        role="viewer",
        invited_by=cast.editor_a,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )


def _a(cast):
    return {"number": cast.a.number}


def _open_edition():
    from surveys.editions.services import edition_import, edition_set_status
    from surveys.models import SurveyEdition
    from tests.surveys.conftest import definition

    edition = SurveyEdition.objects.filter(year=2026).first() or edition_import(
        actor=None, content=definition()
    )
    return edition_set_status(actor=None, edition=edition, status="open")


def _survey(cast, **extra):
    edition = _open_edition()
    return {"number": cast.a.number, "year": edition.year, **extra}


def _survey_with_response(cast):
    from surveys.models import Response

    kwargs = _survey(cast)
    Response.objects.get_or_create(
        edition__year=kwargs["year"], municipality=cast.a, defaults={"edition": _open_edition()}
    )
    return kwargs


def _edition(cast):
    return {"year": _open_edition().year}


def _key_figure_upload(cast):
    from portal.municipalities.services import key_figure_upload_start

    upload, _plan = key_figure_upload_start(
        actor=cast.admin,
        content=f"year,municipality_number,settled\n2024,{cast.a.number},3\n".encode(),
        file_name="tall.csv",
    )
    return {"pk": upload.pk}


def _advice(cast):  # a free-text question, coded into themes
    return {**_edition(cast), "key": "advice"}


def _follow_up(cast):
    return {**_edition(cast), "number": cast.a.number}


FOLLOW_UP_OF_A = {**FOLLOW_UP_ONLY, "adviser_other": 404}  # another region's adviser: not found

MEMBERS_AND_FOLLOW_UP = {
    "anonymous": LOGIN,
    "editor_a": 200,
    "viewer_a": 200,
    "signatory_a": 200,
    "editor_b": 404,
    "adviser_a": 200,
    "adviser_other": 404,
    "officer": 403,  # settlement officers read profiles, not survey answers
    "admin": 200,
}


# name: (method, kwargs builder, {cast member: expected status})
MATRIX = {
    "home": ("get", None, LOGGED_IN_200),
    "healthz": ("get", None, ALL_200),
    "accessibility": ("get", None, ALL_200),
    "privacy": ("get", None, ALL_200),
    "accounts:login": ("get", None, {**dict.fromkeys(CAST_NAMES, 302), "anonymous": 200}),
    "accounts:logout": ("get", None, dict.fromkeys(CAST_NAMES, 405)),
    "accounts:password_reset": ("get", None, ALL_200),
    "accounts:password_reset_done": ("get", None, ALL_200),
    "accounts:password_reset_confirm": (
        "get",
        lambda c: {"uidb64": "MQ", "token": "set-password"},
        ALL_200,
    ),
    "accounts:password_reset_complete": ("get", None, ALL_200),
    "accounts:invitation_accept": ("get", lambda c: {"token": _invitation(c).token}, ALL_200),
    "accounts:language_set": ("get", None, dict.fromkeys(CAST_NAMES, 405)),
    # "Stay logged in": a POST (tests/accounts/test_sessions.py); a GET is refused for everyone.
    "accounts:keep_alive": ("post", None, {**dict.fromkeys(CAST_NAMES, 200), "anonymous": 401}),
    # Fully logged in (the cast's directorate staff have given their code), both pages send
    # everyone on; tests/accounts/test_two_factor.py covers the steps in between.
    "accounts:two_factor_verify": (
        "get",
        None,
        {**dict.fromkeys(CAST_NAMES, 302), "anonymous": LOGIN},
    ),
    "accounts:two_factor_setup": (
        "get",
        None,
        {**dict.fromkeys(CAST_NAMES, 302), "anonymous": LOGIN},
    ),
    # Logging in with a recovery code: like the code page, it sends the fully logged-in on.
    "accounts:two_factor_recovery": (
        "get",
        None,
        {**dict.fromkeys(CAST_NAMES, 302), "anonymous": LOGIN},
    ),
    # Recovery codes: one's own two-factor page, for those who log in with a second factor.
    "accounts:two_factor_recovery_codes": ("get", None, DIRECTORATE_ONLY),
    "accounts:two_factor_recovery_codes_new": (
        "post",
        None,
        {**DIRECTORATE_ONLY, **{n: 302 for n, v in DIRECTORATE_ONLY.items() if v == 200}},
    ),
    # The national login (tests/accounts/national_login): with no provider configured, as
    # here, its pages do not exist for anyone; the person's own page says so.
    "accounts:national_login_account": ("get", None, LOGGED_IN_200),
    "accounts:national_login_account_disconnect": (
        "post",
        None,
        {**dict.fromkeys(CAST_NAMES, 302), "anonymous": LOGIN},
    ),
    "accounts:national_login_start": (
        "get",
        lambda c: {"provider": "idporten"},
        dict.fromkeys(CAST_NAMES, 404),
    ),
    "accounts:national_login_callback": (
        "get",
        lambda c: {"provider": "idporten"},
        dict.fromkeys(CAST_NAMES, 404),
    ),
    "accounts:national_login_frontchannel_logout": (
        "get",
        lambda c: {"provider": "idporten"},
        dict.fromkeys(CAST_NAMES, 404),
    ),
    # Requiring ID-porten (tests/accounts/national_login/test_requirement.py has the rows with a
    # provider configured): the page says nothing is set up, the actions do not exist.
    "accounts:national_login_site": ("get", None, ADMIN_ONLY),
    "accounts:national_login_site_require": ("post", None, NO_PROVIDER_POST),
    "accounts:national_login_site_release": ("post", None, NO_PROVIDER_POST),
    "accounts:national_login_organisation_require": ("post", _a, NO_PROVIDER_POST),
    "accounts:national_login_organisation_release": ("post", _a, NO_PROVIDER_POST),
    "municipalities:detail": (
        "get",
        _a,
        {
            "anonymous": LOGIN,
            "editor_a": 200,
            "viewer_a": 200,
            "signatory_a": 200,
            "editor_b": 404,
            "adviser_a": 200,
            "adviser_other": 404,
            "officer": 200,
            "admin": 200,
        },
    ),
    "municipalities:settings": (
        "get",
        _a,
        {
            "anonymous": LOGIN,
            "editor_a": 403,
            "viewer_a": 403,
            "signatory_a": 403,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 200,
        },
    ),
    "accounts:members": (
        "get",
        _a,
        {
            "anonymous": LOGIN,
            "editor_a": 200,
            "viewer_a": 403,
            "signatory_a": 200,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 200,
        },
    ),
    "accounts:invitation_revoke": (
        "post",
        lambda c: {"number": c.a.number, "pk": _invitation(c).pk},
        {
            "anonymous": LOGIN,
            "editor_a": 302,
            "viewer_a": 403,
            "signatory_a": 302,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 302,
        },
    ),
    "accounts:membership_remove": (
        "post",
        lambda c: {"number": c.a.number, "pk": c.viewer_a.memberships.get().pk},
        {
            "anonymous": LOGIN,
            "editor_a": 403,  # editors invite but do not remove colleagues
            "viewer_a": 403,
            "signatory_a": 302,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 302,
        },
    ),
    "surveys:overview": ("get", _survey, MEMBERS_AND_FOLLOW_UP),
    "surveys:section": ("get", lambda c: _survey(c, section_key="services"), MEMBERS_AND_FOLLOW_UP),
    "surveys:review": ("get", _survey, MEMBERS_AND_FOLLOW_UP),
    "surveys:pdf": ("get", _survey_with_response, MEMBERS_AND_FOLLOW_UP),
    # The blank questionnaire to print, as the organisation gets it: whoever reads its survey.
    "surveys:paper": ("get", _survey, MEMBERS_AND_FOLLOW_UP),
    "surveys:paper_pdf": ("get", _survey, MEMBERS_AND_FOLLOW_UP),
    "surveys:autosave": (
        "post",
        _survey,
        {  # an empty save names no question: refused (400) for those who may edit
            "anonymous": 401,  # the page's script is told, not sent to the login page
            "editor_a": 400,
            "viewer_a": 403,
            "signatory_a": 400,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 400,
        },
    ),
    "surveys:section_assign": (
        "post",
        lambda c: _survey(c, section_key="services"),
        {
            "anonymous": LOGIN,
            "editor_a": 302,
            "viewer_a": 403,
            "signatory_a": 302,
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 302,
        },
    ),
    "surveys:submit": (
        "post",
        _survey,
        {
            "anonymous": LOGIN,
            "editor_a": 403,
            "viewer_a": 403,
            "signatory_a": 302,  # back to the review page: nothing to submit yet
            "editor_b": 404,
            "adviser_a": 403,
            "adviser_other": 404,
            "officer": 403,
            "admin": 403,  # IMDi never submits on a municipality's behalf
        },
    ),
    "surveys:edition_dashboard": ("get", _edition, FOLLOW_UP_ONLY),
    "surveys:edition_remind": (  # nobody chosen: back to the dashboard with why
        "post",
        _edition,
        {**FOLLOW_UP_ONLY, "adviser_a": 302, "adviser_other": 302, "admin": 302},
    ),
    "surveys:edition_representativeness": ("get", _edition, FOLLOW_UP_ONLY),
    "surveys:organisation_follow_up": ("get", _follow_up, FOLLOW_UP_OF_A),
    # An empty post: refused, and the organisation's page shown again with why (200)...
    "surveys:follow_up_note": ("post", _follow_up, FOLLOW_UP_OF_A),
    "surveys:follow_up_extend": ("post", _follow_up, FOLLOW_UP_OF_A),
    "surveys:review_comment": ("post", _follow_up, FOLLOW_UP_OF_A),  # nothing answered yet
    "surveys:response_return": ("post", _follow_up, FOLLOW_UP_OF_A),
    "surveys:response_approve": ("post", _follow_up, FOLLOW_UP_OF_A),
    # ... but a reminder needs nothing more: sent, and back to the page.
    "surveys:follow_up_remind": (
        "post",
        _follow_up,
        {**FOLLOW_UP_OF_A, "adviser_a": 302, "admin": 302},
    ),
    "surveys:edition_export_data": ("get", _edition, FOLLOW_UP_ONLY),
    "surveys:edition_analysis": ("get", _edition, FOLLOW_UP_ONLY),
    "surveys:question_analysis": (
        "get",
        lambda c: {**_edition(c), "key": "has_plan"},
        FOLLOW_UP_ONLY,
    ),
    "surveys:question_themes": ("get", _advice, FOLLOW_UP_ONLY),
    # Only administrators create themes; an empty name is refused with the page (400).
    "surveys:theme_create": ("post", _advice, {**ADMIN_ONLY, "admin": 400}),
    "surveys:answer_themes_set": (  # an empty post names no answer: not found
        "post",
        _advice,
        {**FOLLOW_UP_ONLY, "adviser_a": 404, "adviser_other": 404, "admin": 404},
    ),
    "surveys:edition_list": ("get", None, ADMIN_ONLY),
    "surveys:edition_detail": ("get", _edition, ADMIN_ONLY),
    # An empty post: no such status, or the settings refused, told on the edition's page...
    "surveys:edition_status": ("post", _edition, {**ADMIN_ONLY, "admin": 302}),
    "surveys:edition_settings": ("post", _edition, {**ADMIN_ONLY, "admin": 302}),
    # ... or the category form shown again with its errors.
    "surveys:settlement_category_override": ("post", _edition, ADMIN_ONLY),
    "surveys:edition_export": ("get", _edition, ADMIN_ONLY),
    "surveys:edition_export_xlsx": ("get", _edition, ADMIN_ONLY),
    "surveys:edition_preview": ("get", lambda c: {**_edition(c), "number": c.a.number}, ADMIN_ONLY),
    "surveys:edition_preview_pick": ("post", _edition, {**ADMIN_ONLY, "admin": 302}),
    "surveys:edition_paper": ("get", _edition, ADMIN_ONLY),
    "surveys:edition_paper_pdf": ("get", _edition, ADMIN_ONLY),
    "surveys:edition_preview_paper": (
        "get",
        lambda c: {**_edition(c), "number": c.a.number},
        ADMIN_ONLY,
    ),
    "surveys:edition_preview_paper_pdf": (
        "get",
        lambda c: {**_edition(c), "number": c.a.number},
        ADMIN_ONLY,
    ),
    # Next year's draft is made, and the admin is taken to it.
    "surveys:edition_next_year": ("post", _edition, {**ADMIN_ONLY, "admin": 302}),
    "surveys:edition_diff": ("get", _edition, ADMIN_ONLY),
    "municipalities:list": ("get", None, DIRECTORATE_ONLY),
    "municipalities:key_figure_import": ("get", None, ADMIN_ONLY),
    # The upload is the admin's own: another admin's answers 404 (tests/municipalities).
    "municipalities:key_figure_import_preview": ("get", _key_figure_upload, ADMIN_ONLY),
    "municipalities:key_figure_import_confirm": (
        "post",
        _key_figure_upload,
        {**ADMIN_ONLY, "admin": 302},
    ),
    "municipalities:key_figure_import_cancel": (
        "post",
        _key_figure_upload,
        {**ADMIN_ONLY, "admin": 302},
    ),
    "municipalities:audit_log": ("get", None, ADMIN_ONLY),
    # The organisation's own change log: everyone who may see the organisation (the settlement
    # officers read its profile entries only; tests/portal/test_change_log.py).
    "change_log": (
        "get",
        _a,
        {
            "anonymous": LOGIN,
            "editor_a": 200,
            "viewer_a": 200,
            "signatory_a": 200,
            "editor_b": 404,
            "adviser_a": 200,
            "adviser_other": 404,
            "officer": 200,
            "admin": 200,
        },
    ),
}

MATRIX.update(HOUSING_MATRIX)
MATRIX.update(BENCHMARK_MATRIX)
MATRIX.update(EDITOR_MATRIX)
MATRIX.update(API_MATRIX)
MATRIX.update(API_MATRIX_MORE)

# Django's own admin site: staff only, everyone else is sent to its login page.
ADMIN_SITE = {
    **dict.fromkeys(CAST_NAMES, "admin-refused"),
    "anonymous": "admin-login",
    "admin": 200,
}

GET_ONLY_CHECKS = {
    "accounts:invitation_revoke": ONLY_POST,
    "accounts:membership_remove": ONLY_POST,
    "accounts:two_factor_recovery_codes_new": ONLY_POST,
    "accounts:national_login_account_disconnect": ONLY_POST,
    "surveys:autosave": {**ONLY_POST, "anonymous": 401},
    "surveys:submit": ONLY_POST,
    "accounts:keep_alive": dict.fromkeys(CAST_NAMES, 405),
    "surveys:section_assign": ONLY_POST,
    "surveys:edition_preview_pick": ONLY_POST,
    "surveys:edition_next_year": ONLY_POST,
    "surveys:edition_status": ONLY_POST,
    "surveys:edition_settings": ONLY_POST,
    "surveys:settlement_category_override": ONLY_POST,
    "surveys:edition_remind": ONLY_POST,
    "surveys:follow_up_note": ONLY_POST,
    "surveys:theme_create": ONLY_POST,
    "surveys:answer_themes_set": ONLY_POST,
    "surveys:follow_up_extend": ONLY_POST,
    "surveys:follow_up_remind": ONLY_POST,
    "surveys:review_comment": ONLY_POST,
    "surveys:response_return": ONLY_POST,
    "surveys:response_approve": ONLY_POST,
    "municipalities:key_figure_import_confirm": ONLY_POST,
    "accounts:national_login_site_require": ONLY_POST,
    "accounts:national_login_site_release": ONLY_POST,
    "accounts:national_login_organisation_require": ONLY_POST,
    "accounts:national_login_organisation_release": ONLY_POST,
    "municipalities:key_figure_import_cancel": ONLY_POST,
}
GET_ONLY_CHECKS.update(HOUSING_GET_ONLY_CHECKS)
GET_ONLY_CHECKS.update(BENCHMARK_GET_ONLY_CHECKS)
GET_ONLY_CHECKS.update(EDITOR_GET_ONLY_CHECKS)


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_has_a_row():
    names = set(_url_names())
    ours = {n for n in names if not n.startswith("admin:")}
    missing = ours - set(MATRIX)
    assert not missing, f"URL patterns without a row in the access matrix: {sorted(missing)}"
    assert not set(MATRIX) - ours, "the matrix names URL patterns that no longer exist"
    assert None not in names, "every URL pattern must have a name"


def _check(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/konto/login/"), response["Location"]
    elif expected == "admin-login":
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), response["Location"]
    elif expected == "admin-refused":  # logged in, but not for the admin site
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), response["Location"]
        assert response.client.get(response["Location"]).status_code == 403
    else:
        assert response.status_code == expected, (url, response.status_code)


@pytest.mark.parametrize("who", CAST_NAMES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, cast, name, who, request):
    from django.urls import reverse

    method, build_kwargs, expected = MATRIX[name]
    url = reverse(name, kwargs=build_kwargs(cast) if build_kwargs else None)
    if name.startswith(
        "api:"
    ):  # a token of a client acting as the member (tests/api/access_rows.py)
        headers = headers_as(cast, request.getfixturevalue("api_tokens"), who)
        response = getattr(client, method)(url, headers=headers)
        _check(response, expected[who], url)
        return
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)
    _check(response, expected[who], url)


@pytest.mark.parametrize("who", CAST_NAMES)
@pytest.mark.parametrize("name", sorted(GET_ONLY_CHECKS))
def test_state_changing_urls_refuse_get(client, cast, name, who):
    from django.urls import reverse

    _method, build_kwargs, _expected = MATRIX[name]
    url = reverse(name, kwargs=build_kwargs(cast) if build_kwargs else None)
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    _check(client.get(url), GET_ONLY_CHECKS[name][who], url)


@pytest.mark.parametrize("who", CAST_NAMES)
def test_admin_site(client, cast, who):
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    _check(client.get("/admin/"), ADMIN_SITE[who], "/admin/")


@pytest.mark.parametrize("who", CAST_NAMES)
def test_missing_municipality_is_404_like_another(client, cast, who):
    user = cast.member(who)
    if user is None:
        return
    client.force_login(user)
    assert client.get("/kommune/9999/").status_code == 404
