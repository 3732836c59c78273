"""Readers for the key-figure tables as their sources publish them.

Each reader turns bytes into a ``ParseResult`` (rows of figures per organisation number and
year, or located errors) and never writes. ``read`` picks the reader by format name, or tells
the format from the content when it is unambiguous.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from portal.municipalities import key_figure_import
from portal.municipalities.figure_readers import common, imdi, jsonstat, ssb_csv
from portal.municipalities.key_figure_import import ParseResult

FORMATS = {
    "csv": key_figure_import.parse,
    "ssb-jsonstat": jsonstat.parse,
    "ssb-csv": ssb_csv.parse,
    "imdi-settlement": imdi.parse,
}
AUTO = "auto"


def detect(content: bytes) -> str | None:
    """The format of a file, when it can be told from the content alone."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "ssb-jsonstat"
    text = common.decode(content[:4096]).lower()
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0]
    header = first
    if first.strip().strip('"')[:5].isdigit() and ":" in first and len(lines) > 1:
        return "ssb-csv"  # a title line such as "07459: Befolkning …"
    cells = {
        cell.strip().strip('"').lstrip("\ufeff") for cell in header.replace(";", ",").split(",")
    }
    if "municipality_number" in cells:
        return "csv"
    place = set(imdi.NUMBER_COLUMNS) | set(imdi.COMBINED_COLUMNS) - {"region"}
    if cells & place and any(imdi.figure(cell) for cell in cells):
        return "imdi-settlement"
    if "region" in cells:
        return "ssb-csv"
    return None


def read(content: bytes, *, format: str = AUTO, today: dt.date | None = None) -> ParseResult:
    # What cannot be told is read as the portal's own CSV, whose errors name its columns.
    chosen = (detect(content) or "csv") if format == AUTO else format
    if chosen not in FORMATS:
        result = ParseResult(format="")
        result.error(
            0,
            "",
            _("Unknown format “%(format)s”; the formats are: %(formats)s.")
            % {"format": chosen, "formats": ", ".join(FORMATS)},
        )
        return result
    result = FORMATS[chosen](content, today=today)
    result.format = chosen
    return result
