"""The providers' settings: off when not set, loud when half set."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.core.env import env_oidc_provider

URL = "https://test.idporten.no/.well-known/openid-configuration"


def _read(monkeypatch, **env):
    for name in ("DISCOVERY_URL", "CLIENT_ID", "CLIENT_SECRET", "ACR_VALUES"):
        monkeypatch.delenv(f"IDPORTEN_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"IDPORTEN_{name}", value)
    return env_oidc_provider("IDPORTEN", slug="idporten", label="ID-porten", default_acr=["a", "b"])


def test_off_without_a_discovery_url(monkeypatch):
    assert _read(monkeypatch) is None


def test_configured(monkeypatch):
    provider = _read(monkeypatch, DISCOVERY_URL=URL, CLIENT_ID="id", CLIENT_SECRET="secret")
    assert provider is not None
    assert (provider.client_id, provider.acr_values, provider.scope) == (
        "id",
        ("a", "b"),
        "openid profile",
    )


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DISCOVERY_URL": URL}, "IDPORTEN_CLIENT_ID and IDPORTEN_CLIENT_SECRET must be set"),
        ({"DISCOVERY_URL": "http://idporten.example/x"}, "is not an https:// URL"),
        (
            {"DISCOVERY_URL": URL, "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACR_VALUES": " , "},
            "names no level",
        ),
    ],
)
def test_half_set_is_an_error(monkeypatch, env, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        _read(monkeypatch, **env)
