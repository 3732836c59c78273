"""Parse and check a key-figure file (one row per organisation per year).

The parser never writes: it turns bytes into checked rows or a list of line-numbered errors,
in words a person who made the file in Excel understands. ``services.key_figures_import``
writes the rows, all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from portal.municipalities.models import KeyFigures

REQUIRED_COLUMNS = ("year", "municipality_number")
COUNT_COLUMNS = (
    "population",
    "requested",
    "decided",
    "settled",
    "unaccompanied_requested",
    "unaccompanied_decided",
    "unaccompanied_settled",
    "intro_completed",
    "intro_work_or_education_direct",
    "intro_work_or_education_1y",
)
# Every key figure may be a column; a file carries any subset of them.
OPTIONAL_COLUMNS = KeyFigures.FIGURE_FIELDS
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ERRORS = 200
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_KOSTRA = re.compile(r"^EKG\d{2}$")


@dataclass
class RowError:
    line: int
    column: str
    message: str
    # Where a file has no lines (JSON-stat): "value[17] (Region 4204, Tid 2024)".
    position: str = ""

    def __str__(self) -> str:
        if self.position:
            where = self.position
        elif not self.line:
            return self.message
        else:
            where = _("line %(line)s") % {"line": self.line}
        column = f", {self.column}" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class MissingValue:
    """A cell the source marks as missing (..), suppressed (:) or not applicable (.)."""

    where: str
    number: str
    year: int
    column: str
    symbol: str

    KINDS = {"..": "missing", ":": "suppressed", ".": "not applicable"}

    @property
    def kind(self) -> str:
        return self.KINDS.get(self.symbol, "missing")

    def __str__(self) -> str:
        labels = {
            "missing": _("missing"),
            "suppressed": _("suppressed"),
            "not applicable": _("not applicable"),
        }
        return _("%(where)s: %(number)s %(year)s, %(column)s is %(kind)s (“%(symbol)s”)") % {
            "where": self.where,
            "number": self.number,
            "year": self.year,
            "column": self.column,
            "kind": labels[self.kind],
            "symbol": self.symbol,
        }


@dataclass
class ParsedRow:
    line: int
    year: int
    number: str
    values: dict[str, object]
    # How the row is named in messages; "" means "line <line>".
    position: str = ""
    label: str = ""

    @property
    def where(self) -> str:
        return self.position or _("line %(line)s") % {"line": self.line}


@dataclass
class ParseResult:
    columns: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    truncated: bool = False
    error_count: int = 0
    # What the source says about itself; the readers of published tables fill these in.
    format: str = "csv"
    table_id: str = ""
    title: str = ""
    updated: str = ""
    missing: list[MissingValue] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # regions that are not organisations
    ignored_columns: list[str] = field(default_factory=list)

    def error(self, line: int, column: str, message: str, position: str = "") -> None:
        self.error_count += 1
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        self.errors.append(RowError(line, column, message, position))


def decode(content: bytes) -> str:
    """UTF-8, with or without the byte-order mark Excel writes."""
    if content.startswith(b"\xff\xfe") or content.startswith(b"\xfe\xff"):
        raise UnicodeDecodeError("utf-16", content[:2], 0, 2, "UTF-16")
    return content.decode("utf-8-sig")


def _separator(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _number_text(raw: str) -> str:
    return _SPACES.sub("", raw)


def _parse_count(raw: str) -> int:
    text = _number_text(raw)
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(_("must be a whole number, not “%(value)s”") % {"value": raw})
    value = int(text)
    if value < 0:
        raise ValueError(_("cannot be negative, not “%(value)s”") % {"value": raw})
    return value


def _parse_share(raw: str) -> Decimal:
    text = _number_text(raw).replace(",", ".").rstrip("%")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("must be a number between 0 and 100, not “%(value)s”") % {"value": raw}
        ) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError(
            _("must be a percentage between 0 and 100, not “%(value)s”") % {"value": raw}
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_("can have at most two decimals, not “%(value)s”") % {"value": raw})
    return value.quantize(Decimal("0.01"))


def _parse_bounded(raw: str, low: int, high: int) -> int:
    value = _parse_count(raw)
    if not low <= value <= high:
        raise ValueError(
            _("must be between %(low)s and %(high)s, not “%(value)s”")
            % {"low": low, "high": high, "value": raw}
        )
    return value


def _parse_kostra(raw: str) -> str:
    text = raw.strip().upper()
    if text.isdigit():
        text = f"EKG{int(text):02d}"
    if not _KOSTRA.match(text):
        raise ValueError(
            _("must be a KOSTRA group such as EKG05, not “%(value)s”") % {"value": raw}
        )
    return text


def _parse_number(raw: str) -> str:
    text = _number_text(raw)
    if not text.isdigit():
        raise ValueError(
            _("must be a municipality number of 4 digits (6 for a city district), not “%(value)s”")
            % {"value": raw}
        )
    # Excel drops leading zeros: 301 is Oslo 0301, 30101 is Gamle Oslo 030101.
    if len(text) in (3, 5):
        text = "0" + text
    if len(text) not in (4, 6):
        raise ValueError(
            _("must be a municipality number of 4 digits (6 for a city district), not “%(value)s”")
            % {"value": raw}
        )
    return text


PARSERS = {
    "immigrant_share": _parse_share,
    "centrality_score": lambda raw: _parse_bounded(raw, 0, 1000),
    "centrality_class": lambda raw: _parse_bounded(raw, 1, 6),
    "kostra_group": _parse_kostra,
    **dict.fromkeys(COUNT_COLUMNS, _parse_count),
}


def parse(content: bytes, *, today: dt.date | None = None) -> ParseResult:
    result = ParseResult()
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar year, not an instant
    try:
        text = decode(content)
    except UnicodeDecodeError:
        result.error(
            0,
            "",
            _(
                "The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)” and upload it again."
            ),
        )
        return result
    if "\x00" in text:
        result.error(0, "", _("The file is not a CSV text file."))
        return result
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        result.error(0, "", _("The file is empty."))
        return result
    reader = csv.reader(io.StringIO(text), delimiter=_separator(first))
    try:
        _read_rows(reader, result, today)
    except csv.Error:
        # A stray line break or quotation mark, or a cell longer than any figure: say where.
        result.rows.clear()
        result.error(reader.line_num, "", unreadable_line())
    return result


def unreadable_line() -> str:
    return _(
        "cannot be read: a quotation mark or a line break is out of place, or a cell is far too long"
    )


def _read_rows(reader, result: ParseResult, today: dt.date) -> None:
    header: list[str] | None = None
    seen: dict[tuple[int, str], int] = {}
    for raw_row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in raw_row):
            continue
        if header is None:
            header = [cell.strip().lower().lstrip("\ufeff") for cell in raw_row]
            if not _check_header(header, result):
                return
            result.columns = header
            continue
        if len(raw_row) != len(header):
            result.error(
                line,
                "",
                _("has %(found)s cells, but the header has %(expected)s columns")
                % {"found": len(raw_row), "expected": len(header)},
            )
            continue
        row = _parse_row(line, dict(zip(header, raw_row, strict=True)), result, today)
        if row is None:
            continue
        key = (row.year, row.number)
        if key in seen:
            result.error(
                line,
                "",
                _("is a second row for %(number)s in %(year)s (the first is on line %(first)s)")
                % {"number": row.number, "year": row.year, "first": seen[key]},
            )
            continue
        seen[key] = line
        result.rows.append(row)
    if header is None:
        result.error(0, "", _("The file is empty."))
    elif not result.rows and not result.errors:
        result.error(0, "", _("The file has a header but no rows of figures."))


def _check_header(header: list[str], result: ParseResult) -> bool:
    ok = True
    for column in REQUIRED_COLUMNS:
        if column not in header:
            result.error(1, column, _("the required column is missing"))
            ok = False
    seen = set()
    for column in header:
        if column in seen:
            result.error(1, column, _("the column appears twice"))
            ok = False
        seen.add(column)
        if column not in ALL_COLUMNS:
            result.error(
                1,
                column or "?",
                _("unknown column; the columns are: %(columns)s")
                % {"columns": ", ".join(ALL_COLUMNS)},
            )
            ok = False
    return ok


def _parse_row(
    line: int, cells: dict[str, str], result: ParseResult, today: dt.date
) -> ParsedRow | None:
    before = result.error_count
    year = None
    raw_year = cells["year"].strip()
    try:
        year = _parse_bounded(raw_year, 1990, today.year + 1) if raw_year else None
        if year is None:
            result.error(line, "year", _("the cell is empty"))
    except ValueError as exc:
        result.error(line, "year", str(exc))
    number = None
    raw_number = cells["municipality_number"].strip()
    if not raw_number:
        result.error(line, "municipality_number", _("the cell is empty"))
    else:
        try:
            number = _parse_number(raw_number)
        except ValueError as exc:
            result.error(line, "municipality_number", str(exc))
    values: dict[str, object] = {}
    for column, raw in cells.items():
        if column in REQUIRED_COLUMNS or not raw.strip():
            continue  # a blank cell leaves the stored value as it is
        try:
            values[column] = PARSERS[column](raw.strip())
        except ValueError as exc:
            result.error(line, column, str(exc))
    completed = values.get("intro_completed")
    for column in ("intro_work_or_education_direct", "intro_work_or_education_1y"):
        if completed is not None and column in values and values[column] > completed:  # type: ignore[operator]
            result.error(
                line,
                column,
                _("cannot be more than intro_completed (%(completed)s), but is %(value)s")
                % {"value": values[column], "completed": completed},
            )
    if result.error_count > before or year is None or number is None:
        return None
    return ParsedRow(line=line, year=year, number=number, values=values)
