"""Demo profiles for `make run`: plainly marked as demo, written through the services.

A municipality that already has any profile section is left as it is, so running this again
changes nothing and never overwrites what someone has entered.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from housing import services
from housing.models import ProfileSection, ProfileVersion, SectionKey
from housing.sections import SERVICE_FACTS
from portal.municipalities.models import Municipality

DEMO = "(demo)"

PROFILES: dict[str, dict] = {
    "4204": {
        "contacts": [
            {
                "area": "general",
                "name": "Demo Flyktningtjenesten",
                "role": "Bosettingskoordinator",
                "email": "bosetting.demo@kristiansand.example",
                "phone": "+47 38 00 00 00",
            },
            {
                "area": "housing",
                "name": "Demo Boligkontoret",
                "role": "Boligkonsulent",
                "email": "bolig.demo@kristiansand.example",
                "phone": "+47 38 00 00 01",
            },
        ],
        "housing": [
            {
                "reference": "DEMO-LUND-3",
                "tenure": "municipal_rental",
                "rooms": 3,
                "bedrooms": 2,
                "step_free": False,
                "units": 6,
                "vacant_now": 1,
                "vacant_later": 1,
                "vacant_from": dt.date(2026, 8, 1),
                "reserved_for_refugees": True,
                "area": "Lund",
                "distances": "Skole 600 m, barnehage 300 m, butikk 200 m, buss 100 m",
                "contract_years": 3,
            },
            {
                "reference": "DEMO-VAAGSBYGD-5",
                "tenure": "sublet",
                "rooms": 5,
                "bedrooms": 4,
                "step_free": True,
                "units": 1,
                "vacant_now": 1,
                "reserved_for_refugees": True,
                "area": "Vågsbygd",
                "distances": "Skole 1 km, buss 50 m",
                "contract_years": 3,
            },
            {
                "reference": "DEMO-SENTRUM-2",
                "tenure": "municipal_rental",
                "rooms": 2,
                "bedrooms": 1,
                "step_free": True,
                "units": 12,
                "vacant_now": 2,
                "area": "Kvadraturen",
                "distances": "Alt i gangavstand",
                "contract_years": 3,
            },
            {
                "reference": "DEMO-RANDESUND-4",
                "tenure": "guarantee",
                "rooms": 4,
                "bedrooms": 3,
                "units": 2,
                "area": "Randesund",
                "distances": "Skole 800 m, buss 400 m",
            },
        ],
        "staffed_housing": [
            {
                "name": "Demo bofellesskap Lund",
                "places": 8,
                "vacancies": 2,
                "age_from": 15,
                "age_to": 18,
            },
        ],
        "schools": {
            "reception_classes": True,
            "upper_secondary": True,
            "upper_secondary_programmes": "Studiespesialisering, helse- og oppvekstfag, elektro",
            "upper_secondary_introductory": True,
            "adult_education": True,
            "higher_education": "Universitetet i Agder i kommunen",
        },
        "introduction": {
            "run_by": "refugee_office",
            "capacity": 250,
            "result_target": 70,
            "norwegian_with_primary": True,
            "norwegian_with_upper_secondary": True,
        },
        "kindergarten": {"availability": "all_year", "vacancies": 15},
        "interpreters": {
            "languages": ["Arabisk", "Tigrinja", "Dari", "Somali", "Ukrainsk"],
            "remote": True,
        },
        "health": {
            "gp_vacancies": True,
            "mental_health_children": True,
            "mental_health_adults": True,
        },
        "transport": {"level": "good"},
        "labour_market": {
            "assessment": "normal",
            "industries": "Offentlig sektor, handel, industri, reiseliv",
        },
    },
    "4601": {
        "contacts": [
            {
                "area": "general",
                "name": "Demo Introduksjonssenteret",
                "role": "Fagleder bosetting",
                "email": "bosetting.demo@bergen.example",
                "phone": "+47 55 00 00 00",
            },
        ],
        "housing": [
            {
                "reference": "DEMO-FYLLINGS-4",
                "tenure": "municipal_rental",
                "rooms": 4,
                "bedrooms": 3,
                "step_free": True,
                "units": 3,
                "vacant_now": 1,
                "reserved_for_refugees": True,
                "area": "Fyllingsdalen",
                "distances": "Skole 400 m, bybane 300 m",
                "contract_years": 3,
            },
            {
                "reference": "DEMO-ARNA-6",
                "tenure": "rent_to_own",
                "rooms": 6,
                "bedrooms": 5,
                "units": 1,
                "vacant_later": 1,
                "vacant_from": dt.date(2026, 9, 1),
                "area": "Arna",
                "distances": "Skole 1,5 km, tog 1 km",
                "contract_years": 5,
            },
            {
                "reference": "DEMO-LAKSEVAG-3",
                "tenure": "shared",
                "rooms": 3,
                "bedrooms": 2,
                "units": 4,
                "vacant_now": 2,
                "area": "Laksevåg",
            },
        ],
        "staffed_housing": [
            {
                "name": "Demo bofellesskap Åsane",
                "places": 10,
                "vacancies": 0,
                "age_from": 13,
                "age_to": 17,
            },
            {
                "name": "Demo hybel med oppfølging",
                "places": 6,
                "vacancies": 1,
                "age_from": 16,
                "age_to": 20,
            },
        ],
        "schools": {
            "reception_classes": True,
            "upper_secondary": True,
            "upper_secondary_programmes": "Alle utdanningsprogram",
            "adult_education": True,
            "higher_education": "Universitetet i Bergen, Høgskulen på Vestlandet",
        },
        "introduction": {
            "run_by": "adult_education",
            "capacity": 600,
            "result_target": 65,
            "norwegian_with_primary": True,
            "norwegian_with_upper_secondary": False,
        },
        "kindergarten": {"availability": "main_intake"},
        "interpreters": {
            "languages": ["Arabisk", "Tigrinja", "Pashto", "Kurmanji", "Ukrainsk", "Russisk"],
            "remote": True,
        },
        "health": {
            "gp_vacancies": False,
            "mental_health_children": True,
            "mental_health_adults": True,
        },
        "transport": {"level": "good"},
        "labour_market": {
            "assessment": "good",
            "industries": "Havbruk, olje og gass, helse, handel",
        },
        # Shown as stale: last confirmed well over 90 days ago.
        "_stale": ["transport", "kindergarten"],
    },
    "030101": {
        "contacts": [
            {
                "area": "general",
                "name": "Demo Bydel Gamle Oslo",
                "role": "Bosettingsansvarlig",
                "email": "bosetting.demo@gamleoslo.example",
                "phone": "+47 21 00 00 00",
            },
        ],
        "housing": [
            {
                "reference": "DEMO-TOYEN-2",
                "tenure": "municipal_rental",
                "rooms": 2,
                "bedrooms": 1,
                "units": 5,
                "vacant_now": 0,
                "vacant_later": 2,
                "vacant_from": dt.date(2026, 7, 1),
                "area": "Tøyen",
                "distances": "T-bane 200 m, skole 500 m",
                "contract_years": 3,
            },
            {
                "reference": "DEMO-KAMPEN-3",
                "tenure": "sublet",
                "rooms": 3,
                "bedrooms": 2,
                "step_free": True,
                "units": 2,
                "vacant_now": 1,
                "area": "Kampen",
            },
        ],
        "schools": {"reception_classes": True, "upper_secondary": True, "adult_education": True},
        "interpreters": {"languages": ["Arabisk", "Somali", "Urdu"], "remote": True},
        "health": {"gp_vacancies": False},
        "transport": {"level": "good"},
        "labour_market": {"assessment": "normal", "industries": "Tjenesteyting, handel"},
        "_stale": ["health", "schools"],
    },
}


def load_housing_demo() -> list[str]:
    out = []
    for number, profile in PROFILES.items():
        municipality = Municipality.objects.filter(number=number, valid_to__isnull=True).first()
        if municipality is None:
            out.append(f"{number}: not found (run load_demo first); skipped.")
            continue
        if ProfileSection.objects.filter(municipality=municipality).exists():
            out.append(f"{number} {municipality.name}: already has a profile; left as it is.")
            continue
        _load(municipality, profile)
        out.append(f"{number} {municipality.name}: demo profile created {DEMO}.")
    return out


@transaction.atomic
def _load(municipality: Municipality, profile: dict) -> None:
    for values in profile.get("contacts", []):
        services.contact_person_save(actor=None, municipality=municipality, **values)
    for values in profile.get("housing", []):
        services.housing_line_save(
            actor=None, municipality=municipality, **{**values, "notes": DEMO}
        )
    for values in profile.get("staffed_housing", []):
        services.staffed_housing_save(
            actor=None, municipality=municipality, **{**values, "notes": DEMO}
        )
    for key in (
        SectionKey.SCHOOLS,
        SectionKey.INTRODUCTION,
        SectionKey.KINDERGARTEN,
        SectionKey.INTERPRETERS,
        SectionKey.HEALTH,
        SectionKey.TRANSPORT,
        SectionKey.LABOUR_MARKET,
    ):
        if key in profile:
            data = dict(profile[key])
            if any(fact.name == "notes" for fact in SERVICE_FACTS[key]):
                data.setdefault("notes", DEMO)
            services.section_update(actor=None, municipality=municipality, key=key, data=data)
    # A demo profile looks lived in: everything confirmed some weeks ago, some parts long ago.
    ago = timezone.now() - dt.timedelta(days=20)
    long_ago = timezone.now() - dt.timedelta(days=130)
    for section_key in SectionKey.values:
        when = long_ago if section_key in profile.get("_stale", []) else ago
        ProfileSection.objects.filter(municipality=municipality, key=section_key).update(
            last_confirmed_at=when, updated_at=when, last_confirmed_by_label="Demo"
        )
        ProfileVersion.objects.filter(municipality=municipality, section=section_key).update(
            changed_at=when, changed_by_label="Demo"
        )
