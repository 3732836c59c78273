"""The API for systems, version 1: its routers, its error handlers, its OpenAPI document."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from portal.api.endpoints import aggregates, benchmark, housing, organisations, surveys
from portal.api.errors import ApiError

DESCRIPTION = """\
Read access for systems to Kommuneportalen: organisations and key figures, survey editions,
survey responses and answers, aggregates per question, housing and service profiles (scope
`imdi:kommuneportal.housing`; reads of contact persons are logged), and benchmark reports with
their PDFs.

Authenticate with a Maskinporten bearer token (`Authorization: Bearer <token>`) whose `consumer`
is an organisation registered by the directorate as an API client, with the scope the endpoint
names. A municipality's client sees only its own organisation; the directorate's sees what its
role allows. Lists are paginated (`page`, `page_size`), in a stable order, and carry an `ETag`:
send it back in `If-None-Match` to get `304 Not Modified` when nothing changed. Errors are JSON
(`{"error": code, "detail": words}`). See docs/api.md.
"""

api = NinjaAPI(
    title="Kommuneportalen API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
api.add_router("", organisations.router)
api.add_router("", surveys.router)
api.add_router("", aggregates.router)
api.add_router("", housing.router)
api.add_router("", benchmark.router)


def _error(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(request, error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return _error(request, error)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A bad filter or page: 400 naming the parameter and what is wrong with it."""
    first = error.errors[0] if error.errors else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    parameter = loc[-1] if loc else ""
    given = request.GET.get(parameter)
    detail = f"{parameter}: {first.get('msg', 'invalid value')}"
    if given is not None:
        detail += f" (got {given!r})"
    return _error(request, ApiError(400, "invalid_parameter", detail, parameter=parameter))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _error(request, ApiError(404, "not_found", "Not found, or not yours to see."))


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return _error(
        request, ApiError(403, "forbidden", "This client's role does not give the right to this.")
    )
