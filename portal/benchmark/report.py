"""The benchmark report's content, computed from ``ReportInputs``. No database access.

``build_report`` returns a JSON-serialisable dict: the HTML page, the PDF and the CSV are all
made from it, so the three always agree, and a stored report can be shown again exactly as it
was. Texts are written in the report's language (call it inside ``translation.override``).

Every part appears as soon as its data exist and says "no data" otherwise. Counts about persons
go through ``suppression`` (":" for suppressed, "uncertain" for bases of 10–29 persons).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from housing.models import STALE_AFTER_DAYS, SectionKey
from housing.sections import SERVICE_FACTS, YES_NO
from portal.benchmark import charts, indicators, suppression
from portal.benchmark.peers import VARIABLES
from portal.benchmark.selectors import REPORT_FORMAT, TREND_YEARS, Figures, ReportInputs
from portal.municipalities.models import Municipality
from surveys.analysis.aggregates import scale_bounds, scale_point_label
from surveys.models import localized
from surveys.respondent.context import render_text
from surveys.respondent.questions import DONT_KNOW, NOT_RELEVANT

COMPARED_TYPES = ("yes_no", "single", "multi", "scale", "scale_grid", "integer", "percent")


def variable_labels() -> dict[str, str]:
    return {
        "log_population": _("Population (log scale)"),
        "centrality": _("Centrality index (0–1000)"),
        "immigrant_share": _("Immigrant share (%)"),
        "settled_per_1000_5y": _("Refugees settled per 1 000 inhabitants per year (5 years)"),
    }


# --- Formatting -------------------------------------------------------------------------------


def pct(value: float | None, decimals: int = 0) -> str:
    """A share (0–1) as a percentage in the active language: "63 %"."""
    if value is None:
        return "–"
    return f"{number_format(value * 100, decimals)} %"


def num(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return number_format(value, decimals, force_grouping=True)


def cell(
    numerator: int | None, denominator: int | None, *, persons: bool = True, decimals: int = 0
) -> dict[str, Any]:
    """A share cell: its value, text and disclosure flags (persons: apply the small-number rules)."""
    value = indicators.ratio(numerator, denominator)
    if persons:
        protected = suppression.protect_count(numerator, denominator, value=value)
    else:
        protected = suppression.Cell(value=value)
    return _cell_dict(protected, pct(value, decimals))


def count_cell(count: int | None, *, persons: bool = True) -> dict[str, Any]:
    protected = suppression.protect_count(count) if persons else suppression.Cell(value=count)
    return _cell_dict(protected, num(count))


def value_cell(value: float | None, text: str | None = None) -> dict[str, Any]:
    return {
        "value": value,
        "text": text if text is not None else pct(value),
        "suppressed": False,
        "uncertain": False,
    }


def _cell_dict(protected: suppression.Cell, text: str) -> dict[str, Any]:
    if protected.suppressed:
        return {
            "value": None,
            "text": str(suppression.SUPPRESSED_SYMBOL),
            "suppressed": True,
            "uncertain": False,
        }
    if protected.value is None:
        text = "–"
    return {
        "value": protected.value,
        "text": text,
        "suppressed": False,
        "uncertain": protected.uncertain,
    }


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


class Csv:
    """The numbers of the report as rows: section, indicator, unit, period, value, note."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, section: Any, indicator: Any, unit: Any, period: Any, c: Any) -> None:
        if isinstance(c, dict):
            value = "" if c["value"] is None else _plain(c["value"])
            note = (
                str(suppression.SUPPRESSED_SYMBOL)
                if c["suppressed"]
                else (str(suppression.UNCERTAIN_LABEL) if c["uncertain"] else "")
            )
        else:
            value, note = c, ""
        self.rows.append([str(section), str(indicator), str(unit), str(period), value, note])


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


# --- Sections ---------------------------------------------------------------------------------


class Context:
    """Shared state while building: the inputs, the pooled figures per organisation, the CSV."""

    def __init__(self, inputs: ReportInputs, *, identifier: str) -> None:
        self.inputs = inputs
        self.identifier = identifier
        self.m = inputs.municipality
        self.year = inputs.year
        self.window = inputs.config.window_years if inputs.config else 3
        self.csv = Csv()
        self.you = str(inputs.municipality.name)
        self.series = {org_id: inputs.series(org_id) for org_id in inputs.orgs}

    @property
    def window_label(self) -> str:
        first = self.year - self.window + 1
        return str(self.year) if first == self.year else f"{first}–{self.year}"

    def pooled(self, org_id: int, unaccompanied: bool = False) -> indicators.SettlementRatios:
        return indicators.settlement_pooled(
            self.series.get(org_id, []),
            year=self.year,
            window=self.window,
            unaccompanied=unaccompanied,
        )

    def figures(self, org_id: int, year: int) -> Figures | None:
        return self.inputs.figures.get(org_id, {}).get(year)

    @cached_property
    def country_rows(self) -> list[Figures]:
        """Every year's figures of every municipality (not city districts): the country."""
        return [f for mid in self.inputs.municipality_ids for f in self.series.get(mid, [])]

    def name(self, org_id: int) -> str:
        return self.inputs.orgs[org_id].name if org_id in self.inputs.orgs else str(org_id)


def _peers_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    labels = variable_labels()
    reasons = {
        "no_config": _("No peer configuration has been set up yet."),
        "missing_values": _(
            "Too few of the matching figures are known for this organisation to choose peers."
        ),
        "unknown_size_band": _("The population is not known, so the size band cannot be used."),
        "no_near_peers": _(
            "No municipality is similar enough to be a near peer. The report compares with the "
            "KOSTRA group and the country instead."
        ),
        "no_candidates": _("No other municipality could be compared."),
        "district": _(
            "City districts are not matched with peers; the report compares with the country."
        ),
    }
    if not inputs.peers:
        reason = "district" if ctx.m.kind == Municipality.Kind.DISTRICT else inputs.excluded_reason
        return {"available": False, "reason": reasons.get(reason, reasons["no_candidates"])}
    comparison = inputs.peer_set.comparison.get(ctx.m.number, {}) if inputs.peer_set else {}
    weights = inputs.config.variables if inputs.config else {}
    rows: list[dict[str, Any]] = []
    totals: dict[str, float] = dict.fromkeys(weights, 0.0)
    for member in inputs.peers:
        drivers = sorted(member.drivers.items(), key=lambda kv: -kv[1])
        for variable, share in member.drivers.items():
            totals[variable] = totals.get(variable, 0.0) + share
        rows.append(
            {
                "rank": member.rank,
                "number": member.peer.number,
                "name": member.peer.name,
                "similarity": round(member.similarity),
                "drivers": ", ".join(labels.get(v, v) for v, share in drivers[:2] if share >= 0.2)
                or _("evenly spread"),
            }
        )
        ctx.csv.add(
            _("Peers"),
            _("Similarity (0–100)"),
            member.peer.name,
            str(ctx.year),
            str(round(member.similarity, 1)),
        )
    variables = []
    for variable in weights:
        values = comparison.get(variable, {})
        own, peer = values.get("value"), values.get("peer_median")
        if variable == "log_population":
            own_text = num(math.exp(own)) if own is not None else "–"
            peer_text = num(math.exp(peer)) if peer is not None else "–"
            label = _("Population")
        else:
            decimals = 1 if variable in ("immigrant_share", "settled_per_1000_5y") else 0
            own_text, peer_text, label = (
                num(own, decimals),
                num(peer, decimals),
                labels.get(variable, variable),
            )
        n = len(inputs.peers) or 1
        variables.append(
            {
                "label": label,
                "weight": num(float(weights[variable]), 1),
                "value": own_text,
                "peer_median": peer_text,
                "drive": pct(totals.get(variable, 0.0) / n),
            }
        )
    return {
        "available": True,
        "rows": rows,
        "variables": variables,
        "count": len(rows),
    }


def _settlement_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    section = _("Settlement")
    you = ctx.pooled(ctx.m.pk)
    peers = {pid: ctx.pooled(pid) for pid in inputs.peer_ids}
    kostra = {kid: ctx.pooled(kid) for kid in inputs.kostra_members}
    country = indicators.settlement_pooled(ctx.country_rows, year=ctx.year, window=ctx.window)
    measures = [
        ("decided_of_requested", _("Decided ÷ requested"), "decided", "requested"),
        ("settled_of_decided", _("Settled ÷ decided"), "settled", "decided"),
        ("settled_of_requested", _("Settled ÷ requested"), "settled", "requested"),
    ]
    has_data = you.requested is not None or you.settled is not None
    rows: list[dict[str, Any]] = []
    for key, label, numerator, denominator in measures:
        peer_values = [getattr(r, key) for r in peers.values()]
        row: dict[str, Any] = {
            "label": label,
            "you": cell(getattr(you, numerator), getattr(you, denominator)),
            "peers": value_cell(median(peer_values)),
            "kostra": value_cell(median([getattr(r, key) for r in kostra.values()])),
            "country": value_cell(getattr(country, key)),
        }
        rows.append(row)
        for unit, name in (
            ("you", ctx.you),
            ("peers", _("Peer median")),
            ("kostra", _("KOSTRA group median")),
            ("country", _("Country")),
        ):
            ctx.csv.add(section, label, name, ctx.window_label, row[unit])

    # Per year: the request, the decision, the settled, and the ratio.
    years: list[dict[str, Any]] = []
    first = ctx.year - TREND_YEARS + 1
    settled_split = []
    for year in range(first, ctx.year + 1):
        f = ctx.figures(ctx.m.pk, year)
        years.append(
            {
                "year": year,
                "requested": count_cell(f.requested if f else None, persons=False),
                "decided": count_cell(f.decided if f else None, persons=False),
                "settled": count_cell(f.settled if f else None),
                "ratio": cell(f.settled if f else None, f.requested if f else None),
            }
        )
        if f is not None and f.settled is not None:
            minors = f.unaccompanied_settled or 0
            settled_split.append((year, [minors, max(f.settled - minors, 0)]))
    split_table: dict[str, Any] | None = None
    if settled_split:
        protected = suppression.protect_table([cells for _y, cells in settled_split])
        split_table = {
            "rows": [
                {
                    "year": year,
                    "cells": [_cell_dict(c, num(c.value)) for c in protected.cells[i]],
                    "total": _cell_dict(
                        protected.row_totals[i], num(protected.row_totals[i].value)
                    ),
                }
                for i, (year, _cells) in enumerate(settled_split)
            ],
            "totals": [_cell_dict(c, num(c.value)) for c in protected.column_totals],
            "grand_total": _cell_dict(protected.grand_total, num(protected.grand_total.value)),
        }
        for row in split_table["rows"]:
            ctx.csv.add(
                section,
                _("Unaccompanied minors settled"),
                ctx.you,
                str(row["year"]),
                row["cells"][0],
            )
            ctx.csv.add(
                section, _("Other refugees settled"), ctx.you, str(row["year"]), row["cells"][1]
            )

    # The dot plot: settled ÷ requested, pooled; named peers only when none is suppressed.
    peer_cells = {pid: cell(r.settled, r.requested) for pid, r in peers.items()}
    any_suppressed = any(c["suppressed"] for c in peer_cells.values())
    you_cell = rows[2]["you"]
    dot = _dot(ctx, you_cell, peers, country, rows[2], any_suppressed)

    trend_years = list(range(first, ctx.year + 1))
    trend = None
    if has_data:
        peer_trend = []
        for year in trend_years:
            values = []
            for pid in inputs.peer_ids:
                f = ctx.figures(pid, year)
                if f is not None:
                    values.append(indicators.ratio(f.settled, f.requested))
            peer_median = median(values)
            peer_trend.append((year, _as_pct(peer_median)))
            next(row for row in years if row["year"] == year)["peers"] = value_cell(peer_median)
        own_trend = [(row["year"], _as_pct(row["ratio"]["value"])) for row in years]
        trend = charts.trend_chart(
            chart_id="settlement-trend",
            title=_("Settled ÷ requested per year"),
            description=_("Five years: %(you)s and the peer median. Suppressed years are left out.")
            % {"you": ctx.you},
            years=trend_years,
            series=[(ctx.you, own_trend), (_("Peer median"), peer_trend)],
        )
    return {
        "has_data": has_data,
        "rows": rows,
        "years": years,
        "split": split_table,
        "dot": dot,
        "trend": trend,
        "named_peers": not any_suppressed,
        "peer_cells": [{"name": ctx.name(pid), "cell": c} for pid, c in peer_cells.items()]
        if not any_suppressed
        else [],
    }


def _as_pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _dot(ctx, you_cell, peers, country, row, any_suppressed) -> str:
    values = [v for v in [you_cell["value"], country.settled_of_requested] if v is not None]
    values += [r.settled_of_requested for r in peers.values() if r.settled_of_requested is not None]
    top = max([100.0] + [v * 100 for v in values])
    # With a suppressed peer, only the peers' band and median: no single (possibly hidden) value.
    peer_list = [(ctx.name(pid), _as_pct(r.settled_of_requested)) for pid, r in peers.items()]
    return str(
        charts.dot_plot(
            chart_id="settled-of-requested",
            title=_("Settled ÷ requested, %(period)s") % {"period": ctx.window_label},
            description=_("%(you)s: %(value)s. Peer median: %(median)s. Country: %(country)s.")
            % {
                "you": ctx.you,
                "value": you_cell["text"],
                "median": row["peers"]["text"],
                "country": row["country"]["text"],
            },
            you_label=ctx.you,
            you=_as_pct(you_cell["value"]),
            peers=peer_list,
            national=_as_pct(country.settled_of_requested),
            national_label=_("Country"),
            unit="%",
            max_value=min(top, 200.0),
            higher_is_better=None,
            above_text=_("above peer median"),
            below_text=_("below peer median"),
            at_text=_("at peer median"),
            no_data_text=_("No data"),
            peers_text=_("Peers"),
            band_text=_("Middle half of the peers and their median"),
            band_only=any_suppressed,
        )
    )


def _unaccompanied_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    you = ctx.pooled(ctx.m.pk, unaccompanied=True)
    peers = [ctx.pooled(pid, unaccompanied=True) for pid in inputs.peer_ids]
    country = indicators.settlement_pooled(
        ctx.country_rows, year=ctx.year, window=ctx.window, unaccompanied=True
    )
    has_data = you.requested is not None or you.settled is not None
    requested = median([p.requested for p in peers])
    settled = median([p.settled for p in peers])
    rows: list[dict[str, Any]] = [
        {
            "label": _("Requested"),
            "you": count_cell(you.requested),
            "peers": value_cell(requested, num(requested)),
        },
        {
            "label": _("Settled"),
            "you": count_cell(you.settled),
            "peers": value_cell(settled, num(settled)),
        },
        {
            "label": _("Settled ÷ requested"),
            "you": cell(you.settled, you.requested),
            "peers": value_cell(median([p.settled_of_requested for p in peers])),
            "country": value_cell(country.settled_of_requested),
        },
    ]
    for row in rows:
        ctx.csv.add(_("Unaccompanied minors"), row["label"], ctx.you, ctx.window_label, row["you"])
    return {"has_data": has_data, "rows": rows}


def _intro_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    section = _("Introduction programme")
    series = ctx.series.get(ctx.m.pk, [])
    you = indicators.intro_shares_pooled(series, year=ctx.year, window=ctx.window)
    rows_in_window = indicators.in_window(series, year=ctx.year, window=ctx.window)
    _share, direct_n, direct_d = indicators.pooled_ratio(
        rows_in_window, "intro_work_or_education_direct", "intro_completed"
    )
    _share, one_n, one_d = indicators.pooled_ratio(
        rows_in_window, "intro_work_or_education_1y", "intro_completed"
    )
    has_data = bool(direct_d or one_d)

    def shares(org_ids):
        return [
            indicators.intro_shares_pooled(ctx.series.get(o, []), year=ctx.year, window=ctx.window)
            for o in org_ids
        ]

    peers = shares(inputs.peer_ids)
    kostra = shares(inputs.kostra_members)
    all_rows = indicators.in_window(ctx.country_rows, year=ctx.year, window=ctx.window)
    country_direct = indicators.pooled_ratio(
        all_rows, "intro_work_or_education_direct", "intro_completed"
    )[0]
    country_1y = indicators.pooled_ratio(all_rows, "intro_work_or_education_1y", "intro_completed")[
        0
    ]
    rows: list[dict[str, Any]] = [
        {
            "label": _("In work or education directly after"),
            "you": cell(direct_n, direct_d),
            "peers": value_cell(median([p.direct for p in peers])),
            "kostra": value_cell(median([p.direct for p in kostra])),
            "country": value_cell(country_direct),
        },
        {
            "label": _("In work or education one year after"),
            "you": cell(one_n, one_d),
            "peers": value_cell(median([p.one_year for p in peers])),
            "kostra": value_cell(median([p.one_year for p in kostra])),
            "country": value_cell(country_1y),
        },
    ]
    for row in rows:
        for unit, name in (
            ("you", ctx.you),
            ("peers", _("Peer median")),
            ("kostra", _("KOSTRA group median")),
            ("country", _("Country")),
        ):
            ctx.csv.add(section, row["label"], name, ctx.window_label, row[unit])
    ctx.csv.add(
        section,
        _("National target one year after"),
        _("Country"),
        "",
        _plain(indicators.INTRO_TARGET),
    )
    completers = count_cell(you.completed if has_data else None)
    chart = None
    if has_data:
        one = rows[1]
        chart = str(
            charts.reference_bars(
                chart_id="intro-one-year",
                title=_("In work or education one year after the programme, %(period)s")
                % {"period": ctx.window_label},
                description=_(
                    "%(you)s: %(value)s; peer median %(peers)s; KOSTRA group %(kostra)s; "
                    "country %(country)s; national target 70 %%."
                )
                % {
                    "you": ctx.you,
                    "value": one["you"]["text"],
                    "peers": one["peers"]["text"],
                    "kostra": one["kostra"]["text"],
                    "country": one["country"]["text"],
                },
                bars=[
                    (ctx.you, _as_pct(one["you"]["value"]), one["you"]["text"]),
                    (_("Peer median"), _as_pct(one["peers"]["value"]), one["peers"]["text"]),
                    (_("KOSTRA group"), _as_pct(one["kostra"]["value"]), one["kostra"]["text"]),
                    (_("Country"), _as_pct(one["country"]["value"]), one["country"]["text"]),
                ],
                reference=indicators.INTRO_TARGET * 100,
                reference_label=_("Target 70 %"),
            )
        )
    years: list[dict[str, Any]] = []
    for year in range(ctx.year - TREND_YEARS + 1, ctx.year + 1):
        f = ctx.figures(ctx.m.pk, year)
        completed = f.intro_completed if f else None
        years.append(
            {
                "year": year,
                "completed": count_cell(completed),
                "direct": cell(f.intro_work_or_education_direct if f else None, completed),
                "one_year": cell(f.intro_work_or_education_1y if f else None, completed),
            }
        )
    return {
        "has_data": has_data,
        "rows": rows,
        "completers": completers,
        "meets_target": you.meets_target if not rows[1]["you"]["suppressed"] else None,
        "chart": chart,
        "years": years,
    }


def _position_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    config = inputs.config
    min_completers = config.min_completers if config else indicators.DEFAULT_MIN_COMPLETERS
    weighted = config.reference_weighted if config else True
    by_region = bool(config and config.reference_area == "region")
    area = [
        mid
        for mid in inputs.municipality_ids
        if not by_region or inputs.orgs[mid].region_id == ctx.m.region_id
    ]

    def unit(org_id: int) -> indicators.PositionInputs:
        return indicators.position_inputs(
            ctx.series.get(org_id, []), year=ctx.year, window=ctx.window
        )

    units = {mid: unit(mid) for mid in area}
    reference = indicators.reference_average(
        units.values(), weighted=weighted, min_completers=min_completers
    )
    own = units.get(ctx.m.pk) or unit(ctx.m.pk)
    position = indicators.two_by_two(own, reference)
    if position.quadrant != indicators.Quadrant.NOT_PLACED and (
        suppression.is_primary_suppressed(own.in_work_or_education, own.completed)
        or suppression.is_primary_suppressed(own.decided, own.requested)
    ):
        # Placing it would show a figure the tables suppress.
        position = indicators.Position(
            indicators.Quadrant.NOT_PLACED, None, None, reason="small_numbers"
        )
    reasons = {
        "too_few_completers": ngettext(
            "Not placed: fewer than %(n)d person completed the introduction programme in the period.",
            "Not placed: fewer than %(n)d persons completed the introduction programme in the period.",
            min_completers,
        )
        % {"n": min_completers},
        "missing_data": _("Not placed: the settlement or introduction figures are missing."),
        "no_reference": _("Not placed: there is no reference average for the area."),
        "small_numbers": _("Not placed: the figures are too small to show (fewer than 5 persons)."),
    }
    area_label = (
        _("the IMDi region (%(region)s)") % {"region": ctx.m.region.name}
        if by_region
        else _("the country")
    )
    chart = None
    others: list[tuple[str, float, float]] = []
    if position.quadrant != indicators.Quadrant.NOT_PLACED:
        for pid in inputs.peer_ids:
            peer_unit = units.get(pid) or unit(pid)
            p = indicators.two_by_two(peer_unit, reference)
            placed = p.quadrant != indicators.Quadrant.NOT_PLACED
            # A peer whose share would be suppressed (1–4 persons) is not shown on its own.
            hidden = suppression.is_primary_suppressed(
                peer_unit.in_work_or_education, peer_unit.completed
            ) or suppression.is_primary_suppressed(peer_unit.decided, peer_unit.requested)
            if placed and not hidden and p.settlement is not None and p.integration is not None:
                others.append((ctx.name(pid), p.settlement, p.integration))
        chart = str(
            charts.quadrant_chart(
                chart_id="two-by-two",
                title=_("Settlement willingness and integration"),
                description=_(
                    "%(you)s: decided ÷ requested %(x)s, in work or education one year after "
                    "%(y)s. Split at %(area)s: %(rx)s and %(ry)s. Placed: %(quadrant)s."
                )
                % {
                    "you": ctx.you,
                    "x": pct(position.settlement),
                    "y": pct(position.integration),
                    "area": area_label,
                    "rx": pct(reference.settlement),
                    "ry": pct(reference.integration),
                    "quadrant": position.quadrant.label,
                },
                x_label=_("Decided ÷ requested"),
                y_label=_("In work or education one year after"),
                x_split=reference.settlement or 0.0,
                y_split=reference.integration or 0.0,
                you_label=ctx.you,
                you=(position.settlement or 0.0, position.integration or 0.0),
                others=others,
                quadrant_labels=(
                    indicators.Quadrant.MUCH_WELL.label,
                    indicators.Quadrant.LITTLE_WELL.label,
                    indicators.Quadrant.MUCH_LESS_WELL.label,
                    indicators.Quadrant.LITTLE_LESS_WELL.label,
                ),
            )
        )
    ctx.csv.add(_("Two-by-two"), _("Position"), ctx.you, ctx.window_label, position.quadrant.label)
    return {
        "placed": position.quadrant != indicators.Quadrant.NOT_PLACED,
        "quadrant": position.quadrant.value,
        "label": position.quadrant.label,
        "reason": reasons.get(position.reason, ""),
        "settlement": pct(position.settlement),
        "integration": pct(position.integration),
        "reference_settlement": pct(reference.settlement),
        "reference_integration": pct(reference.integration),
        "area": area_label,
        "method": reference.method_label,
        "min_completers": min_completers,
        "at_split": position.settlement_at_split or position.integration_at_split,
        "chart": chart,
        "others": [
            {"name": name, "settlement": pct(x), "integration": pct(y)} for name, x, y in others
        ],
    }


def _housing_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    section = _("Housing")
    own_figures = ctx.figures(ctx.m.pk, ctx.year)
    requested = own_figures.requested if own_figures else None
    profile = inputs.profiles.get(ctx.m.pk)
    now = timezone.now()
    stale_before = now - dt.timedelta(days=STALE_AFTER_DAYS)

    def coverage(org_id: int) -> float | None:
        p = inputs.profiles.get(org_id)
        f = ctx.figures(org_id, ctx.year)
        if p is None or not p.housing_lines or f is None:
            return None
        return indicators.ratio(p.vacant_units, f.requested)

    def freshness(org_id: int) -> float | None:
        p = inputs.profiles.get(org_id)
        if p is None or not p.sections:
            return None
        fresh = sum(
            1 for _data, confirmed in p.sections.values() if confirmed and confirmed >= stale_before
        )
        return fresh / len(SectionKey.values)

    has_profile = profile is not None and bool(profile.sections or profile.housing_lines)
    peer_coverage = median([coverage(pid) for pid in inputs.peer_ids])
    peer_fresh = median([freshness(pid) for pid in inputs.peer_ids])
    sections = []
    if profile is not None:
        for key, label in SectionKey.choices:
            _data, confirmed = profile.sections.get(key, ({}, None))
            sections.append(
                {
                    "label": str(label),
                    "confirmed": date_format(timezone.localtime(confirmed), "DATE_FORMAT")
                    if confirmed
                    else _("Never confirmed"),
                    "fresh": bool(confirmed and confirmed >= stale_before),
                }
            )
    fresh_count = sum(1 for s in sections if s["fresh"])
    own_coverage = coverage(ctx.m.pk)
    result: dict[str, Any] = {
        "has_profile": has_profile,
        "requested": num(requested) if requested is not None else None,
        "vacant_units": profile.vacant_units if profile else 0,
        "staffed_vacancies": profile.staffed_vacancies if profile else 0,
        "staffed_places": profile.staffed_places if profile else 0,
        "coverage": value_cell(own_coverage),
        "peer_coverage": value_cell(peer_coverage),
        "freshness": value_cell(freshness(ctx.m.pk)),
        "peer_freshness": value_cell(peer_fresh),
        "fresh_count": fresh_count,
        "section_count": len(SectionKey.values),
        "sections": sections,
        "stale_days": STALE_AFTER_DAYS,
    }
    ctx.csv.add(
        section,
        _("Vacant dwellings (now and later)"),
        ctx.you,
        str(ctx.year),
        str(result["vacant_units"]),
    )
    ctx.csv.add(
        section, _("Vacant dwellings ÷ requested"), ctx.you, str(ctx.year), result["coverage"]
    )
    ctx.csv.add(
        section,
        _("Vacant dwellings ÷ requested"),
        _("Peer median"),
        str(ctx.year),
        result["peer_coverage"],
    )
    ctx.csv.add(
        section,
        _("Profile sections confirmed in the last %(days)d days") % {"days": STALE_AFTER_DAYS},
        ctx.you,
        "",
        result["freshness"],
    )
    return result


def _services_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    rows: list[dict[str, Any]] = []
    for key, facts in SERVICE_FACTS.items():
        for fact in facts:
            if fact.kind != YES_NO:
                continue

            def value(org_id: int, key=key, fact=fact):
                p = inputs.profiles.get(org_id)
                if p is None or key not in p.sections:
                    return None
                return p.sections[key][0].get(fact.name)

            own = value(ctx.m.pk)
            peer_values = [v for v in (value(pid) for pid in inputs.peer_ids) if v is not None]
            country_values = [
                v for v in (value(mid) for mid in inputs.municipality_ids) if v is not None
            ]
            if own is None and not peer_values and not country_values:
                continue
            row: dict[str, Any] = {
                "section": str(SectionKey(key).label),
                "label": str(fact.label),
                "you": _("Yes") if own is True else (_("No") if own is False else _("Not stated")),
                "peers": _("%(k)d of %(n)d")
                % {"k": sum(1 for v in peer_values if v), "n": len(peer_values)}
                if peer_values
                else "–",
                "country": pct(sum(1 for v in country_values if v) / len(country_values))
                if country_values
                else "–",
            }
            rows.append(row)
            ctx.csv.add(_("Services"), row["label"], ctx.you, "", row["you"])
    return {"rows": rows}


def _survey_part(ctx: Context) -> dict[str, Any]:
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
        own = by_org.get(ctx.m.pk)
        peer_values = [by_org[pid] for pid in inputs.peer_ids if pid in by_org]
        country_values = list(by_org.values())
        text = render_text(question.text, {})
        items = _compare_question(question, own, peer_values, country_values, ctx, text)
        if not items:
            continue
        theme = themes.setdefault(
            question.section_id,
            {"title": localized(question.section.title), "questions": []},
        )
        theme["questions"].append({"text": text, "type": question.type, "items": items})
    return {
        "available": True,
        "title": localized(inputs.edition.title),
        "respondents": counted,
        "own_counted": own_counted,
        "themes": list(themes.values()),
        "not_compared": skipped,
    }


def _label(question, value: Any) -> str:
    if value == DONT_KNOW:
        return _("Don't know")
    if value == NOT_RELEVANT:
        return _("Not relevant")
    if question.type == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    return question.option_label(str(value))


def _compare_question(
    question, own, peer_values, country_values, ctx: Context, text: str
) -> list[dict]:
    kind = question.type
    peers_n, country_n = len(peer_values), len(country_values)
    items: list[dict] = []
    if own is None and not country_values:
        return items  # nobody has answered: nothing to compare

    def share_row(label: str, matches: Callable[[Any], bool], own_text: str) -> dict:
        k = sum(1 for v in peer_values if matches(v))
        c = sum(1 for v in country_values if matches(v))
        row: dict[str, Any] = {
            "label": label,
            "you": own_text,
            "peers": _("%(k)d of %(n)d") % {"k": k, "n": peers_n} if peers_n else "–",
            "country": pct(c / country_n) if country_n else "–",
        }
        ctx.csv.add(
            _("Survey"), f"{text} – {label}" if label else text, ctx.you, str(ctx.year), own_text
        )
        ctx.csv.add(
            _("Survey"),
            f"{text} – {label}" if label else text,
            _("Country"),
            str(ctx.year),
            row["country"],
        )
        return row

    if kind in ("yes_no", "single"):
        if own is not None:
            target = own
        else:
            pool = peer_values or country_values
            if not pool:
                return []
            target = max(set(map(str, pool)), key=lambda v: [str(x) for x in pool].count(v))
        label = _label(question, target)
        own_text = _label(question, own) if own is not None else _("Not answered")
        items.append(share_row(label, lambda v: str(v) == str(target), own_text))
        return items
    if kind == "multi":
        for option in question.options:
            key = option["key"]
            chose = isinstance(own, list) and key in own
            own_text = (
                (_("Chosen") if chose else _("Not chosen"))
                if own is not None
                else _("Not answered")
            )

            def chosen(v: Any, key: str = key) -> bool:
                return isinstance(v, list) and key in v

            items.append(share_row(localized(option["label"]), chosen, own_text))
        return items
    if kind in ("scale", "scale_grid"):
        subjects = (
            [("", own, peer_values, country_values)]
            if kind == "scale"
            else [
                (
                    localized(item["label"]),
                    own.get(item["key"]) if isinstance(own, dict) else None,
                    [v.get(item["key"]) for v in peer_values if isinstance(v, dict)],
                    [v.get(item["key"]) for v in country_values if isinstance(v, dict)],
                )
                for item in question.config.get("items", [])
            ]
        )
        low, high = scale_bounds(question)
        for label, mine, peers, country in subjects:
            peers = [v for v in peers if v is not None]
            country = [v for v in country if v is not None]
            points = list(range(low, high + 1))
            dist = []
            for point in points:
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
            items.append(
                {
                    "label": label,
                    "scale": True,
                    "you": _label(question, mine)
                    if mine in (DONT_KNOW, NOT_RELEVANT)
                    else (str(mine) if mine is not None else _("Not answered")),
                    "distribution": dist,
                    "peers_n": len(peers),
                    "country_n": len(country),
                    "country_mean": num(statistics.fmean(numeric), 1) if numeric else "–",
                }
            )
            ctx.csv.add(
                _("Survey"),
                f"{text} – {label}" if label else text,
                ctx.you,
                str(ctx.year),
                str(mine if mine is not None else ""),
            )
        return items
    if kind in ("integer", "percent"):

        def number(v):
            return v if isinstance(v, int | float) and not isinstance(v, bool) else None

        peers = [n for n in map(number, peer_values) if n is not None]
        country = [n for n in map(number, country_values) if n is not None]
        mine = number(own)
        if mine is None and not peers and not country:
            return []
        unit = "%" if kind == "percent" else ""
        chart = charts.dot_plot(
            chart_id=f"q-{question.key}",
            title=text[:120],
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
            above_text=_("above peer median"),
            below_text=_("below peer median"),
            at_text=_("at peer median"),
            no_data_text=_("No data"),
        )
        items.append(
            {
                "label": "",
                "number": True,
                "you": num(mine, 1) if mine is not None else _("Not answered"),
                "peers": num(median(peers), 1) if peers else "–",
                "country": num(median(country), 1) if country else "–",
                "chart": str(chart),
            }
        )
        ctx.csv.add(
            _("Survey"), text, ctx.you, str(ctx.year), _plain(mine) if mine is not None else ""
        )
        return items
    return items


# --- Findings ---------------------------------------------------------------------------------


def findings(ctx: Context, parts: dict[str, Any]) -> list[str]:
    """3–6 plain sentences from rules, most telling first."""
    out: list[str] = []
    s = parts["settlement"]
    period = ctx.window_label
    peer_word = _("peer median") if parts["peers"]["available"] else _("KOSTRA group median")
    peer_key = "peers" if parts["peers"]["available"] else "kostra"
    if s["has_data"]:
        settled = s["rows"][2]
        if settled["you"]["suppressed"]:
            out.append(
                _("In %(period)s the number settled is too small to show (%(symbol)s).")
                % {"period": period, "symbol": suppression.SUPPRESSED_SYMBOL}
            )
        elif settled["you"]["value"] is not None:
            out.append(
                _(
                    "In %(period)s you settled %(value)s of the number requested; %(peer)s "
                    "%(median)s, country %(country)s."
                )
                % {
                    "period": period,
                    "value": settled["you"]["text"],
                    "peer": peer_word,
                    "median": settled[peer_key]["text"],
                    "country": settled["country"]["text"],
                }
            )
        decided = s["rows"][0]
        if decided["you"]["value"] is not None and not decided["you"]["suppressed"]:
            out.append(
                _(
                    "The council decided to settle %(value)s of the requested number; %(peer)s %(median)s."
                )
                % {
                    "value": decided["you"]["text"],
                    "peer": peer_word,
                    "median": decided[peer_key]["text"],
                }
            )
    else:
        out.append(_("There are no settlement figures for %(period)s.") % {"period": period})
    intro = parts["intro"]
    if (
        intro["has_data"]
        and not intro["rows"][1]["you"]["suppressed"]
        and intro["rows"][1]["you"]["value"] is not None
    ):
        target = (
            _("which meets the national target of 70 %")
            if intro["meets_target"]
            else _("below the national target of 70 %")
        )
        out.append(
            _(
                "%(value)s of those who completed the introduction programme were in work or "
                "education one year after, %(target)s; %(peer)s %(median)s."
            )
            % {
                "value": intro["rows"][1]["you"]["text"],
                "target": target,
                "peer": peer_word,
                "median": intro["rows"][1][peer_key]["text"],
            }
        )
    elif not intro["has_data"]:
        out.append(
            _("There are no introduction programme results for %(period)s.") % {"period": period}
        )
    position = parts["position"]
    if position["placed"]:
        out.append(
            _("Compared with %(area)s, %(name)s is placed as: %(quadrant)s.")
            % {"area": position["area"], "name": ctx.you, "quadrant": position["label"].lower()}
        )
    housing = parts["housing"]
    if housing["coverage"]["value"] is not None:
        out.append(
            _(
                "The vacant dwellings reported (%(units)s) cover %(share)s of this year's request of %(requested)s."
            )
            % {
                "units": housing["vacant_units"],
                "share": housing["coverage"]["text"],
                "requested": housing["requested"],
            }
        )
    if housing["has_profile"]:
        out.append(
            ngettext(
                "%(fresh)d of %(total)d profile section has been confirmed in the last %(days)d days.",
                "%(fresh)d of %(total)d profile sections have been confirmed in the last %(days)d days.",
                housing["section_count"],
            )
            % {
                "fresh": housing["fresh_count"],
                "total": housing["section_count"],
                "days": housing["stale_days"],
            }
        )
    else:
        out.append(_("The housing and service profile has not been filled in yet."))
    if not parts["peers"]["available"]:
        out.append(parts["peers"]["reason"])
    return out[:6]


# --- The whole report ---------------------------------------------------------------------------


def _vintages(ctx: Context) -> list[dict[str, str]]:
    inputs = ctx.inputs
    years = sorted(
        {
            f.year
            for series in ctx.series.values()
            for f in series
            if any(
                getattr(f, name) is not None for name in ("requested", "settled", "intro_completed")
            )
        }
    )
    updated = max(
        (f.updated_at for series in ctx.series.values() for f in series if f.updated_at),
        default=None,
    )
    rows: list[dict[str, Any]] = [
        {
            "source": _("Key figures (IMDi, SSB)"),
            "detail": (
                _("Settlement and programme figures for %(years)s; last updated %(date)s")
                % {
                    "years": ", ".join(str(y) for y in years) if years else "–",
                    "date": date_format(timezone.localtime(updated), "DATE_FORMAT")
                    if updated
                    else "–",
                }
            ),
        },
    ]
    if inputs.peer_set is not None and inputs.config is not None:
        rows.append(
            {
                "source": _("Peer set"),
                "detail": _("%(config)s, frozen for %(year)d on %(date)s")
                % {
                    "config": str(inputs.config),
                    "year": ctx.year,
                    "date": date_format(
                        timezone.localtime(inputs.peer_set.computed_at), "DATE_FORMAT"
                    ),
                },
            }
        )
    if inputs.kostra_code:
        rows.append(
            {
                "source": _("KOSTRA grouping"),
                "detail": _("SSB's KOSTRA groups (2024 version): %(group)s")
                % {"group": str(inputs.kostra_group or inputs.kostra_code)},
            }
        )
    if inputs.edition is not None:
        rows.append(
            {
                "source": _("Municipal survey"),
                "detail": _("%(title)s: submitted answers as of the report date")
                % {"title": localized(inputs.edition.title)},
            }
        )
    rows.append(
        {
            "source": _("Housing and service profile"),
            "detail": _("As the municipalities had reported it on the report date"),
        }
    )
    return rows


def build_report(inputs: ReportInputs, *, identifier: str, language: str) -> dict[str, Any]:
    """The report's content (see the module docstring)."""
    ctx = Context(inputs, identifier=identifier)
    m = inputs.municipality
    config = inputs.config
    labels = variable_labels()
    parts: dict[str, Any] = {
        "peers": _peers_part(ctx),
        "settlement": _settlement_part(ctx),
        "unaccompanied": _unaccompanied_part(ctx),
        "intro": _intro_part(ctx),
        "position": _position_part(ctx),
        "housing": _housing_part(ctx),
        "services": _services_part(ctx),
        "survey": _survey_part(ctx),
    }
    generated = timezone.localtime()
    return {
        "format": REPORT_FORMAT,
        "identifier": identifier,
        "language": language,
        "year": inputs.year,
        "window": ctx.window_label,
        "generated_at": generated.isoformat(),
        "generated": date_format(generated, "DATE_FORMAT"),
        "title": _("Benchmark report %(year)d: %(name)s") % {"year": inputs.year, "name": m.name},
        "municipality": {
            "number": m.number,
            "name": m.name,
            "kind": m.kind,
            "region": m.region.name,
            "county": m.county.name,
        },
        "config": {
            "label": str(config) if config else "–",
            "k": config.k if config else None,
            "variables": [
                {"label": labels.get(v, v), "weight": num(float(w), 1)}
                for v, w in (config.variables.items() if config else [])
                if v in VARIABLES
            ],
            "size_band": config.get_size_band_display() if config else "",
            "min_similarity": num(config.min_similarity) if config else "",
            "winsor_lower": num(config.winsor_lower) if config else "5",
            "winsor_upper": num(config.winsor_upper) if config else "95",
        },
        "peer_set_label": (
            f"{config} / {inputs.year}" if config and inputs.peer_set else _("No peer set")
        ),
        "kostra": {
            "code": inputs.kostra_code,
            "name": inputs.kostra_group.name if inputs.kostra_group else inputs.kostra_code,
            "members": len(inputs.kostra_members),
        }
        if inputs.kostra_code
        else None,
        "vintages": _vintages(ctx),
        "findings": findings(ctx, parts),
        **parts,
        "symbols": {
            "suppressed": str(suppression.SUPPRESSED_SYMBOL),
            "suppressed_label": str(suppression.SUPPRESSED_LABEL),
            "uncertain": str(suppression.UNCERTAIN_LABEL),
            "uncertain_label": str(suppression.UNCERTAIN_EXPLANATION),
        },
        "csv": ctx.csv.rows,
    }
