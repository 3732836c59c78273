"""A small token issuer in the style of Maskinporten, for development and tests only.

It serves its discovery document and JWKS over HTTP on 127.0.0.1 and hands out RS256 tokens
with a ``consumer`` organisation number and scopes to whoever asks (there is no client
authentication: never run it anywhere but on a developer's machine or in the tests).

    python -m tests.providers.token_issuer --port 8765        # or: make token-issuer
    curl -s -d consumer=921234567 -d scope=imdi:kommuneportal.read \\
        http://127.0.0.1:8765/token

``POST /token`` takes ``consumer`` (9 digits), ``scope`` (space-separated) and, to make
tokens the portal must refuse, ``lifetime``, ``iat_offset``, ``nbf_offset`` (seconds),
``aud``, ``iss``, ``alg`` (RS256/RS384/RS512/PS256) and ``key=unpublished`` (signed with a
key that is not in the JWKS). ``POST /rotate`` makes a new signing key, published beside the
old ones. With ``--port 0`` it picks a free port; the first line it prints is its base URL.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_AUDIENCE = "https://kommuneportal.example/api"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _kid(key: rsa.RSAPrivateKey) -> str:
    numbers = key.public_key().public_numbers()
    return f"dev-{numbers.n % (1 << 48):012x}"


def _load_or_make(path: Path | None) -> rsa.RSAPrivateKey:
    if path is not None and path.is_file():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = _new_key()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return key


class Issuer:
    def __init__(self, key: rsa.RSAPrivateKey, audience: str) -> None:
        self.lock = threading.Lock()
        self.keys = [key]  # published; the last one signs
        self.unpublished = _new_key()
        self.audience = audience
        self.base_url = ""

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/"

    def jwks(self) -> dict:
        with self.lock:
            keys = list(self.keys)
        out = []
        for key in keys:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            # No "alg": each key signs RS256, RS384, RS512 and PS256 tokens alike.
            out.append({**jwk, "kid": _kid(key), "use": "sig"})
        return {"keys": out}

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks.json",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
        }

    def rotate(self) -> str:
        key = _new_key()
        with self.lock:
            self.keys.append(key)
        return _kid(key)

    def token(self, form: dict[str, str]) -> dict:
        consumer = form.get("consumer", "")
        if not (len(consumer) == 9 and consumer.isdigit()):
            raise ValueError("consumer must be a 9-digit organisation number")
        scope = " ".join(form.get("scope", "").split())
        now = int(time.time())
        lifetime = int(form.get("lifetime", "120"))
        iat = now + int(form.get("iat_offset", "0"))
        claims = {
            "iss": form.get("iss", self.issuer),
            "aud": form.get("aud", self.audience),
            "iat": iat,
            "exp": iat + lifetime,
            "jti": uuid.uuid4().hex,
            "client_id": f"dev-client-{consumer}",
            "scope": scope,
            "token_type": "Bearer",
            "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{consumer}"},
        }
        if "nbf_offset" in form:
            claims["nbf"] = now + int(form["nbf_offset"])
        with self.lock:
            key = self.unpublished if form.get("key") == "unpublished" else self.keys[-1]
        alg = form.get("alg", "RS256")
        if alg not in ("RS256", "RS384", "RS512", "PS256"):
            raise ValueError("alg must be one of RS256, RS384, RS512, PS256")
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": _kid(key)})
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        }


def handler_for(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/jwks.json":
                self._send(200, issuer.jwks())
            elif self.path in (
                "/.well-known/oauth-authorization-server",
                "/.well-known/openid-configuration",
            ):
                self._send(200, issuer.discovery())
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path == "/token":
                try:
                    self._send(200, issuer.token(form))
                except ValueError as error:
                    self._send(400, {"error": "invalid_request", "error_description": str(error)})
            elif self.path == "/rotate":
                self._send(200, {"kid": issuer.rotate()})
            else:
                self._send(404, {"error": "not_found"})

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            if not QUIET:
                super().log_message(format, *args)

    return Handler


QUIET = False


def main(argv: list[str] | None = None) -> None:
    global QUIET
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key-file", type=Path, default=None, help="kept across restarts")
    parser.add_argument("--audience", default=DEFAULT_AUDIENCE)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    QUIET = args.quiet
    issuer = Issuer(_load_or_make(args.key_file), args.audience)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(issuer))
    issuer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    print(issuer.base_url, flush=True)
    if not QUIET:
        print(f"issuer {issuer.issuer}, audience {issuer.audience}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
