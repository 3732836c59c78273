"""Fixtures: a real OpenID provider (oidc-provider-mock, in a thread on this machine) and the
tests' own hostile provider (hostile.py), with the portal configured to use them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from portal.accounts.national_login import providers
from portal.core.env import OidcProviderConfig
from tests.accounts.national_login.hostile import HostileProvider

PID = "24079412345"  # a made-up national identity number
HASH_KEY = "test-only-national-id-hash-key-0123456789abcdef"
LEVELS = ("idporten-loa-substantial", "idporten-loa-high")


def _config(slug: str, label: str, discovery_url: str) -> OidcProviderConfig:
    return OidcProviderConfig(
        slug=slug,
        label=label,
        discovery_url=discovery_url,
        client_id="portal-client",
        client_secret="portal-secret",
        acr_values=LEVELS,
    )


@pytest.fixture(scope="session")
def mock_provider_url():
    """oidc-provider-mock on a free port for the whole session; it requires a nonce."""
    import os

    from oidc_provider_mock import run_server_in_thread

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider on this machine speaks http
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@dataclass
class RealProvider:
    url: str

    def person(self, sub: str, *, pid: str = PID, acr: str = LEVELS[0], sid: str = "") -> None:
        """The person at the provider: the claims its id_token carries."""
        claims = {"pid": pid, "acr": acr, "sid": sid or f"sid-{sub}", "given_name": "Kari"}
        claims["family_name"] = "Nordmann"
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()

    def start(self, client, slug: str = "idporten", **params) -> str:
        """The portal's redirect to the provider's authorization endpoint."""
        response = client.get(reverse("accounts:national_login_start", args=[slug]), params)
        assert response.status_code == 302, response.content
        return response["Location"]

    def authenticate(self, authorize_url: str, sub: str, *, deny: bool = False) -> str:
        """What the person does at the provider; returns where the provider sends them back."""
        data = {"action": "deny"} if deny else {"sub": sub}
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def login(self, client, sub: str, *, slug: str = "idporten", deny: bool = False, **params):
        back = self.authenticate(self.start(client, slug, **params), sub, deny=deny)
        return client.get(path_and_query(back))


@pytest.fixture
def idporten(settings, mock_provider_url):
    settings.NATIONAL_LOGIN_PROVIDERS = [
        _config("idporten", "ID-porten", f"{mock_provider_url}/.well-known/openid-configuration")
    ]
    settings.NATIONAL_ID_HASH_KEY = HASH_KEY
    providers.forget_clients()
    yield RealProvider(mock_provider_url)
    providers.forget_clients()


@pytest.fixture
def hostile(settings):
    provider = HostileProvider().start()
    provider.new_key("key-1")
    settings.NATIONAL_LOGIN_PROVIDERS = [
        _config("idporten", "ID-porten", f"{provider.url}/.well-known/openid-configuration")
    ]
    settings.NATIONAL_ID_HASH_KEY = HASH_KEY
    providers.forget_clients()
    yield provider
    providers.forget_clients()
    provider.stop()
