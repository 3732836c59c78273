"""The introduction programme: the share in work or education directly after and one year
after, pooled over the window, against the peers, the KOSTRA group, the country and the
national target; and per year."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from portal.benchmark import charts, indicators
from portal.benchmark.report.cells import as_pct, cell, count_cell, median, plain, value_cell
from portal.benchmark.report.context import Context
from portal.benchmark.selectors import TREND_YEARS

DIRECT = "intro_work_or_education_direct"
ONE_YEAR = "intro_work_or_education_1y"
COMPLETED = "intro_completed"


def intro_part(ctx: Context) -> dict[str, Any]:
    section = _("Introduction programme")
    series = ctx.series.get(ctx.m.pk, [])
    you = indicators.intro_shares_pooled(series, year=ctx.year, window=ctx.window)
    rows_in_window = indicators.in_window(series, year=ctx.year, window=ctx.window)
    _share, direct_n, direct_d = indicators.pooled_ratio(rows_in_window, DIRECT, COMPLETED)
    _share, one_n, one_d = indicators.pooled_ratio(rows_in_window, ONE_YEAR, COMPLETED)
    has_data = bool(direct_d or one_d)
    rows = _pooled_rows(ctx, direct=cell(direct_n, direct_d), one_year=cell(one_n, one_d))
    for row in rows:
        ctx.add_comparison(section, row["label"], row)
    ctx.csv.add(
        section,
        _("National target one year after"),
        _("Country"),
        "",
        plain(indicators.INTRO_TARGET),
    )
    return {
        "has_data": has_data,
        "rows": rows,
        "completers": count_cell(you.completed if has_data else None),
        "meets_target": you.meets_target if not rows[1]["you"]["suppressed"] else None,
        "chart": _one_year_chart(ctx, rows[1]) if has_data else None,
        "chart_title": chart_title(ctx),
        "years": _year_rows(ctx),
    }


def _pooled_rows(
    ctx: Context, *, direct: dict[str, Any], one_year: dict[str, Any]
) -> list[dict[str, Any]]:
    """Both shares pooled over the window: you, the peer and KOSTRA medians, the country."""
    inputs = ctx.inputs

    def shares(org_ids: list[int]) -> list[indicators.IntroShares]:
        return [
            indicators.intro_shares_pooled(ctx.series.get(o, []), year=ctx.year, window=ctx.window)
            for o in org_ids
        ]

    peers = shares(inputs.peer_ids)
    kostra = shares(inputs.kostra_members)
    all_rows = indicators.in_window(ctx.country_rows, year=ctx.year, window=ctx.window)
    country_direct = indicators.pooled_ratio(all_rows, DIRECT, COMPLETED)[0]
    country_1y = indicators.pooled_ratio(all_rows, ONE_YEAR, COMPLETED)[0]
    return [
        {
            "label": _("In work or education directly after"),
            "you": direct,
            "peers": value_cell(median([p.direct for p in peers])),
            "kostra": value_cell(median([p.direct for p in kostra])),
            "country": value_cell(country_direct),
        },
        {
            "label": _("In work or education one year after"),
            "you": one_year,
            "peers": value_cell(median([p.one_year for p in peers])),
            "kostra": value_cell(median([p.one_year for p in kostra])),
            "country": value_cell(country_1y),
        },
    ]


def chart_title(ctx: Context) -> str:
    return _("In work or education one year after the programme, %(period)s") % {
        "period": ctx.window_label
    }


def _one_year_chart(ctx: Context, one: dict[str, Any]) -> str:
    """Bars for the share one year after, with the national target as the reference line."""
    return str(
        charts.reference_bars(
            chart_id="intro-one-year",
            title=chart_title(ctx),
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
                (ctx.you, as_pct(one["you"]["value"]), one["you"]["text"]),
                (_("Peer median"), as_pct(one["peers"]["value"]), one["peers"]["text"]),
                (_("KOSTRA group"), as_pct(one["kostra"]["value"]), one["kostra"]["text"]),
                (_("Country"), as_pct(one["country"]["value"]), one["country"]["text"]),
            ],
            reference=indicators.INTRO_TARGET * 100,
            reference_label=_("Target 70 %"),
        )
    )


def _year_rows(ctx: Context) -> list[dict[str, Any]]:
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
    return years
