"""Survey editions (the questionnaires' definitions), responses and answers in long form."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from portal.accounts.access import Perm
from portal.api import common, selectors
from portal.api.auth import READ
from portal.api.errors import ERRORS, ApiError, not_found
from portal.api.pagination import PageQuery, page_of, paginate
from surveys.models import Answer, Response, SurveyEdition

router = Router(tags=["Surveys"], auth=READ)

Texts = dict[str, str]
ResponseStatus = Literal["in_progress", "submitted", "returned", "approved"]


class EditionOut(Schema):
    year: int
    title: Texts = Field(..., description="By language: nb, nn, en.")
    status: Literal["draft", "open", "closed"]
    opens: dt.date
    deadline: dt.date
    previous_year: int | None


class QuestionOut(Schema):
    key: str = Field(..., description="The same key links the question across editions.")
    position: int
    type: str
    text: Texts
    help: Texts
    required: bool
    config: dict[str, Any] = Field(..., description="Options, units, limits: by type.")
    show_if: dict[str, Any] = Field(..., description="The rule for when it is asked; {} always.")


class SectionOut(Schema):
    key: str
    position: int
    title: Texts
    show_if: dict[str, Any]
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj) -> list:
        return list(obj.questions.all())


class EditionDetailOut(EditionOut):
    sections: list[SectionOut]

    @staticmethod
    def resolve_sections(obj: SurveyEdition) -> list:
        return list(obj.sections.all())


class ResponseOut(Schema):
    id: int
    edition: int = Field(..., description="The edition's year.")
    organisation: str = Field(..., description="The organisation's number.")
    status: ResponseStatus
    started_at: dt.datetime
    last_activity_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None

    @staticmethod
    def resolve_edition(obj: Response) -> int:
        return obj.edition.year

    @staticmethod
    def resolve_organisation(obj: Response) -> str:
        return obj.municipality.number


class AnswerOut(Schema):
    """One answer: one organisation's answer to one question."""

    response: int = Field(..., description="The response's id.")
    edition: int
    organisation: str
    response_status: ResponseStatus
    question: str = Field(..., description="The question's key.")
    type: str = Field(..., description="The question's type.")
    value: Any = Field(None, description="As the type has it: a number, text, option key(s)…")
    other_text: str
    explanation: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_response(obj: Answer) -> int:
        return obj.response_id

    @staticmethod
    def resolve_edition(obj: Answer) -> int:
        return obj.response.edition.year

    @staticmethod
    def resolve_organisation(obj: Answer) -> str:
        return obj.municipality.number

    @staticmethod
    def resolve_response_status(obj: Answer) -> str:
        return obj.response.status

    @staticmethod
    def resolve_question(obj: Answer) -> str:
        return obj.question.key

    @staticmethod
    def resolve_type(obj: Answer) -> str:
        return obj.question.type


class ResponseFilters(Schema):
    edition: int | None = Field(None, description="The edition's year.")
    region: str | None = Field(None, description="Only organisations of this region (its code).")
    status: ResponseStatus | None = None
    organisation: str | None = Field(None, description="Only this organisation (its number).")
    updated_since: str | None = Field(
        None,
        description="Changed at or after this time: an ISO 8601 date and time, such as "
        "2026-12-01T08:00:00Z (without a zone: Norwegian time).",
        json_schema_extra={"format": "date-time"},
    )


class AnswerFilters(ResponseFilters):
    question: str | None = Field(None, description="Only this question (its key).")


EditionPage = page_of(EditionOut, "EditionPage")
ResponsePage = page_of(ResponseOut, "ResponsePage")
AnswerPage = page_of(AnswerOut, "AnswerPage")


@router.get(
    "/survey-editions",
    response={200: EditionPage, **ERRORS},
    url_name="edition_list",
    summary="Survey editions",
)
def edition_list(request: HttpRequest, paging: Query[PageQuery]):
    """The yearly questionnaires, newest first (drafts only for the directorate's administrators)."""
    return paginate(request, selectors.survey_editions(common.user_of(request)), paging)


@router.get(
    "/survey-editions/{year}",
    response={200: EditionDetailOut, **ERRORS},
    url_name="edition_detail",
    summary="One survey edition with its sections and questions",
)
def edition_detail(request: HttpRequest, year: int):
    edition = selectors.survey_edition(common.user_of(request), year)
    if edition is None:
        raise not_found(f"No survey edition {year}.")
    return edition


def _survey_filters(request: HttpRequest, filters: ResponseFilters) -> dict[str, Any]:
    if not selectors.reads_surveys(common.user_of(request)):
        raise ApiError(
            403, "forbidden", "This client's role does not give the right to read survey answers."
        )
    return {
        "edition": common.edition(request, filters.edition),
        "region": common.region(filters.region),
        "status": filters.status,
        "updated_since": common.moment("updated_since", filters.updated_since),
        "municipality": (
            common.organisation(request, filters.organisation, Perm.SURVEY)
            if filters.organisation
            else None
        ),
    }


@router.get(
    "/responses",
    response={200: ResponsePage, **ERRORS},
    url_name="response_list",
    summary="Survey responses",
)
def response_list(request: HttpRequest, filters: Query[ResponseFilters], paging: Query[PageQuery]):
    """One row per organisation and edition, newest edition first, then by organisation."""
    qs = selectors.responses(common.user_of(request), **_survey_filters(request, filters))
    return paginate(request, qs, paging)


@router.get(
    "/answers",
    response={200: AnswerPage, **ERRORS},
    url_name="answer_list",
    summary="Survey answers in long form",
)
def answer_list(request: HttpRequest, filters: Query[AnswerFilters], paging: Query[PageQuery]):
    """One row per organisation and question answered; ordered by edition (newest first),
    organisation and the question's place in the questionnaire."""
    qs = selectors.answers(
        common.user_of(request),
        question=filters.question,
        **_survey_filters(request, filters),
    )
    return paginate(request, qs, paging)
