"""One question's answers counted as IMDi's table reports count them: N, the distribution, the
mean. Pure: takes the answers, reads nothing from the database.

N is the number of organisations with an answer to the question; an unanswered question is not
counted. On a scale, "not relevant" and "don't know" are shown as their own rows (their share is
of N) but are left out of the mean and of the N the mean is computed over.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from surveys.models import Question, Theme, localized
from surveys.respondent.questions import DONT_KNOW, NOT_RELEVANT

NUMBER_TYPES = ("integer", "percent")
TEXT_TYPES = ("text", "textarea")
NO_THEME = "__no_theme__"


# --- The shapes the pages render --------------------------------------------------------------


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
class AnswerRow:
    """What aggregation needs from one answer, loaded without model instances."""

    answer_id: int
    municipality_id: int
    region_id: int
    value: Any
    theme_ids: set[int] = field(default_factory=set)


# --- Aggregation ------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def percent_of(count: int, n: int) -> float | None:
    return 100 * count / n if n else None


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _special_label(value: Any) -> str:
    return _("Don't know") if value == DONT_KNOW else _("Not relevant")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_key(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _keys(value: Any) -> list[str]:
    """The chosen keys of a multi or rank answer (a single value is a list of one)."""
    return [value_key(v) for v in (value if isinstance(value, list) else [value])]


def scale_bounds(question: Question) -> tuple[int, int]:
    scale = question.config.get("scale", {})
    return scale.get("min", 1), scale.get("max", 5)


def scale_point_label(question: Question, point: int) -> str:
    """'1 – Very poor' at the ends of the scale, the number in between; with ``scale.labels``
    every point's label."""
    scale = question.config.get("scale", {})
    low, high = scale_bounds(question)
    labels = scale.get("labels") or []
    if len(labels) == high - low + 1 and low <= point <= high:
        label = localized(labels[point - low])
        return str(point) if label.strip() == str(point) else f"{point} – {label}"
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
        Row(key, label, counts.get(key, 0), percent_of(counts.get(key, 0), n), special)
        for key, label, special in keys
    ]
    known = {key for key, _label, _special in keys}
    for key in counts:
        if key not in known:
            rows.append(Row(key, key, counts[key], percent_of(counts[key], n), special=True))
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
        counts[value_key(value)] += 1
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
        counts[value_key(value)] += 1
    if question.type in ("yes_no", "yes_no_grid"):
        keys = [("yes", _("Yes"), False), ("no", _("No"), False)]
    else:
        keys = [(o["key"], localized(o["label"]), False) for o in question.options]
    keys += _extras(question, values, [NOT_RELEVANT, DONT_KNOW])
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
                first_percent=percent_of(first, n),
                top=len(positions),
                top_percent=percent_of(len(positions), n),
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
            counts[value_key(value)] += 1
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
            v[item["key"]]
            for v in values
            if isinstance(v, dict) and not is_empty(v.get(item["key"]))
        ]
        items.append(
            Item(item["key"], localized(item["label"]), _scale_result(question, item_values))
        )
    return Result(n=len(values), items=items)


def _battery_result(question: Question, values: list[Any]) -> Result:
    """A yes/no battery: each item counted as a yes/no question of its own, over the answers
    that answer that item."""
    items = []
    for item in question.config.get("items", []):
        item_values = [
            v[item["key"]]
            for v in values
            if isinstance(v, dict) and not is_empty(v.get(item["key"]))
        ]
        items.append(
            Item(item["key"], localized(item["label"]), _choice_result(question, item_values))
        )
    return Result(n=len(values), items=items)


def _text_result(answers: list[AnswerRow], themes: Sequence[Theme]) -> Result:
    """Free text: once coded, a row per theme and one for the answers without a theme."""
    n = len(answers)
    rows = []
    if themes:
        for theme in themes:
            count = sum(1 for a in answers if theme.pk in a.theme_ids)
            rows.append(Row(str(theme.pk), theme.name, count, percent_of(count, n)))
        uncoded = sum(1 for a in answers if not a.theme_ids)
        rows.append(Row(NO_THEME, _("No theme"), uncoded, percent_of(uncoded, n), special=True))
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
    if kind == "yes_no_grid":
        return _battery_result(question, values)
    if kind in TEXT_TYPES:
        return _text_result(answers, themes)
    return Result(n=len(values))
