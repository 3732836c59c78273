"""ETag and If-None-Match on the API's GET answers: the tag is a digest of the JSON body, so
a client that has a page already gets 304 Not Modified without it being sent again."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags


def refuse_unknown_parameters(
    view: Callable[..., HttpResponse], allowed: frozenset[str]
) -> Callable[..., HttpResponse]:
    """A query parameter the operation does not take is a mistake to be told, not ignored
    (a misspelt filter would otherwise return everything)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            takes = ", ".join(sorted(allowed)) or "none"
            body = {
                "error": "invalid_parameter",
                "detail": f"Unknown parameter {unknown[0]!r}; this endpoint takes: {takes}.",
                "parameter": unknown[0],
            }
            return JsonResponse(body, status=400)
        return view(request, *args, **kwargs)

    return wrapped


def with_etag(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "private, no-cache")
        response.headers["Vary"] = "Authorization"
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if getattr(response, "streaming", False):
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        if _matches(request.headers.get("If-None-Match", ""), etag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response

    return wrapped
