"""Data for the aggregates, housing-profile and benchmark-report endpoints: submitted answers of
A, B and three more organisations of A's region, housing profiles with contact persons, and
benchmark reports in each status. ``add_more_api_data(cast)`` is what the fixtures call; it
adds to what is there (rows that exist already are left as they are), so the schema tests'
``api_data`` fixture can call it after its own rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from housing.models import ContactPerson, HousingLine, ProfileSection, StaffedHousing
from portal.benchmark.models import BenchmarkReport
from portal.municipalities.models import Municipality
from surveys.models import Answer, Response, SurveyEdition
from tests.factories import MunicipalityFactory

# (organisation, response status, expected_settled, has_plan, unit)
ANSWERS = [
    ("4204", "submitted", 10, "yes", "nav"),
    ("4210", "approved", 20, "no", "none"),
    ("4211", "submitted", "dont_know", "yes", "nav"),
    ("4212", "in_progress", 99, "yes", "nav"),  # does not count
    ("4601", "submitted", 30, "yes", "none"),
]


@dataclass
class MoreData:
    edition: SurveyEdition
    extra: list[Municipality]
    contacts: dict[str, list[ContactPerson]]
    reports: dict[str, BenchmarkReport]


def _extra(cast) -> list[Municipality]:
    out = []
    for n in (10, 11, 12):
        number = f"42{n:02d}"
        out.append(
            Municipality.objects.filter(number=number).first()
            or MunicipalityFactory(
                number=number, name=f"Sørby {n}", county=cast.a.county, region=cast.a.region
            )
        )
    return out


def add_more_api_data(cast) -> MoreData:
    from tests.accounts.test_access_matrix import _open_edition

    edition = _open_edition()
    extra = _extra(cast)
    by_number = {m.number: m for m in [cast.a, cast.b, *extra]}
    questions = {q.key: q for q in edition.questions.all()}
    earlier = timezone.now() - dt.timedelta(days=3)
    for number, status, settled, plan, unit in ANSWERS:
        municipality = by_number[number]
        response, _ = Response.objects.get_or_create(
            edition=edition,
            municipality=municipality,
            defaults={
                "status": status,
                "submitted_at": None if status == "in_progress" else earlier,
                "last_activity_at": earlier,
            },
        )
        for key, value in (("expected_settled", settled), ("has_plan", plan), ("unit", unit)):
            Answer.objects.get_or_create(
                response=response,
                question=questions[key],
                defaults={"municipality": municipality, "value": value, "updated_at": earlier},
            )

    contacts: dict[str, list[ContactPerson]] = {}
    for index, municipality in enumerate([cast.a, cast.b, extra[0]]):
        ProfileSection.objects.get_or_create(
            municipality=municipality,
            key="schools",
            defaults={"data": {"reception_classes": True}, "updated_at": earlier},
        )
        HousingLine.objects.get_or_create(
            municipality=municipality,
            reference=f"H-{municipality.number}",
            defaults={"tenure": "municipal_rental", "rooms": 2, "units": 3 + index},
        )
        StaffedHousing.objects.get_or_create(
            municipality=municipality,
            name=f"Bofellesskap {municipality.number}",
            defaults={"places": 6, "vacancies": 1, "age_from": 15, "age_to": 18},
        )
        contacts[municipality.number] = [
            ContactPerson.objects.get_or_create(
                municipality=municipality,
                name=f"{first} {municipality.name}",
                defaults={
                    "area": area,
                    "email": f"{first.lower()}@{municipality.number}.example.no",
                    "phone": "+47 400 00 000",
                },
            )[0]
            for first, area in (("Kari", "general"), ("Ola", "housing"))
        ]

    reports = {}
    for municipality, status in [
        (cast.a, "ready"),
        (cast.a, "running"),
        (cast.a, "failed"),
        (cast.b, "ready"),
        (extra[0], "pending"),
    ]:
        identifier = f"{municipality.number}-2026-nb-api-{status}"
        reports[identifier] = BenchmarkReport.objects.get_or_create(
            identifier=identifier,
            defaults={
                "municipality": municipality,
                "year": 2026,
                "language": "nb",
                "inputs_hash": f"api-{status}",
                "status": status,
                "pdf": b"%PDF-1.7 api test\n%%EOF\n" if status == "ready" else None,
                "finished_at": earlier if status in ("ready", "failed") else None,
            },
        )[0]
    return MoreData(edition=edition, extra=extra, contacts=contacts, reports=reports)
