"""Small-number disclosure control for the benchmark report. Pure functions.

Rules (``design/BENCHMARK.md``, "Small numbers"):

- A count about persons (settled refugees, programme completers, unaccompanied minors) is
  **suppressed** when its numerator is 1–4 or its denominator is under 10; it is shown with the
  official symbol ":". A numerator of 0 is not suppressed (there is nobody to identify).
- A value based on 10–29 persons (the denominator, or the count itself when there is none) is
  marked **uncertain**.
- Inside a table with totals, **complementary suppression**: no row or column (its cells plus its
  total) may have exactly one suppressed entry, otherwise the hidden value is the total minus the
  rest. The next-smallest visible cell of that line is suppressed too (a positive one if any,
  ties by position; the total itself only if there is no cell left), and this is repeated until
  no line changes.
- Survey answers about a municipality's own services are not personal data: never suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SUPPRESSED_SYMBOL = pgettext_lazy("small-number suppression symbol", ":")
SUPPRESSED_LABEL = _("Suppressed to protect individuals (fewer than 5 persons)")
UNCERTAIN_LABEL = _("uncertain")
UNCERTAIN_EXPLANATION = _("Based on 10–29 persons: interpret with care.")

MIN_NUMERATOR = 5  # numerators 1–4 are suppressed
MIN_DENOMINATOR = 10  # denominators under 10 are suppressed
UNCERTAIN_BELOW = 30  # bases of 10–29 persons are uncertain


@dataclass(frozen=True)
class Cell:
    value: Any  # the number to show (None when suppressed)
    suppressed: bool = False
    uncertain: bool = False

    @property
    def symbol(self) -> str:
        return str(SUPPRESSED_SYMBOL) if self.suppressed else ""

    @property
    def marker(self) -> str:
        return str(UNCERTAIN_LABEL) if self.uncertain and not self.suppressed else ""

    def display(self) -> str:
        return self.symbol if self.suppressed else ("" if self.value is None else str(self.value))


def is_primary_suppressed(numerator: int | None, denominator: int | None = None) -> bool:
    if numerator is not None and 0 < numerator < MIN_NUMERATOR:
        return True
    return denominator is not None and denominator < MIN_DENOMINATOR


def is_uncertain(numerator: int | None, denominator: int | None = None) -> bool:
    base = denominator if denominator is not None else numerator
    return base is not None and MIN_DENOMINATOR <= base < UNCERTAIN_BELOW


def protect_count(numerator: int | None, denominator: int | None = None, *, value=None) -> Cell:
    """A person-based figure: ``numerator`` (of ``denominator``); ``value`` is what to show
    (defaults to the numerator; pass e.g. the share numerator/denominator)."""
    shown = numerator if value is None else value
    if is_primary_suppressed(numerator, denominator):
        return Cell(value=None, suppressed=True)
    return Cell(value=shown, uncertain=is_uncertain(numerator, denominator))


def survey_answer(value: Any) -> Cell:
    """Survey answers about a municipality's own services: never suppressed or marked."""
    return Cell(value=value)


@dataclass(frozen=True)
class ProtectedTable:
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    grand_total: Cell


def protect_table(rows: Sequence[Sequence[int]]) -> ProtectedTable:
    """Protect a table of person counts whose row, column and grand totals are published.

    The table is extended by a total column and a total row; every row and every column of the
    extended table is a line "cells sum to the total". Primary suppression applies to all
    entries (totals too); then complementary suppression runs until stable.
    """
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    if any(len(row) != n_cols for row in rows):
        raise ValueError("all rows must have the same number of cells")
    grid = [list(row) + [sum(row)] for row in rows]
    grid.append([sum(grid[r][c] for r in range(n_rows)) for c in range(n_cols + 1)])
    hidden = [[is_primary_suppressed(v) for v in row] for row in grid]

    # Each line: its inner positions and the position of its total.
    lines = [([(r, c) for c in range(n_cols)], (r, n_cols)) for r in range(n_rows + 1)]
    lines += [([(r, c) for r in range(n_rows)], (n_rows, c)) for c in range(n_cols + 1)]

    changed = True
    while changed:
        changed = False
        for inner, total in lines:
            positions = [*inner, total]
            if sum(hidden[r][c] for r, c in positions) != 1:
                continue
            candidates = [(r, c) for r, c in inner if not hidden[r][c]]
            if candidates:
                positive = [p for p in candidates if grid[p[0]][p[1]] > 0] or candidates
                r, c = min(positive, key=lambda p: (grid[p[0]][p[1]], p))
            else:
                r, c = total
            hidden[r][c] = True
            changed = True

    def cell(r: int, c: int) -> Cell:
        base = protect_count(grid[r][c])
        return replace(base, value=None, suppressed=True) if hidden[r][c] else base

    return ProtectedTable(
        cells=[[cell(r, c) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[cell(r, n_cols) for r in range(n_rows)],
        column_totals=[cell(n_rows, c) for c in range(n_cols)],
        grand_total=cell(n_rows, n_cols),
    )
