"""Benchmark reports: the stored reports' metadata, and the PDF of a ready one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from portal.accounts.access import Perm
from portal.api import benchmark_selectors, common
from portal.api.auth import READ
from portal.api.errors import ERRORS, ApiError, ErrorOut, not_found
from portal.api.pagination import PageQuery, page_of, paginate
from portal.benchmark.models import BenchmarkReport

router = Router(tags=["Benchmark reports"], auth=READ)

ReportStatus = Literal["pending", "running", "ready", "failed"]


class ReportOut(Schema):
    identifier: str = Field(..., description="The report's identifier, as printed on it.")
    organisation: str = Field(..., description="The organisation's number.")
    year: int = Field(..., description="The report year.")
    language: Literal["nb", "nn", "en"]
    status: ReportStatus
    requested_at: dt.datetime = Field(..., description="When the report was created.")
    finished_at: dt.datetime | None
    pdf: str | None = Field(..., description="The PDF's URL, once the report is ready.")

    @staticmethod
    def resolve_organisation(obj: BenchmarkReport) -> str:
        return obj.municipality.number

    @staticmethod
    def resolve_pdf(obj: BenchmarkReport, context) -> str | None:
        if obj.status != BenchmarkReport.Status.READY:
            return None
        path = reverse(
            "api:benchmark_report_pdf",
            kwargs={"number": obj.municipality.number, "identifier": obj.identifier},
        )
        return context["request"].build_absolute_uri(path)


class ReportFilters(Schema):
    organisation: str | None = Field(None, description="Only this organisation (its number).")
    region: str | None = Field(None, description="Only organisations of this region (its code).")
    year: int | None = Field(None, ge=2000, le=2100, description="Only this report year.")
    language: Literal["nb", "nn", "en"] | None = None
    status: ReportStatus | None = None


class NotReadyOut(ErrorOut):
    """409: the report is being made, waits to be, or could not be made."""

    report_status: ReportStatus


ReportPage = page_of(ReportOut, "BenchmarkReportPage")

PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The report as PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/benchmark-reports",
    response={200: ReportPage, **ERRORS},
    url_name="benchmark_report_list",
    summary="Benchmark reports",
)
def benchmark_report_list(
    request: HttpRequest, filters: Query[ReportFilters], paging: Query[PageQuery]
):
    """The stored reports of the organisations the client may see, newest first."""
    qs = benchmark_selectors.reports(
        common.user_of(request),
        municipality=(
            common.organisation(request, filters.organisation, Perm.VIEW)
            if filters.organisation
            else None
        ),
        region=common.region(filters.region),
        year=filters.year,
        language=filters.language,
        status=filters.status,
    )
    return paginate(request, qs, paging)


@router.get(
    "/organisations/{number}/benchmark-reports/{identifier}/pdf",
    response={**ERRORS, 409: NotReadyOut},
    url_name="benchmark_report_pdf",
    summary="A benchmark report's PDF",
    openapi_extra=PDF_RESPONSE,
)
def benchmark_report_pdf(request: HttpRequest, number: str, identifier: str):
    """The PDF of a ready report; 409 while it is being made or when it could not be made."""
    municipality = common.organisation(request, number, Perm.VIEW)
    report = benchmark_selectors.report_with_pdf(municipality, identifier)
    if report is None:
        raise not_found(f"No benchmark report {identifier} of organisation {number}.")
    if not report.is_ready or not report.pdf:
        raise ApiError(
            409,
            "not_ready",
            f"Benchmark report {identifier} is not ready (status: {report.status}); "
            "try again when its status is ready.",
            report_status=report.status,
        )
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.identifier}.pdf"'
    return response
