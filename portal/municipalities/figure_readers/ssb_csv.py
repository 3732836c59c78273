"""SSB statistics bank tables as downloaded in CSV (semicolon separated, quoted).

Two shapes are read:

- long: one column per dimension and the value last, headed by the table's title:
  ``"region";"år";"statistikkvariabel";"07459: Befolkning, etter region, år og statistikkvariabel"``
  with rows ``"4204 Kristiansand";"2024";"Personer";116000``;
- wide: one column per year (and variable): ``"region";"Befolkning 2023";"Befolkning 2024"``,
  or ``"region";"statistikkvariabel";"2023";"2024"``.

A first line holding only the title (``07459: Befolkning …``) is allowed. Cells ``..`` (missing),
``:`` (suppressed) and ``.`` (not applicable) leave the stored value as it is. The file may be
UTF-8 or Windows-1252/Latin-1 (what the statistics bank writes for Excel).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from portal.municipalities.figure_readers import common
from portal.municipalities.key_figure_import import (
    MissingValue,
    ParsedRow,
    ParseResult,
)

_TITLE = re.compile(r"^\s*(\d{5})\s*:\s*(.*)$")
_YEAR_COLUMN = re.compile(r"^(.*?)\s*(\d{4})$")
REGION_COLUMNS = ("region", "kommune", "region/kommune")
YEAR_COLUMNS = ("år", "aar", "year", "tid", "time")
VARIABLE_COLUMNS = ("statistikkvariabel", "contents", "statistic", "statistikkvariabler")


def parse(content: bytes, *, today: dt.date | None = None) -> ParseResult:
    result = ParseResult(format="ssb-csv")
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar year, not an instant
    text = common.csv_text(
        content,
        result,
        utf16_advice=_("The file is UTF-16; save it as UTF-8 or download it again."),
    )
    if text is not None:
        common.read_csv(text, result, lambda reader: _read(reader, result, today), delimiter=";")
    return result


def _read(reader, result: ParseResult, today: dt.date) -> None:
    header: list[str] | None = None
    layout: dict = {}
    rows: dict[tuple[str, int], ParsedRow] = {}
    for raw_row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in raw_row]
        if not any(cells):
            continue
        if header is None:
            nonblank = [c for c in cells if c]
            title = _TITLE.match(nonblank[0]) if len(nonblank) == 1 else None
            if title:
                result.table_id, result.title = title.group(1), nonblank[0][:300]
                continue
            header = cells
            layout = _layout(header, result)
            if not layout:
                return
            result.columns = header
            continue
        if len(cells) != len(header):
            common.cell_count_error(result, line, len(cells), len(header))
            continue
        _read_row(line, cells, layout, result, rows, today)
    if header is None:
        result.error(0, "", _("The file is empty."))
    elif layout and not rows and not result.skipped and not result.error_count:
        result.error(0, "", _("The file has a header but no rows of figures."))


def _layout(header: list[str], result: ParseResult) -> dict:
    lower = [cell.lower() for cell in header]
    region = next((i for i, c in enumerate(lower) if c in REGION_COLUMNS), None)
    if region is None:
        result.error(1, "region", _("the region column is missing (“region”)"))
        return {}
    year = next((i for i, c in enumerate(lower) if c in YEAR_COLUMNS), None)
    variable = next((i for i, c in enumerate(lower) if c in VARIABLE_COLUMNS), None)
    others = [i for i in range(len(header)) if i not in (region, year, variable)]
    if year is not None:
        # Long: the last column is the value, headed by the title.
        if not others or others[-1] != len(header) - 1:
            result.error(1, "", _("the last column must hold the figures"))
            return {}
        title = _TITLE.match(header[-1])
        if title and not result.table_id:
            result.table_id, result.title = title.group(1), header[-1][:300]
        extra = others[:-1]
        return {
            "shape": "long",
            "region": region,
            "year": year,
            "variable": variable,
            "value": len(header) - 1,
            "extra": extra,
            "extra_seen": {},
        }
    # Wide: one column per year, each named "<variable> <year>" or just "<year>".
    columns = {}
    for i in others:
        match = _YEAR_COLUMN.match(header[i])
        if match is None:
            result.error(
                1,
                header[i] or "?",
                _("is neither the region, the year nor a year column such as “Befolkning 2024”"),
            )
            continue
        variable_label, year_text = match.group(1).strip(), match.group(2)
        if not variable_label and variable is None:
            variable_label = result.title.split(":", 1)[-1]
        field = None
        if variable_label:
            field = common.ssb_variable(result.table_id, "", variable_label)
            if field is None:
                result.error(
                    1, header[i], common.unknown_variable(result.table_id, "", variable_label)
                )
                continue
        columns[i] = (field, year_text)
    if result.error_count:
        return {}
    return {"shape": "wide", "region": region, "variable": variable, "columns": columns}


def _field_for(label: str, result: ParseResult, line: int, column: str) -> str | None:
    field = common.ssb_variable(result.table_id, "", label)
    if field is None:
        result.error(line, column, common.unknown_variable(result.table_id, "", label))
    return field


def _read_row(line, cells, layout, result, rows, today) -> None:
    place = common.region(cells[layout["region"]])
    if place is None:
        result.error(
            line,
            "region",
            _("“%(code)s” is not a municipality or city district number")
            % {"code": cells[layout["region"]]},
        )
        return
    if place.skip:
        if cells[layout["region"]] not in result.skipped:
            result.skipped.append(cells[layout["region"]])
        return
    variable_field = None
    if layout.get("variable") is not None:
        variable_field = _field_for(cells[layout["variable"]], result, line, "statistikkvariabel")
        if variable_field is None:
            return
    if layout["shape"] == "long":
        for i in layout["extra"]:
            first = layout["extra_seen"].setdefault(i, cells[i])
            if cells[i] != first:
                result.error(
                    line,
                    result.columns[i] if result.columns else "",
                    _(
                        "the table is split by this column (“%(a)s”, “%(b)s”); download it with one value or the total"
                    )
                    % {"a": first, "b": cells[i]},
                )
                return
        field = variable_field or common.ssb_variable(result.table_id, "", result.title)
        if field is None:
            result.error(line, "", common.unknown_variable(result.table_id, "", result.title))
            return
        cells_by_year = [
            (
                cells[layout["year"]],
                field,
                cells[layout["value"]],
                result.columns[layout["value"]] if result.columns else "",
            )
        ]
    else:
        cells_by_year = []
        for i, (field, year_text) in layout["columns"].items():
            field = field or variable_field
            if field is None:
                result.error(
                    line, "", _("the column “%(column)s” names no variable") % {"column": year_text}
                )
                return
            cells_by_year.append(
                (year_text, field, cells[i], result.columns[i] if result.columns else year_text)
            )
    for raw_year, field, raw, column in cells_by_year:
        year = common.year(raw_year, today)
        if year is None:
            result.error(line, "år", common.year_error(raw_year, today))
            continue
        row = common.add_row(
            result, rows, number=place.number, year=year, line=line, position="", label=place.name
        )
        if raw in common.MISSING_SYMBOLS:
            result.missing.append(
                MissingValue(_("line %(line)s") % {"line": line}, place.number, year, field, raw)
            )
            continue
        if not raw:
            continue
        if field in row.values:
            result.error(
                line,
                column,
                _("is a second value for %(number)s in %(year)s (the first is on line %(first)s)")
                % {"number": place.number, "year": year, "first": row.line},
            )
            continue
        try:
            row.values[field] = common.convert(field, raw)
        except ValueError as exc:
            result.error(line, column, str(exc))
