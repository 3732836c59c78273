"""Logging in with ID-porten against a real OpenID provider running on this machine."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import (
    Invitation,
    Membership,
    NationalIdentity,
    NationalLoginSession,
    User,
)
from portal.accounts.national_login import providers, services
from portal.core.audit.models import AuditEntry
from tests.accounts.national_login.conftest import PID, path_and_query, query
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGGER = "portal.accounts.national_login"


def _bind(user, pid=PID):
    return NationalIdentity.objects.create(
        user=user, pid_hash=providers.pid_hash(pid), bound_with="idporten"
    )


def _invitation(cast, email="ny.kollega@example.no", municipality=None):
    return Invitation.objects.create(
        municipality=municipality or cast.a,
        email=email,
        role="editor",
        invited_by=cast.signatory_a,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )


def _logged_in(client):
    return client.session.get("_auth_user_id")


def _refusal(caplog, outcome):
    return [
        r
        for r in caplog.records
        if r.name == LOGGER and r.levelno >= logging.INFO and f"({outcome})" in r.getMessage()
    ]


def test_the_button_shows_only_when_a_provider_is_configured(client, settings, idporten):
    assert "Logg inn med ID-porten" in client.get(reverse("accounts:login")).content.decode()
    settings.NATIONAL_LOGIN_PROVIDERS = []
    assert "Logg inn med ID-porten" not in client.get(reverse("accounts:login")).content.decode()
    assert (
        client.get(reverse("accounts:national_login_start", args=["idporten"])).status_code == 404
    )


def test_the_authorization_request_has_pkce_state_nonce_and_the_level(client, idporten):
    params = query(idporten.start(client))
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert params["acr_values"] == "idporten-loa-substantial"
    assert params["scope"] == "openid profile"
    assert params["redirect_uri"].endswith("/konto/national-login/idporten/callback/")


def _database_text() -> str:
    """Every text value in every table, to look for the identity number."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_an_invitation_is_accepted_with_id_porten_and_binds_the_person(client, cast, idporten):
    invitation = _invitation(cast)
    idporten.person("kari")
    response = idporten.login(client, "kari", invitation=invitation.token)
    assert response.status_code == 302
    user = User.objects.get(email="ny.kollega@example.no")
    assert (user.first_name, user.last_name) == ("Kari", "Nordmann")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, municipality=cast.a).role == "editor"
    assert NationalIdentity.objects.get(user=user).pid_hash == providers.pid_hash(PID)
    assert AuditEntry.objects.filter(action="national_identity.bind", object_id=str(user.pk))
    assert int(_logged_in(client)) == user.pk
    # The identity number is nowhere in the database: not in the binding, the session, the log.
    assert PID not in _database_text()
    # The next time, ID-porten alone logs the person in.
    client.logout()
    idporten.login(client, "kari")
    assert int(_logged_in(client)) == user.pk


def test_the_header_links_to_the_log_in_methods_only_when_a_provider_is_configured(
    client, settings, cast, idporten
):
    client.force_login(cast.editor_a)
    link = 'href="/konto/national-login/"'
    assert link in client.get(reverse("home")).content.decode()
    settings.NATIONAL_LOGIN_PROVIDERS = []
    assert link not in client.get(reverse("home")).content.decode()


def test_removing_the_id_porten_login_from_ones_account(client, cast, idporten):
    idporten.person("editor")
    client.force_login(cast.editor_a)
    idporten.login(client, "editor", bind="1", next="/konto/national-login/")
    assert NationalIdentity.objects.filter(user=cast.editor_a).exists()
    page = client.get(reverse("accounts:national_login_account")).content.decode()
    assert reverse("accounts:national_login_account_disconnect") in page
    response = client.post(reverse("accounts:national_login_account_disconnect"), follow=True)
    assert "ID-porten-innloggingen ble fjernet" in response.content.decode()
    assert not NationalIdentity.objects.filter(user=cast.editor_a).exists()


def test_an_account_without_a_password_keeps_its_only_way_in(client, cast, idporten):
    idporten.person("editor")
    client.force_login(cast.editor_a)
    idporten.login(client, "editor", bind="1", next="/konto/national-login/")
    cast.editor_a.set_unusable_password()
    cast.editor_a.save()
    client.force_login(cast.editor_a)
    client.post(reverse("accounts:national_login_account_disconnect"))
    assert NationalIdentity.objects.filter(user=cast.editor_a).exists()


def test_a_password_user_connects_id_porten_from_their_account_page(client, cast, idporten):
    client.force_login(cast.editor_a)
    page = client.get(reverse("accounts:national_login_account")).content.decode()
    assert "Koble til ID-porten" in page
    idporten.person("editor")
    response = idporten.login(client, "editor", bind="1", next="/konto/national-login/")
    assert response.status_code == 302
    assert NationalIdentity.objects.filter(user=cast.editor_a).exists()
    client.logout()
    idporten.login(client, "editor")
    assert int(_logged_in(client)) == cast.editor_a.pk


def test_an_unknown_person_is_told_to_ask_for_an_invitation(client, cast, idporten, caplog):
    idporten.person("stranger", pid="01010112345")
    response = idporten.login(client, "stranger")
    assert response.status_code == 403
    assert "Be administratoren i kommunen din om en invitasjon" in response.content.decode()
    assert _refusal(caplog, "not_invited")
    assert not _logged_in(client)


def test_cancelling_at_the_provider_ends_on_a_clear_page(client, cast, idporten, caplog):
    response = idporten.login(client, "anyone", deny=True)
    assert response.status_code == 200
    assert "Du avbrøt innloggingen" in response.content.decode()
    assert _refusal(caplog, "cancelled")
    assert not _logged_in(client)


def test_too_low_a_level_is_refused(client, cast, idporten, caplog):
    _bind(cast.editor_a)
    idporten.person("low", acr="idporten-loa-low")
    response = idporten.login(client, "low")
    assert response.status_code == 403
    assert "sikkerhetsnivået" in response.content.decode()
    assert _refusal(caplog, "level_too_low")
    assert not _logged_in(client)


def test_a_wrong_state_is_refused(client, cast, idporten, caplog):
    _bind(cast.editor_a)
    idporten.person("editor")
    back = idporten.authenticate(idporten.start(client), "editor")
    tampered = back.replace(f"state={query(back)['state']}", "state=forged")
    response = client.get(path_and_query(tampered))
    assert response.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in response.content.decode()
    assert any("unknown or reused state" in r.getMessage() for r in _refusal(caplog, "failed"))
    assert not _logged_in(client)


def test_a_replayed_code_is_refused(client, cast, idporten, caplog):
    _bind(cast.editor_a)
    idporten.person("editor")
    back = idporten.authenticate(idporten.start(client), "editor")
    assert client.get(path_and_query(back)).status_code == 302
    client.logout()
    # The same answer again: its state was used up.
    assert client.get(path_and_query(back)).status_code == 400
    # The old code with a fresh state: the provider refuses the code.
    state = query(idporten.start(client))["state"]
    code = query(back)["code"]
    response = client.get(
        reverse("accounts:national_login_callback", args=["idporten"]),
        {"code": code, "state": state},
    )
    assert response.status_code == 400
    assert any("token request refused" in r.getMessage() for r in _refusal(caplog, "failed"))
    assert not _logged_in(client)


def test_an_invitation_for_another_person_is_refused(client, cast, idporten, caplog):
    _bind(cast.editor_a)  # the person is editor_a …
    invitation = _invitation(cast, email="someone.else@example.no", municipality=cast.b)
    idporten.person("editor")
    response = idporten.login(client, "editor", invitation=invitation.token)  # … not them
    assert response.status_code == 409
    assert "Invitasjonen er til en annen person" in response.content.decode()
    assert _refusal(caplog, "other_person")
    assert not _logged_in(client)
    assert not Membership.objects.filter(user=cast.editor_a, municipality=cast.b).exists()


def test_the_provider_down_offers_the_password_login(client, settings, cast, caplog):
    from tests.accounts.national_login.conftest import _config

    settings.NATIONAL_LOGIN_PROVIDERS = [
        _config("idporten", "ID-porten", "http://127.0.0.1:9/.well-known/openid-configuration")
    ]
    providers.forget_clients()
    response = client.get(reverse("accounts:national_login_start", args=["idporten"]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "ID-porten svarer ikke" in page
    assert reverse("accounts:login") in page
    assert _refusal(caplog, "provider_down")
    providers.forget_clients()


def test_substantial_counts_as_two_factors_for_directorate_staff(client, cast, idporten):
    _bind(cast.adviser_a)
    idporten.person("adviser")
    response = idporten.login(client, "adviser")
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200  # not sent to the code page
    assert client.get(reverse("accounts:two_factor_verify")).status_code == 302


def test_required_for_an_organisation_refuses_the_password_and_offers_id_porten(
    client, cast, idporten, caplog
):
    services.policy_set(actor=cast.admin, required_for_everyone=False, organisations=[cast.a])
    assert AuditEntry.objects.filter(action="national_login.require").exists()
    response = client.post(
        reverse("accounts:login"), {"username": "editor_a", "password": PASSWORD}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Innlogging med passord er slått av for medlemmene i Kristiansand" in page
    assert "Logg inn med ID-porten" in page
    assert not _logged_in(client)
    # Members of another organisation still use the password.
    client.post(reverse("accounts:login"), {"username": "editor_b", "password": PASSWORD})
    assert int(_logged_in(client)) == cast.editor_b.pk
    client.logout()
    # The first ID-porten login after the refused password connects the account.
    client.post(reverse("accounts:login"), {"username": "editor_a", "password": PASSWORD})
    idporten.person("editor")
    assert idporten.login(client, "editor").status_code == 302
    assert int(_logged_in(client)) == cast.editor_a.pk
    assert NationalIdentity.objects.filter(user=cast.editor_a).exists()


def test_required_for_everyone_in_the_admin_keeps_superusers_out_of_it(client, cast, idporten):
    root = User.objects.create_superuser("root", "root@example.no", PASSWORD, is_staff=True)
    client.force_login(root)
    # The admin's list of the one row opens the row itself.
    listing = client.get(reverse("admin:accounts_nationalloginpolicy_changelist"))
    assert listing["Location"] == reverse("admin:accounts_nationalloginpolicy_change", args=[1])
    response = client.post(
        reverse("admin:accounts_nationalloginpolicy_change", args=[1]),
        {"required_for_everyone": "on"},
    )
    assert response.status_code == 302, response.content
    entry = AuditEntry.objects.get(action="national_login.require")
    assert entry.changes == {"required_for_everyone": [False, True]}
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "adviser_a", "password": PASSWORD}
    )
    assert "Innlogging med passord er slått av for alle" in response.content.decode()
    assert not _logged_in(client)
    client.post(reverse("accounts:login"), {"username": "root", "password": PASSWORD})
    assert int(_logged_in(client)) == root.pk


def test_front_channel_logout_ends_the_session_with_that_sid(client, cast, idporten, caplog):
    from django.test import Client

    _bind(cast.editor_a)
    idporten.person("editor", sid="provider-session-1")
    idporten.login(client, "editor")
    assert NationalLoginSession.objects.filter(sid="provider-session-1").exists()
    url = reverse("accounts:national_login_frontchannel_logout", args=["idporten"])
    iframe = Client()  # the provider's iframe: no session cookie
    assert (
        iframe.get(
            url, {"iss": "https://elsewhere.example", "sid": "provider-session-1"}
        ).status_code
        == 400
    )
    assert _logged_in(client)
    response = iframe.get(url, {"iss": idporten.url, "sid": "provider-session-1"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert f"frame-ancestors {idporten.url}" in response["Content-Security-Policy"]
    assert client.get(reverse("home")).status_code == 302  # sent to the login page
    assert not NationalLoginSession.objects.exists()


def test_log_out_ends_the_portal_session_and_the_providers(client, cast, idporten):
    _bind(cast.editor_a)
    idporten.person("editor")
    idporten.login(client, "editor")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200
    assert not _logged_in(client)
    end_session = response.context["end_session_url"]
    assert end_session.startswith(f"{idporten.url}/oauth2/end_session?")
    params = query(end_session)
    assert params["post_logout_redirect_uri"].endswith(reverse("accounts:login"))
    assert params["id_token_hint"].count(".") == 2
    assert f'content="0;url={end_session}' in response.content.decode().replace("&amp;", "&")
    at_provider = requests.get(end_session, timeout=10)
    assert at_provider.status_code == 200


def test_a_password_session_logs_out_without_the_provider(client, cast, idporten):
    client.force_login(cast.editor_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


CONFIGURED_MATRIX = {
    # name: (anonymous, logged in)
    "accounts:national_login_start": ("provider", 302),
    "accounts:national_login_callback": (400, 400),
    "accounts:national_login_frontchannel_logout": (400, 400),
}


@pytest.mark.parametrize("who", ["anonymous", "editor_a", "adviser_a", "admin"])
@pytest.mark.parametrize("name", sorted(CONFIGURED_MATRIX))
def test_access_with_a_provider_configured(client, cast, idporten, name, who):
    """The access matrix's rows for the national login, with ID-porten configured."""
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(name, args=["idporten"]))
    expected = CONFIGURED_MATRIX[name][0 if user is None else 1]
    if expected == "provider":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{idporten.url}/oauth2/authorize?")
    else:
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"] == reverse("home")
