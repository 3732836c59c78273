"""A table on a named municipal structure: the 2024-structure SSB population file for 2019–2024,
mapped through the real code history and crosswalk, previewed, confirmed, and shown."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from portal.accounts.models import DirectorateRole
from portal.core.audit.models import AuditEntry
from portal.municipalities.key_figure_plan import CHANGE, CREATE, UNCHANGED
from portal.municipalities.models import KeyFigures, KeyFigureUpload, Municipality
from portal.municipalities.reference_data import load_reference_data
from portal.municipalities.services import (
    key_figure_upload_cancel,
    key_figure_upload_confirm,
    key_figure_upload_start,
    key_figures_import,
    key_figures_preview,
)
from tests.factories import KeyFiguresFactory, UserFactory

DATA = Path(__file__).resolve().parent / "data"
POPULATION = (DATA / "ssb_07459_structure_2024.json").read_bytes()
TODAY = dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def register(db):
    load_reference_data()


@pytest.fixture
def admin(db):
    return UserFactory(username="kf-admin", directorate_role=DirectorateRole.ADMIN)


def org(number, year):
    day = dt.date(year, 1, 1)
    return next(m for m in Municipality.objects.filter(number=number) if m.valid_on(day))


def preview(content=POPULATION, **kwargs):
    with translation.override("en"):
        plan = key_figures_preview(content=content, today=TODAY, **kwargs)
        notes = {(row.number, row.year): row.mapping for row in plan.rows}
    return plan, notes


def test_a_2024_structure_population_file_previews_and_confirms_exactly(register, admin):
    kristiansand, oslo = org("4204", 2024), org("0301", 2024)
    # Stored before: Oslo 2024 as in the file (unchanged), Oslo 2023 different (a change), and
    # Kristiansand 2022 with only a settlement figure (a change that adds the population).
    KeyFiguresFactory(municipality=oslo, year=2024, population=717710)
    KeyFiguresFactory(municipality=oslo, year=2023, population=700000)
    KeyFiguresFactory(municipality=kristiansand, year=2022, settled=300)

    upload, plan = key_figure_upload_start(
        actor=admin,
        content=POPULATION,
        file_name="07459.json",
        format="ssb-jsonstat",
        structure=2024,
        today=TODAY,
    )
    assert plan.ok, plan.errors
    assert upload is not None and upload.status == "pending"
    actions = {(str(row.municipality.number), row.year): row.action for row in plan.rows}
    assert actions[("0301", 2024)] == UNCHANGED
    assert actions[("0301", 2023)] == CHANGE
    assert actions[("4204", 2022)] == CHANGE
    assert actions[("4204", 2021)] == CREATE
    changes = {(row.municipality.number, row.year): row.changes for row in plan.rows}
    assert changes[("0301", 2023)] == {"population": (700000, 709037)}
    assert changes[("4204", 2022)] == {"population": (None, 113737)}
    # Mapped rows: merger kept on the 2024 organisation, renumberings onto the organisation of
    # the year; 1508 Ålesund 2019–2023 is missing in the table and left alone.
    with translation.override("en"):
        notes = {(row.number, row.year): row.mapping for row in plan.mapped}
    assert notes[("4204", 2019)] == "kept on the 2024 structure (merged from 1001, 1017, 1018)"
    assert notes[("4601", 2019)].startswith("renumbered 1201 → 4601")
    assert notes[("3101", 2019)].startswith("renumbered 0101 → 3101")
    assert notes[("3101", 2022)].startswith("renumbered 3001 → 3101")
    assert ("4204", 2020) not in notes and ("0301", 2019) not in notes
    assert plan.missing_counts() == {"missing": 5}
    assert {m.year for m in plan.missing if m.number == "1508"} == {2019, 2020, 2021, 2022, 2023}
    assert plan.parsed.skipped == ["0 Hele landet"]
    expected = {
        (row.municipality.pk, row.year): dict(row.values)
        for row in plan.rows
        if row.action != UNCHANGED
    }
    assert (plan.created, plan.updated, plan.unchanged) == (22, 2, 1)
    assert not AuditEntry.objects.filter(action__startswith="key_figures.c").exists()

    report = key_figure_upload_confirm(actor=admin, upload=upload, today=TODAY)
    assert report is not None and report.ok and not report.stale
    assert (report.created, report.updated, report.unchanged) == (22, 2, 1)
    for (municipality_id, year), values in expected.items():
        kf = KeyFigures.objects.get(municipality_id=municipality_id, year=year)
        assert {name: getattr(kf, name) for name in values} == values
    assert KeyFigures.objects.count() == 25  # 22 new + the 3 that were there
    merged = KeyFigures.objects.get(municipality=kristiansand, year=2019)
    assert merged.population == 112000 and merged.structure_year == 2024
    assert KeyFigures.objects.get(municipality=org("1201", 2019), year=2019).population == 283000
    assert KeyFigures.objects.get(municipality=org("3001", 2022), year=2022).structure_year is None
    assert KeyFigures.objects.get(municipality=kristiansand, year=2022).settled == 300
    assert not KeyFigures.objects.filter(municipality__number="1508").exclude(year=2024).exists()
    source = KeyFigures.objects.get(municipality=oslo, year=2023).sources["population"]
    assert source["source"] == "SSB" and source["table"] == "07459"
    assert source["file"] == "07459.json" and source["imported_at"]
    # The unchanged row keeps what it had (no source was written for it).
    assert KeyFigures.objects.get(municipality=oslo, year=2024).sources == {}
    assert AuditEntry.objects.filter(action="key_figures.create").count() == 22
    entry = AuditEntry.objects.get(action="key_figures.update", municipality=oslo)
    assert entry.changes == {"population": [700000, 709037]} and entry.actor == admin

    # A second confirmation does nothing.
    before = AuditEntry.objects.count()
    assert key_figure_upload_confirm(actor=admin, upload=upload, today=TODAY) is None
    assert AuditEntry.objects.count() == before
    # Importing the same table again changes nothing.
    again, _plan = key_figure_upload_start(
        actor=admin, content=POPULATION, file_name="07459.json", structure=2024, today=TODAY
    )
    report = key_figure_upload_confirm(actor=admin, upload=again, today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 25)


def test_confirm_writes_nothing_when_the_figures_changed_after_the_preview(register, admin):
    upload, plan = key_figure_upload_start(
        actor=admin, content=POPULATION, file_name="07459.json", structure=2024, today=TODAY
    )
    KeyFiguresFactory(municipality=org("0301", 2024), year=2024, population=1)
    report = key_figure_upload_confirm(actor=admin, upload=upload, today=TODAY)
    assert report.stale
    assert KeyFigures.objects.count() == 1
    upload.refresh_from_db()
    assert upload.status == "pending"  # the new preview can be confirmed
    report = key_figure_upload_confirm(actor=admin, upload=upload, today=TODAY)
    assert report.ok and not report.stale and report.updated == 1
    assert KeyFigures.objects.get(municipality__number="0301", year=2024).population == 717710


def test_a_cancelled_or_expired_or_someone_elses_upload_is_not_imported(register, admin):
    other = UserFactory(username="kf-other", directorate_role=DirectorateRole.ADMIN)
    upload, _plan = key_figure_upload_start(
        actor=admin, content=POPULATION, file_name="a.json", structure=2024, today=TODAY
    )
    assert key_figure_upload_confirm(actor=other, upload=upload, today=TODAY) is None
    assert key_figure_upload_cancel(actor=admin, upload=upload)
    assert key_figure_upload_confirm(actor=admin, upload=upload, today=TODAY) is None
    expired, _plan = key_figure_upload_start(
        actor=admin, content=POPULATION, file_name="b.json", structure=2024, today=TODAY
    )
    KeyFigureUpload.objects.filter(pk=expired.pk).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert key_figure_upload_confirm(actor=admin, upload=expired, today=TODAY) is None
    assert not KeyFigures.objects.exists()


def test_without_a_structure_the_2024_numbers_are_refused_for_earlier_years(register):
    plan, _notes = preview(format="ssb-jsonstat")
    assert not plan.ok
    with translation.override("en"):
        messages = [str(e) for e in plan.errors]
    assert any(
        m.startswith(
            "value[0] (Region K-4204, ContentsCode Personer1, Tid 2019), municipality_number:"
        )
        and "4204 was not a municipality number in 2019" in m
        for m in messages
    ), messages


def split_table(region, years, values):
    document = json.loads(POPULATION)
    document["dimension"]["Region"]["category"] = {
        "index": {region: 0},
        "label": {region: "x"},
    }
    document["dimension"]["Tid"]["category"] = {"index": {str(y): i for i, y in enumerate(years)}}
    document["size"] = [1, 1, len(years)]
    document["value"] = values
    document["status"] = {}
    return json.dumps(document).encode()


def test_a_municipality_split_out_of_a_larger_one_is_kept_on_the_later_structure(register):
    # 1580 Haram (2024) was part of 1507 Ålesund in 2020–2023 and was 1534 Haram in 2019.
    plan, notes = preview(split_table("K-1580", [2019, 2022], [9000, 9200]), structure=2024)
    assert plan.ok, plan.errors
    rows = {row.year: row for row in plan.rows}
    assert rows[2022].municipality.number == "1580" and rows[2022].structure_year == 2024
    assert "part of 1507 Ålesund, which was split; not divided back" in notes[("1580", 2022)]
    # 1534 Haram became only 1580: a renumbering onto the organisation of 2019.
    assert rows[2019].municipality.number == "1534" and rows[2019].structure_year is None


def test_a_structure_year_with_no_organisation_in_force_is_an_error(register):
    plan, _notes = preview(split_table("K-4204", [2012], [1]), structure=2024)
    with translation.override("en"):
        assert [str(e) for e in plan.errors] == [
            "value[0] (Region K-4204, ContentsCode Personer1, Tid 2012), municipality_number: "
            "4204 Kristiansand has no organisation in force in 2012 to attach it to"
        ]


def test_a_number_not_in_force_in_the_structure_year_is_an_error(register):
    plan, _notes = preview(split_table("K-1001", [2019], [1]), structure=2024)
    with translation.override("en"):
        assert "1001 was not a municipality number in 2024" in str(plan.errors[0])


def test_the_merged_row_is_read_by_the_benchmark_series_and_shown_with_its_source(
    register, admin, client
):
    from portal.benchmark.selectors import _figure_rows

    key_figures_import(
        actor=admin,
        content=POPULATION,
        source="test",
        file_name="07459.json",
        structure=2024,
        today=TODAY,
    )
    kristiansand, bergen = org("4204", 2024), org("4601", 2024)
    series = _figure_rows(range(2019, 2025), {kristiansand.pk, bergen.pk})
    assert series[kristiansand.pk][2019].population == 112000
    assert series[kristiansand.pk][2019].sources["population"]["table"] == "07459"
    # Bergen 2019 is on 1201 and inherited through the crosswalk.
    assert series[bergen.pk][2019].population == 283000

    client.force_login(UserFactory(username="kf-page", directorate_role=DirectorateRole.ADMIN))
    body = client.get("/kommune/4204/").content.decode()
    assert "SSB 07459 (07459.json" in body
    assert "2024" in body


def test_the_command_prints_the_preview_and_writes_only_without_dry_run(register, capsys):
    path = str(DATA / "ssb_07459_structure_2024.json")
    call_command(
        "import_key_figures", path, "--format", "ssb-jsonstat", "--structure", "2024", "--dry-run"
    )
    out = capsys.readouterr().out
    assert "4204 Kristiansand 2019" in out
    assert (
        "mapped    4204 Kristiansand 2019: kept on the 2024 structure (merged from 1001, 1017, 1018)"
        in out
    )
    assert "renumbered 1201 → 4601" in out
    assert "skipped   0 Hele landet" in out
    assert "Would import: 25 new, 0 changed, 0 unchanged." in out
    assert not KeyFigures.objects.exists()
    call_command("import_key_figures", path, "--structure", "2024")
    assert "Imported: 25 new" in capsys.readouterr().out
    assert KeyFigures.objects.count() == 25
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_key_figures", path)  # without the structure: refused
