"""Requiring ID-porten from the portal's own pages: for one organisation's members (on its page)
or for everyone (the directorate's page), and what the members see afterwards."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import NationalIdentity, NationalLoginPolicy
from portal.accounts.national_login import providers, services
from portal.core.audit.models import AuditEntry
from tests.conftest import CAST_NAMES, PASSWORD
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bind(user, pid="24079412345"):
    return NationalIdentity.objects.create(
        user=user, pid_hash=providers.pid_hash(pid), bound_with="idporten"
    )


def _require_url(cast):
    return reverse("accounts:national_login_organisation_require", args=[cast.a.number])


def _release_url(cast):
    return reverse("accounts:national_login_organisation_release", args=[cast.a.number])


def _policy():
    return NationalLoginPolicy.objects.get(pk=NationalLoginPolicy.SINGLETON_PK)


def _logged_in(client):
    return client.session.get("_auth_user_id")


# --- the services -----------------------------------------------------------------------------


def test_requiring_for_an_organisation_writes_one_audit_entry_and_a_repeat_none(cast):
    assert services.policy_organisation_set(actor=cast.admin, municipality=cast.a, required=True)
    assert list(_policy().organisations.all()) == [cast.a]
    entry = AuditEntry.objects.get(action="national_login.require")
    assert entry.changes == {"organisations": [[], ["4204"]]}
    assert entry.municipality == cast.a
    assert entry.actor == cast.admin
    assert not services.policy_organisation_set(
        actor=cast.admin, municipality=cast.a, required=True
    )
    assert AuditEntry.objects.filter(action="national_login.require").count() == 1
    # Another organisation is added beside it; lifting one leaves the other.
    services.policy_organisation_set(actor=cast.admin, municipality=cast.b, required=True)
    assert services.policy_organisation_set(actor=cast.admin, municipality=cast.a, required=False)
    assert list(_policy().organisations.all()) == [cast.b]
    last = AuditEntry.objects.filter(action="national_login.require").latest("pk")
    assert last.changes == {"organisations": [["4204", "4601"], ["4601"]]}
    assert not services.policy_organisation_set(
        actor=cast.admin, municipality=cast.a, required=False
    )
    assert AuditEntry.objects.filter(action="national_login.require").count() == 3


def test_requiring_for_everyone_writes_one_audit_entry_and_a_repeat_none(cast):
    assert services.policy_everyone_set(actor=cast.admin, required=True)
    assert _policy().required_for_everyone
    entry = AuditEntry.objects.get(action="national_login.require")
    assert entry.changes == {"required_for_everyone": [False, True]}
    assert not services.policy_everyone_set(actor=cast.admin, required=True)
    assert AuditEntry.objects.filter(action="national_login.require").count() == 1
    assert services.policy_everyone_set(actor=cast.admin, required=False)
    assert not _policy().required_for_everyone


@pytest.mark.parametrize("who", ["signatory_a", "adviser_a", "officer"])
def test_only_the_directorates_administrators_may_require_it(cast, who):
    with pytest.raises(PermissionDenied):
        services.policy_organisation_set(actor=cast.member(who), municipality=cast.a, required=True)
    with pytest.raises(PermissionDenied):
        services.policy_everyone_set(actor=cast.member(who), required=True)
    assert not AuditEntry.objects.filter(action="national_login.require").exists()


# --- the organisation's page --------------------------------------------------------------------


def test_the_section_says_who_has_not_connected_id_porten(client, cast, idporten):
    _bind(cast.editor_a)
    client.force_login(cast.admin)
    page = client.get(reverse("municipalities:detail", args=[cast.a.number])).content.decode()
    assert 'id="login-heading"' in page
    assert "ID-porten er ikke påkrevd for medlemmene i denne organisasjonen" in page
    assert "1 av 3 medlemmer har koblet til ID-porten-innlogging." in page
    unbound = page.split("Ikke koblet til ennå:")[1].split("</ul>")[0]
    assert "Test Signatory_A – Signatar" in unbound and "Test Viewer_A – Leser" in unbound
    assert "Editor_A" not in unbound
    assert 'name="confirm"' in page  # the warning and its confirmation
    assert _require_url(cast) in page
    assert _release_url(cast) not in page


def test_the_section_says_when_no_national_login_is_configured(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("municipalities:detail", args=[cast.a.number])).content.decode()
    assert "Innlogging med ID-porten er ikke satt opp for portalen" in page
    assert _require_url(cast) not in page


@pytest.mark.parametrize("who", ["signatory_a", "adviser_a", "officer"])
def test_the_section_is_for_administrators_only(client, cast, idporten, who):
    client.force_login(cast.member(who))
    response = client.get(reverse("municipalities:detail", args=[cast.a.number]))
    assert response.status_code == 200
    assert 'id="login-heading"' not in response.content.decode()


def test_requiring_without_confirming_changes_nothing(client, cast, idporten):
    client.force_login(cast.admin)
    response = client.post(_require_url(cast), follow=True)
    assert "Ingenting ble endret: bekreft at du har lest" in response.content.decode()
    assert not NationalLoginPolicy.objects.filter(organisations=cast.a).exists()
    assert not AuditEntry.objects.filter(action="national_login.require").exists()


def test_with_everyone_connected_no_confirmation_is_asked(client, cast, idporten):
    for n, user in enumerate((cast.editor_a, cast.viewer_a, cast.signatory_a)):
        _bind(user, pid=f"2407941234{n}")
    client.force_login(cast.admin)
    page = client.get(reverse("municipalities:detail", args=[cast.a.number])).content.decode()
    assert 'name="confirm"' not in page
    client.post(_require_url(cast))
    assert _policy().organisations.filter(pk=cast.a.pk).exists()


def test_required_the_members_password_is_refused_and_lifted_it_works_again(client, cast, idporten):
    admin = client
    admin.force_login(cast.admin)
    response = admin.post(_require_url(cast), {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("municipalities:detail", args=[cast.a.number]) + "#login-heading"
    )
    page = admin.get(response["Location"]).content.decode()
    assert "ID-porten er nå påkrevd for medlemmene i Kristiansand." in page
    assert "ID-porten er påkrevd for medlemmene i denne organisasjonen." in page
    assert _release_url(cast) in page
    assert AuditEntry.objects.filter(action="national_login.require").count() == 1

    from django.test import Client

    member = Client()
    refused = member.post(reverse("accounts:login"), {"username": "viewer_a", "password": PASSWORD})
    assert "Innlogging med passord er slått av for medlemmene i Kristiansand" in (
        refused.content.decode()
    )
    assert not _logged_in(member)
    member.post(reverse("accounts:login"), {"username": "editor_b", "password": PASSWORD})
    assert int(_logged_in(member)) == cast.editor_b.pk  # another organisation's member
    member.logout()

    assert admin.post(_release_url(cast)).status_code == 302
    assert not _policy().organisations.exists()
    assert AuditEntry.objects.filter(action="national_login.require").count() == 2
    member.post(reverse("accounts:login"), {"username": "viewer_a", "password": PASSWORD})
    assert int(_logged_in(member)) == cast.viewer_a.pk


def test_a_repeated_action_says_nothing_changed(client, cast, idporten):
    client.force_login(cast.admin)
    page = client.post(_release_url(cast), follow=True).content.decode()
    assert "ID-porten var ikke påkrevd; ingenting ble endret." in page
    assert not AuditEntry.objects.filter(action="national_login.require").exists()


def _detail_queries(client, cast):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("municipalities:detail", args=[cast.a.number])).status_code == 200
    return len(queries)


def test_the_organisations_page_reads_as_many_queries_with_more_members(client, cast, idporten):
    client.force_login(cast.admin)
    services.policy_organisation_set(actor=cast.admin, municipality=cast.a, required=True)
    _bind(cast.editor_a)
    _detail_queries(client, cast)  # the session and the caches warmed
    few = _detail_queries(client, cast)
    for n in range(6):
        user = UserFactory(username=f"extra_{n}")
        MembershipFactory(user=user, municipality=cast.a, role="viewer")
        if n % 2:
            _bind(user, pid=f"1101901234{n}")
    page = client.get(reverse("municipalities:detail", args=[cast.a.number])).content.decode()
    assert "4 av 9 medlemmer har koblet til ID-porten-innlogging." in page
    assert _detail_queries(client, cast) == few


# --- for everyone -----------------------------------------------------------------------------


def test_the_site_page_requires_it_for_everyone_after_confirming(client, cast, idporten):
    _bind(cast.editor_a)
    services.policy_organisation_set(actor=cast.admin, municipality=cast.b, required=True)
    client.force_login(cast.admin)
    page = client.get(reverse("accounts:national_login_site")).content.decode()
    assert "ID-porten er ikke påkrevd for alle." in page
    assert "1 av 7 personer med aktiv konto" in page
    assert "4601 Bergen" in page
    assert 'name="confirm"' in page
    refused = client.post(reverse("accounts:national_login_site_require"), follow=True)
    assert "Ingenting ble endret" in refused.content.decode()
    assert not _policy().required_for_everyone
    done = client.post(
        reverse("accounts:national_login_site_require"), {"confirm": "1"}, follow=True
    )
    assert "ID-porten er nå påkrevd for alle." in done.content.decode()
    assert _policy().required_for_everyone
    entry = AuditEntry.objects.filter(action="national_login.require").latest("pk")
    assert entry.changes == {"required_for_everyone": [False, True]}

    from django.test import Client

    other = Client()
    response = other.post(
        reverse("accounts:login"), {"username": "adviser_a", "password": PASSWORD}
    )
    assert "Innlogging med passord er slått av for alle" in response.content.decode()
    assert not _logged_in(other)

    client.post(reverse("accounts:national_login_site_release"))
    assert not _policy().required_for_everyone
    assert list(_policy().organisations.all()) == [cast.b]  # the organisation's stays


def test_the_site_page_says_when_no_national_login_is_configured(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("accounts:national_login_site")).content.decode()
    assert "Innlogging med ID-porten er ikke satt opp for portalen" in page
    assert reverse("accounts:national_login_site_require") not in page


# --- what the members see -----------------------------------------------------------------------


def test_members_see_their_organisations_requirement_on_their_log_in_page(client, cast, idporten):
    url = reverse("accounts:national_login_account")
    client.force_login(cast.editor_a)
    assert "krever ID-porten" not in client.get(url).content.decode()
    services.policy_organisation_set(actor=cast.admin, municipality=cast.a, required=True)
    page = client.get(url).content.decode()
    assert "Organisasjonen din krever ID-porten (Kristiansand)" in page
    client.force_login(cast.editor_b)
    assert "krever ID-porten" not in client.get(url).content.decode()
    services.policy_everyone_set(actor=cast.admin, required=True)
    page = client.get(url).content.decode()
    assert "ID-porten er påkrevd for alle: innlogging med passord er slått av." in page


# --- who may, with a provider configured ---------------------------------------------------------

LOGIN = "login"
ORGANISATION_ADMIN = {
    "anonymous": LOGIN,
    "editor_a": 403,
    "viewer_a": 403,
    "signatory_a": 403,
    "editor_b": 404,
    "adviser_a": 403,
    "adviser_other": 404,
    "officer": 403,
    "admin": 302,
}
SITE_ADMIN = {**dict.fromkeys(CAST_NAMES, 403), "anonymous": LOGIN, "admin": 302}
CONFIGURED_MATRIX = {
    "accounts:national_login_organisation_require": ("post", True, ORGANISATION_ADMIN),
    "accounts:national_login_organisation_release": ("post", True, ORGANISATION_ADMIN),
    "accounts:national_login_site": ("get", False, {**SITE_ADMIN, "admin": 200}),
    "accounts:national_login_site_require": ("post", False, SITE_ADMIN),
    "accounts:national_login_site_release": ("post", False, SITE_ADMIN),
}


@pytest.mark.parametrize("who", CAST_NAMES)
@pytest.mark.parametrize("name", sorted(CONFIGURED_MATRIX))
def test_access_with_a_provider_configured(client, cast, idporten, name, who):
    method, organisation, expected = CONFIGURED_MATRIX[name]
    url = reverse(name, args=[cast.a.number] if organisation else [])
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, {"confirm": "1"} if method == "post" else {})
    if expected[who] == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/login/")
    else:
        assert response.status_code == expected[who], (url, response.status_code)
    if method == "post" and user is not None:
        assert client.get(url).status_code == 405  # never a change by GET
