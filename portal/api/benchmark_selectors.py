"""Reads for the benchmark reports: the stored reports of the organisations the client may see,
without their heavy columns; and one report with its PDF."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.access import visible_municipalities
from portal.accounts.models import User
from portal.benchmark.models import BenchmarkReport
from portal.municipalities.models import Municipality, Region


def reports(
    user: User,
    *,
    municipality: Municipality | None = None,
    region: Region | None = None,
    year: int | None = None,
    language: str | None = None,
    status: str | None = None,
) -> QuerySet[BenchmarkReport]:
    qs = (
        BenchmarkReport.objects.filter(municipality__in=visible_municipalities(user))
        .select_related("municipality")
        .defer("pdf", "csv", "data")
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if region is not None:
        qs = qs.filter(municipality__region=region)
    if year is not None:
        qs = qs.filter(year=year)
    if language:
        qs = qs.filter(language=language)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-pk")


def report_with_pdf(municipality: Municipality, identifier: str) -> BenchmarkReport | None:
    return (
        BenchmarkReport.objects.filter(municipality=municipality, identifier=identifier)
        .defer("csv", "data")
        .first()
    )
