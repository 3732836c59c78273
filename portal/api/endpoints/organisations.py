"""Organisations (municipalities and city districts) and their yearly key figures."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from portal.api import common, selectors
from portal.api.auth import READ
from portal.api.errors import ERRORS
from portal.api.pagination import PageQuery, page_of, paginate
from portal.municipalities.models import KeyFigures, Municipality

router = Router(tags=["Organisations"], auth=READ)


class RegionOut(Schema):
    code: str
    name: str


class CountyOut(Schema):
    number: str
    name: str


class OrganisationOut(Schema):
    number: str = Field(..., description="Municipality number (4 digits) or city district (6).")
    name: str
    kind: Literal["municipality", "district"]
    county: CountyOut
    region: RegionOut = Field(..., description="The directorate's region.")
    parent: str | None = Field(None, description="A city district's municipality number.")
    written_standard: Literal["nb", "nn", "neutral", ""]
    valid_from: dt.date
    valid_to: dt.date | None = Field(None, description="Set once the number is no longer used.")

    @staticmethod
    def resolve_parent(obj: Municipality) -> str | None:
        return obj.parent.number if obj.parent_id else None


class OrganisationFilters(Schema):
    region: str | None = Field(None, description="Only this region (its code, e.g. 'sor').")
    kind: Literal["municipality", "district"] | None = None
    include_history: bool = Field(
        False, description="Also organisations whose number has gone out of use."
    )


class KeyFiguresOut(Schema):
    organisation: str = Field(..., description="The organisation's number.")
    year: int
    population: int | None
    immigrant_share: float | None = Field(None, description="Per cent.")
    centrality_score: int | None
    centrality_class: int | None
    kostra_group: str
    requested: int | None = Field(None, description="Requested to settle.")
    decided: int | None = Field(None, description="Decided to settle.")
    settled: int | None
    remaining: int | None = Field(None, description="Decided but not yet settled.")
    unaccompanied_requested: int | None
    unaccompanied_decided: int | None
    unaccompanied_settled: int | None
    intro_completed: int | None
    intro_work_or_education_direct: int | None
    intro_work_or_education_1y: int | None
    structure_year: int | None = Field(
        None, description="Figures on a later organisation's area: the structure's year."
    )
    updated_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: KeyFigures) -> str:
        return obj.municipality.number

    @staticmethod
    def resolve_immigrant_share(obj: KeyFigures) -> float | None:
        return None if obj.immigrant_share is None else float(obj.immigrant_share)


class KeyFigureFilters(Schema):
    year: int | None = Field(None, ge=1990, le=2100)
    region: str | None = Field(None, description="Only this region (its code).")


OrganisationPage = page_of(OrganisationOut, "OrganisationPage")
KeyFiguresPage = page_of(KeyFiguresOut, "KeyFiguresPage")


@router.get(
    "/organisations",
    response={200: OrganisationPage, **ERRORS},
    url_name="organisation_list",
    summary="Organisations",
)
def organisation_list(
    request: HttpRequest,
    filters: Query[OrganisationFilters],
    paging: Query[PageQuery],
):
    """The organisations this client may see, by number: a municipality's client its own, the
    directorate's all (a regional adviser's: its region)."""
    qs = selectors.organisations(
        common.user_of(request),
        region=common.region(filters.region),
        kind=filters.kind,
        current=not filters.include_history,
    )
    return paginate(request, qs, paging)


@router.get(
    "/organisations/{number}",
    response={200: OrganisationOut, **ERRORS},
    url_name="organisation_detail",
    summary="One organisation",
)
def organisation_detail(request: HttpRequest, number: str):
    return common.organisation(request, number)


@router.get(
    "/organisations/{number}/key-figures",
    response={200: KeyFiguresPage, **ERRORS},
    url_name="organisation_key_figures",
    summary="One organisation's key figures, by year",
)
def organisation_key_figures(
    request: HttpRequest,
    number: str,
    filters: Query[KeyFigureFilters],
    paging: Query[PageQuery],
):
    municipality = common.organisation(request, number)
    qs = selectors.key_figures(
        common.user_of(request),
        municipality=municipality,
        year=filters.year,
        region=common.region(filters.region),
    )
    return paginate(request, qs, paging)


@router.get(
    "/key-figures",
    response={200: KeyFiguresPage, **ERRORS},
    url_name="key_figure_list",
    summary="Key figures of every organisation the client may see",
)
def key_figure_list(
    request: HttpRequest,
    filters: Query[KeyFigureFilters],
    paging: Query[PageQuery],
):
    """One row per organisation and year, by organisation number and year."""
    qs = selectors.key_figures(
        common.user_of(request), year=filters.year, region=common.region(filters.region)
    )
    return paginate(request, qs, paging)
