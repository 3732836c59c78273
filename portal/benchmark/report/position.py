"""The two-by-two position: settlement willingness (decided ÷ requested) against integration
(in work or education one year after the programme), each split at the reference average of
the region or the country."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.benchmark import charts, indicators, suppression
from portal.benchmark.report.cells import pct
from portal.benchmark.report.context import Context

NOT_PLACED = indicators.Quadrant.NOT_PLACED


def chart_title() -> str:
    return _("Settlement willingness and integration")


def position_part(ctx: Context) -> dict[str, Any]:
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
    units = {mid: _unit(ctx, mid) for mid in area}
    reference = indicators.reference_average(
        units.values(), weighted=weighted, min_completers=min_completers
    )
    own = units.get(ctx.m.pk) or _unit(ctx, ctx.m.pk)
    position = indicators.two_by_two(own, reference)
    if position.quadrant != NOT_PLACED and _shows_suppressed(own):
        # Placing it would show a figure the tables suppress.
        position = indicators.Position(NOT_PLACED, None, None, reason="small_numbers")
    area_label = (
        _("the IMDi region (%(region)s)") % {"region": ctx.m.region.name}
        if by_region
        else _("the country")
    )
    chart = None
    others: list[tuple[str, float, float]] = []
    if position.quadrant != NOT_PLACED:
        others = _placed_peers(ctx, units, reference)
        chart = _quadrant_chart(ctx, position, reference, area_label, others)
    ctx.csv.add(_("Two-by-two"), _("Position"), ctx.you, ctx.window_label, position.quadrant.label)
    return {
        "placed": position.quadrant != NOT_PLACED,
        "quadrant": position.quadrant.value,
        "label": position.quadrant.label,
        "reason": _not_placed_reasons(min_completers).get(position.reason, ""),
        "settlement": pct(position.settlement),
        "integration": pct(position.integration),
        "reference_settlement": pct(reference.settlement),
        "reference_integration": pct(reference.integration),
        "area": area_label,
        "method": reference.method_label,
        "min_completers": min_completers,
        "at_split": position.settlement_at_split or position.integration_at_split,
        "chart": chart,
        "chart_title": chart_title(),
        "others": [
            {"name": name, "settlement": pct(x), "integration": pct(y)} for name, x, y in others
        ],
    }


def _unit(ctx: Context, org_id: int) -> indicators.PositionInputs:
    return indicators.position_inputs(ctx.series.get(org_id, []), year=ctx.year, window=ctx.window)


def _shows_suppressed(unit: indicators.PositionInputs) -> bool:
    """Whether either share of the unit is a figure the small-number rules suppress (1–4)."""
    return suppression.is_primary_suppressed(
        unit.in_work_or_education, unit.completed
    ) or suppression.is_primary_suppressed(unit.decided, unit.requested)


def _not_placed_reasons(min_completers: int) -> dict[str, str]:
    return {
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


def _placed_peers(
    ctx: Context,
    units: dict[int, indicators.PositionInputs],
    reference: indicators.Reference,
) -> list[tuple[str, float, float]]:
    """The peers placed beside the municipality: name, settlement and integration."""
    others: list[tuple[str, float, float]] = []
    for pid in ctx.inputs.peer_ids:
        peer_unit = units.get(pid) or _unit(ctx, pid)
        p = indicators.two_by_two(peer_unit, reference)
        placed = p.quadrant != NOT_PLACED
        # A peer whose share would be suppressed (1–4 persons) is not shown on its own.
        hidden = _shows_suppressed(peer_unit)
        if placed and not hidden and p.settlement is not None and p.integration is not None:
            others.append((ctx.name(pid), p.settlement, p.integration))
    return others


def _quadrant_chart(
    ctx: Context,
    position: indicators.Position,
    reference: indicators.Reference,
    area_label: str,
    others: list[tuple[str, float, float]],
) -> str:
    return str(
        charts.quadrant_chart(
            chart_id="two-by-two",
            title=chart_title(),
            description=_(
                "%(you)s: decisions as a share of the request %(x)s, in work or education one year after "
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
            x_label=_("Decisions as a share of the request"),
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
