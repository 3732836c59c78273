"""Pages of a list: ``?page=1&page_size=100`` over a queryset in a stable order (every list's
ordering ends on a unique key), with the links to the next and previous pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import create_model


class PageQuery(Schema):
    page: int = Field(1, ge=1, description="The page, from 1.")
    page_size: int = Field(
        settings.API_PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Rows per page (at most {settings.API_MAX_PAGE_SIZE}).",
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The schema of one page of ``item`` rows, named ``name`` in the OpenAPI document."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __base__=Schema,
        count=(int, Field(..., description="Rows in all pages.")),
        page=(int, ...),
        page_size=(int, ...),
        next=(str | None, Field(None, description="The next page's URL; null on the last.")),
        previous=(str | None, Field(None, description="The previous page's URL.")),
        results=(list[item], ...),  # type: ignore[valid-type]
    )


def _link(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request: HttpRequest, qs: QuerySet, params: PageQuery) -> dict[str, Any]:
    """One page of ``qs`` (already ordered) as ``{count, page, page_size, next, previous,
    results}``; the rows are the queryset's objects, for the page schema to read."""
    count = qs.count()
    start = (params.page - 1) * params.page_size
    rows = list(qs[start : start + params.page_size]) if start < count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "next": _link(request, params.page + 1) if start + params.page_size < count else None,
        "previous": _link(request, params.page - 1) if params.page > 1 and count else None,
        "results": rows,
    }
