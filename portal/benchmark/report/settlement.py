"""Settlement: decided, settled and requested, pooled over the window and per year, against the
peers, the KOSTRA group and the country; and the same for unaccompanied minors."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.benchmark import charts, indicators, suppression
from portal.benchmark.report.cells import (
    as_pct,
    cell,
    count_cell,
    median,
    num,
    protected_count_cell,
    value_cell,
)
from portal.benchmark.report.context import Context
from portal.benchmark.report.labels import dot_plot_words
from portal.benchmark.selectors import TREND_YEARS


def settlement_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    section = _("Settlement")
    you = ctx.pooled(ctx.m.pk)
    peers = {pid: ctx.pooled(pid) for pid in inputs.peer_ids}
    country = indicators.settlement_pooled(ctx.country_rows, year=ctx.year, window=ctx.window)
    has_data = you.requested is not None or you.settled is not None
    rows = _pooled_rows(ctx, section, you, peers, country)
    years = _year_rows(ctx)
    split_table = _split_table(ctx, section)

    # The dot plot: settled ÷ requested, pooled; named peers only when none is suppressed.
    peer_cells = {pid: cell(r.settled, r.requested) for pid, r in peers.items()}
    any_suppressed = any(c["suppressed"] for c in peer_cells.values())
    dot = _dot_plot(ctx, rows[2]["you"], peers, country, rows[2], any_suppressed)
    return {
        "has_data": has_data,
        "rows": rows,
        "years": years,
        "split": split_table,
        "dot": dot,
        "dot_title": dot_title(ctx),
        "trend": _trend(ctx, years) if has_data else None,
        "trend_title": trend_title(),
        "named_peers": not any_suppressed,
        "peer_cells": [{"name": ctx.name(pid), "cell": c} for pid, c in peer_cells.items()]
        if not any_suppressed
        else [],
    }


def _pooled_rows(
    ctx: Context,
    section: str,
    you: indicators.SettlementRatios,
    peers: dict[int, indicators.SettlementRatios],
    country: indicators.SettlementRatios,
) -> list[dict[str, Any]]:
    """The three ratios pooled over the window: you, the peer and KOSTRA medians, the country."""
    kostra = {kid: ctx.pooled(kid) for kid in ctx.inputs.kostra_members}
    measures = [
        ("decided_of_requested", _("Decisions as a share of the request"), "decided", "requested"),
        ("settled_of_decided", _("Settled as a share of decisions"), "settled", "decided"),
        ("settled_of_requested", _("Settled as a share of the request"), "settled", "requested"),
    ]
    rows: list[dict[str, Any]] = []
    for key, label, numerator, denominator in measures:
        row: dict[str, Any] = {
            "label": label,
            "you": cell(getattr(you, numerator), getattr(you, denominator)),
            "peers": value_cell(median([getattr(r, key) for r in peers.values()])),
            "kostra": value_cell(median([getattr(r, key) for r in kostra.values()])),
            "country": value_cell(getattr(country, key)),
        }
        rows.append(row)
        ctx.add_comparison(section, label, row)
    return rows


def _trend_years(ctx: Context) -> list[int]:
    return list(range(ctx.year - TREND_YEARS + 1, ctx.year + 1))


def _year_rows(ctx: Context) -> list[dict[str, Any]]:
    """Per year: the request, the decision, the settled, and the ratio."""
    years: list[dict[str, Any]] = []
    for year in _trend_years(ctx):
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
    return years


def _split_table(ctx: Context, section: str) -> dict[str, Any] | None:
    """Unaccompanied minors and other refugees settled per year, with complementary suppression
    so that no hidden count can be worked out from the totals."""
    settled_split = []
    for year in _trend_years(ctx):
        f = ctx.figures(ctx.m.pk, year)
        if f is not None and f.settled is not None:
            minors = f.unaccompanied_settled or 0
            settled_split.append((year, [minors, max(f.settled - minors, 0)]))
    if not settled_split:
        return None
    protected = suppression.protect_table([cells for _y, cells in settled_split])
    split_table: dict[str, Any] = {
        "rows": [
            {
                "year": year,
                "cells": [protected_count_cell(c) for c in protected.cells[i]],
                "total": protected_count_cell(protected.row_totals[i]),
            }
            for i, (year, _cells) in enumerate(settled_split)
        ],
        "totals": [protected_count_cell(c) for c in protected.column_totals],
        "grand_total": protected_count_cell(protected.grand_total),
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
    return split_table


def _trend(ctx: Context, years: list[dict[str, Any]]) -> SafeString:
    """The five-year line of settled ÷ requested with the peer median; each year's row gets
    the peer median too."""
    trend_years = _trend_years(ctx)
    peer_trend = []
    for year in trend_years:
        values = []
        for pid in ctx.inputs.peer_ids:
            f = ctx.figures(pid, year)
            if f is not None:
                values.append(indicators.ratio(f.settled, f.requested))
        peer_median = median(values)
        peer_trend.append((year, as_pct(peer_median)))
        next(row for row in years if row["year"] == year)["peers"] = value_cell(peer_median)
    own_trend = [(row["year"], as_pct(row["ratio"]["value"])) for row in years]
    return charts.trend_chart(
        chart_id="settlement-trend",
        title=trend_title(),
        description=_("Five years: %(you)s and the peer median. Suppressed years are left out.")
        % {"you": ctx.you},
        years=trend_years,
        series=[(ctx.you, own_trend), (_("Peer median"), peer_trend)],
    )


def dot_title(ctx: Context) -> str:
    return _("Settled as a share of the request, %(period)s") % {"period": ctx.window_label}


def trend_title() -> str:
    return _("Settled as a share of the request, per year")


def _dot_plot(
    ctx: Context,
    you_cell: dict[str, Any],
    peers: dict[int, indicators.SettlementRatios],
    country: indicators.SettlementRatios,
    row: dict[str, Any],
    any_suppressed: bool,
) -> str:
    values = [v for v in [you_cell["value"], country.settled_of_requested] if v is not None]
    values += [r.settled_of_requested for r in peers.values() if r.settled_of_requested is not None]
    top = max([100.0] + [v * 100 for v in values])
    # With a suppressed peer, only the peers' band and median: no single (possibly hidden) value.
    peer_list = [(ctx.name(pid), as_pct(r.settled_of_requested)) for pid, r in peers.items()]
    return str(
        charts.dot_plot(
            chart_id="settled-of-requested",
            title=dot_title(ctx),
            description=_("%(you)s: %(value)s. Peer median: %(median)s. Country: %(country)s.")
            % {
                "you": ctx.you,
                "value": you_cell["text"],
                "median": row["peers"]["text"],
                "country": row["country"]["text"],
            },
            you_label=ctx.you,
            you=as_pct(you_cell["value"]),
            peers=peer_list,
            national=as_pct(country.settled_of_requested),
            national_label=_("Country"),
            unit="%",
            max_value=min(top, 200.0),
            higher_is_better=None,
            band_only=any_suppressed,
            **dot_plot_words(),
        )
    )


def unaccompanied_part(ctx: Context) -> dict[str, Any]:
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
            "label": _("Settled as a share of the request"),
            "you": cell(you.settled, you.requested),
            "peers": value_cell(median([p.settled_of_requested for p in peers])),
            "country": value_cell(country.settled_of_requested),
        },
    ]
    for row in rows:
        ctx.csv.add(_("Unaccompanied minors"), row["label"], ctx.you, ctx.window_label, row["you"])
    return {"has_data": has_data, "rows": rows}
