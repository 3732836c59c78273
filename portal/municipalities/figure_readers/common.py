"""What the readers of published tables share: region codes, symbols, SSB's variables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from portal.municipalities import key_figure_import
from portal.municipalities.key_figure_import import ParsedRow, ParseResult

# SSB's symbols for a cell without a figure; IMDi's own words are mapped onto them.
MISSING_SYMBOLS = ("..", ":", ".")
_REGION = re.compile(r"^\s*(?:[KB]-)?(\d{1,6})\b\s*(.*)$", re.IGNORECASE)
_AGGREGATE = re.compile(r"^\s*(?:F-\d{2}|K-EKG|EKG\d|EAK|hele landet|landet)", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass
class Region:
    number: str = ""  # a 4-digit municipality or 6-digit district number
    name: str = ""
    skip: str = ""  # why the region is no organisation (the country, a county, "not stated")


def region(raw: object) -> Region | None:
    """``K-4204``, ``4204``, ``4204 Kristiansand``, ``301`` (Excel's Oslo) → a region; ``0 Hele
    landet``, ``42 Agder``, ``9999 Uoppgitt`` → a region to skip; anything else → None."""
    text = str(raw).strip()
    match = _REGION.match(text)
    if match is None:
        if _AGGREGATE.match(text):
            return Region(name=text, skip=_("a grouping of municipalities, not one"))
        return None
    digits, name = match.group(1), match.group(2).strip()
    if len(digits) in (3, 5):
        digits = "0" + digits
    if len(digits) in (1, 2):
        return Region(
            number=digits, name=name, skip=_("the country or a county, not a municipality")
        )
    if len(digits) not in (4, 6):
        return None
    if digits == "9999" or (len(digits) == 6 and digits.endswith("99")):
        return Region(number=digits, name=name, skip=_("“not stated”, not an organisation"))
    return Region(number=digits, name=name)


def year(raw: object, today: dt.date) -> int | None:
    match = _YEAR.match(str(raw))
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1990 <= value <= today.year + 1 else None


def year_error(raw: object, today: dt.date) -> str:
    return _("must be a year from 1990 to %(last)s, not “%(value)s”") % {
        "last": today.year + 1,
        "value": raw,
    }


def convert(column: str, raw: object) -> object:
    """A cell of a published table → the key figure's value; ValueError in the reader's words."""
    if isinstance(raw, bool):
        raise ValueError(_("must be a number, not “%(value)s”") % {"value": raw})
    if isinstance(raw, int | float | Decimal):
        if isinstance(raw, float) and not raw == raw:  # NaN
            raise ValueError(_("must be a number, not “%(value)s”") % {"value": raw})
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(_("must be a number, not “%(value)s”") % {"value": raw}) from None
        if column == "immigrant_share":
            if not number.is_finite():
                raise ValueError(_("must be a number, not “%(value)s”") % {"value": raw})
            text = str(number.quantize(Decimal("0.01"))) if abs(number) < 1000 else str(number)
            return key_figure_import.PARSERS[column](text)
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("must be a whole number, not “%(value)s”") % {"value": raw})
        return key_figure_import.PARSERS[column](str(int(number)))
    text = str(raw).strip()
    if column != "immigrant_share":
        text = text.replace(",", ".")
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    return key_figure_import.PARSERS[column](text)


# SSB's statistics variables (ContentsCode) that are key figures, per table. The label rules
# read tables whose codes are not listed (the CSV download names variables by label only).
SSB_CODES: dict[tuple[str, str], str] = {
    ("07459", "Personer1"): "population",
    ("07459", "Personer"): "population",
    ("09817", "AndelBefolkning"): "immigrant_share",
    ("09817", "Andel"): "immigrant_share",
}
SSB_KNOWN = "07459 Personer1 (population), 09817 AndelBefolkning (immigrant_share)"


def ssb_variable(table: str, code: str, label: str) -> str | None:
    """The key figure a table's statistics variable is, or None when the portal has none."""
    if (table, code) in SSB_CODES:
        return SSB_CODES[(table, code)]
    text = label.lower()
    if table in ("", "09817") and ("prosent" in text or "andel" in text or "per cent" in text):
        return "immigrant_share" if table == "09817" or "innvandr" in text else None
    if table in ("", "07459") and ("befolkning" in text or "population" in text):
        return "population"
    if table == "07459" and text in ("personer", "persons"):
        return "population"
    return None


def unknown_variable(table: str, code: str, label: str) -> str:
    return _(
        "the table %(table)s has the variable “%(label)s” (%(code)s), which is not a key figure "
        "the portal knows; it reads %(known)s"
    ) % {"table": table or "?", "label": label, "code": code or "-", "known": SSB_KNOWN}


def add_row(
    result: ParseResult,
    rows: dict[tuple[str, int], ParsedRow],
    *,
    number: str,
    year: int,
    line: int,
    position: str,
    label: str,
) -> ParsedRow:
    key = (number, year)
    row = rows.get(key)
    if row is None:
        row = ParsedRow(
            line=line, year=year, number=number, values={}, position=position, label=label
        )
        rows[key] = row
        result.rows.append(row)
    return row


def decode(content: bytes) -> str:
    """UTF-8 (with or without Excel's byte-order mark), else Windows-1252 as SSB's older files."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def csv_text(content: bytes, result: ParseResult, *, utf16_advice: str) -> str | None:
    """The file as text; None, with the reason in ``result``, when it is UTF-16 or not text."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        result.error(0, "", utf16_advice)
        return None
    text = decode(content)
    if "\x00" in text:
        result.error(0, "", _("The file is not a CSV text file."))
        return None
    return text


def read_csv(text: str, result: ParseResult, read: Callable[..., None], *, delimiter: str) -> None:
    """``read(reader)`` over the text's rows; a row csv cannot read drops every row read and says
    on which line it stopped."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        read(reader)
    except csv.Error:
        result.rows.clear()
        result.error(reader.line_num, "", key_figure_import.unreadable_line())


def cell_count_error(result: ParseResult, line: int, found: int, expected: int) -> None:
    result.error(
        line,
        "",
        _("has %(found)s cells, but the header has %(expected)s columns")
        % {"found": found, "expected": expected},
    )
