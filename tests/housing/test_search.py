"""The settlement officer's search: each filter, full before partial matches, remaining capacity,
freshness of each fact, the export, and a constant number of queries."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from housing import selectors
from housing.models import ContactPerson, HousingLine, ProfileSection, StaffedHousing
from housing.search import SearchCriteria, settlement_search
from portal.municipalities.models import KeyFigures
from tests.factories import MunicipalityFactory
from tests.housing.conftest import age, contact, facts, full_profile, line, staffed


def search(user, **criteria):
    return settlement_search(user=user, criteria=SearchCriteria(**criteria))


def numbers(result):
    return [r.municipality.number for r in result.rows]


def met(result, number):
    row = next(r for r in result.rows if r.municipality.number == number)
    return {n.need.key: n.met for n in row.needs}


@pytest.fixture
def towns(cast):
    """A meets everything; B meets some; C (in A's region) has nothing."""
    full_profile(cast.a, decided=10, settled=4)
    line(cast.b, rooms=4, bedrooms=3, step_free=False, units=1, vacant_now=1)
    line(cast.b, rooms=2, bedrooms=1, step_free=True, units=1, vacant_now=1)
    staffed(cast.b, age_from=13, age_to=15, vacancies=3)
    facts(cast.b, "schools", upper_secondary=False)
    facts(cast.b, "interpreters", languages=["Arabic"], remote=True)
    facts(cast.b, "health", gp_vacancies=True)
    facts(cast.b, "transport", level="limited")
    facts(cast.b, "labour_market", assessment="good")
    KeyFigures.objects.create(municipality=cast.b, year=2025, decided=30, settled=35)
    c = MunicipalityFactory(
        number="4205", name="Lindesnes", region=cast.a.region, county=cast.a.county
    )
    return cast.a, cast.b, c


def test_each_filter(cast, towns):
    a, b, c = towns
    officer = cast.officer
    assert numbers(search(officer, min_rooms=4)) == ["4204", "4601"]
    assert numbers(search(officer, min_rooms=5)) == []
    assert numbers(search(officer, min_bedrooms=3)) == ["4204", "4601"]
    assert numbers(search(officer, step_free=True)) == ["4204", "4601"]
    assert numbers(search(officer, vacant_now=True, tenures=["sublet"])) == []
    assert numbers(search(officer, tenures=["municipal_rental", "sublet"])) == ["4204", "4601"]
    # The housing needs are met by one dwelling, not by several together.
    assert numbers(search(officer, min_rooms=4, step_free=True, vacant_now=True)) == ["4204"]
    assert numbers(search(officer, upper_secondary=True)) == ["4204"]
    assert numbers(search(officer, staffed_age=16)) == ["4204"]
    assert numbers(search(officer, staffed_age=14)) == ["4601"]
    assert numbers(search(officer, interpreter_language="tigrinya")) == ["4204"]
    assert numbers(search(officer, interpreter_language="ARABIC")) == ["4204", "4601"]
    assert numbers(search(officer, gp_vacancies=True)) == ["4204", "4601"]
    assert numbers(search(officer, transport="good")) == ["4204"]
    assert numbers(search(officer, transport="limited")) == ["4204", "4601"]
    assert numbers(search(officer, labour_market="good")) == ["4601"]
    assert numbers(search(officer, labour_market="normal")) == ["4204", "4601"]  # by remaining
    assert numbers(search(officer, min_remaining=6)) == ["4204"]  # B has settled more than decided
    assert numbers(search(officer, min_remaining=7)) == []
    assert numbers(search(officer, region="vest")) == ["4601"]
    assert numbers(search(officer, region="vest", gp_vacancies=True)) == ["4601"]
    assert numbers(search(officer)) == ["4204", "4601", "4205"]  # no needs: everyone


def test_vacant_by_a_date(cast):
    line(cast.a, rooms=3, units=2, vacant_later=1, vacant_from=dt.date(2026, 8, 1))
    line(cast.b, rooms=3, units=2, vacant_later=1, vacant_from=dt.date(2026, 10, 1))
    assert numbers(search(cast.officer, vacant_now=True)) == []
    assert numbers(search(cast.officer, vacant_by=dt.date(2026, 9, 1))) == ["4204"]


def test_kindergarten_without_a_waiting_list(cast):
    facts(cast.a, "kindergarten", availability="all_year")
    facts(cast.b, "kindergarten", availability="waiting_list")
    result = search(cast.officer, kindergarten=True)
    assert numbers(result) == ["4204"] and result.not_matching == 1


def test_full_matches_first_then_partial_by_needs_met(cast, towns):
    result = search(
        cast.officer,
        min_rooms=4,
        step_free=True,
        vacant_now=True,
        upper_secondary=True,
        staffed_age=16,
        interpreter_language="Tigrinya",
        gp_vacancies=True,
    )
    assert [n.key for n in result.needs] == [
        "housing",
        "staffed_housing",
        "upper_secondary",
        "interpreter",
        "gp",
    ]
    assert numbers(result) == ["4204", "4601"]
    full, partial = result.rows
    assert full.full and full.met == 5
    assert not partial.full and partial.met == 1
    assert met(result, "4601") == {
        "housing": False,
        "staffed_housing": False,
        "upper_secondary": False,
        "interpreter": False,
        "gp": True,
    }
    assert result.checked == 3 and result.not_matching == 1 and result.full_matches == 1
    assert full.contact["name"] == "Kari Kontakt"


def test_partial_matches_with_equal_needs_met_order_by_remaining_capacity(cast):
    more = MunicipalityFactory(number="4206", name="Arendal", region=cast.a.region)
    for m, decided in ((cast.a, 5), (cast.b, 50), (more, None)):
        facts(m, "health", gp_vacancies=True)
        if decided is not None:
            KeyFigures.objects.create(municipality=m, year=2025, decided=decided, settled=2)
    result = search(cast.officer, gp_vacancies=True, upper_secondary=True)
    assert numbers(result) == ["4601", "4204", "4206"]


def test_remaining_capacity_and_year(cast):
    KeyFigures.objects.create(municipality=cast.a, year=2024, decided=20, settled=5)
    KeyFigures.objects.create(municipality=cast.a, year=2025, decided=12, settled=12)
    KeyFigures.objects.create(municipality=cast.b, year=2025, decided=8, settled=None)
    result = search(cast.officer)
    assert result.year == 2025  # the latest year with decisions
    rows = {r.municipality.number: r for r in result.rows}
    assert (rows["4204"].decided, rows["4204"].settled, rows["4204"].remaining) == (12, 12, 0)
    assert rows["4601"].remaining == 8  # nothing settled yet
    older = search(cast.officer, year=2024)
    rows = {r.municipality.number: r for r in older.rows}
    assert rows["4204"].remaining == 15 and rows["4601"].remaining is None
    assert numbers(search(cast.officer, min_remaining=10, year=2024)) == ["4204"]


def test_remaining_is_the_same_in_the_search_and_the_profile(cast):
    KeyFigures.objects.update_or_create(
        municipality=cast.a, year=2025, defaults={"decided": 10, "settled": None}
    )
    result = settlement_search(user=cast.officer, criteria=SearchCriteria())
    row = next(r for r in result.rows if r.municipality == cast.a)
    assert row.remaining == selectors.latest_key_figures(cast.a).remaining == 10


def test_each_fact_says_how_fresh_it_is(cast, towns):
    age(cast.a, "health", 120)
    result = search(cast.officer, gp_vacancies=True, upper_secondary=True, min_remaining=1)
    row = next(r for r in result.rows if r.municipality.number == "4204")
    by_key = {n.need.key: n for n in row.needs}
    assert by_key["gp"].stale and by_key["gp"].confirmed_at < timezone.now() - dt.timedelta(days=90)
    assert not by_key["upper_secondary"].stale
    assert by_key["remaining"].confirmed_at is None and not by_key["remaining"].stale
    assert row.stale_count == 3  # health, and introduction and kindergarten never filled in


def test_unknown_facts_are_not_met(cast):
    facts(cast.a, "schools", upper_secondary=None, adult_education=True)
    result = search(cast.officer, upper_secondary=True, gp_vacancies=True)
    assert numbers(result) == []


def test_an_adviser_searches_their_own_region(cast, towns):
    assert numbers(search(cast.adviser_a)) == ["4204", "4205"]
    assert numbers(search(cast.adviser_other)) == ["4601"]


def test_search_page_and_export(client, cast, towns):
    client.force_login(cast.officer)
    query = "min_rooms=4&step_free=on&vacant_now=on&gp_vacancies=on&staffed_age=16"
    response = client.get(f"/bosetting/sok/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Kristiansand") < page.index("Bergen")
    assert "Lindesnes" not in page
    export = client.get(f"/bosetting/sok/eksport/?{query}")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["4204", "4601"]
    assert len(rows[0]) == 6 + 2 * 3 + 10
    assert rows[1][6].startswith(("ja", "yes"))
    assert rows[1][-1].endswith("/kommune/4204/profil/")


def test_a_bad_filter_is_shown_not_a_server_error(client, cast):
    client.force_login(cast.officer)
    response = client.get("/bosetting/sok/?min_rooms=many&staffed_age=99")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_formula_in_a_name_is_not_exported_as_a_formula(client, cast):
    contact(cast.a, name="=cmd|'/c calc'!A1")
    client.force_login(cast.officer)
    text = client.get("/bosetting/sok/eksport/").content.decode("utf-8-sig")
    assert ";'=cmd|" in text


# --- the cost: constant in the number of municipalities ---------------------------------------


def _many(cast, n, offset):
    municipalities = [
        MunicipalityFactory(
            number=f"{5000 + offset + i}", region=cast.a.region, county=cast.a.county
        )
        for i in range(n)
    ]
    now = timezone.now()
    HousingLine.objects.bulk_create(
        HousingLine(
            municipality=m,
            tenure="municipal_rental",
            rooms=r,
            units=2,
            vacant_now=0 if i % 4 == 3 else 1,
            step_free=bool(r % 2),
        )
        for i, m in enumerate(municipalities)
        for r in range(1, 7)
    )
    StaffedHousing.objects.bulk_create(
        StaffedHousing(municipality=m, name="B", places=4, vacancies=i % 3, age_from=14, age_to=18)
        for i, m in enumerate(municipalities)
    )
    ProfileSection.objects.bulk_create(
        [
            ProfileSection(
                municipality=m,
                key="schools",
                data={"upper_secondary": i % 2 == 0},
                last_confirmed_at=now,
            )
            for i, m in enumerate(municipalities)
        ]
        + [
            ProfileSection(
                municipality=m,
                key="interpreters",
                data={"languages": ["Arabic", "Dari"]},
                last_confirmed_at=now,
            )
            for m in municipalities
        ]
        + [
            ProfileSection(
                municipality=m, key="health", data={"gp_vacancies": True}, last_confirmed_at=now
            )
            for m in municipalities
        ]
    )
    ContactPerson.objects.bulk_create(
        ContactPerson(municipality=m, area=area, name=f"Kontakt {area}")
        for m in municipalities
        for area in ("general", "housing")
    )
    KeyFigures.objects.bulk_create(
        KeyFigures(municipality=m, year=2025, decided=10, settled=i % 12)
        for i, m in enumerate(municipalities)
    )


FIVE_FILTERS = (
    "min_rooms=4&step_free=on&vacant_now=on&upper_secondary=on&staffed_age=16"
    "&interpreter_language=Dari&gp_vacancies=on"
)


def test_search_query_count_is_the_same_for_10_and_60_municipalities(client, cast):
    client.force_login(cast.officer)
    counts = []
    for n, offset in ((10, 0), (50, 100)):  # 10, then 60 in all
        _many(cast, n, offset)
        for url in (f"/bosetting/sok/?{FIVE_FILTERS}", f"/bosetting/sok/eksport/?{FIVE_FILTERS}"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert counts[0] <= 12, counts


def test_search_selector_query_count(cast, django_assert_num_queries):
    _many(cast, 20, 0)
    criteria = SearchCriteria(
        min_rooms=4,
        step_free=True,
        vacant_now=True,
        upper_secondary=True,
        staffed_age=16,
        interpreter_language="Dari",
        gp_vacancies=True,
        min_remaining=1,
    )
    # latest year, municipalities, key figures, housing counts, staffed, sections, contacts
    with django_assert_num_queries(7):
        result = settlement_search(user=cast.officer, criteria=criteria)
    assert result.checked == 22
    assert result.full_matches > 0


def test_freshness_overview(client, cast, django_assert_max_num_queries):
    facts(cast.a, "schools", upper_secondary=True)
    age(cast.a, "schools", 100)
    facts(cast.a, "health", gp_vacancies=True)
    client.force_login(cast.officer)
    response = client.get("/bosetting/profiler/")
    assert response.status_code == 200
    rows = {r.municipality.number: r for r in response.context["page"]}
    assert len(rows["4204"].stale) == 9 and len(rows["4601"].stale) == 10
    client.force_login(cast.adviser_a)
    response = client.get("/bosetting/profiler/?only_stale=on")
    assert [r.municipality.number for r in response.context["page"]] == ["4204"]
