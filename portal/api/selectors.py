"""Reads for the API's lists: querysets scoped through portal/accounts/access.py, with the
related rows each page needs loaded in a fixed number of queries, in a stable order."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from portal.accounts.access import Perm, municipalities_with, visible_municipalities
from portal.accounts.models import User
from portal.municipalities.models import KeyFigures, Municipality, Region
from surveys.models import Answer, Response, SurveyEdition


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_codes() -> list[str]:
    return list(Region.objects.order_by("sort_order", "code").values_list("code", flat=True))


def organisations(
    user: User, *, region: Region | None = None, kind: str | None = None, current: bool = True
) -> QuerySet[Municipality]:
    qs = visible_municipalities(user).select_related("county", "region", "parent")
    if current:
        qs = qs.filter(valid_to__isnull=True)
    if region is not None:
        qs = qs.filter(region=region)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("number", "valid_from", "pk")


def key_figures(
    user: User,
    *,
    municipality: Municipality | None = None,
    year: int | None = None,
    region: Region | None = None,
) -> QuerySet[KeyFigures]:
    qs = KeyFigures.objects.filter(municipality__in=visible_municipalities(user)).select_related(
        "municipality"
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if year is not None:
        qs = qs.filter(year=year)
    if region is not None:
        qs = qs.filter(municipality__region=region)
    return qs.order_by("municipality__number", "municipality__valid_from", "year", "pk")


def survey_editions(user: User) -> QuerySet[SurveyEdition]:
    """Open and closed editions for everyone who may read a survey; drafts for the directorate's
    administrators only (as on the pages)."""
    qs = SurveyEdition.objects.all()
    if user.directorate_role != "admin":
        qs = qs.exclude(status=SurveyEdition.Status.DRAFT)
    return qs.order_by("-year")


def survey_edition(user: User, year: int) -> SurveyEdition | None:
    return survey_editions(user).prefetch_related("sections__questions").filter(year=year).first()


def reads_surveys(user: User) -> bool:
    """Whether the user may read any organisation's survey answers (a settlement officer not)."""
    return municipalities_with(user, Perm.SURVEY).exists()


def responses(
    user: User,
    *,
    edition: SurveyEdition | None = None,
    region: Region | None = None,
    status: str | None = None,
    updated_since: dt.datetime | None = None,
    municipality: Municipality | None = None,
) -> QuerySet[Response]:
    qs = Response.objects.filter(
        municipality__in=municipalities_with(user, Perm.SURVEY)
    ).select_related("edition", "municipality")
    qs = qs.exclude(edition__status=SurveyEdition.Status.DRAFT)
    if edition is not None:
        qs = qs.filter(edition=edition)
    if region is not None:
        qs = qs.filter(municipality__region=region)
    if status:
        qs = qs.filter(status=status)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if updated_since is not None:
        qs = qs.filter(
            Q(last_activity_at__gte=updated_since)
            | Q(submitted_at__gte=updated_since)
            | Q(reviewed_at__gte=updated_since)
        )
    return qs.order_by("-edition__year", "municipality__number", "pk")


def answers(
    user: User,
    *,
    edition: SurveyEdition | None = None,
    region: Region | None = None,
    status: str | None = None,
    updated_since: dt.datetime | None = None,
    municipality: Municipality | None = None,
    question: str | None = None,
) -> QuerySet[Answer]:
    """Answers in long form: one row per organisation × question answered."""
    qs = Answer.objects.filter(
        municipality__in=municipalities_with(user, Perm.SURVEY)
    ).select_related("response__edition", "municipality", "question")
    qs = qs.exclude(response__edition__status=SurveyEdition.Status.DRAFT)
    if edition is not None:
        qs = qs.filter(response__edition=edition)
    if region is not None:
        qs = qs.filter(municipality__region=region)
    if status:
        qs = qs.filter(response__status=status)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if question:
        qs = qs.filter(question__key=question)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by(
        "-response__edition__year", "municipality__number", "question__position", "pk"
    )
