"""A streaming XLSX writer for large tables: rows go into the zip as they come, nothing is kept.

openpyxl's write-only mode builds an element and an attribute dictionary for every cell and
serialises it through an XML library; for a million cells that is most of a minute. A data
export needs none of what that machinery is for (styles, formulas, merged cells), so this
writes the worksheet XML itself: each distinct text is escaped once and its cell kept as a ready
fragment (up to ``CACHE_ENTRIES`` of them, short texts only, so memory stays bounded), a row is
one ``str.join``, and the rows go into the zip member in batches.

What it writes: one or more sheets of plain values. Text is an inline string (``t="inlineStr"``,
as XlsxWriter's constant-memory mode writes it), so no shared-string table grows with the file;
``int`` and ``float`` are numbers, ``bool`` a boolean, ``None`` an empty cell. Every text goes
through ``portal.core.spreadsheets.xlsx_value`` first (formula guard, control characters, cell
limit), so nothing in the file is a formula. A sheet longer than Excel's last row raises
``SheetTooLong``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from portal.core.spreadsheets import EXCEL_MAX_ROWS, xlsx_value

CACHE_ENTRIES = 50_000
CACHE_MAX_CHARS = 200
BATCH_ROWS = 500
COMPRESS_LEVEL = 1  # XML deflates well even at the fastest level; the file is ~10 % larger

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ESCAPES = {"\r": "&#13;", '"': "&quot;"}


class SheetTooLong(ValueError):
    """More rows than a spreadsheet can hold."""


def _text_cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text, _ESCAPES)}</t></is></c>'


class XlsxStreamWriter:
    """``with XlsxStreamWriter(out) as book: book.write_sheet("data", rows)``.

    ``out`` is a binary file (seekable or not). Sheets are written one after the other, in the
    order of the calls; the workbook's table of contents is written on close.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        )
        self._sheets: list[str] = []
        self._texts: dict[str, str] = {}

    def __enter__(self) -> XlsxStreamWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()

    def _cell(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            cell = self._texts.get(value)
            if cell is None:
                cell = _text_cell(xlsx_value(value))
                if len(value) <= CACHE_MAX_CHARS and len(self._texts) < CACHE_ENTRIES:
                    self._texts[value] = cell
            return cell
        if value is None:
            return "<c/>"
        if kind is bool:
            return f'<c t="b"><v>{int(value)}</v></c>'
        if kind is int:
            return f"<c><v>{value}</v></c>"
        if kind is float:
            return f"<c><v>{value!r}</v></c>"
        if isinstance(value, str):  # a str subclass (a lazy translation, SafeString)
            return _text_cell(xlsx_value(str(value)))
        if isinstance(value, int | float):
            return self._cell(int(value) if isinstance(value, int) else float(value))
        raise TypeError(f"cannot write a {kind.__name__} to a spreadsheet cell")

    def write_sheet(self, name: str, rows: Iterable[Iterable[Any]]) -> int:
        """Write a sheet; returns the number of rows (the header counts as one)."""
        self._sheets.append(name)
        member = f"xl/worksheets/sheet{len(self._sheets)}.xml"
        cell = self._cell
        texts = self._texts
        count = 0
        with self._zip.open(member, "w") as out:
            out.write(f'{_XML_DECL}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            batch: list[str] = []
            for row in rows:
                count += 1
                if count > EXCEL_MAX_ROWS:
                    raise SheetTooLong(name)
                batch.append(f'<row r="{count}">')
                # The common case inline: a text seen before is one dictionary look-up.
                batch.extend(texts.get(v) or cell(v) if type(v) is str else cell(v) for v in row)
                batch.append("</row>")
                if count % BATCH_ROWS == 0:
                    out.write("".join(batch).encode())
                    batch.clear()
            batch.append("</sheetData></worksheet>")
            out.write("".join(batch).encode())
        return count

    def close(self) -> None:
        sheets = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self._sheets, start=1)
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self._sheets) + 1)
        )
        styles_id = len(self._sheets) + 1
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self._sheets) + 1)
        )
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PKG_REL}">{relations}'
                f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" '
                'Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": (
                f'<styleSheet xmlns="{_MAIN}">'
                '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
                "</border></borders>"
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                "</cellStyleXfs>"
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
                'xfId="0"/></cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                "</cellStyles></styleSheet>"
            ),
        }
        for name, xml in parts.items():
            self._zip.writestr(name, _XML_DECL + xml)
        self._zip.close()
