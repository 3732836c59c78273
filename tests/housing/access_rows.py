"""The housing URL patterns × the standard cast, in the format of MATRIX in
tests/accounts/test_access_matrix.py (name: (method, kwargs builder, {cast member: expected})).

Reading a profile is Perm.VIEW: the municipality's members, the regional adviser of its region,
settlement officers and admins. Changing it is Perm.EDIT: editors, signatories and admins; never a
viewer, an adviser or a settlement officer. Another organisation answers 404.
"""

from tests.conftest import CAST_NAMES

LOGIN = "login-redirect"  # the same marker as in test_access_matrix


def _a(cast):
    return {"number": cast.a.number}


def _line(cast):
    from housing import services

    line = services.housing_line_save(
        actor=None, municipality=cast.a, tenure="municipal_rental", rooms=3, units=1
    )
    return {"number": cast.a.number, "pk": line.pk}


def _home(cast):
    from housing import services

    home = services.staffed_housing_save(
        actor=None, municipality=cast.a, name="Bofellesskap", places=4, age_from=15, age_to=18
    )
    return {"number": cast.a.number, "pk": home.pk}


def _contact(cast):
    from housing import services

    contact = services.contact_person_save(
        actor=None, municipality=cast.a, area="general", name="Kari Kontakt"
    )
    return {"number": cast.a.number, "pk": contact.pk}


def _section(cast):
    return {"number": cast.a.number, "slug": "skole"}


READ_PROFILE = {
    "anonymous": LOGIN,
    "editor_a": 200,
    "viewer_a": 200,
    "signatory_a": 200,
    "editor_b": 404,
    "adviser_a": 200,
    "adviser_other": 404,
    "officer": 200,
    "admin": 200,
}
EDIT_PROFILE = {
    "anonymous": LOGIN,
    "editor_a": 200,
    "viewer_a": 403,
    "signatory_a": 200,
    "editor_b": 404,
    "adviser_a": 403,
    "adviser_other": 404,
    "officer": 403,  # settlement officers read every profile and never change one
    "admin": 200,
}
EDIT_PROFILE_POST = {**EDIT_PROFILE, "editor_a": 302, "signatory_a": 302, "admin": 302}
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
ONLY_POST = {**dict.fromkeys(CAST_NAMES, 405), "anonymous": LOGIN}

HOUSING_MATRIX = {
    "housing:profile": ("get", _a, READ_PROFILE),
    "housing:history": ("get", _a, READ_PROFILE),
    "housing:as_of": ("get", _a, READ_PROFILE),
    "housing:lines": ("get", _a, READ_PROFILE),
    "housing:download": ("get", _a, READ_PROFILE),
    "housing:template": ("get", _a, READ_PROFILE),
    "housing:line_create": ("get", _a, EDIT_PROFILE),
    "housing:line_edit": ("get", _line, EDIT_PROFILE),
    "housing:line_delete": ("post", _line, EDIT_PROFILE_POST),
    "housing:vacancies": ("get", _a, EDIT_PROFILE),
    "housing:upload": ("get", _a, EDIT_PROFILE),
    "housing:staffed_housing_create": ("get", _a, EDIT_PROFILE),
    "housing:staffed_housing_edit": ("get", _home, EDIT_PROFILE),
    "housing:staffed_housing_delete": ("post", _home, EDIT_PROFILE_POST),
    "housing:contact_create": ("get", _a, EDIT_PROFILE),
    "housing:contact_edit": ("get", _contact, EDIT_PROFILE),
    "housing:contact_delete": ("post", _contact, EDIT_PROFILE_POST),
    "housing:section_edit": ("get", _section, EDIT_PROFILE),
    "housing:section_confirm": ("post", _section, EDIT_PROFILE_POST),
    # The list of what "confirm everything" confirms; an empty post shows it again with why.
    "housing:confirm_all": ("get", _a, EDIT_PROFILE),
    "housing:settlement_search": ("get", None, DIRECTORATE_ONLY),
    "housing:settlement_search_export": ("get", None, DIRECTORATE_ONLY),
    "housing:profile_freshness": ("get", None, DIRECTORATE_ONLY),
}

# POST-only URLs refuse GET (merge into GET_ONLY_CHECKS).
HOUSING_GET_ONLY_CHECKS = {
    "housing:line_delete": ONLY_POST,
    "housing:staffed_housing_delete": ONLY_POST,
    "housing:contact_delete": ONLY_POST,
    "housing:section_confirm": ONLY_POST,
}
