"""Benchmark indicators: settlement ratios, introduction-programme shares, the two-by-two.
Pure functions over objects with key-figure attributes (``KeyFigures`` rows or anything alike).

Pooling over a window sums numerators and denominators over the years of the window in which
**both** are known, then divides once (so large years weigh more than small ones). A ratio is
None when its denominator is missing or 0.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

INTRO_TARGET = 0.70  # national target: 70 % in work or education one year after
DEFAULT_MIN_COMPLETERS = 10


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def pooled_ratio(
    figures: Iterable[Any], numerator: str, denominator: str
) -> tuple[float | None, int, int]:
    """(pooled ratio, Σ numerator, Σ denominator) over the rows where both are known."""
    num = den = 0
    for row in figures:
        n, d = getattr(row, numerator), getattr(row, denominator)
        if n is None or d is None:
            continue
        num += n
        den += d
    return ratio(num, den), num, den


def in_window(figures: Iterable[Any], *, year: int, window: int) -> list[Any]:
    """The rows of the ``window`` years ending with ``year`` (inclusive)."""
    return [row for row in figures if year - window < row.year <= year]


@dataclass(frozen=True)
class SettlementRatios:
    decided_of_requested: float | None
    settled_of_decided: float | None
    settled_of_requested: float | None
    requested: int | None
    decided: int | None
    settled: int | None


def _settlement(figures: Sequence[Any], prefix: str) -> SettlementRatios:
    requested, decided, settled = f"{prefix}requested", f"{prefix}decided", f"{prefix}settled"

    def total(name: str) -> int | None:
        values = [getattr(row, name) for row in figures if getattr(row, name) is not None]
        return sum(values) if values else None

    return SettlementRatios(
        decided_of_requested=pooled_ratio(figures, decided, requested)[0],
        settled_of_decided=pooled_ratio(figures, settled, decided)[0],
        settled_of_requested=pooled_ratio(figures, settled, requested)[0],
        requested=total(requested),
        decided=total(decided),
        settled=total(settled),
    )


def settlement_by_year(
    figures: Iterable[Any], *, unaccompanied: bool = False
) -> dict[int, SettlementRatios]:
    prefix = "unaccompanied_" if unaccompanied else ""
    return {row.year: _settlement([row], prefix) for row in sorted(figures, key=lambda r: r.year)}


def settlement_pooled(
    figures: Iterable[Any], *, year: int, window: int, unaccompanied: bool = False
) -> SettlementRatios:
    prefix = "unaccompanied_" if unaccompanied else ""
    return _settlement(in_window(figures, year=year, window=window), prefix)


@dataclass(frozen=True)
class IntroShares:
    completed: int
    direct: float | None  # in work or education directly after
    one_year: float | None  # … one year after
    target: float = INTRO_TARGET

    @property
    def meets_target(self) -> bool | None:
        return None if self.one_year is None else self.one_year >= self.target


def intro_shares_pooled(figures: Iterable[Any], *, year: int, window: int) -> IntroShares:
    rows = in_window(figures, year=year, window=window)
    direct, _, completed_direct = pooled_ratio(
        rows, "intro_work_or_education_direct", "intro_completed"
    )
    one_year, _, completed_1y = pooled_ratio(rows, "intro_work_or_education_1y", "intro_completed")
    return IntroShares(
        completed=max(completed_direct, completed_1y), direct=direct, one_year=one_year
    )


# --- the two-by-two position ---------------------------------------------------------------


class Quadrant(enum.StrEnum):
    MUCH_WELL = "settles_much_integrates_well"
    LITTLE_WELL = "settles_little_integrates_well"
    MUCH_LESS_WELL = "settles_much_integrates_less_well"
    LITTLE_LESS_WELL = "settles_little_integrates_less_well"
    NOT_PLACED = "not_placed"

    @property
    def label(self) -> str:
        return str(QUADRANT_LABELS[self])


QUADRANT_LABELS = {
    Quadrant.MUCH_WELL: _("Settles much and integrates well"),
    Quadrant.LITTLE_WELL: _("Settles little but integrates well"),
    Quadrant.MUCH_LESS_WELL: _("Settles much but integrates less well"),
    Quadrant.LITTLE_LESS_WELL: _("Settles little and integrates less well"),
    Quadrant.NOT_PLACED: _("Not placed"),
}


@dataclass(frozen=True)
class PositionInputs:
    """One municipality's pooled sums for the two-by-two."""

    requested: int | None
    decided: int | None
    completed: int | None
    in_work_or_education: int | None  # one year after the programme

    @property
    def settlement(self) -> float | None:
        return ratio(self.decided, self.requested)

    @property
    def integration(self) -> float | None:
        return ratio(self.in_work_or_education, self.completed)


@dataclass(frozen=True)
class Reference:
    settlement: float | None
    integration: float | None
    weighted: bool  # True: pooled sums over the area; False: mean of the municipalities' ratios
    min_completers: int

    @property
    def method_label(self) -> str:
        return str(
            _("weighted average (pooled sums)")
            if self.weighted
            else _("unweighted average (mean of ratios)")
        )


def reference_average(
    units: Iterable[PositionInputs],
    *,
    weighted: bool,
    min_completers: int = DEFAULT_MIN_COMPLETERS,
) -> Reference:
    """The split point over an area (region or country). Integration is averaged only over
    municipalities with at least ``min_completers`` programme completers, the same rule that
    decides who is placed."""
    units = list(units)
    settling = [u for u in units if u.settlement is not None]
    integrating = [
        u for u in units if u.integration is not None and (u.completed or 0) >= min_completers
    ]
    if weighted:
        settlement = ratio(
            sum(u.decided or 0 for u in settling), sum(u.requested or 0 for u in settling)
        )
        integration = ratio(
            sum(u.in_work_or_education or 0 for u in integrating),
            sum(u.completed or 0 for u in integrating),
        )
    else:
        settlement = statistics.fmean(u.settlement for u in settling) if settling else None  # type: ignore[misc]
        integration = (
            statistics.fmean(u.integration for u in integrating) if integrating else None  # type: ignore[misc]
        )
    return Reference(
        settlement=settlement,
        integration=integration,
        weighted=weighted,
        min_completers=min_completers,
    )


@dataclass(frozen=True)
class Position:
    quadrant: Quadrant
    settlement: float | None
    integration: float | None
    reason: str = ""  # why not placed
    settlement_at_split: bool = False
    integration_at_split: bool = False


def two_by_two(unit: PositionInputs, reference: Reference) -> Position:
    """Place a municipality. A value exactly at the split counts as the high side ("much" /
    "well") and is flagged ``*_at_split`` so the report can say "at the average"."""
    settlement, integration = unit.settlement, unit.integration
    if (unit.completed or 0) < reference.min_completers:
        return Position(Quadrant.NOT_PLACED, settlement, integration, reason="too_few_completers")
    if settlement is None or integration is None:
        return Position(Quadrant.NOT_PLACED, settlement, integration, reason="missing_data")
    if reference.settlement is None or reference.integration is None:
        return Position(Quadrant.NOT_PLACED, settlement, integration, reason="no_reference")
    much = settlement >= reference.settlement
    well = integration >= reference.integration
    quadrant = {
        (True, True): Quadrant.MUCH_WELL,
        (False, True): Quadrant.LITTLE_WELL,
        (True, False): Quadrant.MUCH_LESS_WELL,
        (False, False): Quadrant.LITTLE_LESS_WELL,
    }[(much, well)]
    return Position(
        quadrant,
        settlement,
        integration,
        settlement_at_split=settlement == reference.settlement,
        integration_at_split=integration == reference.integration,
    )


def position_inputs(figures: Iterable[Any], *, year: int, window: int) -> PositionInputs:
    """Pooled sums for the two-by-two from key-figure rows."""
    rows = in_window(figures, year=year, window=window)
    _, decided, requested = pooled_ratio(rows, "decided", "requested")
    _, in_work, completed = pooled_ratio(rows, "intro_work_or_education_1y", "intro_completed")
    return PositionInputs(
        requested=requested, decided=decided, completed=completed, in_work_or_education=in_work
    )


def peer_median(values: Mapping[Any, float | None]) -> float | None:
    present = [v for v in values.values() if v is not None]
    return statistics.median(present) if present else None
