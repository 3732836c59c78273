"""The profile's services: edits, one-click confirmation, versions, staleness and history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from housing import selectors, services
from housing.diff import diff_section
from housing.models import HousingLine, ProfileSection, ProfileVersion
from portal.core.audit.models import AuditEntry
from tests.housing.conftest import age, contact, facts, line, staffed


def test_section_update_records_version_confirmation_and_audit(cast):
    section = services.section_update(
        actor=cast.editor_a,
        municipality=cast.a,
        key="schools",
        data={"upper_secondary": True, "upper_secondary_programmes": "Elektro"},
    )
    assert section.data["upper_secondary"] is True
    assert section.last_confirmed_by == cast.editor_a
    assert section.last_confirmed_at == section.updated_at
    version = ProfileVersion.objects.get(municipality=cast.a, section="schools")
    assert version.kind == "edit" and version.snapshot["upper_secondary_programmes"] == "Elektro"
    assert version.changed_by == cast.editor_a
    entry = AuditEntry.objects.get(action="profile_section.update")
    assert entry.municipality == cast.a
    assert entry.changes["upper_secondary"] == [None, True]


def test_saving_unchanged_confirms_without_a_new_snapshot(cast):
    facts(cast.a, "health", gp_vacancies=True)
    age(cast.a, "health", 100)
    services.section_update(
        actor=cast.signatory_a, municipality=cast.a, key="health", data={"gp_vacancies": True}
    )
    section = ProfileSection.objects.get(municipality=cast.a, key="health")
    assert not section.is_stale()
    assert section.last_confirmed_by == cast.signatory_a
    assert section.updated_at < section.last_confirmed_at  # confirmed, not changed
    kinds = list(
        ProfileVersion.objects.filter(section="health")
        .order_by("id")
        .values_list("kind", "snapshot")
    )
    assert kinds[-1] == ("confirm", None)


def test_one_click_confirm(cast):
    facts(cast.a, "transport", level="limited")
    age(cast.a, "transport", 120)
    assert [s.key for s in selectors.stale_sections(cast.a)].count("transport") == 1
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="transport")
    assert "transport" not in [s.key for s in selectors.stale_sections(cast.a)]
    assert AuditEntry.objects.filter(action="profile_section.confirm").count() == 1


def test_confirming_a_section_never_filled_in_keeps_what_it_confirms(cast):
    """ "We have no staffed housing" is a fact too: confirming an empty section is a version."""
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="staffed_housing")
    version = ProfileVersion.objects.get(section="staffed_housing")
    assert version.kind == "edit" and version.snapshot == []


def test_unknown_facts_are_refused(cast):
    with pytest.raises(ValueError):
        services.section_update(actor=None, municipality=cast.a, key="schools", data={"x": 1})
    with pytest.raises(ValueError):
        services.section_update(actor=None, municipality=cast.a, key="housing", data={})


def test_staleness_after_90_days(cast):
    facts(cast.a, "schools", upper_secondary=True)
    facts(cast.a, "health", gp_vacancies=False)
    age(cast.a, "schools", 89)
    age(cast.a, "health", 91)
    stale = {s.key: s for s in selectors.stale_sections(cast.a)}
    assert "schools" not in stale
    assert stale["health"].age_days == 91 and not stale["health"].never
    assert stale["housing"].never  # never confirmed counts as stale
    assert len(stale) == 9


def test_stale_sections_for_many_is_one_query(cast, django_assert_num_queries):
    facts(cast.a, "schools", upper_secondary=True)
    with django_assert_num_queries(1):
        result = selectors.stale_sections_for([cast.a.pk, cast.b.pk])
    assert len(result[cast.a.pk]) == 9 and len(result[cast.b.pk]) == 10


def test_editing_a_line_refreshes_the_housing_section(cast):
    housing_line = line(cast.a)
    age(cast.a, "housing", 200)
    services.housing_line_save(
        actor=cast.editor_a, municipality=cast.a, line=housing_line, vacant_now=1
    )
    assert "housing" not in [s.key for s in selectors.stale_sections(cast.a)]


def test_line_checks_are_enforced_by_the_service(cast):
    with pytest.raises(ValidationError):
        line(cast.a, units=2, vacant_now=3)
    with pytest.raises(ValidationError):
        line(cast.a, rooms=3, bedrooms=3)
    with pytest.raises(ValidationError):
        line(cast.a, vacant_later=1)  # no date
    assert not HousingLine.objects.exists()


def test_unchanged_line_save_writes_nothing(cast):
    housing_line = line(cast.a, rooms=4)
    before = ProfileVersion.objects.count(), AuditEntry.objects.count()
    services.housing_line_save(actor=cast.editor_a, municipality=cast.a, line=housing_line, rooms=4)
    assert (ProfileVersion.objects.count(), AuditEntry.objects.count()) == before


def test_vacancies_for_many_lines_in_one_version(cast):
    first, second = line(cast.a, units=3), line(cast.a, rooms=2, bedrooms=1, units=2)
    versions = ProfileVersion.objects.count()
    changed = services.housing_vacancies_update(
        actor=cast.editor_a,
        municipality=cast.a,
        updates={
            first.pk: {"vacant_now": 2, "vacant_later": 1, "vacant_from": dt.date(2026, 8, 1)},
            second.pk: {"vacant_now": 0, "vacant_later": 0, "vacant_from": None},
        },
    )
    assert changed == 1
    assert ProfileVersion.objects.count() == versions + 1
    first.refresh_from_db()
    assert (first.vacant_now, first.vacant_later) == (2, 1)
    entry = AuditEntry.objects.get(action="housing_line.vacancies")
    assert entry.changes[f"#{first.pk}.vacant_now"] == [0, 2]


def test_vacancies_refuse_a_line_of_another_municipality(cast):
    from django.core.exceptions import PermissionDenied

    b_line = line(cast.b)
    with pytest.raises(PermissionDenied):
        services.housing_vacancies_update(
            actor=cast.admin, municipality=cast.a, updates={b_line.pk: {"vacant_now": 1}}
        )


def test_deleting_a_row_is_versioned_and_audited(cast):
    person = contact(cast.a, name="Ola")
    services.contact_person_delete(actor=cast.editor_a, contact=person)
    latest = ProfileVersion.objects.filter(section="contacts").order_by("-id").first()
    assert latest.snapshot == []
    assert AuditEntry.objects.filter(action="contactperson.delete").exists()


# --- history and the profile on a date ----------------------------------------------------


def _at(version_filter, when):
    ProfileVersion.objects.filter(**version_filter).update(changed_at=when)


def test_profile_as_of_a_date(cast):
    now = timezone.now()
    old = now - dt.timedelta(days=60)
    facts(cast.a, "transport", level="poor")
    _at({"section": "transport"}, old)
    facts(cast.a, "transport", level="good")
    housing_line = line(cast.a, rooms=5, bedrooms=4, area="Lund")
    _at({"section": "housing"}, old)
    services.housing_line_delete(actor=cast.editor_a, line=housing_line)
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="transport")

    then = selectors.profile_as_of(cast.a, (old + dt.timedelta(days=1)).date())
    assert dict(then.section("transport").facts)["Kollektivtransport"] in ("Dårlig", "Poor")
    assert [r.raw["area"] for r in then.section("housing").rows] == ["Lund"]
    assert not then.section("schools").has_version
    assert then.section("transport").status.last_confirmed_at == old

    before_anything = selectors.profile_as_of(cast.a, (old - dt.timedelta(days=1)).date())
    assert not any(s.has_version for s in before_anything.sections)

    today = selectors.profile_as_of(cast.a, timezone.localdate())
    current = selectors.current_profile(cast.a)
    assert today.section("transport").content == current.section("transport").content
    assert today.section("housing").content == []
    # What changed since then: transport poor -> good, the Lund line removed.
    diffs = {d.key: d for d in selectors.changes_since(then, current)}
    assert set(diffs) == {"transport", "housing"}
    assert diffs["transport"].fields[0].new in ("God", "Good")
    assert diffs["housing"].rows[0].kind == "removed"


def test_history_lists_each_version_with_what_it_changed(cast, django_assert_max_num_queries):
    facts(cast.a, "schools", upper_secondary=False)
    facts(cast.a, "schools", upper_secondary=True)
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="schools")
    line(cast.a, reference="L1", rooms=3)
    line(cast.a, reference="L2", rooms=4, bedrooms=3)
    versions = list(selectors.profile_versions(cast.a))
    with django_assert_max_num_queries(1):
        entries = selectors.with_diffs(versions)
    by_kind = [(v.section, v.kind) for v, _diff in entries]
    assert by_kind == [
        ("housing", "edit"),
        ("housing", "edit"),
        ("schools", "confirm"),
        ("schools", "edit"),
        ("schools", "edit"),
    ]
    second_line = entries[0][1]
    assert [r.kind for r in second_line.rows] == ["added"] and "L2" in second_line.rows[
        0
    ].description
    assert entries[2][1] is None  # a confirmation changes nothing
    change = entries[3][1].fields[0]
    assert (change.old, change.new) in (("Nei", "Ja"), ("No", "Yes"))
    assert entries[4][1].first


def test_row_diff_pairs_rows_by_reference_and_ignores_new_ids():
    before = [
        {"id": 1, "reference": "A", "tenure": "shared", "rooms": 3, "units": 2, "vacant_now": 0},
        {"id": 2, "reference": "", "tenure": "sublet", "rooms": 4, "units": 1, "vacant_now": 0},
        {"id": 3, "reference": "", "tenure": "other", "rooms": 2, "units": 1, "vacant_now": 0},
    ]
    after = [
        {"id": 9, "reference": "A", "tenure": "shared", "rooms": 3, "units": 2, "vacant_now": 1},
        {"id": 10, "reference": "", "tenure": "sublet", "rooms": 4, "units": 1, "vacant_now": 0},
        {"id": 11, "reference": "B", "tenure": "shared", "rooms": 5, "units": 1, "vacant_now": 1},
    ]
    diff = diff_section("housing", before, after)
    kinds = sorted((r.kind, r.description.split(":")[0]) for r in diff.rows)
    assert [k for k, _ in kinds] == ["added", "changed", "removed"]
    changed = next(r for r in diff.rows if r.kind == "changed")
    assert [(f.old, f.new) for f in changed.fields] == [("0", "1")]


def test_profile_page_query_count_does_not_grow_with_lines(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.officer)
    counts = []
    for n in (2, 40):
        for i in range(n):
            line(cast.a, reference=f"R{n}-{i}", rooms=1 + i % 6, bedrooms=None)
        staffed(cast.a)
        contact(cast.a)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/kommune/{cast.a.number}/profil/").status_code == 200
            assert client.get(f"/kommune/{cast.a.number}/profil/bolig/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
