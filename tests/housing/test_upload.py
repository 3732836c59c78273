"""Upload and download of housing lines: good files, every kind of bad file, nothing written on
error, no formulas run on upload, none slipped into a download."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from housing import files, services
from housing.models import HousingLine, ProfileVersion
from portal.core.audit.models import AuditEntry
from portal.core.spreadsheets import XLSX_MAX_UNPACKED_BYTES
from tests.housing.conftest import line

HEADER = "reference,tenure,rooms,bedrooms,step_free,units,vacant_now,vacant_later,vacant_from,reserved_for_refugees,area,distances,contract_years,notes"


def upload(cast, content, *, actor=None, dry_run=False, filename="boliger.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    with translation.override("en"):
        report = services.housing_lines_upload(
            actor=actor or cast.editor_a,
            municipality=cast.a,
            content=content,
            filename=filename,
            dry_run=dry_run,
        )
        report.messages = [str(e) for e in report.errors]
    return report


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def existing(cast):
    return line(cast.a, reference="OLD", rooms=2, bedrooms=1)


def _unchanged(cast, existing):
    assert list(HousingLine.objects.filter(municipality=cast.a)) == [existing]


# --- good files -----------------------------------------------------------------------------


def test_good_csv_replaces_every_line(cast, existing):
    versions = ProfileVersion.objects.count()
    report = upload(
        cast,
        f"{HEADER}\n"
        "LUND-3,municipal_rental,3,2,nei,4,1,1,2026-08-01,ja,Lund,Skole 600 m,3,\n"
        "SENTRUM-5,framleie,5,4,ja,1,1,,,nei,Sentrum,,,Ny\n",
    )
    assert report.ok, report.messages
    assert (report.lines, report.units, report.replaced) == (2, 5, 1)
    lines = {hl.reference: hl for hl in HousingLine.objects.filter(municipality=cast.a)}
    assert set(lines) == {"LUND-3", "SENTRUM-5"}
    lund = lines["LUND-3"]
    assert (lund.tenure, lund.rooms, lund.units, lund.vacant_now, lund.vacant_later) == (
        "municipal_rental",
        3,
        4,
        1,
        1,
    )
    assert lund.vacant_from == dt.date(2026, 8, 1) and lund.reserved_for_refugees
    assert lines["SENTRUM-5"].tenure == "sublet" and lines["SENTRUM-5"].step_free
    version = ProfileVersion.objects.order_by("-id").first()
    assert ProfileVersion.objects.count() == versions + 1
    assert version.kind == "upload" and len(version.snapshot) == 2
    entry = AuditEntry.objects.get(action="housing_line.upload")
    assert entry.changes == {"lines": [1, 2]} and entry.actor == cast.editor_a


def test_semicolons_bom_norwegian_dates_and_only_the_required_columns(cast):
    content = (
        "\ufefftenure;rooms;units;vacant_later;vacant_from\nBofellesskap;4;1 000;2;01.09.2026\n"
    )
    report = upload(cast, content)
    assert report.ok, report.messages
    hl = HousingLine.objects.get(municipality=cast.a)
    assert (hl.tenure, hl.units, hl.vacant_from) == ("shared", 1000, dt.date(2026, 9, 1))


def test_good_xlsx(cast, existing):
    content = xlsx(
        [
            [
                "tenure",
                "rooms",
                "bedrooms",
                "units",
                "vacant_now",
                "step_free",
                "vacant_later",
                "vacant_from",
            ],
            ["municipal_rental", 4, 3, 2, 1, True, 1, dt.datetime(2026, 8, 1)],
            ["rent_to_own", 6.0, 5, 1, 0, "nei", None, None],
        ]
    )
    report = upload(cast, content, filename="boliger.xlsx")
    assert report.ok, report.messages
    assert sorted(HousingLine.objects.values_list("rooms", flat=True)) == [4, 6]


def test_dry_run_checks_and_writes_nothing(cast, existing):
    report = upload(cast, "tenure,rooms,units\nshared,3,2\n", dry_run=True)
    assert report.ok and report.lines == 1 and report.replaced == 1
    _unchanged(cast, existing)


# --- bad files: every error listed with its line, nothing written ----------------------------

BAD_FILES = [
    ("empty", b"", "The file is empty."),
    ("blank lines", b"\n\n", "The file is empty."),
    ("header only", b"tenure,rooms,units\n", "The file has a header but no housing lines."),
    ("not utf-8", "tenure,rooms,units\nshared,3,2,Tromsø\n".encode("latin-1"), "not in UTF-8"),
    ("utf-16", "tenure,rooms,units\n".encode("utf-16"), "not in UTF-8"),
    (
        "missing column",
        b"tenure,rooms\nshared,3\n",
        "line 1, units: the required column is missing",
    ),
    (
        "unknown column",
        b"tenure,rooms,units,colour\nshared,3,2,red\n",
        "line 1, colour: unknown column",
    ),
    (
        "twice",
        b"tenure,rooms,units,rooms\nshared,3,2,3\n",
        "line 1, rooms: the column appears twice",
    ),
    ("bad tenure", b"tenure,rooms,units\nvilla,3,2\n", "line 2, tenure: is not a known tenure"),
    (
        "not a number",
        b"tenure,rooms,units\nshared,three,2\n",
        "line 2, rooms: must be a whole number",
    ),
    ("decimal", b"tenure,rooms,units\nshared,3.5,2\n", "line 2, rooms: must be a whole number"),
    ("zero rooms", b"tenure,rooms,units\nshared,0,2\n", "line 2, rooms: must be between 1 and 20"),
    ("empty required", b"tenure,rooms,units\nshared,,2\n", "line 2, rooms: the cell is empty"),
    (
        "bad yes/no",
        b"tenure,rooms,units,step_free\nshared,3,2,maybe\n",
        "line 2, step_free: must be yes or no",
    ),
    (
        "bad date",
        b"tenure,rooms,units,vacant_later,vacant_from\nshared,3,2,1,soon\n",
        "line 2, vacant_from: must be a date",
    ),
    (
        "too many vacant",
        b"tenure,rooms,units,vacant_now\nshared,3,2,3\n",
        "line 2, vacant_now: cannot be more than the units (2)",
    ),
    (
        "later without date",
        b"tenure,rooms,units,vacant_later\nshared,3,2,1\n",
        "line 2, vacant_from: give the date",
    ),
    (
        "bedrooms",
        b"tenure,rooms,bedrooms,units\nshared,3,3,2\n",
        "line 2, bedrooms: must be fewer than the rooms",
    ),
    (
        "too many cells",
        b"tenure,rooms,units\nshared,3,2,9\n",
        "line 2: has 4 cells, but the header has 3 columns",
    ),
    (
        "same reference",
        b"reference,tenure,rooms,units\nA,shared,3,2\na,shared,4,1\n",
        "line 3, reference: “a” is also on line 2",
    ),
    (
        "too long",
        b"tenure,rooms,units,area\nshared,3,2," + b"x" * 121 + b"\n",
        "line 2, area: is 121 characters long",
    ),
    ("not a spreadsheet", b"PK\x03\x04garbage", "The Excel file cannot be read"),
    ("binary", b"\x00\x01\x02tenure", "neither a CSV text file nor an Excel workbook"),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_writes_nothing_and_says_where(cast, existing, case, content, message):
    versions, entries = ProfileVersion.objects.count(), AuditEntry.objects.count()
    report = upload(cast, content)
    assert not report.ok
    assert any(message in m for m in report.messages), report.messages
    _unchanged(cast, existing)
    assert (ProfileVersion.objects.count(), AuditEntry.objects.count()) == (versions, entries)


def test_every_error_of_the_file_is_listed_not_just_the_first(cast, existing):
    report = upload(
        cast, "tenure,rooms,units\nshared,3,2\nvilla,3,2\nshared,x,2\nshared,3,2\nshared,3,0\n"
    )
    assert [e.line for e in report.errors] == [3, 4, 6]
    _unchanged(cast, existing)


def test_xlsx_errors_use_excel_row_numbers(cast, existing):
    content = xlsx(
        [["tenure", "rooms", "units"], ["shared", 3, 2], [None, None, None], ["shared", "x", 1]]
    )
    report = upload(cast, content, filename="b.xlsx")
    assert report.messages == ["line 4, rooms: must be a whole number, not “x”"]
    _unchanged(cast, existing)


def test_xlsx_formulas_are_never_run(cast, existing):
    """A formula cell is read for its stored result only; one never calculated reads as empty."""
    content = xlsx([["tenure", "rooms", "units"], ["shared", "=1+2", 2]])
    report = upload(cast, content, filename="b.xlsx")
    assert report.messages == ["line 2, rooms: the cell is empty"]
    _unchanged(cast, existing)


def test_xlsx_zip_bomb_is_refused(cast, existing):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2 * XLSX_MAX_UNPACKED_BYTES)
    assert len(buffer.getvalue()) < 100_000
    report = upload(cast, buffer.getvalue(), filename="b.xlsx")
    assert report.messages == [
        "The Excel file is 40.0\xa0MB when unpacked; the limit is 20.0\xa0MB."
    ]
    _unchanged(cast, existing)


def test_too_many_lines(cast, existing, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 3)
    report = upload(cast, "tenure,rooms,units\n" + "shared,3,2\n" * 5)
    assert any("more than 3 housing lines" in m for m in report.messages)
    _unchanged(cast, existing)


def test_blank_rows_in_an_upload_do_not_drop_lines(cast):
    line(cast.a, reference="OLD")
    rows = ["reference;tenure;rooms;units"]
    for i in range(3000):
        rows.append(f"R{i};municipal_rental;3;1")
        rows.append("")  # a blank separator line after every line
    content = ("\r\n".join(rows) + "\r\n").encode()
    report = services.housing_lines_upload(
        actor=cast.editor_a, municipality=cast.a, content=content, filename="x.csv"
    )
    assert report.ok, report.errors[:3]
    assert HousingLine.objects.filter(municipality=cast.a).count() == 3000


def test_the_form_refuses_a_file_too_large_or_of_another_kind(client, cast, settings):
    settings.HOUSING_UPLOAD_MAX_BYTES = 10
    client.force_login(cast.editor_a)
    url = f"/kommune/{cast.a.number}/profil/bolig/last-opp/"
    big = SimpleUploadedFile("b.csv", b"tenure,rooms,units\nshared,3,2\n")
    response = client.post(url, {"file": big})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] and response.context["report"] is None
    settings.HOUSING_UPLOAD_MAX_BYTES = 10_000
    pdf = SimpleUploadedFile("b.pdf", b"%PDF-1.4")
    response = client.post(url, {"file": pdf})
    assert response.context["form"].errors["file"]
    assert not HousingLine.objects.exists()


# --- downloads ------------------------------------------------------------------------------


def test_download_guards_against_formulas_and_round_trips(client, cast):
    line(
        cast.a,
        reference='=HYPERLINK("http://x")',
        area="+47 sentrum",
        notes="@SUM(A1)",
        vacant_later=1,
        vacant_from=dt.date(2026, 8, 1),
    )
    line(cast.a, reference="-1", rooms=4, bedrooms=3, distances="Skole 1 km")
    client.force_login(cast.viewer_a)
    base = f"/kommune/{cast.a.number}/profil/bolig/last-ned/"
    csv_bytes = client.get(base).content
    text = csv_bytes.decode("utf-8-sig")
    assert (
        "'=HYPERLINK" in text and "'+47 sentrum" in text and "'@SUM(A1)" in text and "'-1" in text
    )
    assert "2026-08-01" in text

    xlsx_bytes = client.get(f"{base}?format=xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://x")' in values and "'+47 sentrum" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

    # What was downloaded uploads again unchanged (the guard apostrophe is taken off).
    before = sorted(HousingLine.objects.values_list("reference", "area", "notes", "rooms"))
    for content, name in ((csv_bytes, "b.csv"), (xlsx_bytes, "b.xlsx")):
        report = upload(cast, content, filename=name)
        assert report.ok, report.messages
        assert (
            sorted(HousingLine.objects.values_list("reference", "area", "notes", "rooms")) == before
        )


def test_template_files(client, cast):
    client.force_login(cast.editor_a)
    base = f"/kommune/{cast.a.number}/profil/bolig/mal/"
    csv_text = client.get(base).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ";".join(files.COLUMNS)
    workbook = load_workbook(io.BytesIO(client.get(f"{base}?format=xlsx").content))
    assert workbook.sheetnames == ["housing", "guide"]
    assert [c.value for c in workbook["housing"][1]] == list(files.COLUMNS)
    assert workbook["guide"].max_row == len(files.COLUMNS) + 1
    # The template's example rows are themselves a good file.
    report = upload(
        cast, client.get(f"{base}?format=xlsx").content, filename="mal.xlsx", dry_run=True
    )
    assert report.ok and report.lines == 2
    report = upload(cast, csv_text, dry_run=True)
    assert report.ok and report.lines == 2


def test_upload_page(client, cast, existing):
    client.force_login(cast.editor_a)
    url = f"/kommune/{cast.a.number}/profil/bolig/last-opp/"
    bad = SimpleUploadedFile("b.csv", b"tenure,rooms,units\nvilla,3,2\n")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert response.context["report"].error_count == 1
    assert 'id="upload-errors"' in response.content.decode()
    _unchanged(cast, existing)
    good = SimpleUploadedFile("b.csv", b"tenure,rooms,units\nshared,3,2\nshared,4,1\n")
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert HousingLine.objects.filter(municipality=cast.a).count() == 2
