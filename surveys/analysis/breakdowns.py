"""An edition or a question, national and broken down by region, population band and centrality
class; and the free-text answers a theme coder works on. Reads only.

The organisations that count are those whose response to the edition is submitted or approved,
within what the user may see (``visible_municipalities``).

Every function loads what it needs in bulk: the number of queries does not grow with the number
of organisations or questions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.accounts.access import visible_municipalities
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import KeyFigures, Region
from surveys.analysis.results import TEXT_TYPES, AnswerRow, Result, aggregate, is_empty
from surveys.analysis.tables import Table, compare
from surveys.models import Answer, Question, Response, Section, SurveyEdition, Theme
from surveys.respondent.bands import POPULATION_BANDS, UNKNOWN, population_band

COUNTED = (Response.Status.SUBMITTED, Response.Status.APPROVED)
CROSS_TAB_TYPES = ("yes_no", "single", "multi", "scale")
CENTRALITY_CLASSES = [str(c) for c in range(1, 7)]


@dataclass
class QuestionAnalysis:
    question: Question
    national: Result
    regions: list[tuple[Region, Result]]
    by_region: Table
    by_population: Table | None = None
    by_centrality: Table | None = None


@dataclass
class SectionAnalysis:
    section: Section
    questions: list[QuestionAnalysis]


@dataclass
class EditionAnalysis:
    edition: SurveyEdition
    organisations: int  # responses that count, in scope
    regions: list[Region]
    sections: list[SectionAnalysis]
    national: bool  # the user sees every organisation


# --- Scope ------------------------------------------------------------------------------------


def counted_responses(*, user, edition: SurveyEdition) -> QuerySet[Response]:
    """The responses that count for ``user``: submitted or approved, in the user's scope."""
    return Response.objects.filter(
        edition=edition, status__in=COUNTED, municipality__in=visible_municipalities(user)
    )


def regions_for(user) -> QuerySet[Region]:
    """The IMDi regions shown as columns: every region, or an adviser's own."""
    if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
        return Region.objects.filter(pk=user.region_id)
    return Region.objects.all()


def sees_everything(user) -> bool:
    return user.directorate_role != DirectorateRole.REGIONAL_ADVISER


def answer_rows(user, questions: Iterable[Question], **filters: Any) -> list[tuple[int, AnswerRow]]:
    """(question id, row) for the counted answers to ``questions``: one query."""
    rows = (
        Answer.objects.filter(
            question__in=list(questions),
            response__status__in=COUNTED,
            response__municipality__in=visible_municipalities(user),
            value__isnull=False,
            **filters,
        )
        .order_by("pk")
        .values_list(
            "question_id",
            "pk",
            "response__municipality_id",
            "response__municipality__region_id",
            "value",
        )
    )
    return [
        (question_id, AnswerRow(pk, municipality_id, region_id, value))
        for question_id, pk, municipality_id, region_id, value in rows
        if not is_empty(value)
    ]


def _attach_themes(rows: list[tuple[int, AnswerRow]], question_ids: list[int]) -> None:
    """Each text answer's theme ids: one query."""
    by_answer = {row.answer_id: row for _q, row in rows}
    links = Theme.answers.through.objects.filter(theme__question_id__in=question_ids).values_list(
        "answer_id", "theme_id"
    )
    for answer_id, theme_id in links:
        if answer_id in by_answer:
            by_answer[answer_id].theme_ids.add(theme_id)


# --- An edition, a question -------------------------------------------------------------------


def _group(rows: list[AnswerRow], key: Callable[[AnswerRow], Any]) -> dict[Any, list[AnswerRow]]:
    groups: dict[Any, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def _question_analysis(
    question: Question,
    rows: list[AnswerRow],
    regions: list[Region],
    themes: list[Theme],
    national_label: str,
) -> QuestionAnalysis:
    national = aggregate(question, rows, themes)
    by_region_rows = _group(rows, lambda r: r.region_id)
    regional = [
        (region, aggregate(question, by_region_rows[region.pk], themes)) for region in regions
    ]
    table = compare(
        question,
        [("all", national_label, national)]
        + [(region.code, region.name, result) for region, result in regional],
    )
    return QuestionAnalysis(question, national, regional, table)


def national_label(user) -> str:
    return _("National") if sees_everything(user) else _("All in your scope")


def edition_analysis(*, user, edition: SurveyEdition) -> EditionAnalysis:
    """Every question of the edition, by section: national and per region."""
    sections = list(Section.objects.filter(edition=edition).order_by("position"))
    questions = list(Question.objects.filter(edition=edition).order_by("position"))
    regions = list(regions_for(user))
    organisations = counted_responses(user=user, edition=edition).count()
    rows = answer_rows(user, questions)
    text_ids = [q.pk for q in questions if q.type in TEXT_TYPES]
    themes_of: dict[int, list[Theme]] = defaultdict(list)
    if text_ids:
        _attach_themes(rows, text_ids)
        for theme in Theme.objects.filter(question_id__in=text_ids).order_by("name"):
            themes_of[theme.question_id].append(theme)
    by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    for question_id, row in rows:
        by_question[question_id].append(row)
    label = national_label(user)
    result = []
    for section in sections:
        result.append(
            SectionAnalysis(
                section,
                [
                    _question_analysis(q, by_question[q.pk], regions, themes_of[q.pk], label)
                    for q in questions
                    if q.section_id == section.pk
                ],
            )
        )
    return EditionAnalysis(
        edition=edition,
        organisations=organisations,
        regions=regions,
        sections=result,
        national=sees_everything(user),
    )


@dataclass
class OrgBands:
    population: dict[int, int | None]
    centrality: dict[int, int | None]


def org_bands(municipality_ids: Iterable[int] | QuerySet, year: int) -> OrgBands:
    """Population (the year's, else the latest earlier) and centrality class (latest known up to
    the year) of each organisation: one query."""
    population: dict[int, tuple[int, int]] = {}
    centrality: dict[int, tuple[int, int]] = {}
    rows = KeyFigures.objects.filter(
        municipality_id__in=municipality_ids, year__lte=year
    ).values_list("municipality_id", "year", "population", "centrality_class")
    for municipality_id, figure_year, people, centrality_class in rows:
        if people is not None and figure_year > population.get(municipality_id, (0, 0))[0]:
            population[municipality_id] = (figure_year, people)
        if (
            centrality_class is not None
            and figure_year > centrality.get(municipality_id, (0, 0))[0]
        ):
            centrality[municipality_id] = (figure_year, centrality_class)
    return OrgBands(
        population={k: v[1] for k, v in population.items()},
        centrality={k: v[1] for k, v in centrality.items()},
    )


def _cross_tab(
    question: Question,
    rows: list[AnswerRow],
    themes: list[Theme],
    bands: list[tuple[str, str]],
    band_of: Callable[[int], str],
) -> Table:
    grouped = _group(rows, lambda r: band_of(r.municipality_id))
    columns = [(key, label, aggregate(question, grouped[key], themes)) for key, label in bands]
    if grouped.get(UNKNOWN):
        columns.append((UNKNOWN, _("Not known"), aggregate(question, grouped[UNKNOWN], themes)))
    return compare(question, columns)


def question_analysis(*, user, question: Question) -> QuestionAnalysis:
    """One question: national, per region and, for choices and scales, by population band and
    by centrality class."""
    edition = question.edition
    regions = list(regions_for(user))
    rows = [row for _q, row in answer_rows(user, [question])]
    themes: list[Theme] = []
    if question.type in TEXT_TYPES:
        _attach_themes([(question.pk, r) for r in rows], [question.pk])
        themes = list(Theme.objects.filter(question=question).order_by("name"))
    analysis = _question_analysis(question, rows, regions, themes, national_label(user))
    if question.type in CROSS_TAB_TYPES:
        bands = org_bands(
            counted_responses(user=user, edition=edition).values("municipality_id"), edition.year
        )
        analysis.by_population = _cross_tab(
            question,
            rows,
            themes,
            [(label, label) for _low, _high, label in POPULATION_BANDS],
            lambda pk: population_band(bands.population.get(pk)),
        )
        analysis.by_centrality = _cross_tab(
            question,
            rows,
            themes,
            [(c, c) for c in CENTRALITY_CLASSES],
            lambda pk: str(bands.centrality[pk]) if bands.centrality.get(pk) else UNKNOWN,
        )
    return analysis


# --- Free-text themes -------------------------------------------------------------------------


def theme_answers(*, user, question: Question) -> list[Answer]:
    """The counted free-text answers to ``question`` in the user's scope, with their
    organisation and themes: two queries."""
    answers = (
        Answer.objects.filter(
            question=question,
            response__status__in=COUNTED,
            response__municipality__in=visible_municipalities(user),
            value__isnull=False,
        )
        .select_related("municipality")
        .prefetch_related("themes")
        .order_by("municipality__number", "pk")
    )
    return [a for a in answers if not is_empty(a.value)]


def theme_counts(question: Question, answers: list[Answer], themes: list[Theme]) -> Result:
    """How many of ``answers`` carry each theme (answers loaded by ``theme_answers``)."""
    rows = [
        AnswerRow(
            a.pk,
            a.municipality_id,
            a.municipality.region_id,
            a.value,
            {t.pk for t in a.themes.all()},
        )
        for a in answers
    ]
    return aggregate(question, rows, themes)
