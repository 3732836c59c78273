"""The configured OpenID providers and the checks of what they send.

Authlib does the protocol: discovery from the provider's metadata URL, ``state``, ``nonce`` and
PKCE (S256) kept in the session, the token request, and the id_token's signature against the
provider's JWKS, fetched again when a token names a key (``kid``) the portal has not seen
(``OpenIDMixin.parse_id_token``). The portal pins the signing algorithm to RS256 instead of the
list the provider's metadata offers, and checks the level (``acr``) itself so that too low a
level gets its own page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.django_client import OAuth
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from portal.core.env import OidcProviderConfig

logger = logging.getLogger("portal.accounts.national_login")

# The only signature algorithm accepted on an id_token, whatever the metadata says: ID-porten
# and Ansattporten sign with RS256; "none" and HS256 (a key anyone can read) are refused.
ID_TOKEN_ALGORITHMS = ["RS256"]
HTTP_TIMEOUT_SECONDS = 10

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], Any] = {}


def configured() -> list[OidcProviderConfig]:
    return list(settings.NATIONAL_LOGIN_PROVIDERS)


def get(slug: str) -> OidcProviderConfig | None:
    return next((p for p in configured() if p.slug == slug), None)


def client(provider: OidcProviderConfig):
    """The Authlib client of ``provider``: one a process, so the provider's metadata and keys
    are fetched once and kept (the keys again when a token names an unknown one)."""
    key = (provider.slug, provider.discovery_url, provider.client_id)
    with _lock:
        app = _clients.get(key)
        if app is None:
            registry = OAuth()
            app = registry.register(
                name=f"national_login_{provider.slug}",
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.discovery_url,
                client_kwargs={
                    "scope": provider.scope,
                    "code_challenge_method": "S256",
                    "default_timeout": HTTP_TIMEOUT_SECONDS,
                },
            )
            _clients[key] = app
    return app


def forget_clients() -> None:
    """Drop the kept clients (their metadata and keys): for tests that start a new provider."""
    with _lock:
        _clients.clear()


def metadata(provider: OidcProviderConfig) -> dict[str, Any]:
    """The provider's discovery document, with the signing algorithms pinned (see above)."""
    app = client(provider)
    data = app.load_server_metadata()
    data["id_token_signing_alg_values_supported"] = ID_TOKEN_ALGORITHMS
    return data


def issuer(provider: OidcProviderConfig) -> str:
    return str(metadata(provider).get("issuer") or "")


@dataclass(frozen=True)
class Person:
    """What the portal takes from a checked id_token: no more."""

    pid_hash: str
    acr: str
    sid: str
    given_name: str
    family_name: str


def pid_hash(pid: str) -> str:
    """HMAC-SHA256 of the national identity number with ``NATIONAL_ID_HASH_KEY``: the same
    person gives the same value, and the number cannot be recovered or guessed (there are only
    some millions of numbers) without the key."""
    key = settings.NATIONAL_ID_HASH_KEY.encode()
    return hmac.new(key, pid.strip().encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    digest = hmac.new(
        str(settings.SECRET_KEY).encode(),
        b"portal.accounts.national_login.id_token",
        hashlib.sha256,
    ).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    """The id_token is kept in the session only to end the provider's session at log-out
    (``id_token_hint``); it holds the national identity number, so it is kept encrypted."""
    return _fernet().encrypt(value.encode()).decode()


def unseal(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
