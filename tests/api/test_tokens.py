"""The bearer token checks: issuer, audience, times, algorithms, keys, scopes and clients."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from portal.api.scopes import Scope
from portal.api.services import api_client_update
from tests.api.clients import client_as
from tests.providers.token_issuer import _kid

URL = "/api/v1/organisations"
READ = Scope.READ.value


@pytest.fixture
def a_client(cast, api_tokens):
    return client_as(cast, "viewer_a")


def _get(client, token):
    return client.get(URL, headers={"Authorization": f"Bearer {token}"})


def _refused(response, words):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_token"
    assert words in body["detail"], body["detail"]
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="kommuneportal", error="invalid_token"')
    assert words in challenge
    return body


def _claims(issuer, orgno, **changes):
    now = int(time.time())
    claims = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "iat": now,
        "exp": now + 60,
        "scope": READ,
        "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{orgno}"},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _own_key(issuer):
    key = serialization.load_pem_private_key(issuer.private_key_pem(), password=None)
    return key, _kid(key)


def test_a_valid_token_reads(client, a_client, api_tokens):
    response = _get(client, api_tokens.token(a_client.consumer_orgno, READ))
    assert response.status_code == 200
    assert [o["number"] for o in response.json()["results"]] == [a_client.municipality.number]


def test_no_token_is_401_with_a_challenge(client, api_tokens):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="kommuneportal"'
    assert response.json()["error"] == "missing_token"


def test_another_scheme_is_401(client, api_tokens):
    response = client.get(URL, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_request"


def test_not_a_jwt(client, api_tokens):
    _refused(_get(client, "not-a-token"), "not a JWT")


def test_wrong_issuer(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, iss="https://elsewhere.example/")
    _refused(_get(client, token), "not from the accepted issuer")


def test_wrong_audience(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, aud="https://other-api.example")
    _refused(_get(client, token), "not meant for this API")


def test_expired(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, iat_offset=-600, lifetime=120)
    _refused(_get(client, token), "expired")


def test_not_before_in_the_future(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, nbf_offset=300)
    _refused(_get(client, token), "not valid yet")


def test_issued_in_the_future(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, iat_offset=600)
    _refused(_get(client, token), "not valid yet")


def test_missing_exp(client, a_client, api_tokens):
    key, kid = _own_key(api_tokens)
    claims = _claims(api_tokens, a_client.consumer_orgno, exp=None)
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    _refused(_get(client, token), "no 'exp' claim")


def test_alg_none_is_refused(client, a_client, api_tokens):
    _key, kid = _own_key(api_tokens)
    claims = _claims(api_tokens, a_client.consumer_orgno)
    token = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    _refused(_get(client, token), "'none' are not accepted")


def test_hs256_signed_with_the_public_key_is_refused(client, a_client, api_tokens):
    key, kid = _own_key(api_tokens)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = _claims(api_tokens, a_client.consumer_orgno)
    header = jwt.utils.base64url_encode(
        b'{"alg":"HS256","typ":"JWT","kid":"' + kid.encode() + b'"}'
    )
    payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode())
    import hashlib
    import hmac

    signature = hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    token = (header + b"." + payload + b"." + jwt.utils.base64url_encode(signature)).decode()
    _refused(_get(client, token), "'HS256' are not accepted")


def test_a_token_signed_by_an_unknown_key(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ, key="unpublished")
    _refused(_get(client, token), "is not among the issuer's keys")


def test_a_forged_signature(client, a_client, api_tokens):
    token = api_tokens.token(a_client.consumer_orgno, READ)
    head, payload, _signature = token.split(".")
    other = api_tokens.token(a_client.consumer_orgno, READ, lifetime=999).split(".")[2]
    _refused(_get(client, f"{head}.{payload}.{other}"), "signature does not verify")


def test_a_rotated_key_is_fetched_once(client, a_client, api_tokens):
    assert _get(client, api_tokens.token(a_client.consumer_orgno, READ)).status_code == 200
    api_tokens.rotate()  # the portal still has the old keys cached
    response = _get(client, api_tokens.token(a_client.consumer_orgno, READ))
    assert response.status_code == 200


def test_other_rsa_algorithms_are_accepted(client, a_client, api_tokens):
    for alg in ("RS512", "PS256"):
        token = api_tokens.token(a_client.consumer_orgno, READ, alg=alg)
        assert _get(client, token).status_code == 200, alg


def test_a_consumer_that_is_not_an_organisation_number(client, a_client, api_tokens):
    key, kid = _own_key(api_tokens)
    claims = _claims(api_tokens, a_client.consumer_orgno, consumer={"authority": "x", "ID": "1"})
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    _refused(_get(client, token), "consumer is not an organisation number")


def test_missing_scope_is_403_naming_it(client, a_client, api_tokens):
    response = _get(client, api_tokens.token(a_client.consumer_orgno, Scope.HOUSING.value))
    assert response.status_code == 403
    body = response.json()
    assert body == {
        "error": "insufficient_scope",
        "detail": f"This endpoint needs the scope {READ}; the token does not have it.",
        "scope": READ,
    }
    assert f'scope="{READ}"' in response["WWW-Authenticate"]


def test_a_scope_the_client_is_not_registered_for(client, cast, api_tokens):
    housing_only = client_as(cast, "editor_a", scopes=[Scope.HOUSING.value])
    response = _get(client, api_tokens.token(housing_only.consumer_orgno, READ))
    assert response.status_code == 403
    assert response.json()["scope"] == READ
    assert "not registered for the scope" in response.json()["detail"]


def test_an_unknown_consumer(client, db, api_tokens):
    response = _get(client, api_tokens.token("999999999", READ))
    assert response.status_code == 403
    assert response.json()["error"] == "unknown_client"
    assert "0192:999999999" in response.json()["detail"]


def test_an_inactive_client(client, a_client, api_tokens):
    api_client_update(actor=None, client=a_client, is_active=False)
    response = _get(client, api_tokens.token(a_client.consumer_orgno, READ))
    assert response.status_code == 403
    assert response.json()["error"] == "inactive_client"


def test_issuer_unreachable_is_503(client, a_client, api_tokens, settings):
    token = api_tokens.token(a_client.consumer_orgno, READ)
    settings.API_TOKEN_JWKS_URL = "http://127.0.0.1:9/jwks.json"
    response = _get(client, token)
    assert response.status_code == 503
    assert response.json()["error"] == "issuer_unavailable"


def test_keys_from_the_discovery_document(client, a_client, api_tokens, settings):
    settings.API_TOKEN_JWKS_URL = ""
    settings.API_TOKEN_DISCOVERY_URL = f"{api_tokens.url}/.well-known/oauth-authorization-server"
    assert _get(client, api_tokens.token(a_client.consumer_orgno, READ)).status_code == 200


def test_not_configured_is_503(client, a_client, api_tokens, settings):
    token = api_tokens.token(a_client.consumer_orgno, READ)
    settings.API_TOKEN_AUDIENCE = ""
    assert _get(client, token).status_code == 503
