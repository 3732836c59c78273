"""Reads for the survey pages: each costs a fixed number of queries, whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, router
from django.db.models import Q

from portal.accounts.access import member_role_sql, visible_municipalities
from portal.core.queue import sweep_window
from portal.municipalities.models import KeyFigures, Municipality, Region
from surveys.models import (
    Answer,
    Question,
    Response,
    ReviewComment,
    Section,
    SectionAssignment,
    SurveyEdition,
)
from surveys.respondent.context import (
    OrgContext,
    figure_values,
    org_context,
    with_predecessors,
)
from surveys.respondent.routing import rule_questions, visible_questions


def open_edition() -> SurveyEdition | None:
    return SurveyEdition.objects.filter(status=SurveyEdition.Status.OPEN).order_by("-year").first()


def edition_by_year(year: int) -> SurveyEdition | None:
    return SurveyEdition.objects.filter(year=year).first()


def edition_organisations(edition: SurveyEdition, user=None):
    """Every municipality and city district that answers this edition (valid when it opened)."""
    day = edition.opens
    qs = Municipality.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    if user is not None:
        qs = visible_municipalities(user, qs)
    return qs.select_related("region", "county")


@dataclass
class LastYear:
    year: int
    answers: dict[str, tuple[Any, str]]  # key -> (value mapped onto this edition, other text)


def last_year_answers(edition: SurveyEdition, municipality: Municipality) -> LastYear | None:
    """The organisation's answers in the previous edition (its predecessors' for a merged one),
    with the old options mapped onto this edition's."""
    previous = (
        (
            SurveyEdition.objects.filter(year=edition.previous_year)
            if edition.previous_year
            else SurveyEdition.objects.filter(year__lt=edition.year).exclude(
                status=SurveyEdition.Status.DRAFT
            )
        )
        .order_by("-year")
        .first()
    )
    if previous is None:
        return None
    ids = with_predecessors(municipality)
    rows = (
        Answer.objects.filter(
            response__edition=previous, response__municipality_id__in=ids, value__isnull=False
        )
        .filter(response__status__in=[Response.Status.SUBMITTED, Response.Status.APPROVED])
        .select_related("question")
        .order_by("response__municipality_id")
    )
    answers: dict[str, tuple[Any, str]] = {}
    for answer in rows:
        key = answer.question.key
        if key in answers:
            continue  # a merged municipality: the first predecessor's answer is shown
        mapping = edition.mapping_from(previous.year, key)
        answers[key] = (_map(answer.value, mapping), answer.other_text)
    return LastYear(previous.year, answers)


def _map(value: Any, mapping: dict[str, Any]) -> Any:
    if not mapping:
        return value
    if isinstance(value, list):
        # Two old options may map onto one new one: keep each once, in order.
        return list(dict.fromkeys(mapping.get(str(v), v) for v in value))
    if isinstance(value, dict):
        return {k: mapping.get(str(v), v) for k, v in value.items()}
    return mapping.get(str(value), value)


_STRUCTURE: dict[tuple[int, str], tuple[list[Section], list[Question]]] = {}


def edition_structure(edition: SurveyEdition) -> tuple[list[Section], list[Question]]:
    """An edition's sections and questions, kept in memory per process until the edition changes.

    The key includes ``updated_at``, which every import, status or settings change moves on.
    Callers must not change the objects.
    """
    key = (edition.pk, edition.updated_at.isoformat())
    cached = _STRUCTURE.get(key)
    if cached is None:
        sections = list(Section.objects.filter(edition=edition).order_by("position"))
        questions = list(
            Question.objects.filter(edition=edition).select_related("section").order_by("position")
        )
        cached = (sections, questions)
        if len(_STRUCTURE) > 50:
            _STRUCTURE.clear()
            _RULE_KEYS.clear()
        _STRUCTURE[key] = cached
    return cached


_RULE_KEYS: dict[tuple[int, str], set[str]] = {}


def edition_rule_keys(edition: SurveyEdition) -> set[str]:
    """``rule_questions`` of the edition's kept structure: the questions whose answers some
    rule looks at, worked out once per structure. Callers must not change the set."""
    key = (edition.pk, edition.updated_at.isoformat())
    keys = _RULE_KEYS.get(key)
    if keys is None:
        keys = _RULE_KEYS[key] = rule_questions(*edition_structure(edition))
    return keys


@dataclass
class SurveyState:
    """Everything a survey page shows: structure, answers, routing and progress."""

    edition: SurveyEdition
    municipality: Municipality
    org: OrgContext
    response: Response | None
    sections: list[Section]
    questions: list[Question]
    answers: dict[str, Answer]
    visible_sections: set[str]
    visible: set[str]
    assignments: dict[int, SectionAssignment] = field(default_factory=dict)
    comments: dict[int | None, list[ReviewComment]] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {key: a.value for key, a in self.answers.items()}

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def section_by_pk(self, pk: int) -> Section | None:
        return next((s for s in self.sections if s.pk == pk), None)

    def questions_in(self, section: Section, visible_only: bool = True) -> list[Question]:
        return [
            q
            for q in self.questions
            if q.section_id == section.pk and (not visible_only or q.key in self.visible)
        ]

    def is_answered(self, key: str) -> bool:
        answer = self.answers.get(key)
        return answer is not None and answer.value is not None

    def progress(self, section: Section) -> tuple[int, int]:
        shown = self.questions_in(section)
        return sum(1 for q in shown if self.is_answered(q.key)), len(shown)

    def total_progress(self) -> tuple[int, int]:
        shown = [q for q in self.questions if q.key in self.visible]
        return sum(1 for q in shown if self.is_answered(q.key)), len(shown)

    def unanswered(self) -> list[Question]:
        return [q for q in self.questions if q.key in self.visible and not self.is_answered(q.key)]

    def warnings(self) -> list[Answer]:
        return [a for k, a in self.answers.items() if k in self.visible and a.needs_confirmation]


@dataclass(frozen=True)
class NextStep:
    """The overview's main action: where the person answering goes next.

    ``kind`` is "start" (nothing answered yet: the first section), "continue" (the first
    section with an unanswered question) or "review" (everything shown is answered, or the
    person cannot answer: the answers are submitted, the survey is closed, or they only read).
    """

    kind: str
    section: Section | None = None
    unanswered: int = 0  # in that section


def next_step(state: SurveyState, user, *, can_edit: bool) -> NextStep:
    """Where the overview's main button leads, from the state already loaded (no queries).

    Only sections and questions the organisation sees count, so a section routed away is
    skipped. Sections assigned to the person come first, then those nobody (or a unit) has,
    then those given to colleagues, each in questionnaire order.
    """
    if not can_edit:
        return NextStep("review")
    shown = [
        (section, state.questions_in(section))
        for section in state.sections
        if section.key in state.visible_sections
    ]
    shown = [(section, questions) for section, questions in shown if questions]
    if not shown:
        return NextStep("review")

    def turn(section: Section) -> int:
        assignment = state.assignments.get(section.pk)
        if assignment is None or assignment.assignee_id is None:
            return 1
        return 0 if assignment.assignee_id == getattr(user, "pk", None) else 2

    ordered = sorted(shown, key=lambda pair: turn(pair[0]))  # stable: keeps document order
    if not any(state.is_answered(q.key) for _section, questions in shown for q in questions):
        section, questions = ordered[0]
        return NextStep("start", section, len(questions))
    for section, questions in ordered:
        left = sum(1 for q in questions if not state.is_answered(q.key))
        if left:
            return NextStep("continue", section, left)
    return NextStep("review")


def survey_state(
    edition: SurveyEdition,
    municipality: Municipality,
    *,
    response: Response | None = None,
    with_people: bool = True,
) -> SurveyState:
    """Sections, questions, answers, routing: a constant number of queries.

    ``with_people=False`` skips assignments and review comments (the save path needs neither).
    """
    if response is None:
        response = (
            Response.objects.filter(edition=edition, municipality=municipality)
            .select_related("last_section")
            .first()
        )
    sections, questions = edition_structure(edition)
    answers: dict[str, Answer] = {}
    assignments: dict[int, SectionAssignment] = {}
    comments: dict[int | None, list[ReviewComment]] = {}
    if response is not None:
        by_id = {q.pk: q for q in questions}
        for answer in Answer.objects.filter(response=response).select_related("updated_by"):
            answer.question = by_id[answer.question_id]
            answers[answer.question.key] = answer
        if with_people:
            assignments = {
                a.section_id: a
                for a in SectionAssignment.objects.filter(response=response).select_related(
                    "assignee"
                )
            }
            for comment in ReviewComment.objects.filter(response=response).select_related("author"):
                comments.setdefault(comment.question_id, []).append(comment)
    org = org_context(municipality, edition)
    visible_sections, visible = visible_questions(
        sections, questions, org, {k: a.value for k, a in answers.items()}
    )
    return SurveyState(
        edition=edition,
        municipality=municipality,
        org=org,
        response=response,
        sections=sections,
        questions=questions,
        answers=answers,
        visible_sections=visible_sections,
        visible=visible,
        assignments=assignments,
        comments=comments,
    )


@dataclass
class AutosaveTarget:
    """What a quick save reads in one query: the response with its organisation and edition,
    the user's membership role there, and the stored answer to the posted question."""

    response: Response
    member_role: str | None
    stored: Answer | None  # without ``question`` and ``updated_by``: set by the caller

    @property
    def edition(self) -> SurveyEdition:
        return self.response.edition

    @property
    def municipality(self) -> Municipality:
        return self.response.municipality


# What the one read takes of each table: only what a quick save uses (any other field of these
# objects would be read when touched, which the query-count tests would notice).
_READ: tuple[tuple[type[models.Model], str, tuple[str, ...]], ...] = (
    (Response, "r", ("id", "edition_id", "municipality_id", "status", "save_state")),
    (SurveyEdition, "e", ("id", "year", "title", "status", "previous_year", "updated_at")),
    (
        Municipality,
        "m",
        ("id", "number", "name", "short_name", "kind", "region_id", "county_id", "parent_id"),
    ),
    (Region, "g", ("id", "code", "name")),
    (
        Answer,
        "a",
        (
            "id",
            "response_id",
            "municipality_id",
            "question_id",
            "value",
            "other_text",
            "explanation",
            "warning",
            "confirmed",
            "version",
            "updated_at",
            "updated_by_id",
        ),
    ),
)


def _columns(model: type[models.Model], alias: str, names: tuple[str, ...]) -> list[str]:
    meta = model._meta
    return [f'{alias}."{_concrete(meta.get_field(name)).column}"' for name in names]


def _concrete(field: Any) -> models.Field:
    assert isinstance(field, models.Field)  # the names in _READ are the models' own columns
    return field


def _table(model: type[models.Model]) -> str:
    return f'"{model._meta.db_table}"'


# Table and column names come from the models; every value is a parameter.
_TARGET_SQL = f"""
SELECT {", ".join(c for model, alias, names in _READ for c in _columns(model, alias, names))},
    {member_role_sql('m."id"')}
FROM {_table(Response)} r
JOIN {_table(SurveyEdition)} e ON e."id" = r."edition_id"
JOIN {_table(Municipality)} m ON m."id" = r."municipality_id"
JOIN {_table(Region)} g ON g."id" = m."region_id"
LEFT JOIN {_table(Question)} q ON q."edition_id" = e."id" AND q."key" = %s
LEFT JOIN {_table(Answer)} a ON a."response_id" = r."id" AND a."question_id" = q."id"
WHERE m."number" = %s AND m."valid_to" IS NULL AND e."year" = %s
"""  # noqa: S608


def _instances(using: str, row: list[Any]) -> list[Any]:
    """The row's objects, each value converted as the ORM converts it (dates on SQLite, JSON)."""
    compiler = Response.objects.none().query.get_compiler(using)
    objects: list[Any] = []
    at = 0
    for model, _alias, names in _READ:
        meta = model._meta
        fields = [_concrete(meta.get_field(name)) for name in names]
        values = row[at : at + len(fields)]
        at += len(fields)
        if values[0] is None:
            objects.append(None)  # no stored answer (the left join found none)
            continue
        cols = [field.get_col(meta.db_table) for field in fields]
        for pos, (converters, expression) in compiler.get_converters(cols).items():
            for convert in converters:
                values[pos] = convert(values[pos], expression, compiler.connection)
        objects.append(model.from_db(using, [f.attname for f in fields], values))
    objects.append(row[at])  # the membership role
    return objects


def autosave_target(user, number: str, year: int, key: str) -> AutosaveTarget | None:
    """The current organisation ``number``'s response to edition ``year`` and its answer to
    question ``key``, in one query; None when there is no such response (yet).

    Written out rather than composed, because building and compiling the composed query cost a
    quick save more than everything else it does. The membership role comes from
    ``access.member_role_sql``, and ``access.require_perm`` decides what it allows.
    """
    using = router.db_for_read(Response)
    with connections[using].cursor() as cursor:
        cursor.execute(_TARGET_SQL, [user.pk, key, number, year])
        row = cursor.fetchone()
    if row is None:
        return None
    response, edition, municipality, region, stored, role = _instances(using, list(row))
    municipality.region = region
    response.edition, response.municipality = edition, municipality
    if stored is not None:
        stored.response, stored.municipality = response, municipality
    return AutosaveTarget(response=response, member_role=role, stored=stored)


# --- e-mails the broker never took -----------------------------------------------------------


def receipts_unsent(*, now: dt.datetime | None = None) -> list[int]:
    """The submitted responses whose receipt has not been sent, submitted between the sweep's
    cut-off and grace period ago, oldest first. (Once a response is approved or returned, its
    receipt is no longer sent.)"""
    oldest, newest = sweep_window(now)
    return list(
        Response.objects.filter(
            status=Response.Status.SUBMITTED,
            receipt_sent_at=None,
            submitted_at__gte=oldest,
            submitted_at__lt=newest,
        )
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )


# --- the organisation's change log -----------------------------------------------------------

# What an organisation sees of the survey in its own change log: its answers, who a section was
# given to, and the response's submission and review. Not shown: the directorate's own work on
# it (follow-up notes and calls, review comments, deadline extensions, settlement category
# overrides, theme coding in the analysis), which stays in the directorate's change log.
SURVEY_CHANGE_ACTIONS = (
    "answer.save",
    "survey.assign",
    "survey.submit",
    "survey.returned",
    "survey.approved",
)


def entry_year_and_key(label: str) -> tuple[int | None, str]:
    """(edition year, question or section key) from an entry's object label, as the survey's
    services write it: "2026 has_plan" (answers, assignments) or "2026 – Kristiansand"."""
    year, _space, rest = label.partition(" ")
    return (int(year) if year.isdigit() else None), rest.strip()


@dataclass
class ChangeLogLookups:
    """What the change log needs to put the survey's entries into words."""

    questions: dict[tuple[int, str], Question] = field(default_factory=dict)
    sections: dict[tuple[int, str], Section] = field(default_factory=dict)
    placeholders: dict[int, dict[str, Any]] = field(default_factory=dict)  # by edition year
    titles: dict[int, str] = field(default_factory=dict)  # edition title, by year


def change_log_lookups(entries, municipality: Municipality) -> ChangeLogLookups:
    """The questions, sections, edition titles and key figures (for the texts' placeholders)
    that the survey's entries on a page name: four queries however many entries, none if none."""
    wanted = [
        (entry.action, *entry_year_and_key(entry.object_label))
        for entry in entries
        if entry.action in SURVEY_CHANGE_ACTIONS
    ]
    lookups = ChangeLogLookups()
    years = {year for _action, year, _key in wanted if year is not None}
    if not years:
        return lookups
    question_keys = {key for action, _y, key in wanted if action == "answer.save"}
    section_keys = {key for action, _y, key in wanted if action == "survey.assign"}
    editions = SurveyEdition.objects.filter(year__in=years)
    lookups.titles = {edition.year: edition.title_text for edition in editions}
    if question_keys:
        for question in Question.objects.filter(
            edition__year__in=years, key__in=question_keys
        ).select_related("section", "edition"):
            lookups.questions[(question.edition.year, question.key)] = question
    if section_keys:
        for section in Section.objects.filter(
            edition__year__in=years, key__in=section_keys
        ).select_related("edition"):
            lookups.sections[(section.edition.year, section.key)] = section
    figures = {
        kf.year: kf
        for kf in KeyFigures.objects.filter(
            municipality=municipality, year__in=years | {y - 1 for y in years}
        )
    }
    for year in years:
        org = OrgContext(
            municipality=municipality,
            year=year,
            settlement_category="",
            category_overridden=False,
            figures=figure_values(figures.get(year)),
            figures_last_year=figure_values(figures.get(year - 1)),
        )
        lookups.placeholders[year] = org.placeholders()
    return lookups
