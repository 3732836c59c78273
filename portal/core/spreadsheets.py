"""What every CSV or Excel download and every uploaded workbook has in common.

Downloads: text that a spreadsheet would take for a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab, a carriage return or a line feed, or with spaces and then one of the first four) or
for an error value (``#N/A`` and the like) gets a leading apostrophe, in CSV and in XLSX alike (OWASP's advice against CSV injection). Numbers
stay numbers, so a negative number is still a number. The housing upload takes the apostrophe off
again (``unguard``), so a downloaded file uploads unchanged; for that, text that already starts
with apostrophes before such a character gets one more.

Uploads: an .xlsx is a zip of XML parts. ``check_xlsx`` looks at the zip's table of contents
before openpyxl opens it and refuses a file with too many parts or that would unpack to too much
(a "zip bomb"), and one whose style sheet is large: openpyxl reads the style sheet whole and
builds an object for each element, well over a hundred times its size in memory. The sizes in
the table of contents are a true bound: the zip reader stops at the declared size. XML entity
declarations (the "billion laughs") are refused by defusedxml, which openpyxl uses when it is
installed; ``portal.core.checks`` makes sure it is.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_AFTER_SPACES = re.compile(r"^[\s\u00a0]+[=+\-@]")

XLSX_MAGIC = b"PK\x03\x04"
XLSX_CELL_LIMIT = 32767  # characters: Excel refuses a longer cell
# Control characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
XLSX_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# A workbook saved by Excel has a dozen parts, a few dozen with many sheets and pictures.
XLSX_MAX_MEMBERS = 500
# Everything unpacked; the worksheets are read as a stream, the rest is read whole.
XLSX_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# Excel's own style sheet for a workbook is a few kilobytes.
XLSX_STYLES_PART = "xl/styles.xml"
XLSX_MAX_STYLES_BYTES = 1024 * 1024
# Excel's last row: no file Excel wrote goes further, and openpyxl fills in missing rows.
EXCEL_MAX_ROWS = 1_048_576


class SpreadsheetError(ValueError):
    """A file that is refused before it is read, with the reason in words for the person."""


# --- downloads -------------------------------------------------------------------------------


# Text a spreadsheet shows as an error value instead (openpyxl writes it as one, too).
ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def needs_guard(text: str) -> bool:
    text = text.lstrip("'")
    return (
        text.startswith(FORMULA_PREFIXES)
        or bool(_FORMULA_AFTER_SPACES.match(text))
        or text.strip().upper() in ERROR_VALUES
    )


def neutralise(value: Any) -> Any:
    """A text a spreadsheet would take for a formula gets a leading ``'``; anything else stays."""
    if isinstance(value, str) and needs_guard(value):
        return "'" + value
    return value


def unguard(text: str) -> str:
    """The text ``neutralise`` was given, for a cell that comes back in an upload."""
    if text.startswith("'") and needs_guard(text[1:]):
        return text[1:]
    return text


def xlsx_value(value: Any) -> Any:
    """A value openpyxl can write and Excel can open, and that is never a formula.

    Control characters XML cannot hold are dropped (openpyxl would refuse the cell), text is cut
    at Excel's cell limit, and what is left is neutralised. Numbers, dates and None pass.
    """
    if isinstance(value, str):
        return neutralise(XLSX_ILLEGAL_CHARACTERS.sub("", value))[:XLSX_CELL_LIMIT]
    return value


# --- uploads ---------------------------------------------------------------------------------


def unreadable_xlsx() -> str:
    return _("The Excel file cannot be read. Save it again as an Excel workbook (.xlsx).")


def check_xlsx(content: bytes) -> None:
    """Raise ``SpreadsheetError`` unless the workbook may be given to openpyxl.

    Reads only the zip's table of contents, never a part.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise SpreadsheetError(unreadable_xlsx()) from None
    with archive:
        members = archive.infolist()
    if len(members) > XLSX_MAX_MEMBERS:
        raise SpreadsheetError(
            _("The Excel file has %(count)s parts; the limit is %(limit)s.")
            % {"count": len(members), "limit": XLSX_MAX_MEMBERS}
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            _("The Excel file is %(size)s when unpacked; the limit is %(limit)s.")
            % {
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(XLSX_MAX_UNPACKED_BYTES),
            }
        )
    styles = sum(m.file_size for m in members if m.filename == XLSX_STYLES_PART)
    if styles > XLSX_MAX_STYLES_BYTES:
        raise SpreadsheetError(
            _(
                "The Excel file's cell styles take up %(size)s; the limit is %(limit)s. Copy the cells into a new workbook and upload that."
            )
            % {"size": filesizeformat(styles), "limit": filesizeformat(XLSX_MAX_STYLES_BYTES)}
        )
