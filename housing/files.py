"""Housing lines to and from a file: CSV (UTF-8, comma or semicolon) or Excel (.xlsx).

The parser never writes: it turns bytes into checked rows or a list of line-numbered errors in
words a person who made the file in Excel understands (the style of the key-figure import).
``services.housing_lines_upload`` replaces the municipality's lines with the rows, all or nothing.

Downloads never start a text cell with ``= + - @`` (a spreadsheet would run it as a formula):
such text gets a leading apostrophe, which the upload takes off again (``portal.core.spreadsheets``).
Uploads never run formulas: an Excel file is read for its stored values only, after its zip's
table of contents has been checked against the limits in ``portal.core.spreadsheets``, and every row
of its first sheet is read, whatever size the sheet claims to have.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from housing.models import MAX_ROOMS, Tenure, housing_line_problems
from housing.sections import HOUSING_COLUMNS
from portal.core.spreadsheets import (
    EXCEL_MAX_ROWS,
    XLSX_MAGIC,
    SpreadsheetError,
    check_xlsx,
    neutralise,
    unguard,
    unreadable_xlsx,
    xlsx_value,
)
from portal.municipalities.key_figure_import import RowError, decode

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = tuple(c.name for c in HOUSING_COLUMNS)
REQUIRED = ("tenure", "rooms", "units")
MAX_ROWS = 5000
MAX_ERRORS = 200
# Columns read from a sheet: a few more than there are, so a cell past the header is reported.
MAX_SHEET_COLUMNS = len(COLUMNS) + 10
_SPACES = re.compile(r"[\s\u00a0\u202f]")

TENURE_WORDS: dict[str, str] = {
    # The codes, and the words municipal staff use for them.
    **{code: code for code in Tenure.values},
    "kommunal": Tenure.MUNICIPAL_RENTAL,
    "kommunal utleiebolig": Tenure.MUNICIPAL_RENTAL,
    "kommunal bolig": Tenure.MUNICIPAL_RENTAL,
    "utleiebolig": Tenure.MUNICIPAL_RENTAL,
    "framleie": Tenure.SUBLET,
    "fremleie": Tenure.SUBLET,
    "innleid": Tenure.SUBLET,
    "innleid for framleie": Tenure.SUBLET,
    "innleid for fremleie": Tenure.SUBLET,
    "garanti": Tenure.GUARANTEE,
    "privat med garanti": Tenure.GUARANTEE,
    "privat leie med kommunal garanti": Tenure.GUARANTEE,
    "bofellesskap": Tenure.SHARED,
    "leie til eie": Tenure.RENT_TO_OWN,
    "leie-til-eie": Tenure.RENT_TO_OWN,
    "annet": Tenure.OTHER,
    "anna": Tenure.OTHER,
}
YES = {"yes", "y", "ja", "j", "1", "true", "x", "sant"}
NO = {"no", "n", "nei", "0", "false", "usant", "-"}
TEXT_LIMITS = {"reference": 40, "area": 120, "distances": 1000, "notes": 2000}
INT_LIMITS = {
    "rooms": (1, MAX_ROOMS),
    "bedrooms": (0, MAX_ROOMS - 1),
    "units": (1, 10000),
    "vacant_now": (0, 10000),
    "vacant_later": (0, 10000),
    "contract_years": (1, 20),
}
DEFAULTS: dict[str, Any] = {
    "reference": "",
    "bedrooms": None,
    "step_free": False,
    "vacant_now": 0,
    "vacant_later": 0,
    "vacant_from": None,
    "reserved_for_refugees": False,
    "area": "",
    "distances": "",
    "contract_years": None,
    "notes": "",
}


@dataclass
class ParsedLine:
    line: int
    values: dict[str, Any]


@dataclass
class ParseResult:
    rows: list[ParsedLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, column, message))

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)


# --- reading cells ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Our own downloads protect risky text with an apostrophe; take it off again.
    return unguard(str(value).strip())


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError(_("must be a whole number, not “%(value)s”") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("must be a whole number, not “%(value)s”") % {"value": value})
        number = int(value)
    else:
        text = _SPACES.sub("", str(value))
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(_("must be a whole number, not “%(value)s”") % {"value": value})
        number = int(text)
    if not low <= number <= high:
        raise ValueError(
            _("must be between %(low)s and %(high)s, not “%(value)s”")
            % {"low": low, "high": high, "value": value}
        )
    return number


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("must be yes or no (ja or nei), not “%(value)s”") % {"value": value})


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = _text(value)
        parsed: dt.date | None = None
        for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"):
            try:
                parsed = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(
                _("must be a date such as 2025-08-01 or 01.08.2025, not “%(value)s”")
                % {"value": value}
            )
        day = parsed
    if not 2000 <= day.year <= 2100:
        raise ValueError(_("is not a plausible date: “%(value)s”") % {"value": value})
    return day


def _parse_tenure(value: Any) -> str:
    text = " ".join(_text(value).casefold().replace("_", " ").split())
    code = TENURE_WORDS.get(text) or TENURE_WORDS.get(text.replace(" ", "_"))
    if code is None:
        raise ValueError(
            _("is not a known tenure: “%(value)s”; use one of %(codes)s")
            % {"value": value, "codes": ", ".join(Tenure.values)}
        )
    return code


def _parse_cell(column: str, value: Any) -> Any:
    if column == "tenure":
        return _parse_tenure(value)
    if column in INT_LIMITS:
        low, high = INT_LIMITS[column]
        return _parse_int(value, low, high)
    if column in ("step_free", "reserved_for_refugees"):
        return _parse_bool(value)
    if column == "vacant_from":
        return _parse_date(value)
    text = _text(value)
    limit = TEXT_LIMITS[column]
    if len(text) > limit:
        raise ValueError(
            _("is %(length)s characters long; at most %(limit)s are allowed")
            % {"length": len(text), "limit": limit}
        )
    return text


# --- reading files ----------------------------------------------------------------------


def _csv_rows(content: bytes, result: ParseResult) -> list[tuple[int, list[Any]]] | None:
    try:
        text = decode(content)
    except UnicodeDecodeError:
        result.error(
            0,
            "",
            _(
                "The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)” or as an Excel workbook (.xlsx) and upload it again."
            ),
        )
        return None
    if "\x00" in text:
        result.error(0, "", _("The file is neither a CSV text file nor an Excel workbook (.xlsx)."))
        return None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if not any(str(c).strip() for c in cells):
                continue  # blank rows do not count towards the limit
            rows.append((reader.line_num, list(cells)))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        result.error(reader.line_num, "", unreadable_line())
        return None
    return rows


def unreadable_line() -> str:
    return _(
        "cannot be read: a quotation mark or a line break is out of place, or a cell is far too long"
    )


def _xlsx_rows(content: bytes, result: ParseResult) -> list[tuple[int, list[Any]]] | None:
    from openpyxl import load_workbook

    unreadable = unreadable_xlsx()
    try:
        check_xlsx(content)
    except SpreadsheetError as exc:
        result.error(0, "", str(exc))
        return None
    try:
        # Values only: a formula is never run, its last stored result is read.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any broken file gets the same plain answer
        _log_refusal(exc)
        result.error(0, "", unreadable)
        return None
    try:
        if not workbook.worksheets:
            result.error(0, "", unreadable)
            return None
        sheet = workbook.worksheets[0]
        # The size a sheet claims (its <dimension>) may be short: read every row there is.
        sheet.reset_dimensions()
        rows = []
        for number, cells in enumerate(
            sheet.iter_rows(values_only=True, max_col=MAX_SHEET_COLUMNS), start=1
        ):
            if number > EXCEL_MAX_ROWS:
                result.error(
                    0,
                    "",
                    _("The sheet has rows past row %(limit)s, Excel's last row.")
                    % {"limit": EXCEL_MAX_ROWS},
                )
                return None
            if not any(c is not None and str(c).strip() for c in cells):
                continue  # blank rows do not count towards the limit
            rows.append((number, list(cells)))
            if len(rows) > MAX_ROWS + 1:
                break
    except Exception as exc:  # noqa: BLE001
        _log_refusal(exc)
        result.error(0, "", unreadable)
        return None
    finally:
        workbook.close()
    return rows


def _log_refusal(exc: Exception) -> None:
    """An XML entity declaration in an upload is worth a line in the log, not a stack trace."""
    from defusedxml import DefusedXmlException

    if isinstance(exc, DefusedXmlException) or isinstance(
        exc.__cause__ or exc.__context__, DefusedXmlException
    ):
        logger.warning("housing upload: XML refused by defusedxml (%s)", type(exc).__name__)


def parse(content: bytes) -> ParseResult:
    """Check a whole file. Line numbers are the file's own (Excel's row numbers)."""
    result = ParseResult()
    if not content.strip():
        result.error(0, "", _("The file is empty."))
        return result
    table = (
        _xlsx_rows(content, result)
        if content.startswith(XLSX_MAGIC)
        else _csv_rows(content, result)
    )
    if table is None:
        return result
    header: list[str] | None = None
    references: dict[str, int] = {}
    data_rows = 0
    for line, cells in table:
        while cells and _is_blank(cells[-1]):
            cells.pop()
        if not cells:
            continue
        if header is None:
            header = [_text(c).lower().lstrip("\ufeff") for c in cells]
            if not _check_header(header, result):
                return result
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            result.error(
                line,
                "",
                _("the file has more than %(limit)s housing lines; split it or combine lines")
                % {"limit": MAX_ROWS},
            )
            break
        if len(cells) > len(header):
            result.error(
                line,
                "",
                _("has %(found)s cells, but the header has %(expected)s columns")
                % {"found": len(cells), "expected": len(header)},
            )
            continue
        cells = cells + [None] * (len(header) - len(cells))
        row = _parse_row(line, dict(zip(header, cells, strict=True)), result)
        if row is None:
            continue
        reference = row.values["reference"]
        if reference:
            key = reference.casefold()
            if key in references:
                result.error(
                    line,
                    "reference",
                    _("“%(reference)s” is also on line %(first)s; a reference must be unique")
                    % {"reference": reference, "first": references[key]},
                )
                continue
            references[key] = line
        result.rows.append(row)
    if header is None:
        result.error(0, "", _("The file is empty."))
    elif not result.rows and not result.error_count:
        result.error(0, "", _("The file has a header but no housing lines."))
    return result


def _check_header(header: list[str], result: ParseResult) -> bool:
    ok = True
    for column in REQUIRED:
        if column not in header:
            result.error(1, column, _("the required column is missing"))
            ok = False
    seen: set[str] = set()
    for column in header:
        if column in seen:
            result.error(1, column, _("the column appears twice"))
            ok = False
        seen.add(column)
        if column not in COLUMNS:
            result.error(
                1,
                column or "?",
                _("unknown column; the columns are: %(columns)s") % {"columns": ", ".join(COLUMNS)},
            )
            ok = False
    return ok


def _parse_row(line: int, cells: dict[str, Any], result: ParseResult) -> ParsedLine | None:
    before = result.error_count
    values: dict[str, Any] = dict(DEFAULTS)
    for column, raw in cells.items():
        if _is_blank(raw):
            if column in REQUIRED:
                result.error(line, column, _("the cell is empty"))
            continue
        try:
            values[column] = _parse_cell(column, raw)
        except ValueError as exc:
            result.error(line, column, str(exc))
    if result.error_count > before:
        return None
    for column, message in housing_line_problems(values):
        result.error(line, column, message)
    if result.error_count > before:
        return None
    return ParsedLine(line=line, values=values)


# --- writing files ----------------------------------------------------------------------


# Text that a spreadsheet would read as a formula gets a leading apostrophe (CSV downloads).
safe_cell = neutralise


def _file_value(column: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if value is None:
        return ""
    if column == "vacant_from" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _file_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[_file_value(c, row.get(c)) for c in COLUMNS] for row in rows]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """Semicolon-separated UTF-8 with a byte-order mark: opens as columns in Norwegian Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for cells in _file_rows(rows):
        writer.writerow([c.isoformat() if isinstance(c, dt.date) else neutralise(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], *, with_guide: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "housing"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in _file_rows(rows):
        sheet.append([xlsx_value(c) for c in cells])
    for index, column in enumerate(COLUMNS):
        if column == "vacant_from":
            for (cell,) in sheet.iter_rows(
                min_row=2, min_col=index + 1, max_col=index + 1, max_row=sheet.max_row
            ):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    last = max(sheet.max_row, 1000)
    letters = {name: chr(ord("A") + i) for i, name in enumerate(COLUMNS)}
    tenure = DataValidation(type="list", formula1='"' + ",".join(Tenure.values) + '"')
    yes_no = DataValidation(type="list", formula1='"ja,nei"', allow_blank=True)
    sheet.add_data_validation(tenure)
    sheet.add_data_validation(yes_no)
    tenure.add(f"{letters['tenure']}2:{letters['tenure']}{last}")
    for name in ("step_free", "reserved_for_refugees"):
        yes_no.add(f"{letters[name]}2:{letters[name]}{last}")
    for i, name in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = max(12, len(name) + 2)
    if with_guide:
        guide = workbook.create_sheet("guide")
        guide.append([_("Column"), _("Required"), _("What to write")])
        for cell in guide[1]:
            cell.font = Font(bold=True)
        for name, required, text in column_guide():
            guide.append([name, _("yes") if required else _("no"), xlsx_value(str(text))])
        guide.column_dimensions["A"].width = 24
        guide.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_guide() -> list[tuple[str, bool, str]]:
    """The documented template: each column, whether it is required, and what goes in it."""
    tenures = "; ".join(f"{code} = {label}" for code, label in Tenure.choices)
    return [
        ("reference", False, _("Your own name or number for the line, unique in the file.")),
        ("tenure", True, _("One of: %(tenures)s.") % {"tenures": tenures}),
        ("rooms", True, _("Rooms: living room and bedrooms, not kitchen and bathroom. 1 to 20.")),
        ("bedrooms", False, _("Bedrooms, fewer than the rooms.")),
        (
            "step_free",
            False,
            _(
                "ja or nei: step-free access (no steps to and inside the dwelling). Blank means nei."
            ),
        ),
        ("units", True, _("How many dwellings the line has. 1 or more.")),
        ("vacant_now", False, _("How many of them are vacant now. Blank means 0.")),
        ("vacant_later", False, _("How many more become vacant from the date in vacant_from.")),
        (
            "vacant_from",
            False,
            _("The date, as 2025-08-01 or 01.08.2025. Required when vacant_later is more than 0."),
        ),
        ("reserved_for_refugees", False, _("ja or nei: reserved for refugees. Blank means nei.")),
        ("area", False, _("Area or neighbourhood.")),
        ("distances", False, _("Distance to school, kindergarten, shops and public transport.")),
        ("contract_years", False, _("Typical length of the first contract, in years.")),
        ("notes", False, _("Anything else the settlement officer should know.")),
    ]


TEMPLATE_EXAMPLE: list[dict[str, Any]] = [
    {
        "reference": "LUND-3",
        "tenure": Tenure.MUNICIPAL_RENTAL,
        "rooms": 3,
        "bedrooms": 2,
        "step_free": False,
        "units": 4,
        "vacant_now": 1,
        "vacant_later": 1,
        "vacant_from": "2026-08-01",
        "reserved_for_refugees": True,
        "area": "Lund",
        "distances": "Skole 600 m, barnehage 300 m, butikk 200 m, buss 100 m",
        "contract_years": 3,
        "notes": "",
    },
    {
        "reference": "SENTRUM-5",
        "tenure": Tenure.SUBLET,
        "rooms": 5,
        "bedrooms": 4,
        "step_free": True,
        "units": 1,
        "vacant_now": 1,
        "vacant_later": 0,
        "vacant_from": None,
        "reserved_for_refugees": False,
        "area": "Sentrum",
        "distances": "Skole 1 km, buss 50 m",
        "contract_years": 3,
        "notes": "",
    },
]
