"""Formatting and the cells of the report's tables: a value, its text and its disclosure flags."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format

from portal.benchmark import indicators, suppression


def pct(value: float | None, decimals: int = 0) -> str:
    """A share (0–1) as a percentage in the active language: "63 %"."""
    if value is None:
        return "–"
    return f"{number_format(value * 100, decimals)} %"


def num(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return number_format(value, decimals, force_grouping=True)


def as_pct(value: float | None) -> float | None:
    """A share (0–1) in percentage points, as the charts take it."""
    return None if value is None else value * 100


def plain(value: Any) -> str:
    """A number as the CSV writes it: up to four decimals, no trailing zeros."""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def cell(
    numerator: int | None, denominator: int | None, *, persons: bool = True, decimals: int = 0
) -> dict[str, Any]:
    """A share cell: its value, text and disclosure flags (persons: apply the small-number rules).

    A share that cannot be worked out (no numerator, or no denominator) is "–" with no value;
    its numerator alone is never taken for the share."""
    value = indicators.ratio(numerator, denominator)
    if value is None:
        return cell_dict(suppression.Cell(value=None), "–")
    if persons:
        protected = suppression.protect_count(numerator, denominator, value=value)
    else:
        protected = suppression.Cell(value=value)
    return cell_dict(protected, pct(value, decimals))


def count_cell(count: int | None, *, persons: bool = True) -> dict[str, Any]:
    protected = suppression.protect_count(count) if persons else suppression.Cell(value=count)
    return cell_dict(protected, num(count))


def value_cell(value: float | None, text: str | None = None) -> dict[str, Any]:
    return {
        "value": value,
        "text": text if text is not None else pct(value),
        "suppressed": False,
        "uncertain": False,
    }


def protected_count_cell(protected: suppression.Cell) -> dict[str, Any]:
    """A count cell of a table that ``suppression.protect_table`` has protected."""
    return cell_dict(protected, num(protected.value))


def cell_dict(protected: suppression.Cell, text: str) -> dict[str, Any]:
    """The cell as the report stores it: ":" and no value when suppressed, "–" when unknown."""
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
