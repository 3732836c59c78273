"""Aggregates per question for a survey edition: counted as the directorate's analysis pages
count them (surveys/analysis), over the responses that count (submitted or approved) of the
organisations whose answers the client may read."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from portal.accounts.access import Perm
from portal.api import aggregates_selectors, common, selectors
from portal.api.aggregates_selectors import QuestionAggregate
from portal.api.auth import READ
from portal.api.errors import ERRORS, ApiError, not_found
from portal.api.pagination import PageQuery, page_of, paginate
from surveys.analysis import results

router = Router(tags=["Aggregates"], auth=READ)

Texts = dict[str, str]


class CountOut(Schema):
    key: str = Field(..., description="The option's key, the scale point, or a reserved answer.")
    label: str
    count: int
    percent: float | None = Field(..., description="Of the question's answered; null when 0.")
    special: bool = Field(
        ..., description="A reserved answer (don't know, not relevant), left out of the mean."
    )


class NumbersOut(Schema):
    n: int = Field(..., description="Numeric answers.")
    sum: float | None
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None


class RankOut(Schema):
    key: str
    label: str
    first: int = Field(..., description="Answers that ranked it first.")
    first_percent: float | None
    top: int = Field(..., description="Answers that ranked it at all.")
    top_percent: float | None
    mean_rank: float | None


class ItemOut(Schema):
    """One item of a grid or battery, counted as a question of its own."""

    key: str
    label: str
    answered: int
    counts: list[CountOut]
    mean: float | None
    mean_n: int


class AggregateOut(Schema):
    question: str = Field(..., description="The question's key.")
    position: int
    type: str
    text: Texts
    responses: int = Field(..., description="Responses that count, within the filters.")
    answered: int
    not_answered: int
    counts: list[CountOut] = Field(
        ..., description="Choice, scale and reserved answers: one row per option or point."
    )
    mean: float | None = Field(None, description="Scale questions: over scale points only.")
    mean_n: int
    numbers: NumbersOut | None = Field(None, description="Integer and percent questions.")
    ranks: list[RankOut]
    items: list[ItemOut]


def _counts(result: results.Result) -> list[dict]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "count": r.count,
            "percent": r.percent,
            "special": r.special,
        }
        for r in result.rows
    ]


def _out(aggregate: QuestionAggregate) -> dict:
    question, result = aggregate.question, aggregate.result
    numbers = result.numbers
    return {
        "question": question.key,
        "position": question.position,
        "type": question.type,
        "text": question.text,
        "responses": aggregate.responses,
        "answered": result.n,
        "not_answered": max(aggregate.responses - result.n, 0),
        "counts": _counts(result) if question.type not in results.TEXT_TYPES else [],
        "mean": result.mean,
        "mean_n": result.mean_n,
        "numbers": (
            {
                "n": numbers.n,
                "sum": aggregate.total if numbers.n else None,
                "mean": numbers.mean,
                "median": numbers.median,
                "minimum": numbers.minimum,
                "maximum": numbers.maximum,
            }
            if numbers is not None
            else None
        ),
        "ranks": [vars(r) for r in result.ranks],
        "items": [
            {
                "key": item.key,
                "label": item.label,
                "answered": item.result.n,
                "counts": _counts(item.result),
                "mean": item.result.mean,
                "mean_n": item.result.mean_n,
            }
            for item in result.items
        ],
    }


class AggregateFilters(Schema):
    region: str | None = Field(None, description="Only organisations of this region (its code).")
    status: Literal["submitted", "approved"] | None = Field(
        None, description="Only responses in this status (default: both that count)."
    )
    organisation: str | None = Field(None, description="Only this organisation (its number).")
    question: str | None = Field(None, description="Only this question (its key).")


AggregatePage = page_of(AggregateOut, "AggregatePage")


@router.get(
    "/survey-editions/{year}/aggregates",
    response={200: AggregatePage, **ERRORS},
    url_name="edition_aggregates",
    summary="Aggregates per question of a survey edition",
)
def edition_aggregates(
    request: HttpRequest,
    year: int,
    filters: Query[AggregateFilters],
    paging: Query[PageQuery],
):
    """One row per question, in the questionnaire's order: how many answered, the count per
    option (choice and scale questions), n, sum, mean and median (number questions). Counts the
    responses that count (submitted or approved) of the organisations the client may read: a
    municipality's client its own organisation only. Free-text answers are only counted."""
    user = common.user_of(request)
    if not selectors.reads_surveys(user):
        raise ApiError(
            403, "forbidden", "This client's role does not give the right to read survey answers."
        )
    edition = selectors.survey_editions(user).filter(year=year).first()
    if edition is None:
        raise not_found(f"No survey edition {year}.")
    scope = {
        "region": common.region(filters.region),
        "status": filters.status,
        "municipality": (
            common.organisation(request, filters.organisation, Perm.SURVEY)
            if filters.organisation
            else None
        ),
    }
    qs = aggregates_selectors.questions(edition, key=filters.question)
    if filters.question and not qs.exists():
        raise ApiError(
            400,
            "invalid_parameter",
            f"No question {filters.question!r} in edition {year}.",
            parameter="question",
        )
    page = paginate(request, qs, paging)
    page["results"] = [
        _out(a) for a in aggregates_selectors.aggregates(user, edition, page["results"], **scope)
    ]
    return page
