"""Survey analysis for the directorate: N, distributions, means, regions, cross-tabs and time
series, as IMDi's table and chart reports present them. Reads only.

The organisations that count are those whose response to the edition is submitted or approved,
within what the user may see (``visible_municipalities``). N is always the number of such
organisations with an answer to the question; an unanswered question is not counted. On a scale,
"not relevant" and "don't know" are shown as their own rows (their share is of N) but are left
out of the mean and of the N the mean is computed over.

Every function loads what it needs in bulk: the number of queries does not grow with the number
of organisations or questions.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.accounts.access import visible_municipalities
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import KeyFigures, MunicipalitySuccession, Region
from surveys.models import Answer, Question, Response, Section, SurveyEdition, Theme, localized
from surveys.respondent.bands import POPULATION_BANDS, UNKNOWN, population_band
from surveys.respondent.questions import DONT_KNOW, NOT_RELEVANT

COUNTED = (Response.Status.SUBMITTED, Response.Status.APPROVED)
CHOICE_TYPES = ("yes_no", "single", "multi")
SCALE_TYPES = ("scale", "scale_grid")
NUMBER_TYPES = ("integer", "percent")
TEXT_TYPES = ("text", "textarea")
CROSS_TAB_TYPES = ("yes_no", "single", "multi", "scale")
CENTRALITY_CLASSES = [str(c) for c in range(1, 7)]
NO_THEME = "__no_theme__"


# --- The shapes the pages render ---------------------------------------------------------------


@dataclass
class Row:
    """One line of a distribution: an option, a scale point, a theme, or a special answer."""

    key: str
    label: str
    count: int
    percent: float | None  # of N; None when N is 0
    special: bool = False  # "don't know", "not relevant", "no theme": not in the mean


@dataclass
class Numbers:
    """A number question: N of the numeric answers, mean, median, min, max."""

    n: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None


@dataclass
class RankRow:
    key: str
    label: str
    first: int
    first_percent: float | None
    top: int
    top_percent: float | None
    mean_rank: float | None


@dataclass
class Item:
    """One item of a scale grid, with its own distribution and mean."""

    key: str
    label: str
    result: Result


@dataclass
class Result:
    """One question's answers in one group of organisations (national, a region, a band)."""

    n: int
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None  # scale: over scale points only
    mean_n: int = 0
    numbers: Numbers | None = None
    ranks: list[RankRow] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def yes_percent(self) -> float | None:
        row = next((r for r in self.rows if r.key == "yes"), None)
        return row.percent if row else None


@dataclass
class Cell:
    count: int | None = None
    percent: float | None = None
    value: float | None = None
    n: int | None = None


@dataclass
class TableRow:
    label: str
    cells: list[Cell]
    special: bool = False
    heading: bool = False  # a row that only names the rows below it
    kind: str = "percent"  # percent | value | count
    key: str = ""  # the option, point or theme the row counts, where there is one


@dataclass
class Column:
    key: str
    label: str
    n: int


@dataclass
class Table:
    """The same question across groups (regions, bands, years), rows aligned."""

    columns: list[Column]
    rows: list[TableRow]

    @property
    def groups(self) -> list[tuple[TableRow | None, list[TableRow]]]:
        """The rows split at each heading row: (heading or None, rows under it)."""
        groups: list[tuple[TableRow | None, list[TableRow]]] = []
        for row in self.rows:
            if row.heading:
                groups.append((row, []))
            elif groups:
                groups[-1][1].append(row)
            else:
                groups.append((None, [row]))
        return groups


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


@dataclass
class AnswerRow:
    """What aggregation needs from one answer, loaded without model instances."""

    answer_id: int
    municipality_id: int
    region_id: int
    value: Any
    theme_ids: set[int] = field(default_factory=set)


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


def _answer_rows(
    user, questions: Iterable[Question], **filters: Any
) -> list[tuple[int, AnswerRow]]:
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
        if not _empty(value)
    ]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _attach_themes(rows: list[tuple[int, AnswerRow]], question_ids: list[int]) -> None:
    """Each text answer's theme ids: one query."""
    by_answer = {row.answer_id: row for _q, row in rows}
    links = Theme.answers.through.objects.filter(theme__question_id__in=question_ids).values_list(
        "answer_id", "theme_id"
    )
    for answer_id, theme_id in links:
        if answer_id in by_answer:
            by_answer[answer_id].theme_ids.add(theme_id)


# --- Aggregation ------------------------------------------------------------------------------


def _percent(count: int, n: int) -> float | None:
    return 100 * count / n if n else None


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _special_label(value: Any) -> str:
    return _("Don't know") if value == DONT_KNOW else _("Not relevant")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _key(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _keys(value: Any) -> list[str]:
    """The chosen keys of a multi or rank answer (a single value is a list of one)."""
    return [_key(v) for v in (value if isinstance(value, list) else [value])]


def scale_bounds(question: Question) -> tuple[int, int]:
    scale = question.config.get("scale", {})
    return scale.get("min", 1), scale.get("max", 5)


def scale_point_label(question: Question, point: int) -> str:
    """'1 – Very poor' at the ends of the scale, the number in between."""
    scale = question.config.get("scale", {})
    low, high = scale_bounds(question)
    end_label = (
        localized(scale.get("min_label"))
        if point == low
        else localized(scale.get("max_label"))
        if point == high
        else ""
    )
    return f"{point} – {end_label}" if end_label else str(point)


def _counted_rows(keys: list[tuple[str, str, bool]], counts: dict[str, int], n: int) -> list[Row]:
    """Rows for the fixed keys, then any other value found (an unmapped old option)."""
    rows = [
        Row(key, label, counts.get(key, 0), _percent(counts.get(key, 0), n), special)
        for key, label, special in keys
    ]
    known = {key for key, _label, _special in keys}
    for key in counts:
        if key not in known:
            rows.append(Row(key, key, counts[key], _percent(counts[key], n), special=True))
    return rows


def _extras(question: Question, values: list[Any], candidates: list[str]) -> list[tuple]:
    """The reserved answers a question allows or that occur in ``values``."""
    config = question.config
    allowed = {
        DONT_KNOW: config.get("allow_dont_know", False),
        NOT_RELEVANT: config.get("allow_not_relevant", False),
    }
    found: set[str] = set()
    for value in values:
        inner = (
            value
            if isinstance(value, list)
            else list(value.values())
            if isinstance(value, dict)
            else [value]
        )
        found.update(v for v in inner if isinstance(v, str))
    return [(c, _special_label(c), True) for c in candidates if allowed[c] or c in found]


def _scale_result(question: Question, values: list[Any]) -> Result:
    low, high = scale_bounds(question)
    counts: dict[str, int] = defaultdict(int)
    points: list[float] = []
    for value in values:
        counts[_key(value)] += 1
        if _is_number(value) and low <= value <= high:
            points.append(value)
    keys = [(str(p), scale_point_label(question, p), False) for p in range(low, high + 1)]
    keys += _extras(question, values, [NOT_RELEVANT, DONT_KNOW])
    n = len(values)
    return Result(n=n, rows=_counted_rows(keys, counts, n), mean=_mean(points), mean_n=len(points))


def _choice_result(question: Question, values: list[Any]) -> Result:
    """A yes/no or single choice: a row per option, then "don't know" if allowed or given."""
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[_key(value)] += 1
    if question.type == "yes_no":
        keys = [("yes", _("Yes"), False), ("no", _("No"), False)]
    else:
        keys = [(o["key"], localized(o["label"]), False) for o in question.options]
    keys += _extras(question, values, [DONT_KNOW])
    n = len(values)
    return Result(n=n, rows=_counted_rows(keys, counts, n))


def _multi_result(question: Question, values: list[Any]) -> Result:
    """A multiple choice: each option counted once per answer that chose it."""
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        for chosen in dict.fromkeys(_keys(value)):
            counts[chosen] += 1
    keys = [(o["key"], localized(o["label"]), False) for o in question.options]
    keys += _extras(question, values, [DONT_KNOW])
    n = len(values)
    return Result(n=n, rows=_counted_rows(keys, counts, n))


def _rank_result(question: Question, values: list[Any]) -> Result:
    """A ranking: per option, how often first, how often ranked at all, and its mean place."""
    n = len(values)
    ranks = []
    places: dict[str, list[int]] = defaultdict(list)
    for value in values:
        for position, key in enumerate(dict.fromkeys(_keys(value)), start=1):
            places[key].append(position)
    option_keys = [o["key"] for o in question.options]
    for key in option_keys + [k for k in places if k not in option_keys]:
        positions = places.get(key, [])
        first = sum(1 for p in positions if p == 1)
        ranks.append(
            RankRow(
                key=key,
                label=question.option_label(key),
                first=first,
                first_percent=_percent(first, n),
                top=len(positions),
                top_percent=_percent(len(positions), n),
                mean_rank=_mean(positions),
            )
        )
    return Result(n=n, ranks=ranks)


def _number_result(question: Question, values: list[Any]) -> Result:
    """An integer or percent: the numbers' statistics, and the reserved answers as rows."""
    n = len(values)
    numbers = sorted(v for v in values if _is_number(v))
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if not _is_number(value):
            counts[_key(value)] += 1
    keys = _extras(question, values, [DONT_KNOW])
    return Result(
        n=n,
        rows=_counted_rows(keys, counts, n),
        numbers=Numbers(
            n=len(numbers),
            mean=_mean(numbers),
            median=statistics.median(numbers) if numbers else None,
            minimum=numbers[0] if numbers else None,
            maximum=numbers[-1] if numbers else None,
        ),
    )


def _grid_result(question: Question, values: list[Any]) -> Result:
    """A scale grid: each item counted as a scale of its own, over the answers that rate it."""
    items = []
    for item in question.config.get("items", []):
        item_values = [
            v[item["key"]] for v in values if isinstance(v, dict) and not _empty(v.get(item["key"]))
        ]
        items.append(
            Item(item["key"], localized(item["label"]), _scale_result(question, item_values))
        )
    return Result(n=len(values), items=items)


def _text_result(answers: list[AnswerRow], themes: Sequence[Theme]) -> Result:
    """Free text: once coded, a row per theme and one for the answers without a theme."""
    n = len(answers)
    rows = []
    if themes:
        for theme in themes:
            count = sum(1 for a in answers if theme.pk in a.theme_ids)
            rows.append(Row(str(theme.pk), theme.name, count, _percent(count, n)))
        uncoded = sum(1 for a in answers if not a.theme_ids)
        rows.append(Row(NO_THEME, _("No theme"), uncoded, _percent(uncoded, n), special=True))
    return Result(n=n, rows=rows)


def aggregate(question: Question, answers: list[AnswerRow], themes: Sequence[Theme] = ()) -> Result:
    """One question's answers, counted as IMDi's table report counts them."""
    values = [a.value for a in answers]
    kind = question.type
    if kind in ("yes_no", "single"):
        return _choice_result(question, values)
    if kind == "multi":
        return _multi_result(question, values)
    if kind == "rank":
        return _rank_result(question, values)
    if kind in NUMBER_TYPES:
        return _number_result(question, values)
    if kind == "scale":
        return _scale_result(question, values)
    if kind == "scale_grid":
        return _grid_result(question, values)
    if kind in TEXT_TYPES:
        return _text_result(answers, themes)
    return Result(n=len(values))


# --- Tables across groups ---------------------------------------------------------------------


def _row_keys(results: list[Result], get: Callable[[Result], list]) -> list:
    """The union of the groups' rows, in order of first appearance."""
    seen: dict[str, Any] = {}
    for result in results:
        for row in get(result):
            seen.setdefault(row.key, row)
    return list(seen.values())


def _distribution_rows(results: list[Result]) -> list[TableRow]:
    rows = []
    for template in _row_keys(results, lambda r: r.rows):
        cells = []
        for result in results:
            row = next((r for r in result.rows if r.key == template.key), None)
            count = row.count if row else 0
            cells.append(Cell(count=count, percent=_percent(count, result.n)))
        rows.append(TableRow(template.label, cells, special=template.special, key=template.key))
    return rows


def _scale_rows(results: list[Result], label: str | None = None) -> list[TableRow]:
    rows = _distribution_rows(results)
    rows.append(
        TableRow(
            label or _("Mean (scale points only)"),
            [Cell(value=r.mean, n=r.mean_n) for r in results],
            kind="value",
        )
    )
    return rows


def compare(question: Question, columns: list[tuple[str, str, Result]]) -> Table:
    """The question's results side by side, one column per group: (key, label, result)."""
    results = [result for _key, _label, result in columns]
    table_columns = [Column(key, label, result.n) for key, label, result in columns]
    kind = question.type
    rows: list[TableRow] = []
    if kind in NUMBER_TYPES:
        numbers = [r.numbers or Numbers(0, None, None, None, None) for r in results]
        rows = [
            TableRow(_("N with a number"), [Cell(count=x.n) for x in numbers], kind="count"),
            TableRow(_("Mean"), [Cell(value=x.mean) for x in numbers], kind="value"),
            TableRow(_("Median"), [Cell(value=x.median) for x in numbers], kind="value"),
            TableRow(_("Lowest"), [Cell(value=x.minimum) for x in numbers], kind="value"),
            TableRow(_("Highest"), [Cell(value=x.maximum) for x in numbers], kind="value"),
        ]
        rows += _distribution_rows(results)
    elif kind == "rank":
        places = question.config.get("rank", 0)
        templates = _row_keys(results, lambda r: r.ranks)
        for title, attribute in (
            (_("Ranked first"), "first"),
            (_("Ranked among the top %(n)s") % {"n": places}, "top"),
        ):
            rows.append(TableRow(title, [], heading=True))
            for template in templates:
                cells = []
                for result in results:
                    rank = next((r for r in result.ranks if r.key == template.key), None)
                    count = getattr(rank, attribute) if rank else 0
                    cells.append(Cell(count=count, percent=_percent(count, result.n)))
                rows.append(TableRow(template.label, cells))
        rows.append(TableRow(_("Mean rank"), [], heading=True))
        for template in templates:
            cells = []
            for result in results:
                rank = next((r for r in result.ranks if r.key == template.key), None)
                cells.append(
                    Cell(value=rank.mean_rank if rank else None, n=rank.top if rank else 0)
                )
            rows.append(TableRow(template.label, cells, kind="value"))
    elif kind == "scale":
        rows = _scale_rows(results)
    elif kind == "scale_grid":
        for index, item in enumerate(question.config.get("items", [])):
            item_results = [r.items[index].result if r.items else Result(n=0) for r in results]
            rows.append(TableRow(localized(item["label"]), [], heading=True))
            rows += _scale_rows(item_results)
    else:
        rows = _distribution_rows(results)
    return Table(table_columns, rows)


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
    rows = _answer_rows(user, questions)
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
    rows = [row for _q, row in _answer_rows(user, [question])]
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


# --- Time series ------------------------------------------------------------------------------


def map_value(value: Any, mapping: dict[str, Any]) -> Any:
    """An earlier year's value in a later edition's options; unlisted values map to themselves."""
    if not mapping:
        return value
    if isinstance(value, list):
        mapped: list[Any] = []
        for v in value:
            target = mapping.get(_key(v), v)
            if target not in mapped:  # two old options may become one
                mapped.append(target)
        return mapped
    if isinstance(value, dict):
        return {k: mapping.get(_key(v), v) for k, v in value.items()}
    return mapping.get(_key(value), value)


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
                mean = y.result.items[index].result.mean if y.result.items else None
                if mean is not None:
                    points.append((y.year, mean))
            series.append(Series(localized(item["label"]), points))
        return series, ""
    if kind == "rank":
        templates = _row_keys([y.result for y in years], lambda r: r.ranks)
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
    templates = _row_keys([y.result for y in years], lambda r: r.rows)
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


def time_series(*, user, key: str, panel: bool = False) -> TimeSeries | None:
    """The question ``key`` in every edition that has it (drafts excepted), each earlier year's
    answers mapped onto the latest edition's options.

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
    for question_id, row in _answer_rows(user, questions):
        rows_by_question[question_id].append(row)
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


def grid_table(question: Question, result: Result) -> Table:
    """A scale grid's national distribution: one row per item, one column per scale point."""
    templates = _row_keys([item.result for item in result.items], lambda r: r.rows)
    columns = [Column(t.key, t.label, 0) for t in templates]
    rows = []
    for item in result.items:
        cells = []
        for template in templates:
            row = next((r for r in item.result.rows if r.key == template.key), None)
            count = row.count if row else 0
            cells.append(Cell(count=count, percent=_percent(count, item.result.n)))
        cells.append(Cell(value=item.result.mean, n=item.result.mean_n))
        cells.append(Cell(count=item.result.n))
        rows.append(TableRow(item.label, cells))
    return Table(columns, rows)


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
    return [a for a in answers if not _empty(a.value)]


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
