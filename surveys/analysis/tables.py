"""The same question across groups of organisations (regions, bands, years) as one table, the
rows aligned; and a scale grid's items as rows. Pure: built from ``Result``s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from surveys.analysis.results import NUMBER_TYPES, Numbers, Result, percent_of
from surveys.models import Question, localized


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


# --- Tables across groups ---------------------------------------------------------------------


def row_keys(results: list[Result], get: Callable[[Result], list]) -> list:
    """The union of the groups' rows, in order of first appearance."""
    seen: dict[str, Any] = {}
    for result in results:
        for row in get(result):
            seen.setdefault(row.key, row)
    return list(seen.values())


def _distribution_rows(results: list[Result]) -> list[TableRow]:
    rows = []
    for template in row_keys(results, lambda r: r.rows):
        cells = []
        for result in results:
            row = next((r for r in result.rows if r.key == template.key), None)
            count = row.count if row else 0
            cells.append(Cell(count=count, percent=percent_of(count, result.n)))
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
        templates = row_keys(results, lambda r: r.ranks)
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
                    cells.append(Cell(count=count, percent=percent_of(count, result.n)))
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
    elif kind in ("scale_grid", "yes_no_grid"):
        for index, item in enumerate(question.config.get("items", [])):
            item_results = [
                r.items[index].result if len(r.items) > index else Result(n=0) for r in results
            ]
            rows.append(TableRow(localized(item["label"]), [], heading=True))
            if kind == "scale_grid":
                rows += _scale_rows(item_results)
            else:
                rows.append(
                    TableRow(
                        _("N (organisations with an answer)"),
                        [Cell(count=r.n) for r in item_results],
                        kind="count",
                    )
                )
                rows += _distribution_rows(item_results)
    else:
        rows = _distribution_rows(results)
    return Table(table_columns, rows)


def grid_table(question: Question, result: Result) -> Table:
    """A scale grid's national distribution: one row per item, one column per scale point."""
    templates = row_keys([item.result for item in result.items], lambda r: r.rows)
    columns = [Column(t.key, t.label, 0) for t in templates]
    rows = []
    for item in result.items:
        cells = []
        for template in templates:
            row = next((r for r in item.result.rows if r.key == template.key), None)
            count = row.count if row else 0
            cells.append(Cell(count=count, percent=percent_of(count, item.result.n)))
        cells.append(Cell(value=item.result.mean, n=item.result.mean_n))
        cells.append(Cell(count=item.result.n))
        rows.append(TableRow(item.label, cells))
    return Table(columns, rows)


def battery_table(question: Question, result: Result) -> Table:
    """A yes/no battery's distribution: one row per item, a column per answer, then N."""
    templates = row_keys([item.result for item in result.items], lambda r: r.rows)
    columns = [Column(t.key, t.label, 0) for t in templates]
    rows = []
    for item in result.items:
        cells = []
        for template in templates:
            row = next((r for r in item.result.rows if r.key == template.key), None)
            count = row.count if row else 0
            cells.append(Cell(count=count, percent=percent_of(count, item.result.n)))
        cells.append(Cell(count=item.result.n))
        rows.append(TableRow(item.label, cells, key=item.key))
    return Table(columns, rows)


def item_table(question: Question, result: Result) -> Table | None:
    """The per-item table of a grid or a battery; None for other questions."""
    if question.type == "scale_grid":
        return grid_table(question, result)
    if question.type == "yes_no_grid":
        return battery_table(question, result)
    return None
