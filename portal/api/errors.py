"""The API's errors: always JSON, ``{"error": code, "detail": words, …}``, in the client's terms."""

from __future__ import annotations

from typing import Any

from ninja import Schema

REALM = "kommuneportal"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, **self.extra}


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


def unauthorized(code: str, detail: str) -> ApiError:
    """401 with a WWW-Authenticate challenge saying why (RFC 6750)."""
    challenge = f'Bearer realm="{REALM}"'
    if code != "missing_token":
        challenge += f', error="{code}", error_description="{_quoted(detail)}"'
    return ApiError(401, code, detail, headers={"WWW-Authenticate": challenge})


def insufficient_scope(scope: str, detail: str) -> ApiError:
    challenge = (
        f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}", '
        f'error_description="{_quoted(detail)}"'
    )
    return ApiError(
        403, "insufficient_scope", detail, headers={"WWW-Authenticate": challenge}, scope=scope
    )


def bad_parameter(parameter: str, detail: str) -> ApiError:
    return ApiError(400, "invalid_parameter", detail, parameter=parameter)


def not_found(detail: str = "Not found, or not yours to see.") -> ApiError:
    return ApiError(404, "not_found", detail)


class ErrorOut(Schema):
    """Every error: a code to act on and words to show."""

    error: str
    detail: str
    parameter: str | None = None
    scope: str | None = None
    retry_after: int | None = None


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}
