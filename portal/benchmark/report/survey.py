"""Survey answers by theme: for choices, "you: yes — peers: 7 of 10 yes — country: 61 %"; for
scales, your point against the peers' and the country's distribution; for numbers, a dot plot.
Answers about a municipality's own services are not personal data and are not suppressed."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from portal.benchmark import charts
from portal.benchmark.report.cells import median, num, pct, plain
from portal.benchmark.report.context import Context
from portal.benchmark.report.labels import dot_plot_words
from surveys.analysis.results import scale_bounds, scale_point_label
from surveys.models import Question, localized
from surveys.respondent.context import render_text
from surveys.respondent.questions import DONT_KNOW, NOT_RELEVANT

COMPARED_TYPES = ("yes_no", "single", "multi", "scale", "scale_grid", "integer", "percent")


@dataclass(frozen=True)
class Answers:
    """One question as the report compares it: its text and the answers of the organisation,
    of its peers and of every organisation that answered (the country)."""

    question: Question
    text: str
    own: Any
    peers: list[Any]
    country: list[Any]


def survey_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    if inputs.edition is None:
        return {
            "available": False,
            "reason": _("There is no survey for %(year)d.") % {"year": ctx.year},
        }
    counted = len({org for by_org in inputs.answers.values() for org in by_org})
    own_counted = inputs.own_response_status in ("submitted", "approved")
    themes: dict[int, dict[str, Any]] = {}
    skipped = 0
    for question in inputs.questions:
        if question.type not in COMPARED_TYPES:
            skipped += 1
            continue
        by_org = inputs.answers.get(question.pk, {})
        answers = Answers(
            question=question,
            text=render_text(question.text, {}),
            own=by_org.get(ctx.m.pk),
            peers=[by_org[pid] for pid in inputs.peer_ids if pid in by_org],
            country=list(by_org.values()),
        )
        items = _compare_question(ctx, answers)
        if not items:
            continue
        theme = themes.setdefault(
            question.section_id,
            {"title": localized(question.section.title), "questions": []},
        )
        theme["questions"].append({"text": answers.text, "type": question.type, "items": items})
    return {
        "available": True,
        "title": localized(inputs.edition.title),
        "respondents": counted,
        "own_counted": own_counted,
        "themes": list(themes.values()),
        "not_compared": skipped,
    }


def answer_label(question: Question, value: Any) -> str:
    if value == DONT_KNOW:
        return _("Don't know")
    if value == NOT_RELEVANT:
        return _("Not relevant")
    if question.type == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    return question.option_label(str(value))


def _compare_question(ctx: Context, answers: Answers) -> list[dict]:
    if answers.own is None and not answers.country:
        return []  # nobody has answered: nothing to compare
    kind = answers.question.type
    if kind in ("yes_no", "single"):
        return _choice_items(ctx, answers)
    if kind == "multi":
        return _multi_items(ctx, answers)
    if kind in ("scale", "scale_grid"):
        return _scale_items(ctx, answers)
    if kind in ("integer", "percent"):
        return _number_items(ctx, answers)
    return []


def _csv_label(answers: Answers, label: str) -> str:
    return f"{answers.text} – {label}" if label else answers.text


def _share_row(
    ctx: Context, answers: Answers, label: str, matches: Callable[[Any], bool], own_text: str
) -> dict:
    """How many peers, and which share of the country, gave the answer ``matches`` accepts."""
    peers_n, country_n = len(answers.peers), len(answers.country)
    k = sum(1 for v in answers.peers if matches(v))
    c = sum(1 for v in answers.country if matches(v))
    row: dict[str, Any] = {
        "label": label,
        "you": own_text,
        "peers": _("%(k)d of %(n)d") % {"k": k, "n": peers_n} if peers_n else "–",
        "country": pct(c / country_n) if country_n else "–",
    }
    csv_label = _csv_label(answers, label)
    ctx.csv.add(_("Survey"), csv_label, ctx.you, str(ctx.year), own_text)
    ctx.csv.add(_("Survey"), csv_label, _("Country"), str(ctx.year), row["country"])
    return row


def _choice_items(ctx: Context, answers: Answers) -> list[dict]:
    """Yes/no and single choice: the share giving the organisation's own answer (or, when it
    has not answered, the answer most often given)."""
    question, own = answers.question, answers.own
    if own is not None:
        target = own
    else:
        pool = answers.peers or answers.country
        if not pool:
            return []
        target = _most_given(question, pool)
    label = answer_label(question, target)
    own_text = answer_label(question, own) if own is not None else _("Not answered")
    return [_share_row(ctx, answers, label, lambda v: str(v) == str(target), own_text)]


def _most_given(question: Question, pool: list[Any]) -> str:
    """The answer given most often; a tie goes to the one first in the question's own order
    (yes before no, the options as listed), so the same answers always make the same report."""
    counts = Counter(map(str, pool))
    keys = ["yes", "no"] if question.type == "yes_no" else [o["key"] for o in question.options]
    order = {key: i for i, key in enumerate([*keys, DONT_KNOW, NOT_RELEVANT])}
    return min(counts, key=lambda v: (-counts[v], order.get(v, len(order)), v))


def _chooses(key: str) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, list) and key in v


def _multi_items(ctx: Context, answers: Answers) -> list[dict]:
    """Multiple choice: one row per option."""
    items = []
    own = answers.own
    for option in answers.question.options:
        key = option["key"]
        chose = isinstance(own, list) and key in own
        own_text = (
            (_("Chosen") if chose else _("Not chosen")) if own is not None else _("Not answered")
        )
        items.append(_share_row(ctx, answers, localized(option["label"]), _chooses(key), own_text))
    return items


def _scale_items(ctx: Context, answers: Answers) -> list[dict]:
    """A scale, or each item of a scale grid: the distribution over the points."""
    question, own = answers.question, answers.own
    subjects = (
        [("", own, answers.peers, answers.country)]
        if question.type == "scale"
        else [
            (
                localized(item["label"]),
                own.get(item["key"]) if isinstance(own, dict) else None,
                [v.get(item["key"]) for v in answers.peers if isinstance(v, dict)],
                [v.get(item["key"]) for v in answers.country if isinstance(v, dict)],
            )
            for item in question.config.get("items", [])
        ]
    )
    items = []
    for label, mine, peers, country in subjects:
        peers = [v for v in peers if v is not None]
        country = [v for v in country if v is not None]
        items.append(_scale_item(question, label, mine, peers, country))
        ctx.csv.add(
            _("Survey"),
            _csv_label(answers, label),
            ctx.you,
            str(ctx.year),
            str(mine if mine is not None else ""),
        )
    return items


def _scale_item(
    question: Question, label: str, mine: Any, peers: list[Any], country: list[Any]
) -> dict[str, Any]:
    low, high = scale_bounds(question)
    dist = []
    for point in range(low, high + 1):
        dist.append(
            {
                "point": scale_point_label(question, point),
                "mine": mine == point,
                "peers": sum(1 for v in peers if v == point),
                "country": pct(sum(1 for v in country if v == point) / len(country))
                if country
                else "–",
            }
        )
    numeric = [v for v in country if isinstance(v, int | float) and not isinstance(v, bool)]
    return {
        "label": label,
        "scale": True,
        "you": answer_label(question, mine)
        if mine in (DONT_KNOW, NOT_RELEVANT)
        else (str(mine) if mine is not None else _("Not answered")),
        "distribution": dist,
        "peers_n": len(peers),
        "country_n": len(country),
        "country_mean": num(statistics.fmean(numeric), 1) if numeric else "–",
    }


def _number(value: Any) -> float | None:
    """A numeric answer; None for "don't know", "not relevant" and anything else."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number_items(ctx: Context, answers: Answers) -> list[dict]:
    """Integers and percentages: the medians and a dot plot."""
    peers = [n for n in map(_number, answers.peers) if n is not None]
    country = [n for n in map(_number, answers.country) if n is not None]
    mine = _number(answers.own)
    if mine is None and not peers and not country:
        return []
    chart = _number_chart(ctx, answers, mine, peers, country)
    ctx.csv.add(
        _("Survey"), answers.text, ctx.you, str(ctx.year), plain(mine) if mine is not None else ""
    )
    return [
        {
            "label": "",
            "number": True,
            "you": num(mine, 1) if mine is not None else _("Not answered"),
            "peers": num(median(peers), 1) if peers else "–",
            "country": num(median(country), 1) if country else "–",
            "chart": chart,
        }
    ]


def _number_chart(
    ctx: Context, answers: Answers, mine: float | None, peers: list[float], country: list[float]
) -> str:
    unit = "%" if answers.question.type == "percent" else ""
    return str(
        charts.dot_plot(
            chart_id=f"q-{answers.question.key}",
            title=answers.text[:120],
            description=_(
                "%(you)s: %(value)s. Peer median: %(median)s. Country median: %(country)s."
            )
            % {
                "you": ctx.you,
                "value": num(mine, 1) if mine is not None else _("Not answered"),
                "median": num(median(peers), 1) if peers else "–",
                "country": num(median(country), 1) if country else "–",
            },
            you_label=ctx.you,
            you=mine,
            peers=[("", v) for v in peers],
            national=median(country),
            national_label=_("Country median"),
            unit=unit,
            max_value=100.0 if unit else None,
            higher_is_better=None,
            **dot_plot_words(),
        )
    )
