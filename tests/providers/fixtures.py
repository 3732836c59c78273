"""The local token issuer (tests/providers/token_issuer.py) as pytest fixtures: a real process
serving its JWKS on 127.0.0.1, started once per test process and stopped at its end."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TokenIssuer:
    url: str
    audience: str
    key_file: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/"

    def _post(self, path: str, form: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}{path}", data=urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def token(self, consumer: str, scope: str = "imdi:kommuneportal.read", **extra) -> str:
        return self._post("/token", {"consumer": consumer, "scope": scope, **extra})["access_token"]

    def rotate(self) -> str:
        return self._post("/rotate", {})["kid"]

    def private_key_pem(self) -> bytes:
        return self.key_file.read_bytes()


@pytest.fixture(scope="session")
def token_issuer(tmp_path_factory) -> TokenIssuer:
    key_file = tmp_path_factory.mktemp("token-issuer") / "key.pem"
    audience = "https://kommuneportal.test/api"
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tests.providers.token_issuer",
            "--port",
            "0",
            "--quiet",
            "--key-file",
            str(key_file),
            "--audience",
            audience,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the token issuer did not start (printed {url!r})")
        yield TokenIssuer(url=url, audience=audience, key_file=key_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def api_tokens(token_issuer, settings):
    """The portal checks tokens against the local issuer; its key cache starts empty."""
    from portal.api.tokens import KEYS

    settings.API_TOKEN_ISSUER = token_issuer.issuer
    settings.API_TOKEN_JWKS_URL = f"{token_issuer.url}/jwks.json"
    settings.API_TOKEN_DISCOVERY_URL = ""
    settings.API_TOKEN_AUDIENCE = token_issuer.audience
    settings.API_JWKS_MIN_REFRESH_SECONDS = 0
    KEYS.clear()
    yield token_issuer
    KEYS.clear()
