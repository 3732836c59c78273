"""A question across the editions that have it: each earlier year's answers mapped onto the latest
edition's options, optionally only the organisations that answered every year (the panel),
followed across municipal reforms. Reads only, in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from portal.municipalities.models import MunicipalitySuccession
from surveys.analysis.breakdowns import answer_rows
from surveys.analysis.results import (
    NUMBER_TYPES,
    TEXT_TYPES,
    AnswerRow,
    Result,
    aggregate,
    value_key,
)
from surveys.analysis.tables import Table, compare, row_keys
from surveys.models import Question, SurveyEdition, localized


@dataclass
class YearResult:
    year: int
    question: Question
    result: Result


@dataclass
class Series:
    label: str
    points: list[tuple[int, float]]


@dataclass
class TimeSeries:
    key: str
    question: Question  # the latest edition's: its options are the series' options
    years: list[YearResult]
    table: Table
    series: list[Series]
    unit: str  # "%" when the series are percentages
    panel: bool
    panel_size: int | None


# --- Time series ------------------------------------------------------------------------------


def map_value(value: Any, mapping: dict[str, Any]) -> Any:
    """An earlier year's value in a later edition's options; unlisted values map to themselves."""
    if not mapping:
        return value
    if isinstance(value, list):
        mapped: list[Any] = []
        for v in value:
            target = mapping.get(value_key(v), v)
            if target not in mapped:  # two old options may become one
                mapped.append(target)
        return mapped
    if isinstance(value, dict):
        return {k: mapping.get(value_key(v), v) for k, v in value.items()}
    return mapping.get(value_key(value), value)


def current_successors() -> Callable[[int], set[int]]:
    """A function from any municipality id to the current municipality ids it became (itself if
    it is current or has no successor). Reads the crosswalk once."""
    direct: dict[int, set[int]] = defaultdict(set)
    ended: set[int] = set()
    for (
        predecessor,
        successor,
        predecessor_end,
        successor_end,
    ) in MunicipalitySuccession.objects.values_list(
        "predecessor_id", "successor_id", "predecessor__valid_to", "successor__valid_to"
    ):
        direct[predecessor].add(successor)
        if predecessor_end is not None:
            ended.add(predecessor)
        if successor_end is not None:
            ended.add(successor)
    cache: dict[int, set[int]] = {}

    def resolve(pk: int, seen: frozenset[int] = frozenset()) -> set[int]:
        if pk in cache:
            return cache[pk]
        found: set[int] = set()
        if pk not in ended or not direct.get(pk) or pk in seen:
            found.add(pk)
        else:
            for successor in direct[pk]:
                found |= resolve(successor, seen | {pk})
        cache[pk] = found
        return found

    return resolve


def _series(question: Question, years: list[YearResult]) -> tuple[list[Series], str]:
    """What the line chart draws: percentages per option, or means for numbers and grids."""
    kind = question.type
    if kind in NUMBER_TYPES:
        points = []
        for y in years:
            mean = y.result.numbers.mean if y.result.numbers else None
            if mean is not None:
                points.append((y.year, mean))
        return [Series(_("Mean"), points)], "%" if kind == "percent" else ""
    if kind == "scale_grid":
        series = []
        for index, item in enumerate(question.config.get("items", [])):
            points = []
            for y in years:
                mean = y.result.items[index].result.mean if len(y.result.items) > index else None
                if mean is not None:
                    points.append((y.year, mean))
            series.append(Series(localized(item["label"]), points))
        return series, ""
    if kind == "yes_no_grid":
        series = []
        for index, item in enumerate(question.config.get("items", [])):
            points = []
            for y in years:
                if len(y.result.items) <= index:
                    continue
                percent = y.result.items[index].result.yes_percent
                if percent is not None:
                    points.append((y.year, percent))
            series.append(Series(localized(item["label"]), points))
        return series, "%"
    if kind == "rank":
        templates = row_keys([y.result for y in years], lambda r: r.ranks)
        series = []
        for template in templates:
            points = []
            for y in years:
                rank = next((r for r in y.result.ranks if r.key == template.key), None)
                if rank and rank.top_percent is not None:
                    points.append((y.year, rank.top_percent))
            series.append(Series(template.label, points))
        return series, "%"
    if kind in TEXT_TYPES:
        return [], "%"
    templates = row_keys([y.result for y in years], lambda r: r.rows)
    series = []
    for template in templates:
        points = []
        for y in years:
            row = next((r for r in y.result.rows if r.key == template.key), None)
            count = row.count if row else 0
            if y.result.n:
                points.append((y.year, 100 * count / y.result.n))
        if any(value for _year, value in points):
            series.append(Series(template.label, points))
    return series, "%"


def _battery_from_yes_no(
    user, latest: Question, questions: list[Question], rows: dict[int, list[AnswerRow]]
) -> list[Question]:
    """A battery's earlier years where its items were yes/no questions of their own, keyed like
    the items: each such year read as the battery, one answer per organisation ({item: value}).
    ``rows`` gets those years' rows under the first item question's id; the editions in the
    series come back in year order."""
    item_keys = [i["key"] for i in latest.config.get("items", [])]
    has_battery = {q.edition_id for q in questions}
    earlier = [
        q
        for q in Question.objects.filter(key__in=item_keys, type="yes_no")
        .exclude(edition__status=SurveyEdition.Status.DRAFT)
        .filter(edition__year__lt=latest.edition.year)
        .select_related("edition")
        .order_by("edition__year", "position")
        if q.edition_id not in has_battery
    ]
    if not earlier:
        return questions
    standing_in: dict[int, Question] = {}
    for question in earlier:
        standing_in.setdefault(question.edition_id, question)
    by_id = {q.pk: q for q in earlier}
    combined: dict[tuple[int, int], AnswerRow] = {}
    for question_id, row in answer_rows(user, earlier):
        question = by_id[question_id]
        first = standing_in[question.edition_id]
        found = combined.setdefault(
            (first.pk, row.municipality_id),
            AnswerRow(row.answer_id, row.municipality_id, row.region_id, {}),
        )
        found.value[question.key] = row.value
    for (first_id, _municipality), row in combined.items():
        rows[first_id].append(row)
    return sorted([*questions, *standing_in.values()], key=lambda q: q.edition.year)


def time_series(*, user, key: str, panel: bool = False) -> TimeSeries | None:
    """The question ``key`` in every edition that has it (drafts excepted), each earlier year's
    answers mapped onto the latest edition's options. A yes/no battery also takes in the earlier
    years that asked its items as yes/no questions with the items' keys.

    With ``panel``, only organisations that answered the question in every one of those years
    count. Organisations are followed across reforms through the crosswalk: an answer belongs to
    the current municipality (or municipalities) its organisation became, and a current
    municipality is in the panel for a year if it or any predecessor answered that year. The
    answers themselves are counted as the organisations of their time gave them.
    """
    questions = list(
        Question.objects.filter(key=key)
        .exclude(edition__status=SurveyEdition.Status.DRAFT)
        .select_related("edition")
        .order_by("edition__year")
    )
    if not questions:
        return None
    latest = questions[-1]
    rows_by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    for question_id, row in answer_rows(user, questions):
        rows_by_question[question_id].append(row)
    if latest.type == "yes_no_grid":
        questions = _battery_from_yes_no(user, latest, questions, rows_by_question)
    panel_size = None
    if panel:
        resolve = current_successors()
        answered_by_year = []
        for question in questions:
            current: set[int] = set()
            for row in rows_by_question[question.pk]:
                current |= resolve(row.municipality_id)
            answered_by_year.append(current)
        members = set.intersection(*answered_by_year) if answered_by_year else set()
        panel_size = len(members)
        for question in questions:
            rows_by_question[question.pk] = [
                row
                for row in rows_by_question[question.pk]
                if resolve(row.municipality_id) & members
            ]
    years = []
    for question in questions:
        mapping = latest.edition.mapping_from(question.edition.year, key)
        mapped = [
            AnswerRow(r.answer_id, r.municipality_id, r.region_id, map_value(r.value, mapping))
            for r in rows_by_question[question.pk]
        ]
        years.append(YearResult(question.edition.year, question, aggregate(latest, mapped)))
    table = compare(latest, [(str(y.year), str(y.year), y.result) for y in years])
    series, unit = _series(latest, years)
    return TimeSeries(
        key=key,
        question=latest,
        years=years,
        table=table,
        series=series,
        unit=unit,
        panel=panel,
        panel_size=panel_size,
    )
