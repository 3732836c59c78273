"""Reads of the housing and service profile, with the queries each page needs and no more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from housing.diff import SectionDiff, diff_section
from housing.models import (
    ContactPerson,
    HousingLine,
    ProfileSection,
    ProfileVersion,
    SectionKey,
    StaffedHousing,
    StaleReminder,
)
from housing.presenters import ProfileView, SectionStatus, profile_view
from housing.sections import SECTION_ORDER, normalise_data
from housing.snapshots import ROW_MODELS, rows_snapshot
from portal.accounts.access import visible_municipalities
from portal.core.queue import sweep_window
from portal.municipalities.models import KeyFigures, Municipality

# --- today's profile -------------------------------------------------------------------


def profile_sections(municipality: Municipality) -> dict[str, ProfileSection]:
    return {s.key: s for s in ProfileSection.objects.filter(municipality=municipality)}


def housing_lines(municipality: Municipality) -> QuerySet[HousingLine]:
    return HousingLine.objects.filter(municipality=municipality).order_by(
        "rooms", "tenure", "area", "reference", "id"
    )


def staffed_housing(municipality: Municipality) -> QuerySet[StaffedHousing]:
    return StaffedHousing.objects.filter(municipality=municipality)


def contact_persons(municipality: Municipality) -> QuerySet[ContactPerson]:
    return ContactPerson.objects.filter(municipality=municipality)


def section_statuses(
    municipality: Municipality,
    sections: dict[str, ProfileSection] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, SectionStatus]:
    now = now or timezone.now()
    sections = profile_sections(municipality) if sections is None else sections
    return {key: SectionStatus.from_section(key, sections.get(key), now) for key in SECTION_ORDER}


def stale_sections(
    municipality: Municipality, now: dt.datetime | None = None
) -> list[SectionStatus]:
    """The sections of the profile that need confirming (not confirmed or changed for 90 days,
    or never), in the order of the profile. One query."""
    return [s for s in section_statuses(municipality, now=now).values() if s.stale]


def stale_sections_for(
    municipality_ids: Iterable[int], now: dt.datetime | None = None
) -> dict[int, list[SectionStatus]]:
    """``stale_sections`` for many municipalities in one query (for lists and the home page)."""
    now = now or timezone.now()
    ids = list(municipality_ids)
    by_municipality: dict[int, dict[str, ProfileSection]] = {pk: {} for pk in ids}
    for section in ProfileSection.objects.filter(municipality_id__in=ids).only(
        "municipality_id", "key", "last_confirmed_at", "last_confirmed_by_label", "updated_at"
    ):
        by_municipality[section.municipality_id][section.key] = section
    out = {}
    for pk, sections in by_municipality.items():
        statuses = [SectionStatus.from_section(k, sections.get(k), now) for k in SECTION_ORDER]
        out[pk] = [s for s in statuses if s.stale]
    return out


def section_has_content(municipality: Municipality, section: ProfileSection) -> bool:
    """Whether a section has anything filled in: a row, or a fact that is not blank (what the
    profile page shows as filled). At most one query."""
    if section.key in ROW_MODELS:
        model, _fields = ROW_MODELS[section.key]
        return model._default_manager.filter(municipality=municipality).exists()
    data = normalise_data(section.key, section.data)
    return any(value not in (None, "", []) for value in data.values())


def reminder_period(last_confirmed_at: dt.datetime | None) -> str:
    """The staleness period a stale-section reminder belongs to: when the section was last
    confirmed ("never" if it never was). A section confirmed again starts a new period."""
    return "never" if last_confirmed_at is None else last_confirmed_at.isoformat(timespec="seconds")


def current_profile(municipality: Municipality, now: dt.datetime | None = None) -> ProfileView:
    """The profile as it is now: four queries, however many housing lines it has."""
    sections = profile_sections(municipality)
    snapshots: dict[str, Any] = {
        SectionKey.HOUSING: rows_snapshot(SectionKey.HOUSING, housing_lines(municipality)),
        SectionKey.STAFFED_HOUSING: rows_snapshot(
            SectionKey.STAFFED_HOUSING, staffed_housing(municipality)
        ),
        SectionKey.CONTACTS: rows_snapshot(SectionKey.CONTACTS, contact_persons(municipality)),
    }
    for key, section in sections.items():
        if key not in snapshots:
            snapshots[key] = normalise_data(key, section.data)
    return profile_view(municipality, snapshots, section_statuses(municipality, sections, now))


def latest_key_figures(municipality: Municipality) -> KeyFigures | None:
    """The latest year with settlement figures (decided or settled) for the organisation."""
    return (
        KeyFigures.objects.filter(municipality=municipality)
        .filter(Q(decided__isnull=False) | Q(settled__isnull=False))
        .order_by("-year")
        .first()
    )


# --- the profile on an earlier date, and what changed ---------------------------------


def profile_as_of(municipality: Municipality, day: dt.date) -> ProfileView:
    """The profile as it was at the end of ``day``: for each section, its latest version then.

    Two queries: the latest snapshot of each section, and the latest confirmation of each.
    """
    cutoff = _end_of(day)
    versions = ProfileVersion.objects.filter(municipality=municipality, changed_at__lt=cutoff)
    latest_content = _latest_per_section(versions.exclude(snapshot__isnull=True))
    latest_any = _latest_per_section(versions.defer("snapshot"))
    snapshots = {v.section: v.snapshot for v in latest_content}
    statuses = {key: SectionStatus(key=key, now=cutoff) for key in SECTION_ORDER}
    for v in latest_any:
        content = next((c for c in latest_content if c.section == v.section), None)
        statuses[v.section] = SectionStatus(
            key=v.section,
            last_confirmed_at=v.changed_at,
            confirmed_by=v.changed_by_label,
            updated_at=content.changed_at if content else None,
            now=cutoff,
        )
    return profile_view(municipality, snapshots, statuses, as_of=day)


def changes_since(then: ProfileView, now: ProfileView) -> list[SectionDiff]:
    """Per section, what differs between two views of the profile (an earlier one and today's)."""
    diffs = []
    for key in SECTION_ORDER:
        before, after = then.by_key[key], now.by_key[key]
        d = diff_section(key, before.content if before.has_version else None, after.content)
        if not d.is_empty:
            diffs.append(d)
    return diffs


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _latest_per_section(qs: QuerySet[ProfileVersion]) -> list[ProfileVersion]:
    return list(
        qs.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("section")],
                order_by=[F("changed_at").desc(), F("id").desc()],
            )
        ).filter(rank=1)
    )


def profile_versions(municipality: Municipality, section: str = "") -> QuerySet[ProfileVersion]:
    """Every version, newest first, each with the id of the version with content before it."""
    earlier = ProfileVersion.objects.filter(
        municipality=OuterRef("municipality"),
        section=OuterRef("section"),
        snapshot__isnull=False,
    ).filter(
        Q(changed_at__lt=OuterRef("changed_at"))
        | Q(changed_at=OuterRef("changed_at"), id__lt=OuterRef("id"))
    )
    qs = ProfileVersion.objects.filter(municipality=municipality)
    if section:
        qs = qs.filter(section=section)
    return qs.annotate(
        previous_id=Subquery(earlier.order_by("-changed_at", "-id").values("id")[:1])
    ).order_by("-changed_at", "-id")


def with_diffs(versions: list[ProfileVersion]) -> list[tuple[ProfileVersion, SectionDiff | None]]:
    """Each version with what it changed; one query for the versions before them."""
    previous_ids = {v.previous_id for v in versions if getattr(v, "previous_id", None)}  # type: ignore[attr-defined]
    previous = ProfileVersion.objects.in_bulk(previous_ids) if previous_ids else {}
    out: list[tuple[ProfileVersion, SectionDiff | None]] = []
    for v in versions:
        if v.snapshot is None:
            out.append((v, None))
            continue
        before = previous.get(v.previous_id)  # type: ignore[attr-defined]
        out.append((v, diff_section(v.section, before.snapshot if before else None, v.snapshot)))
    return out


def first_version_date(municipality: Municipality) -> dt.date | None:
    first = ProfileVersion.objects.filter(municipality=municipality).aggregate(
        first=Min("changed_at")
    )
    return timezone.localdate(first["first"]) if first["first"] else None


# --- the directorate's overview --------------------------------------------------------


class FreshnessRow:
    def __init__(self, municipality: Municipality, statuses: list[SectionStatus]):
        self.municipality = municipality
        self.statuses = statuses

    @property
    def stale(self) -> list[SectionStatus]:
        return [s for s in self.statuses if s.stale]

    @property
    def started(self) -> bool:
        return any(not s.never for s in self.statuses)

    @property
    def oldest(self) -> dt.datetime | None:
        dates = [s.last_confirmed_at for s in self.statuses if s.last_confirmed_at]
        return min(dates) if dates else None


def freshness_overview(
    *, user, region: str = "", only_stale: bool = False, now: dt.datetime | None = None
) -> list[FreshnessRow]:
    """Every organisation the user may see with the freshness of each section. Two queries."""
    qs = visible_municipalities(user, Municipality.objects.filter(valid_to__isnull=True))
    if region:
        qs = qs.filter(region__code=region)
    municipalities = list(qs.select_related("region").order_by("number"))
    now = now or timezone.now()
    sections: dict[int, dict[str, ProfileSection]] = {m.pk: {} for m in municipalities}
    for section in ProfileSection.objects.filter(municipality__in=qs.values("pk")).only(
        "municipality_id", "key", "last_confirmed_at", "last_confirmed_by_label", "updated_at"
    ):
        sections[section.municipality_id][section.key] = section
    rows = [
        FreshnessRow(
            m,
            [SectionStatus.from_section(k, sections[m.pk].get(k), now) for k in SECTION_ORDER],
        )
        for m in municipalities
    ]
    if only_stale:
        rows = [r for r in rows if r.stale]
    rows.sort(key=lambda r: (-len(r.stale), r.municipality.number))
    return rows


# --- reminders the broker never took ---------------------------------------------------------


def municipalities_with_unsent_reminders(*, now: dt.datetime | None = None) -> list[int]:
    """The municipalities with a stale-section reminder still waiting to be sent, created between
    the sweep's cut-off and grace period ago (portal.core.queue.sweep_window). Their sending task
    sends all of the municipality's waiting reminders in one go."""
    oldest, newest = sweep_window(now)
    return list(
        StaleReminder.objects.filter(
            status=StaleReminder.Status.PENDING, created_at__gte=oldest, created_at__lt=newest
        )
        .order_by("municipality_id")
        .values_list("municipality_id", flat=True)
        .distinct()
    )


# --- the organisation's change log -----------------------------------------------------------

# What an organisation sees of its profile in its own change log: every change to a part and
# its rows, uploads, vacancy updates and confirmations (all of them the municipality's own work,
# or an IMDi administrator's on its behalf).
PROFILE_CHANGE_ACTIONS = (
    "profile_section.update",
    "profile_section.confirm",
    "housingline.create",
    "housingline.update",
    "housingline.delete",
    "housing_line.vacancies",
    "housing_line.upload",
    "staffedhousing.create",
    "staffedhousing.update",
    "staffedhousing.delete",
    "contactperson.create",
    "contactperson.update",
    "contactperson.delete",
)


def change_log_section_keys(entries) -> dict[str, str]:
    """``{object id: section key}`` for the entries about a part itself (its facts changed or
    confirmed): one query however many entries, none if none."""
    ids = {
        entry.object_id
        for entry in entries
        if entry.action.startswith("profile_section.") and entry.object_id.isdigit()
    }
    if not ids:
        return {}
    return {
        str(pk): key
        for pk, key in ProfileSection.objects.filter(pk__in=[int(i) for i in ids]).values_list(
            "pk", "key"
        )
    }
