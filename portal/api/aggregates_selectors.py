"""Reads for the aggregates per question: the survey analysis's own counting
(surveys/analysis/breakdowns.py loads the answers that count, results.py counts them), over the
organisations whose survey answers the client may read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import translation

from portal.accounts.access import Perm, municipalities_with, visible_municipalities
from portal.accounts.models import User
from portal.municipalities.models import Municipality, Region
from surveys.analysis import breakdowns, results
from surveys.models import Question, Response, SurveyEdition

COUNTED = tuple(str(status) for status in breakdowns.COUNTED)


@dataclass
class QuestionAggregate:
    question: Question
    responses: int  # responses that count, in scope and filters
    result: results.Result
    total: float | None  # number questions: the sum of the numeric answers


def questions(edition: SurveyEdition, *, key: str | None = None) -> QuerySet[Question]:
    qs = Question.objects.filter(edition=edition)
    if key:
        qs = qs.filter(key=key)
    return qs.order_by("position", "pk")


def _scope(user: User, *, region: Region | None, municipality: Municipality | None) -> dict:
    """The filters the client's scope and the query's give, on an Answer's or a Response's own
    organisation (both have one)."""
    filters: dict = {"municipality__in": municipalities_with(user, Perm.SURVEY)}
    if region is not None:
        filters["municipality__region"] = region
    if municipality is not None:
        filters["municipality"] = municipality
    return filters


def counted_responses(
    user: User,
    edition: SurveyEdition,
    *,
    region: Region | None = None,
    status: str | None = None,
    municipality: Municipality | None = None,
) -> int:
    """The responses that count (submitted or approved) within the scope and the filters."""
    qs = Response.objects.filter(
        edition=edition, status__in=COUNTED, municipality__in=visible_municipalities(user)
    ).filter(**_scope(user, region=region, municipality=municipality))
    if status:
        qs = qs.filter(status=status)
    return qs.count()


def aggregates(
    user: User,
    edition: SurveyEdition,
    page: Sequence[Question],
    *,
    region: Region | None = None,
    status: str | None = None,
    municipality: Municipality | None = None,
) -> list[QuestionAggregate]:
    """Each question of ``page`` counted as the analysis counts it: two queries in all."""
    responses = counted_responses(
        user, edition, region=region, status=status, municipality=municipality
    )
    rows: dict[int, list[results.AnswerRow]] = defaultdict(list)
    filters = _scope(user, region=region, municipality=municipality)
    if status:
        filters["response__status"] = status
    for question_id, row in breakdowns.answer_rows(user, page, **filters):
        rows[question_id].append(row)
    out = []
    with translation.override("en"):  # the API's language, for the analysis's labels
        for question in page:
            answers = rows.get(question.pk, [])
            result = results.aggregate(question, answers)
            total = None
            if question.type in results.NUMBER_TYPES:
                total = sum(
                    a.value
                    for a in answers
                    if isinstance(a.value, int | float) and not isinstance(a.value, bool)
                )
            out.append(QuestionAggregate(question, responses, result, total))
    return out
