"""A provider of the tests' own that issues what a correct provider never does: a real HTTP
server on 127.0.0.1 (a thread) serving discovery, JWKS and a token endpoint whose id_token
each test crafts (alg none, HS256 signed with the public key, expired, wrong aud …).

It also checks PKCE: the token request's code_verifier must hash to the code_challenge the
portal sent to the authorization endpoint (``expect_challenge``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class HostileProvider:
    def __init__(self) -> None:
        self.keys: dict[str, RSAKey] = {}
        self.published: list[str] = []
        self.jwks_fetches = 0
        self.challenge = ""
        self.verifiers: list[str] = []
        self.make_id_token: Callable[[], str] | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- keys and tokens ---------------------------------------------------------------
    def new_key(self, kid: str, *, publish: bool = True) -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
        self.keys[kid] = key
        if publish:
            self.published.append(kid)
        return key

    def claims(self, nonce: str, **changes) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": "portal-client",
            "sub": "subject-1",
            "iat": now,
            "exp": now + 120,
            "nonce": nonce,
            "acr": "idporten-loa-substantial",
            "pid": "24079412345",
            "sid": "hostile-sid",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def signed(self, claims: dict, kid: str, alg: str = "RS256") -> str:
        return jwt.encode({"alg": alg, "kid": kid}, claims, self.keys[kid], algorithms=[alg])

    @staticmethod
    def unsigned(claims: dict) -> str:
        header = b64(json.dumps({"alg": "none"}).encode())
        return f"{header}.{b64(json.dumps(claims).encode())}."

    def hs256_with_public_key(self, claims: dict, kid: str) -> str:
        """The old trick: HMAC keyed with the RSA public key that anyone can download."""
        secret = self.keys[kid].as_pem(private=False)
        header = b64(json.dumps({"alg": "HS256", "kid": kid}).encode())
        body = b64(json.dumps(claims).encode())
        mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{b64(mac)}"

    # --- the server ----------------------------------------------------------------------
    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self._json(
                        200,
                        {
                            "issuer": provider.url,
                            "authorization_endpoint": provider.url + "/authorize",
                            "token_endpoint": provider.url + "/token",
                            "jwks_uri": provider.url + "/jwks",
                            "end_session_endpoint": provider.url + "/logout",
                            # What a hostile provider would offer: the portal ignores it.
                            "id_token_signing_alg_values_supported": ["none", "HS256", "RS256"],
                        },
                    )
                elif self.path == "/jwks":
                    provider.jwks_fetches += 1
                    keys = KeySet([provider.keys[kid] for kid in provider.published])
                    self._json(200, keys.as_dict(private=False))
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                verifier = form.get("code_verifier", "")
                provider.verifiers.append(verifier)
                if b64(hashlib.sha256(verifier.encode()).digest()) != provider.challenge:
                    self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                    return
                assert provider.make_id_token is not None
                self._json(
                    200,
                    {
                        "access_token": "access-token",
                        "token_type": "Bearer",
                        "expires_in": 120,
                        "id_token": provider.make_id_token(),
                    },
                )

        return Handler

    def start(self) -> HostileProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
