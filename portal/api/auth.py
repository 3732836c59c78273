"""Who is calling: the bearer token checked (portal/api/tokens.py), its consumer looked up among
the registered clients, the client's rate limit counted, and the scope the endpoint needs
checked. The client then reads as its service user, through portal/accounts/access.py."""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest
from ninja.security import HttpBearer

from portal.accounts import throttle
from portal.api import tokens
from portal.api.errors import ApiError, insufficient_scope, unauthorized
from portal.api.models import ApiClient
from portal.api.scopes import Scope

logger = logging.getLogger(__name__)

RATE_WINDOW = 60  # seconds: rate limits are per minute


def rate_limit(client: ApiClient) -> None:
    """Count one request of the client in the current minute; 429 past its limit."""
    now = time.time()
    bucket = int(now // RATE_WINDOW)
    count = throttle.hit("api", f"{client.pk}:{bucket}", window=RATE_WINDOW + 5)
    if count > client.rate_limit_per_minute:
        retry_after = max(1, int(RATE_WINDOW - now % RATE_WINDOW + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"More than {client.rate_limit_per_minute} requests in a minute from this client; "
            f"try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


def authenticate(request: HttpRequest, scope: Scope) -> ApiClient:
    header = request.headers.get("Authorization", "")
    if not header:
        raise unauthorized(
            "missing_token", "This API needs a bearer token: Authorization: Bearer <token>."
        )
    kind, _sep, token = header.partition(" ")
    token = token.strip()
    if kind.lower() != "bearer" or not token:
        raise unauthorized("invalid_request", "The Authorization header must be 'Bearer <token>'.")
    if not tokens.configured():
        raise ApiError(503, "not_configured", "The API's token issuer is not configured.")
    try:
        claims = tokens.verify(token)
    except tokens.TokenError as error:
        raise unauthorized("invalid_token", str(error)) from None
    except tokens.IssuerUnavailable as error:
        logger.warning("api: the token issuer's keys could not be fetched: %s", error)
        raise ApiError(
            503,
            "issuer_unavailable",
            "The token issuer's keys could not be fetched; try again shortly.",
            headers={"Retry-After": "30"},
            retry_after=30,
        ) from None
    client = (
        ApiClient.objects.select_related("user", "municipality")
        .filter(consumer_orgno=claims.consumer_orgno)
        .first()
    )
    if client is None:
        raise ApiError(
            403,
            "unknown_client",
            f"Organisation 0192:{claims.consumer_orgno} is not registered as an API client.",
        )
    if not client.is_active or not client.user.is_active:
        raise ApiError(
            403, "inactive_client", f"The API client {client.consumer_id} is deactivated."
        )
    rate_limit(client)
    if scope not in claims.scopes:
        raise insufficient_scope(
            scope.value, f"This endpoint needs the scope {scope.value}; the token does not have it."
        )
    if scope not in client.scopes:
        raise insufficient_scope(
            scope.value,
            f"The client {client.consumer_id} is not registered for the scope {scope.value}.",
        )
    request.api_client = client  # type: ignore[attr-defined]
    return client


class BearerToken(HttpBearer):
    """A Maskinporten-style bearer token with one scope (shown in the OpenAPI document)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> ApiClient:
        return authenticate(request, self.scope)

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient:  # pragma: no cover
        return authenticate(request, self.scope)


READ = BearerToken(Scope.READ)
HOUSING = BearerToken(Scope.HOUSING)
