"""Load the shipped reference data: regions, counties, municipalities (with their code history
and crosswalk), Oslo's city districts, KOSTRA groups, and demo key figures.

Every loader is idempotent: it compares with what is stored and writes only the difference,
so running it twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from portal.core.audit.services import audit_log
from portal.municipalities.models import (
    County,
    KeyFigures,
    KostraGroup,
    Municipality,
    MunicipalitySuccession,
    Region,
)
from portal.municipalities.signals import facts_changed

DATA_DIR = Path(__file__).resolve().parent / "data"
OSLO_DISTRICTS_SINCE = dt.date(2004, 1, 1)  # Oslo's 15 city districts date from the 2004 reform


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    details: dict[str, list[int]] = field(default_factory=dict)
    skipped: int = 0

    def add(self, label: str, created: int, updated: int) -> None:
        self.created += created
        self.updated += updated
        self.details[label] = [created, updated]

    def audit_changes(self) -> dict[str, list]:
        """For the audit log: ``{what: [None, "N new, M changed"]}``."""
        return {
            label: [None, f"{c} new, {u} changed"]
            for label, (c, u) in self.details.items()
            if c or u
        }


def sync(
    model, key_fields: tuple[str, ...], wanted: Iterable[dict], existing=None
) -> tuple[int, int]:
    """Create rows that are missing and update rows whose values differ; keyed on ``key_fields``.

    Returns (created, updated). Rows present in the database but not in ``wanted`` are kept.
    """
    qs = existing if existing is not None else model.objects.all()
    stored = {tuple(getattr(obj, f) for f in key_fields): obj for obj in qs}
    to_create, to_update, changed_fields = [], [], set()
    for values in wanted:
        key = tuple(values[f] for f in key_fields)
        obj = stored.get(key)
        if obj is None:
            to_create.append(model(**values))
            continue
        dirty = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed_fields.add(name)
                dirty = True
        if dirty:
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    return len(to_create), len(to_update)


def _load_regions(result: SyncResult) -> dict[str, Region]:
    rows = _rows("regions.csv")
    result.add(
        "regions",
        *sync(
            Region,
            ("code",),
            [
                {"code": r["code"], "name": r["name"], "sort_order": int(r["sort_order"])}
                for r in rows
            ],
        ),
    )
    regions = {r.code: r for r in Region.objects.all()}
    county_region = {}
    for r in rows:
        for number in r["counties"].split():
            county_region[number] = regions[r["code"]]
    return county_region


@dataclass
class _Version:
    year: int
    valid_from: dt.date
    valid_to: dt.date | None


def _load_counties(
    result: SyncResult, versions: dict[int, _Version], history: list[dict]
) -> dict[str, County]:
    names = {r["fylkesnummer"]: r["fylke_name"] for r in _rows("counties_before_2020.csv")}
    names.update(
        {r["fylkesnummer"]: r["fylke_name"] for r in _rows("municipalities_2020_2023.csv")}
    )
    names.update({r["fylkesnummer"]: r["fylke_name"] for r in _rows("counties_2024.csv")})
    seen: dict[str, list[int]] = defaultdict(list)
    for row in history:
        year = int(row["version_year"])
        if year not in seen[row["fylkesnummer"]]:
            seen[row["fylkesnummer"]].append(year)
    wanted = []
    for number, years in seen.items():
        first, last = versions[min(years)], versions[max(years)]
        wanted.append(
            {
                "number": number,
                "name": names[number],
                "valid_from": first.valid_from,
                "valid_to": last.valid_to,
            }
        )
    # County numbers were never reused for another county, so the number alone identifies one.
    result.add("counties", *sync(County, ("number",), wanted))
    return {c.number: c for c in County.objects.all()}


def _code_periods(history: list[dict], versions: dict[int, _Version]) -> list[dict]:
    """Merge each code's consecutive versions into one period; the latest name wins."""
    order = sorted(versions)
    by_code: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in history:
        by_code[row["kommunenummer"]][int(row["version_year"])] = row
    periods = []
    for code, per_year in by_code.items():
        run: list[int] = []
        for year in order:
            if year in per_year:
                run.append(year)
                continue
            if run:
                periods.append((code, run))
                run = []
        if run:
            periods.append((code, run))
    out = []
    for code, run in periods:
        latest = by_code[code][run[-1]]
        out.append(
            {
                "number": code,
                "name": latest["name"],
                "county_number": latest["fylkesnummer"],
                "valid_from": versions[run[0]].valid_from,
                "valid_to": versions[run[-1]].valid_to,
                "years": run,
            }
        )
    return out


@transaction.atomic
def load_reference_data(*, actor=None) -> SyncResult:
    """Regions, counties, KOSTRA groups, every municipality 2013–2024, crosswalk, Oslo districts."""
    result = SyncResult()
    county_region = _load_regions(result)
    history = _rows("municipalities_codes_history.csv")
    versions: dict[int, _Version] = {}
    for row in history:
        year = int(row["version_year"])
        versions.setdefault(
            year, _Version(year, dt.date.fromisoformat(row["valid_from"]), _date(row["valid_to"]))
        )
    counties = _load_counties(result, versions, history)

    result.add(
        "kostra_groups",
        *sync(
            KostraGroup,
            ("code",),
            [
                {
                    "code": r["kostra_group"],
                    "name": r["name"],
                    "population_band": r["population_band"],
                    "committed_costs_level": r["committed_costs_level"],
                    "free_income_level": r["free_disposable_income_level"],
                }
                for r in _rows("kostra_groups.csv")
            ],
        ),
    )

    current_2024 = {r["kommunenummer"]: r for r in _rows("municipalities_2024.csv")}
    periods = _code_periods(history, versions)
    crosswalk = _rows("municipality_crosswalk_to_2024.csv")
    # Region of a historical code: the region of the 2024 municipality it became.
    successor_codes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for row in crosswalk:
        successor_codes[(row["source_kommunenummer"], int(row["source_version_year"]))].append(
            row["kommunenummer_2024"]
        )

    def region_for(period: dict):
        region = county_region.get(period["county_number"])
        if region is not None:
            return region
        targets = successor_codes.get((period["number"], period["years"][-1]), [])
        for code in targets:
            region = county_region.get(current_2024[code]["fylkesnummer"])
            if region is not None:
                return region
        raise ValueError(f"no IMDi region for municipality {period['number']}")

    wanted = []
    for period in periods:
        current = current_2024.get(period["number"]) if period["valid_to"] is None else None
        wanted.append(
            {
                "number": period["number"],
                "valid_from": period["valid_from"],
                "valid_to": period["valid_to"],
                "name": period["name"],
                "short_name": current["name_norwegian"] if current else "",
                "kind": Municipality.Kind.MUNICIPALITY,
                "county_id": counties[period["county_number"]].pk,
                "region_id": region_for(period).pk,
            }
        )
    result.add("municipalities", *sync(Municipality, ("number", "valid_from"), wanted))

    by_code_period = {
        (m.number, m.valid_from): m for m in Municipality.objects.filter(kind="municipality")
    }
    oslo = by_code_period[("0301", versions[min(versions)].valid_from)]
    result.add(
        "districts",
        *sync(
            Municipality,
            ("number", "valid_from"),
            [
                {
                    "number": r["bydelsnummer"],
                    "valid_from": OSLO_DISTRICTS_SINCE,
                    "valid_to": None,
                    "name": r["name"],
                    "short_name": r["name"],
                    "kind": Municipality.Kind.DISTRICT,
                    "county_id": oslo.county_id,
                    "region_id": oslo.region_id,
                    "parent_id": oslo.pk,
                }
                for r in _rows("oslo_districts.csv")
                if r["is_city_district"] == "true"
            ],
            existing=Municipality.objects.filter(kind="district"),
        ),
    )

    current_by_code = {m.number: m for m in Municipality.objects.filter(valid_to__isnull=True)}

    by_number: dict[str, list[Municipality]] = defaultdict(list)
    for municipality in by_code_period.values():
        by_number[municipality.number].append(municipality)

    def row_for(code: str, version_year: int) -> Municipality | None:
        start = versions[version_year].valid_from
        return next((m for m in by_number[code] if m.valid_on(start)), None)

    successions = {}
    for row in crosswalk:
        if row["relationship"] == "unchanged_code":
            continue
        predecessor = row_for(row["source_kommunenummer"], int(row["source_version_year"]))
        successor = current_by_code[row["kommunenummer_2024"]]
        if predecessor is None or predecessor.pk == successor.pk:
            continue
        successions[(predecessor.pk, successor.pk)] = {
            "predecessor_id": predecessor.pk,
            "successor_id": successor.pk,
            "relationship": row["relationship"],
            "note": row["note"],
        }
    result.add(
        "successions",
        *sync(MunicipalitySuccession, ("predecessor_id", "successor_id"), successions.values()),
    )
    if result.created or result.updated:
        facts_changed.send(sender=MunicipalitySuccession)
        audit_log(
            actor=actor,
            action="reference_data.load",
            object_type="reference data",
            object_label="municipalities, counties, regions",
            changes=result.audit_changes(),
            source="load_reference_data",
        )
    return result


def _settlement_figures() -> list[tuple[str, int, str, int, dict]]:
    """(code, code-list year, bydelsnummer, year, figures) per row of the settlement file."""
    out = []
    for r in _rows("settlement_by_municipality.csv"):
        figures = {
            "requested": _int(r["requested"]),
            "decided": _int(r["decided"]),
            "settled": _int(r["settled"]),
            "unaccompanied_requested": _int(r["unaccompanied_minors_requested"]),
            "unaccompanied_decided": _int(r["unaccompanied_minors_decided"]),
            "unaccompanied_settled": _int(r["unaccompanied_minors_settled"]),
        }
        out.append(
            (
                r["kommunenummer"],
                int(r["code_list_version"]),
                r["bydelsnummer"],
                int(r["year"]),
                figures,
            )
        )
    return out


@transaction.atomic
def load_demo_key_figures(*, actor=None) -> SyncResult:
    """Population 2020–2026, centrality class and KOSTRA group, and IMDi's settlement figures
    (2012–2014, 2022–2024), each attached to the organisation whose code was in force."""
    result = SyncResult()
    figures: dict[tuple[int, int], dict] = defaultdict(dict)
    current = {m.number: m for m in Municipality.objects.filter(valid_to__isnull=True)}
    by_number: dict[str, list[Municipality]] = defaultdict(list)
    for m in Municipality.objects.all():
        by_number[m.number].append(m)

    def in_force(code: str, year: int) -> Municipality | None:
        day = dt.date(year, 1, 1)
        return next((m for m in by_number[code] if m.valid_on(day)), None)

    for r in _rows("population_by_municipality.csv"):
        if r["population"]:
            figures[(current[r["kommunenummer"]].pk, int(r["year"]))]["population"] = int(
                r["population"]
            )
    for r in _rows("municipalities_2024.csv"):
        entry = figures[(current[r["kommunenummer"]].pk, 2024)]
        entry["centrality_class"] = _int(r["centrality"])
        entry["kostra_group"] = r["kostra_group"]
    for r in _rows("oslo_districts.csv"):
        district = current.get(r["bydelsnummer"])
        if district is None:
            continue
        for year in (2024, 2025, 2026):
            if r[f"population_{year}"]:
                figures[(district.pk, year)]["population"] = int(r[f"population_{year}"])

    cache: dict[tuple[str, int], Municipality | None] = {}
    skipped = 0
    for code, list_year, district_code, year, values in _settlement_figures():
        target_code = district_code or code
        key = (target_code, list_year)
        if key not in cache:
            cache[key] = current.get(target_code) if district_code else in_force(code, list_year)
        municipality = cache[key]
        if municipality is None:
            skipped += 1  # Sentrum, Marka and "not stated" districts are statistical units only
            continue
        entry = figures[(municipality.pk, year)]
        entry.update({k: v for k, v in values.items() if v is not None})

    wanted = []
    for (municipality_id, year), values in figures.items():
        row = {"municipality_id": municipality_id, "year": year}
        row.update(values)
        wanted.append(row)
    created, updated = sync(KeyFigures, ("municipality_id", "year"), wanted)
    result.add("key_figures", created, updated)
    result.skipped = skipped
    if created or updated:
        facts_changed.send(sender=KeyFigures)
        audit_log(
            actor=actor,
            action="key_figures.load_demo",
            object_type="key figures",
            object_label="demo key figures",
            changes=result.audit_changes(),
            source="load_demo",
        )
    return result
