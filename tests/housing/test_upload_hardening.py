"""Hostile housing files: XML bombs and entities, zip bombs, sheets that lie about their size, rows
past Excel's last row, names with paths in them, a failure half-way through writing. Each gets a
clear answer and leaves the lines as they were; a good file is imported whole."""

import io
import logging
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from housing import files, services
from housing.models import HousingLine, ProfileVersion
from portal.core import spreadsheets
from portal.core.audit.models import AuditEntry
from tests.housing.conftest import line
from tests.housing.test_upload import upload, xlsx
from tests.uploads import post_file

UNREADABLE = "The Excel file cannot be read. Save it again as an Excel workbook (.xlsx)."
GOOD_ROWS = [["tenure", "rooms", "units"], ["shared", 3, 2], ["sublet", 4, 1], ["other", 2, 5]]


@pytest.fixture
def existing(cast):
    return line(cast.a, reference="OLD", rooms=2, bedrooms=1)


def _unchanged(cast, existing):
    assert list(HousingLine.objects.filter(municipality=cast.a)) == [existing]


def _rewrite(content: bytes, part: str, change) -> bytes:
    """The workbook with one part replaced by ``change(old text)``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data.decode()).encode() if name == part else data)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _with_doctype(doctype: str, cell_text: str):
    def change(xml: str) -> str:
        body = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        # The first number cell of the second row gets the entity.
        body = re.sub(r"<v>3</v>", f"<v>{cell_text}</v>", body, count=1)
        return '<?xml version="1.0"?>' + doctype + body

    return change


BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i else "")) * 10}">' for i in range(9))
    + "]>"
)


def test_openpyxl_reads_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_billion_laughs_is_refused_not_expanded(cast, existing, caplog):
    content = _rewrite(xlsx(GOOD_ROWS), SHEET, _with_doctype(BILLION_LAUGHS, "&lol8;"))
    assert b"lol8" in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="housing.files"):
        report = upload(cast, content, filename="b.xlsx")
    assert time.monotonic() - started < 5
    assert report.messages == [UNREADABLE]
    assert "refused by defusedxml" in caplog.text
    _unchanged(cast, existing)


def test_an_external_entity_is_never_fetched(cast, existing, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("4")  # would be a valid number of rooms
    doctype = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    content = _rewrite(xlsx(GOOD_ROWS), SHEET, _with_doctype(doctype, "&xxe;"))
    report = upload(cast, content, filename="b.xlsx")
    assert report.messages == [UNREADABLE]
    _unchanged(cast, existing)


def test_a_small_file_with_a_huge_style_sheet_is_refused_before_it_is_read(cast, existing):
    """openpyxl turns each style element into an object: 5 MB of <xf/> took 16 s and 700 MB."""

    def change(xml: str) -> str:
        return re.sub(
            r"<cellXfs.*</cellXfs>", "<cellXfs>" + "<xf/>" * 1_000_000 + "</cellXfs>", xml
        )

    content = _rewrite(xlsx(GOOD_ROWS), spreadsheets.XLSX_STYLES_PART, change)
    assert len(content) < 100_000
    started = time.monotonic()
    report = upload(cast, content, filename="b.xlsx")
    assert time.monotonic() - started < 2
    assert report.messages == [
        "The Excel file's cell styles take up 4.8\xa0MB; the limit is 1.0\xa0MB. "
        "Copy the cells into a new workbook and upload that."
    ]
    _unchanged(cast, existing)


def test_too_many_parts_is_refused(cast, existing):
    buffer = io.BytesIO(xlsx(GOOD_ROWS))
    with zipfile.ZipFile(buffer, "a") as archive:
        for number in range(spreadsheets.XLSX_MAX_MEMBERS):
            archive.writestr(f"xl/media/{number}.bin", b"")
    report = upload(cast, buffer.getvalue(), filename="b.xlsx")
    assert report.messages == [
        f"The Excel file has {spreadsheets.XLSX_MAX_MEMBERS + 9} parts; "
        f"the limit is {spreadsheets.XLSX_MAX_MEMBERS}."
    ]
    _unchanged(cast, existing)


def test_a_member_that_lies_about_its_size_is_unreadable(cast, existing):
    """The zip's table of contents is the bound: a part is never unpacked past its stated size."""
    content = bytearray(xlsx(GOOD_ROWS))
    info = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo(SHEET)
    stated, small = info.file_size.to_bytes(4, "little"), (10).to_bytes(4, "little")
    # The uncompressed size: in the part's own header, and in its entry in the central directory.
    local = info.header_offset + 22
    central = content.index(b"PK\x01\x02")
    while content[central + 46 : central + 46 + len(SHEET)] != SHEET.encode():
        central = content.index(b"PK\x01\x02", central + 4)
    central += 24
    for at in (local, central):
        assert content[at : at + 4] == stated
        content[at : at + 4] = small
    assert zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo(SHEET).file_size == 10
    report = upload(cast, bytes(content), filename="b.xlsx")
    assert report.messages == [UNREADABLE]
    _unchanged(cast, existing)


def test_rows_past_the_size_the_sheet_claims_are_read_too(cast, existing):
    """A sheet whose <dimension> says A1:C2 still has all its rows imported, not just the first."""
    content = _rewrite(
        xlsx(GOOD_ROWS),
        SHEET,
        lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:C2"', x),
    )
    assert b'<dimension ref="A1:C2"' in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    report = upload(cast, content, filename="b.xlsx")
    assert report.ok, report.messages
    assert report.lines == 3
    assert sorted(HousingLine.objects.values_list("tenure", flat=True)) == [
        "other",
        "shared",
        "sublet",
    ]


def test_a_row_far_past_the_last_row_of_excel_is_refused_quickly(cast, existing):
    far = 10**9

    def change(xml: str) -> str:
        xml = xml.replace('<row r="4"', f'<row r="{far}"')
        return re.sub(r'r="([A-C])4"', rf'r="\g<1>{far}"', xml)

    content = _rewrite(xlsx(GOOD_ROWS), SHEET, change)
    started = time.monotonic()
    report = upload(cast, content, filename="b.xlsx")
    assert time.monotonic() - started < 20
    assert report.messages == [
        f"The sheet has rows past row {spreadsheets.EXCEL_MAX_ROWS}, Excel's last row."
    ]
    _unchanged(cast, existing)


def test_a_row_at_the_last_row_of_excel_is_read(cast, existing, monkeypatch):
    monkeypatch.setattr(spreadsheets, "EXCEL_MAX_ROWS", 1000)
    monkeypatch.setattr(files, "EXCEL_MAX_ROWS", 1000)

    def change(xml: str) -> str:
        xml = xml.replace('<row r="4"', '<row r="1000"')
        return re.sub(r'r="([A-C])4"', r'r="\g<1>1000"', xml)

    report = upload(cast, _rewrite(xlsx(GOOD_ROWS), SHEET, change), filename="b.xlsx")
    assert report.ok and report.lines == 3
    assert HousingLine.objects.filter(tenure="other").exists()


def test_control_characters_never_break_the_excel_download(client, cast):
    """A notes field with a control character (typed or uploaded in a CSV) still downloads."""
    report = upload(cast, "tenure,rooms,units,notes\nshared,3,2,a\x01b\x0b=c\n")
    assert report.ok, report.messages
    assert HousingLine.objects.get().notes == "a\x01b\x0b=c"
    line(cast.a, reference="\x02=1+1", notes="Ola\x1fNordmann")
    client.force_login(cast.viewer_a)
    response = client.get(f"/kommune/{cast.a.number}/profil/bolig/last-ned/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert "ab=c" in values and "OlaNordmann" in values
    # Taking out the control character must not leave a formula behind.
    assert "'=1+1" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_a_failure_half_way_through_writing_leaves_the_old_lines(cast, existing, monkeypatch):
    versions, entries = ProfileVersion.objects.count(), AuditEntry.objects.count()

    def boom(**kwargs):
        assert HousingLine.objects.filter(municipality=cast.a).count() == 3  # written, not kept
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit_log", boom)
    with pytest.raises(RuntimeError):
        upload(cast, xlsx(GOOD_ROWS), filename="b.xlsx")
    _unchanged(cast, existing)
    assert (ProfileVersion.objects.count(), AuditEntry.objects.count()) == (versions, entries)


@pytest.mark.parametrize("name", ["../../../../tmp/evil.csv", "..\\..\\evil.csv", "/etc/evil.csv"])
def test_a_file_name_with_a_path_is_only_a_name(client, cast, existing, settings, tmp_path, name):
    """The name is kept for the change log only; the file is read in memory, never stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.editor_a)
    url = f"/kommune/{cast.a.number}/profil/bolig/last-opp/"
    response = post_file(client, url, name, b"tenure,rooms,units\nshared,3,2\n")
    assert response.status_code == 302, response.context["form"].errors
    entry = AuditEntry.objects.get(action="housing_line.upload")
    assert entry.source == "upload: evil.csv"
    assert ProfileVersion.objects.order_by("-pk").first().note == "evil.csv"
    assert not (tmp_path / "media").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_file_past_every_limit_is_named_with_its_size(client, cast, existing, settings):
    """Past UPLOAD_MAX_BYTES the bytes are not even kept: the form still names size and limit."""
    settings.UPLOAD_MAX_BYTES = 2000
    settings.HOUSING_UPLOAD_MAX_BYTES = 1000
    client.force_login(cast.editor_a)
    big = SimpleUploadedFile("b.csv", b"tenure,rooms,units\n" + b"shared,3,2\n" * 500)
    response = client.post(f"/kommune/{cast.a.number}/profil/bolig/last-opp/", {"file": big})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Filen er på 5,4\xa0KB, men grensen er 1000\xa0byte."
    ]
    assert response.context["report"] is None
    _unchanged(cast, existing)
