"""Checking bearer tokens in the Maskinporten style: a JWT from the configured issuer, signed
with one of the keys in its JWKS (asymmetric algorithms only), with ``iss``, ``aud``, ``exp``,
``iat`` and ``nbf`` checked and the client's organisation number in ``consumer``.

Settings (portal/settings.py, from the environment): ``API_TOKEN_ISSUER``,
``API_TOKEN_JWKS_URL`` or ``API_TOKEN_DISCOVERY_URL``, ``API_TOKEN_AUDIENCE``,
``API_TOKEN_ALGORITHMS``, ``API_TOKEN_LEEWAY_SECONDS``, ``API_JWKS_CACHE_SECONDS``,
``API_JWKS_MIN_REFRESH_SECONDS``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

logger = logging.getLogger(__name__)

# The only algorithms a token may be signed with; a setting may narrow them, never widen.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
ORGNO_AUTHORITY = "iso6523-actorid-upis"


class TokenError(Exception):
    """Why a token was refused, in words for the client (sent in WWW-Authenticate)."""


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched."""


@dataclass(frozen=True)
class SigningKey:
    key: Any  # a public key of the cryptography package
    alg: str | None  # the JWK's own "alg", where it names one


@dataclass(frozen=True)
class TokenClaims:
    consumer_orgno: str
    scopes: frozenset[str]
    client_id: str
    claims: dict[str, Any]


def _get_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise IssuerUnavailable(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            data = json.loads(response.read(1_000_000))
    except (OSError, ValueError) as error:
        raise IssuerUnavailable(f"{url}: {error}") from error
    if not isinstance(data, dict):
        raise IssuerUnavailable(f"{url}: not a JSON object")
    return data


class _KeySet:
    """The issuer's signing keys, cached per process; refetched when stale, and once more when
    a token names a key that is not among them (the issuer may have rotated its keys)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self._source = ""
        self._fetched_at = -1e9
        self._configured = ""

    def _jwks_url(self) -> str:
        if settings.API_TOKEN_JWKS_URL:
            return settings.API_TOKEN_JWKS_URL
        discovery = _get_json(settings.API_TOKEN_DISCOVERY_URL)
        url = discovery.get("jwks_uri")
        if not isinstance(url, str):
            raise IssuerUnavailable("the discovery document names no jwks_uri")
        return url

    def _fetch(self) -> None:
        url = self._jwks_url()
        data = _get_json(url)
        keys: dict[str, SigningKey] = {}
        for entry in data.get("keys") or []:
            if not isinstance(entry, dict) or not entry.get("kid"):
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                keys[str(entry["kid"])] = SigningKey(jwt.PyJWK(entry).key, entry.get("alg"))
            except jwt.PyJWTError as error:
                logger.warning("api: skipping key %s of %s: %s", entry.get("kid"), url, error)
        self._keys = keys
        self._source = url
        self._fetched_at = time.monotonic()

    def get(self, kid: str) -> SigningKey | None:
        with self._lock:
            source = settings.API_TOKEN_JWKS_URL or settings.API_TOKEN_DISCOVERY_URL
            stale = time.monotonic() - self._fetched_at > settings.API_JWKS_CACHE_SECONDS
            fetched = False
            if stale or source != self._configured:
                self._configured = source
                self._fetch()
                fetched = True
            key = self._keys.get(kid)
            recent = time.monotonic() - self._fetched_at < settings.API_JWKS_MIN_REFRESH_SECONDS
            if key is None and not fetched and not recent:
                self._fetch()  # once: the issuer may have rotated its keys
                key = self._keys.get(kid)
            return key

    def clear(self) -> None:
        with self._lock:
            self._keys = {}
            self._fetched_at = -1e9


KEYS = _KeySet()


def configured() -> bool:
    return bool(
        settings.API_TOKEN_ISSUER
        and settings.API_TOKEN_AUDIENCE
        and (settings.API_TOKEN_JWKS_URL or settings.API_TOKEN_DISCOVERY_URL)
    )


def _consumer_orgno(claims: dict[str, Any]) -> str:
    consumer = claims.get("consumer")
    if not isinstance(consumer, dict):
        raise TokenError("the token has no consumer claim naming the client's organisation")
    ident = consumer.get("ID")
    if consumer.get("authority") != ORGNO_AUTHORITY or not isinstance(ident, str):
        raise TokenError(
            f'the token\'s consumer is not an organisation number ({{"authority": '
            f'"{ORGNO_AUTHORITY}", "ID": "0192:<orgno>"}})'
        )
    prefix, _sep, orgno = ident.partition(":")
    if prefix != "0192" or len(orgno) != 9 or not orgno.isdigit():
        raise TokenError(f"the token's consumer ID {ident!r} is not 0192:<9-digit orgno>")
    return orgno


def verify(token: str) -> TokenClaims:
    """The claims of a valid token; raises TokenError saying why a token is not valid, or
    IssuerUnavailable when the issuer's keys cannot be had."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenError("the token is not a JWT") from None
    alg = header.get("alg")
    allowed = [a for a in settings.API_TOKEN_ALGORITHMS if a in ASYMMETRIC_ALGORITHMS]
    if alg not in allowed:
        raise TokenError(f"tokens signed with {alg!r} are not accepted (use {', '.join(allowed)})")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("the token's header names no signing key (kid)")
    key = KEYS.get(kid)
    if key is None:
        raise TokenError(f"the signing key {kid!r} is not among the issuer's keys")
    if key.alg not in (None, alg):
        raise TokenError(f"the signing key {kid!r} is not for {alg}")
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=[alg],
            audience=settings.API_TOKEN_AUDIENCE,
            issuer=settings.API_TOKEN_ISSUER,
            leeway=settings.API_TOKEN_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenError("the token is not valid yet (nbf or iat is in the future)") from None
    except jwt.InvalidAudienceError:
        raise TokenError(
            f"the token is not meant for this API (aud must be {settings.API_TOKEN_AUDIENCE!r})"
        ) from None
    except jwt.InvalidIssuerError:
        raise TokenError(
            f"the token is not from the accepted issuer ({settings.API_TOKEN_ISSUER!r})"
        ) from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenError(f"the token has no {error.claim!r} claim") from None
    except jwt.InvalidSignatureError:
        raise TokenError("the token's signature does not verify") from None
    except jwt.PyJWTError as error:
        raise TokenError(f"the token is not valid: {error}") from None
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise TokenError("the token's scope claim is not a space-separated string")
    return TokenClaims(
        consumer_orgno=_consumer_orgno(claims),
        scopes=frozenset(scope.split()),
        client_id=str(claims.get("client_id") or ""),
        claims=claims,
    )
