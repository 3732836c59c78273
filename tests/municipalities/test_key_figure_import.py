"""The key-figure import: good files, every kind of bad file, and all-or-nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import KeyFigures, KostraGroup
from portal.municipalities.services import key_figures_import
from tests.factories import MunicipalityFactory

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def orgs(cast):
    KostraGroup.objects.create(code="EKG05", name="KOSTRA-gruppe 5")
    return {
        "oslo": MunicipalityFactory(number="0301", name="Oslo", valid_from=dt.date(2013, 1, 1)),
        "kristiansand": cast.a,
        "old": MunicipalityFactory(
            number="1001",
            name="Kristiansand",
            valid_from=dt.date(2013, 1, 1),
            valid_to=dt.date(2020, 1, 1),
        ),
        "gamle_oslo": MunicipalityFactory(
            number="030101", name="Gamle Oslo", kind="district", valid_from=dt.date(2004, 1, 1)
        ),
    }


def run(content, actor=None, **kwargs):
    if isinstance(content, str):
        content = content.encode("utf-8")
    with translation.override("en"):
        report = key_figures_import(
            actor=actor, content=content, source="test", today=TODAY, **kwargs
        )
        report.messages = [str(e) for e in report.errors]
    return report


def test_good_file_creates_rows_and_audit_entries(orgs, cast):
    report = run(
        "year,municipality_number,population,immigrant_share,requested,decided,settled\n"
        "2024,4204,116000,15.5,35,30,28\n"
        "2024,0301,720000,,100,100,\n",
        actor=cast.admin,
    )
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    kf = KeyFigures.objects.get(municipality=orgs["kristiansand"], year=2024)
    assert (kf.population, kf.immigrant_share, kf.requested, kf.decided, kf.settled) == (
        116000,
        Decimal("15.50"),
        35,
        30,
        28,
    )
    oslo = KeyFigures.objects.get(municipality=orgs["oslo"], year=2024)
    assert oslo.immigrant_share is None and oslo.settled is None
    entries = AuditEntry.objects.filter(action="key_figures.create")
    assert entries.count() == 2
    entry = entries.get(municipality=orgs["kristiansand"])
    assert entry.actor == cast.admin
    assert entry.changes["requested"] == [None, 35]


def test_reimporting_the_same_file_is_a_no_op(orgs):
    content = "year,municipality_number,population,decided\n2024,4204,116000,30\n"
    run(content)
    before = AuditEntry.objects.count()
    report = run(content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert AuditEntry.objects.count() == before


def test_later_file_updates_and_keeps_old_value_in_audit_log(orgs, cast):
    run("year,municipality_number,decided,settled\n2024,4204,30,10\n")
    report = run("year,municipality_number,settled\n2024,4204,25\n", actor=cast.admin)
    assert (report.created, report.updated) == (0, 1)
    kf = KeyFigures.objects.get(municipality=orgs["kristiansand"], year=2024)
    assert (kf.decided, kf.settled) == (30, 25), "a column not in the file is left as it was"
    entry = AuditEntry.objects.get(action="key_figures.update")
    assert entry.changes == {"settled": [10, 25]}
    assert entry.actor == cast.admin


def test_blank_cell_leaves_value_unchanged(orgs):
    run("year,municipality_number,decided,settled\n2024,4204,30,10\n")
    run("year,municipality_number,decided,settled\n2024,4204,,12\n")
    kf = KeyFigures.objects.get(municipality=orgs["kristiansand"], year=2024)
    assert (kf.decided, kf.settled) == (30, 12)


def test_excel_norwegian_semicolons_bom_decimal_comma_and_spaces(orgs):
    content = (
        "\ufeffyear;municipality_number;population;immigrant_share\r\n2024;301;720 000;28,4\r\n"
    )
    report = run(content.encode("utf-8"))
    assert report.ok, report.errors
    kf = KeyFigures.objects.get(municipality=orgs["oslo"], year=2024)
    assert (kf.population, kf.immigrant_share) == (720000, Decimal("28.40"))


def test_district_number_without_leading_zero(orgs):
    report = run("year,municipality_number,settled\n2024,30101,12\n")
    assert report.ok, report.errors
    assert KeyFigures.objects.get(municipality=orgs["gamle_oslo"]).settled == 12


def test_number_attaches_to_the_municipality_of_that_year(orgs):
    report = run("year,municipality_number,settled\n2014,1001,40\n2024,4204,28\n")
    assert report.ok, report.errors
    assert KeyFigures.objects.get(municipality=orgs["old"], year=2014).settled == 40
    assert KeyFigures.objects.get(municipality=orgs["kristiansand"], year=2024).settled == 28


def test_kostra_group_and_centrality(orgs):
    report = run(
        "year,municipality_number,kostra_group,centrality_class,centrality_score\n2024,4204,ekg05,2,850\n"
    )
    assert report.ok, report.errors
    kf = KeyFigures.objects.get(municipality=orgs["kristiansand"])
    assert (kf.kostra_group, kf.centrality_class, kf.centrality_score) == ("EKG05", 2, 850)


BAD_FILES = {
    "unknown municipality": (
        "year,municipality_number,settled\n2024,4204,1\n2024,9876,3\n",
        "line 3, municipality_number: 9876 is not a known municipality",
    ),
    "number not in force that year": (
        "year,municipality_number,settled\n2024,1001,3\n",
        "line 2, municipality_number: 1001 was not a municipality number in 2024",
    ),
    "non-numeric count": (
        "year,municipality_number,settled\n2024,4204,many\n",
        "line 2, settled: must be a whole number, not “many”",
    ),
    "fractional count": (
        "year,municipality_number,population\n2024,4204,12.5\n",
        "line 2, population: must be a whole number",
    ),
    "negative count": (
        "year,municipality_number,requested\n2024,4204,-5\n",
        "line 2, requested: cannot be negative",
    ),
    "share above 100": (
        "year,municipality_number,immigrant_share\n2024,4204,100.5\n",
        "line 2, immigrant_share: must be a percentage between 0 and 100",
    ),
    "share below 0": (
        "year,municipality_number,immigrant_share\n2024,4204,-1\n",
        "line 2, immigrant_share: must be a percentage between 0 and 100",
    ),
    "share not a number": (
        "year,municipality_number,immigrant_share\n2024,4204,high\n",
        "line 2, immigrant_share: must be a number between 0 and 100",
    ),
    "duplicate row": (
        "year,municipality_number,settled\n2024,4204,1\n2023,4204,2\n2024,4204,3\n",
        "line 4: is a second row for 4204 in 2024 (the first is on line 2)",
    ),
    "duplicate row, Excel dropped the zero": (
        "year,municipality_number,settled\n2024,0301,1\n2024,301,3\n",
        "line 3: is a second row for 0301 in 2024 (the first is on line 2)",
    ),
    "missing required column": (
        "municipality_number,settled\n4204,1\n",
        "line 1, year: the required column is missing",
    ),
    "unknown column": (
        "year,municipality_number,setled\n2024,4204,1\n",
        "line 1, setled: unknown column",
    ),
    "column twice": (
        "year,municipality_number,settled,settled\n2024,4204,1,2\n",
        "line 1, settled: the column appears twice",
    ),
    "wrong cell count": (
        "year,municipality_number,settled\n2024,4204,1,7\n",
        "line 2: has 4 cells, but the header has 3 columns",
    ),
    "year in the future": (
        "year,municipality_number,settled\n2031,4204,1\n",
        "line 2, year: must be between 1990 and 2026",
    ),
    "year not a number": (
        "year,municipality_number,settled\nin fjor,4204,1\n",
        "line 2, year: must be a whole number",
    ),
    "empty municipality number": (
        "year,municipality_number,settled\n2024,,1\n",
        "line 2, municipality_number: the cell is empty",
    ),
    "malformed municipality number": (
        "year,municipality_number,settled\n2024,42-04,1\n",
        "line 2, municipality_number: must be a municipality number of 4 digits",
    ),
    "unknown KOSTRA group": (
        "year,municipality_number,kostra_group\n2024,4204,EKG99\n",
        "line 2, kostra_group: EKG99 is not a known KOSTRA group",
    ),
    "malformed KOSTRA group": (
        "year,municipality_number,kostra_group\n2024,4204,gruppe fem\n",
        "line 2, kostra_group: must be a KOSTRA group such as EKG05",
    ),
    "centrality class out of range": (
        "year,municipality_number,centrality_class\n2024,4204,7\n",
        "line 2, centrality_class: must be between 1 and 6",
    ),
    "more in work than completed": (
        "year,municipality_number,intro_completed,intro_work_or_education_1y\n2024,4204,10,12\n",
        "line 2, intro_work_or_education_1y: cannot be more than intro_completed (10), but is 12",
    ),
    "header only": (
        "year,municipality_number,settled\n",
        "The file has a header but no rows of figures.",
    ),
    "empty file": ("", "The file is empty."),
    "blank lines only": ("\n\n  \n", "The file is empty."),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_whole_with_line_numbers(orgs, case):
    content, expected = BAD_FILES[case]
    report = run(content)
    assert not report.ok
    messages = report.messages
    assert any(m.startswith(expected) for m in messages), messages
    assert KeyFigures.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_wrong_encoding_is_explained(orgs):
    content = "year,municipality_number,population\n2024,4204,1\n# Bærum\n".encode("cp1252")
    report = run(content)
    assert not report.ok
    assert "UTF-8" in report.messages[0]
    assert KeyFigures.objects.count() == 0


def test_utf16_is_explained(orgs):
    report = run("year,municipality_number\n2024,4204\n".encode("utf-16"))
    assert not report.ok and "UTF-8" in report.messages[0]


def test_binary_file_is_refused(orgs):
    report = run(b"PK\x03\x04\x00\x00 this is a zip")
    assert not report.ok


def test_errors_in_many_rows_are_all_reported_and_nothing_written(orgs):
    rows = "".join(
        f"2024,4204,{v}\n" if i == 0 else f"{2000 + i},4204,x{i}\n" for i, v in enumerate(range(5))
    )
    report = run("year,municipality_number,settled\n" + rows)
    assert report.error_count == 4
    assert [e.line for e in report.errors] == [3, 4, 5, 6]
    assert KeyFigures.objects.count() == 0


def test_error_list_is_capped_but_counted(orgs):
    rows = "".join(f"2024,{9000 + i},x\n" for i in range(300))
    report = run("year,municipality_number,settled\n" + rows)
    assert report.error_count == 300
    assert len(report.errors) == 200


def test_dry_run_reports_and_writes_nothing(orgs):
    report = run("year,municipality_number,settled\n2024,4204,1\n", dry_run=True)
    assert report.ok and report.created == 1
    assert KeyFigures.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_failure_half_way_through_writing_rolls_back(orgs, monkeypatch):
    from portal.municipalities import services

    def boom(entries):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit_log_many", boom)
    with pytest.raises(RuntimeError):
        run("year,municipality_number,settled\n2024,4204,1\n2024,0301,2\n")
    assert KeyFigures.objects.count() == 0


def test_management_command(orgs, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("year,municipality_number,settled\n2024,4204,7\n", encoding="utf-8")
    call_command("import_key_figures", str(good))
    assert KeyFigures.objects.get().settled == 7

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "year,municipality_number,settled\n2024,4204,8\n2024,4204,-1\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_key_figures", str(bad))
    assert KeyFigures.objects.get().settled == 7

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_key_figures", str(tmp_path / "missing.csv"))


def test_upload_page(client, cast, orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.admin)
    upload = SimpleUploadedFile(
        "tall.csv", b"year,municipality_number,settled\n2024,4204,9\n", "text/csv"
    )
    response = client.post("/direktoratet/nokkeltall/import/", {"file": upload, "format": "auto"})
    # The upload only makes a preview; the confirmation writes.
    assert response.status_code == 302 and "/direktoratet/nokkeltall/import/" in response.url
    assert not KeyFigures.objects.exists()
    preview = client.get(response.url)
    assert "Bekreft import" in preview.content.decode()
    client.post(response.url + "bekreft/")
    assert KeyFigures.objects.get(municipality=orgs["kristiansand"]).settled == 9
    entry = AuditEntry.objects.get(action="key_figures.create")
    assert entry.actor == cast.admin and entry.source == "upload: tall.csv"

    bad = SimpleUploadedFile(
        "tall.csv", b"year,municipality_number,settled\n2024,4204,mange\n", "text/csv"
    )
    response = client.post("/direktoratet/nokkeltall/import/", {"file": bad, "format": "auto"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "mange" in body and "linje 2" in body
    assert KeyFigures.objects.get(municipality=orgs["kristiansand"]).settled == 9


def test_upload_size_limit(client, cast, orgs, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.KEY_FIGURE_UPLOAD_MAX_BYTES = 100
    client.force_login(cast.admin)
    upload = SimpleUploadedFile(
        "big.csv", b"year,municipality_number\n" + b"2024,4204\n" * 50, "text/csv"
    )
    response = client.post("/direktoratet/nokkeltall/import/", {"file": upload})
    assert response.status_code == 200
    assert "grensen er" in response.content.decode()
    assert KeyFigures.objects.count() == 0


def test_format_errors_and_unknown_municipalities_are_reported_together(orgs):
    report = run("year,municipality_number,settled\n2024,4204,x\n2024,9876,1\n2024,0301,1\n")
    assert [m.split(":")[0] for m in report.messages] == [
        "line 2, settled",
        "line 3, municipality_number",
    ]
    assert report.error_count == 2
    assert KeyFigures.objects.count() == 0


@pytest.mark.parametrize("name", ["../../etc/tall.csv", "C:\\Users\\x\\tall.csv"])
def test_a_file_name_with_a_path_is_only_a_name(client, cast, orgs, name, settings, tmp_path):
    from tests.uploads import post_file

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.admin)
    content = b"year,municipality_number,settled\n2024,4204,9\n"
    response = post_file(client, "/direktoratet/nokkeltall/import/", name, content)
    assert response.status_code == 302
    client.post(response.url + "bekreft/")
    assert AuditEntry.objects.get(action="key_figures.create").source == "upload: tall.csv"
    assert list(tmp_path.iterdir()) == []


def test_a_file_past_every_limit_is_refused_with_its_size(client, cast, orgs, settings):
    """Past UPLOAD_MAX_BYTES the rest of the file is counted, not kept, and still named."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.core.uploads import OversizedUpload

    settings.UPLOAD_MAX_BYTES = 1024
    settings.KEY_FIGURE_UPLOAD_MAX_BYTES = 500
    client.force_login(cast.admin)
    upload = SimpleUploadedFile(
        "big.csv", b"year,municipality_number\n" + b"2024,4204\n" * 1000, "text/csv"
    )
    response = client.post("/direktoratet/nokkeltall/import/", {"file": upload})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["file"] == ["Filen er på 9,8\xa0KB, men grensen er 500\xa0byte."]
    received = form.files["file"]
    assert isinstance(received, OversizedUpload) and received.size == 10_025
    assert KeyFigures.objects.count() == 0
