"""Tokens a correct provider never issues, from the tests' own hostile provider (hostile.py):
each is refused on a clear page, with the reason logged, and nobody is logged in."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from portal.accounts.models import NationalIdentity
from portal.accounts.national_login import providers
from tests.accounts.national_login.conftest import PID, query

pytestmark = pytest.mark.django_db

LOGGER = "portal.accounts.national_login"


@pytest.fixture
def bound(cast):
    NationalIdentity.objects.create(
        user=cast.editor_a, pid_hash=providers.pid_hash(PID), bound_with="idporten"
    )
    return cast.editor_a


def _begin(client, hostile) -> dict:
    response = client.get(reverse("accounts:national_login_start", args=["idporten"]))
    assert response.status_code == 302
    params = query(response["Location"])
    hostile.challenge = params["code_challenge"]
    return params


def _finish(client, params):
    return client.get(
        reverse("accounts:national_login_callback", args=["idporten"]),
        {"code": "any-code", "state": params["state"]},
    )


def _refused(client, caplog, response, words: str) -> None:
    assert response.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in response.content.decode()
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any("(failed)" in m and words in m for m in messages), messages
    assert "_auth_user_id" not in client.session


def test_a_good_token_logs_in_and_pkce_was_checked(client, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(hostile.claims(params["nonce"]), "key-1")
    response = _finish(client, params)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == bound.pk
    assert hostile.verifiers and hostile.verifiers[-1]  # the verifier the challenge hashes


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "ExpiredTokenError"),
        ({"iat": int(time.time()) + 900, "exp": int(time.time()) + 1200}, "in the future"),
        ({"nbf": int(time.time()) + 900}, "not yet valid"),
        ({"aud": "another-client"}, "'aud'"),
        ({"aud": "another-client", "azp": "portal-client"}, "'aud'"),
        ({"iss": "https://idporten.example"}, "iss"),
        ({"exp": None}, "exp"),
    ],
    ids=[
        "expired",
        "issued-in-the-future",
        "not-yet-valid",
        "wrong-aud",
        "wrong-aud-right-azp",
        "wrong-iss",
        "no-exp",
    ],
)
def test_bad_claims_are_refused(client, caplog, hostile, bound, changes, words):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(
        hostile.claims(params["nonce"], **changes), "key-1"
    )
    _refused(client, caplog, _finish(client, params), words)


def test_a_wrong_nonce_is_refused(client, caplog, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(hostile.claims("another-nonce"), "key-1")
    _refused(client, caplog, _finish(client, params), "nonce")


def test_alg_none_is_refused(client, caplog, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.unsigned(hostile.claims(params["nonce"]))
    _refused(client, caplog, _finish(client, params), "id_token refused")


def test_hs256_signed_with_the_public_key_is_refused(client, caplog, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.hs256_with_public_key(
        hostile.claims(params["nonce"]), "key-1"
    )
    _refused(client, caplog, _finish(client, params), "id_token refused")


def test_an_unknown_kid_is_fetched_again_then_refused(client, caplog, hostile, bound):
    hostile.new_key("never-published", publish=False)
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(
        hostile.claims(params["nonce"]), "never-published"
    )
    before = hostile.jwks_fetches
    _refused(client, caplog, _finish(client, params), "InvalidKeyIdError")
    assert hostile.jwks_fetches > before


def test_a_rotated_key_is_fetched_and_accepted(client, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(hostile.claims(params["nonce"]), "key-1")
    assert _finish(client, params).status_code == 302
    fetches = hostile.jwks_fetches
    client.logout()
    # The provider rotates: a new key, the old one withdrawn.
    hostile.new_key("key-2")
    hostile.published.remove("key-1")
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(hostile.claims(params["nonce"]), "key-2")
    assert _finish(client, params).status_code == 302
    assert hostile.jwks_fetches == fetches + 1
    assert int(client.session["_auth_user_id"]) == bound.pk


def test_a_token_without_a_national_identity_number_is_refused(client, caplog, hostile, bound):
    params = _begin(client, hostile)
    hostile.make_id_token = lambda: hostile.signed(
        hostile.claims(params["nonce"], pid=None), "key-1"
    )
    _refused(client, caplog, _finish(client, params), "pid")
