"""The streaming XLSX writer: what goes in comes back out of openpyxl, typed, never a formula."""

import io

import openpyxl
import pytest

from portal.core import xlsx_stream
from portal.core.xlsx_stream import SheetTooLong, XlsxStreamWriter


def test_values_come_back_with_their_types():
    rows = [
        ["text", "int", "float", "none", "bool"],
        ["Bolig & <skole>", 12, 70.5, None, True],
        [" leading space\nand\rreturn", -5, 1e-05, None, False],
    ]
    out = io.BytesIO()
    with XlsxStreamWriter(out) as book:
        book.write_sheet("data", rows)
        book.write_sheet("codebook", [["column"], ["x"]])
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["data", "codebook"]
    sheet = book["data"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == rows
    types = [c.data_type for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert types[:3] == ["s", "n", "n"]
    assert book["codebook"]["A2"].value == "x"


def test_formulas_and_control_characters_are_made_harmless():
    out = io.BytesIO()
    with XlsxStreamWriter(out) as book:
        book.write_sheet("data", [["=1+1", "Ola\x0bNordmann", "@SUM(A1)"]])
    cells = next(openpyxl.load_workbook(io.BytesIO(out.getvalue()))["data"].iter_rows())
    assert [c.value for c in cells] == ["'=1+1", "OlaNordmann", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in cells)


def test_repeated_texts_are_cached_but_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "CACHE_ENTRIES", 3)
    out = io.BytesIO()
    with XlsxStreamWriter(out) as book:
        book.write_sheet("data", ([f"t{i % 10}", "same"] for i in range(50)))
        assert len(book._texts) == 3
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["data"]
    assert [c.value for c in sheet["A"]] == [f"t{i % 10}" for i in range(50)]


def test_a_sheet_longer_than_excel_allows_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "EXCEL_MAX_ROWS", 2)
    with pytest.raises(SheetTooLong), XlsxStreamWriter(io.BytesIO()) as book:
        book.write_sheet("data", [[1], [2], [3]])


def test_other_types_are_refused():
    with pytest.raises(TypeError), XlsxStreamWriter(io.BytesIO()) as book:
        book.write_sheet("data", [[object()]])
