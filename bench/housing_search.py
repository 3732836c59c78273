"""Benchmark: the settlement officer's search over every municipality, with five needs.

Builds 357 municipalities with full profiles and housing lines (on average ~55 lines each, a few
with several hundred) in a temporary SQLite database, then times the search with five needs — a
vacant step-free dwelling with at least 4 rooms, upper secondary school, a staffed-housing place for
a 16-year-old, an interpreter for Tigrinja, GP vacancies — and prints the median time, the query
count, and the ratio to two floors:

- floor: executing exactly the search's own SQL and fetching every row, with no matching
  in Python (what the search costs at the least with its query plan);
- ORM floor: the same querysets evaluated through Django (row conversion included), no matching;
- naive floor: loading every row the needs are about (all housing lines, staffed housing, profile
  sections, contact persons, key figures) — what a search that matched in Python would have to read.

It also times the whole results page (HTML) and the CSV export.

    .venv/bin/python bench/housing_search.py [--orgs 357] [--runs 7]

Uses a temporary SQLite database unless DATABASE_URL is set (then give it a throwaway one).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import django_on_sqlite

LANGUAGES = ["Arabisk", "Tigrinja", "Dari", "Somali", "Ukrainsk", "Pashto", "Kurmanji", "Russisk"]
TENURES = ["municipal_rental", "sublet", "guarantee", "shared", "rent_to_own", "other"]


def build(orgs: int):
    import datetime as dt

    from django.utils import timezone

    from housing.models import (
        ContactPerson,
        HousingLine,
        ProfileSection,
        SectionKey,
        StaffedHousing,
    )
    from portal.accounts.models import DirectorateRole, User
    from portal.municipalities.models import County, KeyFigures, Municipality, Region

    regions = [
        Region.objects.create(code=f"r{i}", name=f"Region {i}", sort_order=i) for i in range(6)
    ]
    county = County.objects.create(number="99", name="Bench", valid_from=dt.date(2024, 1, 1))
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(
                number=f"{5000 + i:04d}",
                name=f"Kommune {i:03d}",
                county=county,
                region=regions[i % 6],
                valid_from=dt.date(2024, 1, 1),
            )
            for i in range(orgs)
        ]
    )
    now = timezone.now()
    lines = []
    for i, m in enumerate(municipalities):
        count = 10 + (i * 37) % 90 + (250 if i % 50 == 0 else 0)
        for j in range(count):
            rooms = 1 + (i + j) % 6
            units = 1 + j % 5
            vacant = (i * 7 + j) % 4 == 0
            lines.append(
                HousingLine(
                    municipality=m,
                    reference=f"L{j}",
                    tenure=TENURES[(i + j) % 6],
                    rooms=rooms,
                    bedrooms=rooms - 1,
                    step_free=(i + 3 * j) % 5 == 0,
                    units=units,
                    vacant_now=1 if vacant else 0,
                    vacant_later=1 if not vacant and units > 1 and j % 3 == 0 else 0,
                    vacant_from=dt.date(2026, 8, 1)
                    if not vacant and units > 1 and j % 3 == 0
                    else None,
                    area=f"Område {j % 12}",
                    distances="Skole 500 m, buss 200 m",
                    contract_years=3,
                )
            )
    HousingLine.objects.bulk_create(lines, batch_size=2000)
    StaffedHousing.objects.bulk_create(
        [
            StaffedHousing(
                municipality=m,
                name=f"Bofellesskap {k}",
                places=6,
                vacancies=(i + k) % 3,
                age_from=13 + k,
                age_to=17 + k,
            )
            for i, m in enumerate(municipalities)
            for k in range(i % 4)
        ]
    )
    sections = []
    for i, m in enumerate(municipalities):
        data = {
            SectionKey.SCHOOLS: {"upper_secondary": i % 3 != 0, "adult_education": True},
            SectionKey.INTRODUCTION: {"run_by": "nav", "capacity": 20 + i, "result_target": 70},
            SectionKey.KINDERGARTEN: {
                "availability": ["all_year", "main_intake", "waiting_list"][i % 3]
            },
            SectionKey.INTERPRETERS: {"languages": LANGUAGES[: 2 + i % 7], "remote": i % 2 == 0},
            SectionKey.HEALTH: {"gp_vacancies": i % 4 != 0},
            SectionKey.TRANSPORT: {"level": ["good", "limited", "poor"][i % 3]},
            SectionKey.LABOUR_MARKET: {
                "assessment": ["good", "normal", "poor"][i % 3],
                "industries": "Handel",
            },
        }
        for key in SectionKey.values:
            sections.append(
                ProfileSection(
                    municipality=m,
                    key=key,
                    data=data.get(key, {}),
                    last_confirmed_at=now - dt.timedelta(days=(i * 13 + len(key)) % 150),
                    last_confirmed_by_label="Bench",
                    updated_at=now - dt.timedelta(days=(i * 13 + len(key)) % 150),
                )
            )
    ProfileSection.objects.bulk_create(sections, batch_size=2000)
    ContactPerson.objects.bulk_create(
        [
            ContactPerson(
                municipality=m,
                area=area,
                name=f"Kontakt {area} {i}",
                role="Rådgiver",
                email=f"{area}.{i}@kommune.example",
                phone="+47 400 00 000",
            )
            for i, m in enumerate(municipalities)
            for area in ("general", "housing", "health")[: 1 + i % 3]
        ]
    )
    KeyFigures.objects.bulk_create(
        [
            KeyFigures(municipality=m, year=y, decided=10 + i % 40, settled=(i * 3) % 45)
            for i, m in enumerate(municipalities)
            for y in (2023, 2024, 2025)
        ]
    )
    officer = User.objects.create(
        username="bench-officer",
        email="bench-officer@example.no",
        directorate_role=DirectorateRole.SETTLEMENT_OFFICER,
    )
    return officer, len(lines)


def median_time(func, runs: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=357)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    django_on_sqlite("bench-housing-", SECURE_SSL_REDIRECT="0", ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from housing.models import ContactPerson, HousingLine, ProfileSection, StaffedHousing
    from housing.search import (
        SearchCriteria,
        latest_figures_year,
        search_querysets,
        settlement_search,
    )
    from portal.municipalities.models import KeyFigures, Municipality

    start = time.perf_counter()
    officer, line_count = build(args.orgs)
    print(
        f"Built {args.orgs} municipalities, {line_count} housing lines "
        f"in {time.perf_counter() - start:.1f} s ({connection.vendor})."
    )

    criteria = SearchCriteria(
        min_rooms=4,
        step_free=True,
        vacant_now=True,
        upper_secondary=True,
        staffed_age=16,
        interpreter_language="Tigrinja",
        gp_vacancies=True,
    )

    def run_search():
        return settlement_search(user=officer, criteria=criteria)

    with CaptureQueriesContext(connection) as ctx:
        result = run_search()
    queries = [q["sql"] for q in ctx.captured_queries]
    search_s = median_time(run_search, args.runs)

    def floor():
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql)
                cursor.fetchall()

    floor_s = median_time(floor, args.runs)

    def naive_floor():
        list(Municipality.objects.filter(valid_to__isnull=True).select_related("region", "county"))
        list(
            KeyFigures.objects.filter(year=2025).values_list(
                "municipality_id", "decided", "settled"
            )
        )
        list(
            HousingLine.objects.values_list(
                "municipality_id",
                "tenure",
                "rooms",
                "bedrooms",
                "step_free",
                "units",
                "vacant_now",
                "vacant_later",
                "vacant_from",
            )
        )
        list(
            StaffedHousing.objects.values_list("municipality_id", "vacancies", "age_from", "age_to")
        )
        list(
            ProfileSection.objects.values_list(
                "municipality_id", "key", "data", "last_confirmed_at"
            )
        )
        list(
            ContactPerson.objects.values_list(
                "municipality_id", "area", "name", "role", "email", "phone"
            )
        )

    naive_s = median_time(naive_floor, args.runs)

    def orm_floor():
        year = latest_figures_year()
        for qs in search_querysets(officer, criteria, year).values():
            list(qs)

    orm_s = median_time(orm_floor, args.runs)

    # As in Django's test runner: keep the one connection open between requests.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(officer)
    # Fully logged in, as after the code from the authenticator app (directorate staff).
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    query = (
        "min_rooms=4&step_free=on&vacant_now=on&upper_secondary=on&staffed_age=16"
        "&interpreter_language=Tigrinja&gp_vacancies=on"
    )
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        with CaptureQueriesContext(connection) as page_ctx:
            response = client.get(f"/bosetting/sok/?{query}")
        assert response.status_code == 200, response.status_code
        page_queries = len(page_ctx.captured_queries)
        page_s = median_time(lambda: client.get(f"/bosetting/sok/?{query}"), args.runs)
        export_s = median_time(lambda: client.get(f"/bosetting/sok/eksport/?{query}"), args.runs)

    print(
        f"Results: {result.full_matches} meet all five needs, {len(result.rows)} shown, "
        f"{result.not_matching} meet none (of {result.checked})."
    )
    print(
        f"search (selector), median of {args.runs}: {search_s * 1000:.1f} ms, {len(queries)} queries"
    )
    print(f"floor (the same SQL, rows fetched, no matching): {floor_s * 1000:.1f} ms")
    print(f"ratio search / floor: {search_s / floor_s:.2f}")
    print(f"ORM floor (the same querysets evaluated, no matching): {orm_s * 1000:.1f} ms")
    print(f"ratio search / ORM floor: {search_s / orm_s:.2f}")
    print(f"naive floor (load every row the needs are about): {naive_s * 1000:.1f} ms")
    print(f"ratio search / naive floor: {search_s / naive_s:.2f}")
    print(
        f"results page (HTML, 50 per page): {page_s * 1000:.1f} ms, "
        f"{page_queries} queries; CSV export: {export_s * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
