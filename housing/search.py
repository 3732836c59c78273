"""The settlement officer's search: which municipalities meet a refugee's or a family's needs.

Every municipality the user may see is checked against every need. Those that meet all come
first, then those that meet some, by how many. Each result says, need by need, whether it is met
and how fresh the fact is (when its section was last confirmed).

The cost is a constant number of queries whatever the number of municipalities: the
municipalities, their key figures for the year, their housing lines (counted in the database),
their staffed housing, profile sections and contact persons, each read once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from django.db.models import Case, Count, F, JSONField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

from housing.models import (
    ContactArea,
    ContactPerson,
    HousingLine,
    ProfileSection,
    SectionKey,
    StaffedHousing,
    Tenure,
    stale_after,
)
from housing.sections import ASSESSMENT, KINDERGARTEN_AVAILABILITY, LEVELS
from portal.accounts.access import visible_municipalities
from portal.municipalities.models import KeyFigures, Municipality


@lru_cache(maxsize=256)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    return gettext(message)


def _translator(language: str | None) -> Callable[[str], str]:
    """gettext, remembered for the search's language: a search over every municipality asks for
    the same few words thousands of times."""
    return partial(_translated, language)


TRANSPORT_AT_LEAST = {"good": ("good",), "limited": ("good", "limited")}
LABOUR_AT_LEAST = {"good": ("good",), "normal": ("good", "normal")}


@dataclass
class SearchCriteria:
    year: int | None = None
    region: str = ""
    min_rooms: int | None = None
    min_bedrooms: int | None = None
    step_free: bool = False
    vacant_now: bool = False
    vacant_by: dt.date | None = None
    tenures: list[str] = field(default_factory=list)
    upper_secondary: bool = False
    staffed_age: int | None = None
    interpreter_language: str = ""
    gp_vacancies: bool = False
    kindergarten: bool = False
    transport: str = ""
    labour_market: str = ""
    min_remaining: int | None = None

    @property
    def housing_needed(self) -> bool:
        return bool(
            self.min_rooms
            or self.min_bedrooms
            or self.step_free
            or self.vacant_now
            or self.vacant_by
            or self.tenures
        )

    def needs(self) -> list[Need]:
        """The needs, in the order results show them."""
        needs = []
        if self.housing_needed:
            needs.append(Need("housing", self.housing_label(), SectionKey.HOUSING))
        if self.staffed_age is not None:
            needs.append(
                Need(
                    "staffed_housing",
                    _("Vacant place in staffed housing for a %(age)s-year-old")
                    % {"age": self.staffed_age},
                    SectionKey.STAFFED_HOUSING,
                )
            )
        if self.upper_secondary:
            needs.append(
                Need(
                    "upper_secondary",
                    _("Upper secondary school in the municipality"),
                    SectionKey.SCHOOLS,
                )
            )
        if self.interpreter_language:
            needs.append(
                Need(
                    "interpreter",
                    _("Interpreter for %(language)s") % {"language": self.interpreter_language},
                    SectionKey.INTERPRETERS,
                )
            )
        if self.gp_vacancies:
            needs.append(Need("gp", _("GP lists with vacancies"), SectionKey.HEALTH))
        if self.kindergarten:
            needs.append(
                Need(
                    "kindergarten",
                    _("Kindergarten place without a waiting list"),
                    SectionKey.KINDERGARTEN,
                )
            )
        if self.transport:
            label = (
                _("Good public transport")
                if self.transport == "good"
                else _("Public transport at least limited")
            )
            needs.append(Need("transport", label, SectionKey.TRANSPORT))
        if self.labour_market:
            label = (
                _("Good labour market")
                if self.labour_market == "good"
                else _("Labour market at least normal")
            )
            needs.append(Need("labour_market", label, SectionKey.LABOUR_MARKET))
        if self.min_remaining:
            needs.append(
                Need(
                    "remaining",
                    _("At least %(n)s left to settle of the decided number")
                    % {"n": self.min_remaining},
                    "",
                )
            )
        return needs

    def housing_label(self) -> str:
        parts = []
        if self.vacant_now and not self.vacant_by:
            parts.append(_("vacant now"))
        if self.vacant_by:
            parts.append(
                _("vacant now or by %(date)s")
                % {"date": date_format(self.vacant_by, "SHORT_DATE_FORMAT")}
            )
        if self.step_free:
            parts.append(_("step-free"))
        if self.min_rooms:
            parts.append(_("at least %(n)s rooms") % {"n": self.min_rooms})
        if self.min_bedrooms:
            parts.append(_("at least %(n)s bedrooms") % {"n": self.min_bedrooms})
        if self.tenures:
            labels = dict(Tenure.choices)
            parts.append(" / ".join(str(labels.get(t, t)).lower() for t in self.tenures))
        return _("Dwelling: %(requirements)s") % {"requirements": ", ".join(parts)}

    def housing_q(self) -> Q:
        q = Q()
        if self.min_rooms:
            q &= Q(rooms__gte=self.min_rooms)
        if self.min_bedrooms:
            q &= Q(bedrooms__gte=self.min_bedrooms)
        if self.step_free:
            q &= Q(step_free=True)
        if self.tenures:
            q &= Q(tenure__in=self.tenures)
        if self.vacant_by:
            q &= Q(vacant_now__gt=0) | Q(vacant_later__gt=0, vacant_from__lte=self.vacant_by)
        elif self.vacant_now:
            q &= Q(vacant_now__gt=0)
        return q


@dataclass
class Need:
    key: str
    label: str
    section: str  # the profile section the fact comes from ("" for key figures)


@dataclass
class NeedResult:
    need: Need
    met: bool
    detail: str
    confirmed_at: dt.datetime | None = None
    stale: bool = False
    known: bool = True

    @property
    def label(self) -> str:
        return self.need.label


@dataclass
class SearchRow:
    municipality: Municipality
    needs: list[NeedResult]
    figures_year: int | None = None
    decided: int | None = None
    settled: int | None = None
    contact: dict[str, Any] | None = None
    stale_count: int = 0

    @property
    def met(self) -> int:
        return sum(1 for n in self.needs if n.met)

    @property
    def total(self) -> int:
        return len(self.needs)

    @property
    def full(self) -> bool:
        return self.met == self.total

    @property
    def remaining(self) -> int | None:
        if self.decided is None:
            return None
        return max(self.decided - (self.settled or 0), 0)


@dataclass
class SearchResult:
    criteria: SearchCriteria
    needs: list[Need]
    rows: list[SearchRow]
    year: int | None
    checked: int = 0  # municipalities looked at
    not_matching: int = 0  # of them, meeting none of the needs (left out)
    languages: list[str] = field(default_factory=list)

    @property
    def full_matches(self) -> int:
        return sum(1 for r in self.rows if r.full)


def latest_figures_year() -> int | None:
    """The latest year that has settlement decisions."""
    latest = KeyFigures.objects.filter(decided__isnull=False).order_by("-year").first()
    return latest.year if latest else None


def _organisations(user, criteria: SearchCriteria) -> QuerySet[Municipality]:
    qs = visible_municipalities(
        user, Municipality.objects.filter(valid_to__isnull=True)
    ).select_related("region", "county")
    if criteria.region:
        qs = qs.filter(region__code=criteria.region)
    return qs.order_by("number")


def search_querysets(user, criteria: SearchCriteria, year: int | None) -> dict[str, QuerySet]:
    """The search's reads, one query each: what ``settlement_search`` matches in Python."""
    organisations = _organisations(user, criteria)
    ids = organisations.values("pk")
    needs = criteria.needs()
    querysets: dict[str, QuerySet] = {"municipalities": organisations}
    if year:
        querysets["figures"] = KeyFigures.objects.filter(municipality__in=ids, year=year).values(
            "municipality_id", "decided", "settled"
        )
    if criteria.housing_needed:
        # Counted in the database: a municipality may have hundreds of lines.
        match = criteria.housing_q()
        querysets["housing"] = (
            HousingLine.objects.filter(municipality__in=ids)
            .values("municipality_id")
            .annotate(
                lines=Count("id"),
                vacant=Sum("vacant_now"),
                matching=Count("id", filter=match),
                matching_vacant=Sum("vacant_now", filter=match),
                matching_units=Sum("units", filter=match),
            )
            .order_by()
        )
    if criteria.staffed_age is not None:
        querysets["staffed"] = StaffedHousing.objects.filter(municipality__in=ids).values_list(
            "municipality_id", "vacancies", "age_from", "age_to"
        )
    # Every section's freshness; the facts only of the sections the needs are about.
    wanted = sorted({n.section for n in needs if n.section} | {SectionKey.INTERPRETERS})
    querysets["sections"] = (
        ProfileSection.objects.filter(municipality__in=ids)
        .annotate(
            facts=Case(
                When(key__in=wanted, then=F("data")), default=Value(None), output_field=JSONField()
            )
        )
        .values_list("municipality_id", "key", "facts", "last_confirmed_at")
    )
    querysets["contacts"] = (
        ContactPerson.objects.filter(municipality__in=ids)
        .values("municipality_id", "area", "name", "role", "email", "phone")
        .order_by("municipality_id", "name", "id")
    )
    return querysets


def settlement_search(
    *, user, criteria: SearchCriteria, now: dt.datetime | None = None
) -> SearchResult:
    """Check every municipality the user may see against every need; best first."""
    now = now or timezone.now()
    tr = _translator(get_language())
    stale_before = now - stale_after()
    year = criteria.year or latest_figures_year()
    needs = criteria.needs()
    querysets = search_querysets(user, criteria, year)
    municipalities = list(querysets["municipalities"])
    figures = {kf["municipality_id"]: kf for kf in querysets.get("figures", [])}
    housing = {row["municipality_id"]: row for row in querysets.get("housing", [])}
    staffed: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for m_id, vacancies, low, high in querysets.get("staffed", []):
        staffed[m_id].append((vacancies, low, high))
    sections: dict[int, dict[str, tuple[dict, dt.datetime | None]]] = defaultdict(dict)
    fresh: dict[int, int] = defaultdict(int)
    for m_id, key, data, confirmed in querysets["sections"]:
        sections[m_id][key] = (data or {}, confirmed)
        if confirmed is not None and confirmed > stale_before:
            fresh[m_id] += 1
    section_count = len(SectionKey.values)
    contacts: dict[int, dict[str, Any]] = {}
    for contact in querysets["contacts"]:
        current = contacts.get(contact["municipality_id"])
        if current is None or (
            contact["area"] == ContactArea.GENERAL and current["area"] != ContactArea.GENERAL
        ):
            contacts[contact["municipality_id"]] = contact

    languages: dict[str, str] = {}
    rows = []
    for municipality in municipalities:
        m_sections = sections.get(municipality.pk, {})
        for language in (
            m_sections.get(SectionKey.INTERPRETERS, ({}, None))[0].get("languages") or []
        ):
            languages.setdefault(str(language).casefold(), str(language))
        kf = figures.get(municipality.pk, {})
        row = SearchRow(
            municipality=municipality,
            needs=[],
            figures_year=year if kf else None,
            decided=kf.get("decided"),
            settled=kf.get("settled"),
            contact=contacts.get(municipality.pk),
            stale_count=section_count - fresh[municipality.pk],
        )
        for need in needs:
            data, confirmed = (
                m_sections.get(need.section, ({}, None)) if need.section else ({}, None)
            )
            result = _check(
                need,
                criteria,
                data,
                housing=housing.get(municipality.pk),
                staffed=staffed.get(municipality.pk, []),
                row=row,
                _=tr,
            )
            if need.section:
                result.confirmed_at = confirmed
                result.stale = confirmed is None or confirmed < stale_before
            row.needs.append(result)
        rows.append(row)

    checked = len(rows)
    if needs:
        rows = [r for r in rows if r.met]
    rows.sort(key=_rank)
    return SearchResult(
        criteria=criteria,
        needs=needs,
        rows=rows,
        year=year,
        checked=checked,
        not_matching=checked - len(rows),
        languages=sorted(languages.values(), key=str.casefold),
    )


def _rank(row: SearchRow) -> tuple:
    remaining = row.remaining
    return (
        not row.full,
        -row.met,
        remaining is None,
        -(remaining or 0),
        row.municipality.name,
    )


def _yes_no_need(value: Any, _: Callable[[str], str]) -> tuple[bool, str, bool]:
    if value is None:
        return False, _("Not stated"), False
    return bool(value), _("Yes") if value else _("No"), True


def _check(
    need: Need,
    criteria: SearchCriteria,
    data: dict[str, Any],
    *,
    housing: dict[str, Any] | None,
    staffed: list[tuple[int, int, int]],
    row: SearchRow,
    _: Callable[[str], str],
) -> NeedResult:
    if need.key == "housing":
        if not housing:
            return NeedResult(need, False, _("No housing lines registered"), known=False)
        matching = housing["matching"] or 0
        if matching:
            detail = _("%(lines)s matching lines: %(units)s dwellings, %(vacant)s vacant now") % {
                "lines": matching,
                "units": housing["matching_units"] or 0,
                "vacant": housing["matching_vacant"] or 0,
            }
        else:
            detail = _("None matching (of %(lines)s lines, %(vacant)s dwellings vacant now)") % {
                "lines": housing["lines"],
                "vacant": housing["vacant"] or 0,
            }
        return NeedResult(need, bool(matching), detail)
    if need.key == "staffed_housing":
        age = criteria.staffed_age or 0
        places = sum(v for v, low, high in staffed if v and low <= age <= high)
        if not staffed:
            return NeedResult(need, False, _("No staffed housing registered"), known=False)
        if places:
            return NeedResult(need, True, _("%(n)s vacant places") % {"n": places})
        return NeedResult(need, False, _("No vacant place for that age"))
    if need.key == "upper_secondary":
        met, detail, known = _yes_no_need(data.get("upper_secondary"), _)
        if met and data.get("upper_secondary_programmes"):
            detail = str(data["upper_secondary_programmes"])
        return NeedResult(need, met, detail, known=known)
    if need.key == "interpreter":
        offered = [str(x) for x in data.get("languages") or []]
        wanted = criteria.interpreter_language.strip().casefold()
        if not offered:
            return NeedResult(need, False, _("No languages stated"), known=False)
        if any(language.casefold() == wanted for language in offered):
            detail = _("Yes") + (" " + _("(also remote)") if data.get("remote") else "")
            return NeedResult(need, True, detail)
        if data.get("remote"):
            return NeedResult(need, False, _("Not locally; remote interpreting is used"))
        return NeedResult(need, False, _("No"))
    if need.key == "gp":
        met, detail, known = _yes_no_need(data.get("gp_vacancies"), _)
        return NeedResult(need, met, detail, known=known)
    if need.key == "kindergarten":
        availability = data.get("availability") or ""
        if not availability:
            return NeedResult(need, False, _("Not stated"), known=False)
        detail = str(dict(KINDERGARTEN_AVAILABILITY)[availability])
        return NeedResult(need, availability != "waiting_list", detail)
    if need.key == "transport":
        level = data.get("level") or ""
        if not level:
            return NeedResult(need, False, _("Not stated"), known=False)
        return NeedResult(
            need, level in TRANSPORT_AT_LEAST[criteria.transport], str(dict(LEVELS)[level])
        )
    if need.key == "labour_market":
        assessment = data.get("assessment") or ""
        if not assessment:
            return NeedResult(need, False, _("Not stated"), known=False)
        return NeedResult(
            need,
            assessment in LABOUR_AT_LEAST[criteria.labour_market],
            str(dict(ASSESSMENT)[assessment]),
        )
    if need.key == "remaining":
        remaining = row.remaining
        if remaining is None:
            return NeedResult(need, False, _("No decision registered"), known=False)
        return NeedResult(
            need,
            remaining >= (criteria.min_remaining or 0),
            _("%(n)s left to settle") % {"n": remaining},
        )
    raise ValueError(need.key)
