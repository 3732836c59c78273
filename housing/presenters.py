"""The profile as the pages show it, drawn from snapshots (today's, or those of an earlier date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from housing.models import ContactArea, ProfileSection, SectionKey, stale_after
from housing.sections import (
    ROW_COLUMNS,
    SECTION_ORDER,
    SECTION_SLUGS,
    SERVICE_FACTS,
    normalise_data,
    section_label,
)
from portal.core.audit.models import AuditEntry
from portal.core.audit.presenters import ChangedValue, EntryView, pairs, shown


@dataclass
class SectionStatus:
    """When a section was last confirmed (or changed), by whom, and whether that is too long ago."""

    key: str
    last_confirmed_at: dt.datetime | None = None
    confirmed_by: str = ""
    updated_at: dt.datetime | None = None
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def label(self) -> str:
        return section_label(self.key)

    @property
    def slug(self) -> str:
        return SECTION_SLUGS[self.key]

    @property
    def never(self) -> bool:
        return self.last_confirmed_at is None

    @property
    def stale(self) -> bool:
        return self.last_confirmed_at is None or self.last_confirmed_at < self.now - stale_after()

    @property
    def token(self) -> str:
        """The section's state as a page saw it: when it was last confirmed and last changed.
        A form sends it back, so a service can tell what changed since the page was shown."""
        return section_token(self.last_confirmed_at, self.updated_at)

    @property
    def age_days(self) -> int | None:
        if self.last_confirmed_at is None:
            return None
        return (self.now - self.last_confirmed_at).days

    @classmethod
    def from_section(
        cls, key: str, section: ProfileSection | None, now: dt.datetime
    ) -> SectionStatus:
        if section is None:
            return cls(key=key, now=now)
        return cls(
            key=key,
            last_confirmed_at=section.last_confirmed_at,
            confirmed_by=section.last_confirmed_by_label,
            updated_at=section.updated_at,
            now=now,
        )


def section_token(last_confirmed_at: dt.datetime | None, updated_at: dt.datetime | None) -> str:
    def iso(when: dt.datetime | None) -> str:
        return when.isoformat() if when else ""

    return f"{iso(last_confirmed_at)}/{iso(updated_at)}"


@dataclass
class DisplayRow:
    id: Any
    raw: dict[str, Any]
    cells: dict[str, str]


@dataclass
class SizeSummary:
    """Housing lines of one size (5 rooms or more counted together)."""

    rooms: int
    lines: int = 0
    units: int = 0
    vacant_now: int = 0
    vacant_later: int = 0
    next_vacant_from: dt.date | None = None
    step_free_units: int = 0
    step_free_vacant_now: int = 0
    reserved_units: int = 0

    @property
    def or_more(self) -> bool:
        return self.rooms >= LARGEST_SIZE


LARGEST_SIZE = 5


@dataclass
class SectionView:
    key: str
    status: SectionStatus
    facts: list[tuple[str, str]] = field(default_factory=list)
    rows: list[DisplayRow] = field(default_factory=list)
    has_version: bool = True
    filled: bool = False
    content: Any = None  # the snapshot: a list of rows, or the dict of facts

    @property
    def label(self) -> str:
        return section_label(self.key)

    @property
    def slug(self) -> str:
        return SECTION_SLUGS[self.key]

    @property
    def is_rows(self) -> bool:
        return self.key in ROW_COLUMNS

    @property
    def empty(self) -> bool:
        """Nothing filled in: no rows, or every fact blank."""
        return not self.rows and not self.filled

    @property
    def housing_summary(self) -> list[SizeSummary]:
        return housing_summary([r.raw for r in self.rows]) if self.key == "housing" else []

    @property
    def housing_totals(self) -> SizeSummary | None:
        if self.key != SectionKey.HOUSING:
            return None
        return _totals(self.housing_summary)


@dataclass
class ProfileView:
    municipality: Any
    sections: list[SectionView]
    as_of: dt.date | None = None

    def section(self, key: str) -> SectionView:
        return next(s for s in self.sections if s.key == key)

    @property
    def stale(self) -> list[SectionStatus]:
        return [s.status for s in self.sections if s.status.stale]

    @property
    def filled(self) -> list[SectionView]:
        """The sections with something filled in (rows or facts), in the order of the profile:
        those "confirm everything that is still correct" confirms."""
        return [s for s in self.sections if not s.empty]

    @property
    def main_contact(self) -> DisplayRow | None:
        contacts = self.section(SectionKey.CONTACTS).rows
        general = [c for c in contacts if c.raw.get("area") == ContactArea.GENERAL]
        chosen = general or contacts
        return chosen[0] if chosen else None

    @property
    def by_key(self) -> dict[str, SectionView]:
        return {s.key: s for s in self.sections}


def display_rows(key: str, rows: list[dict[str, Any]]) -> list[DisplayRow]:
    columns = ROW_COLUMNS[key]
    return [
        DisplayRow(
            id=row.get("id"), raw=row, cells={c.name: c.display(row.get(c.name)) for c in columns}
        )
        for row in rows
    ]


def housing_summary(rows: list[dict[str, Any]]) -> list[SizeSummary]:
    sizes: dict[int, SizeSummary] = {}
    for row in rows:
        rooms = min(int(row.get("rooms") or 0), LARGEST_SIZE)
        s = sizes.setdefault(rooms, SizeSummary(rooms=rooms))
        units, now, later = (
            row.get("units") or 0,
            row.get("vacant_now") or 0,
            row.get("vacant_later") or 0,
        )
        s.lines += 1
        s.units += units
        s.vacant_now += now
        s.vacant_later += later
        if later and row.get("vacant_from"):
            day = dt.date.fromisoformat(row["vacant_from"])
            s.next_vacant_from = min(day, s.next_vacant_from or day)
        if row.get("step_free"):
            s.step_free_units += units
            s.step_free_vacant_now += now
        if row.get("reserved_for_refugees"):
            s.reserved_units += units
    return [sizes[k] for k in sorted(sizes)]


def _totals(sizes: list[SizeSummary]) -> SizeSummary:
    total = SizeSummary(rooms=0)
    for s in sizes:
        total.lines += s.lines
        total.units += s.units
        total.vacant_now += s.vacant_now
        total.vacant_later += s.vacant_later
        total.step_free_units += s.step_free_units
        total.step_free_vacant_now += s.step_free_vacant_now
        total.reserved_units += s.reserved_units
        if s.next_vacant_from:
            total.next_vacant_from = min(
                s.next_vacant_from, total.next_vacant_from or s.next_vacant_from
            )
    return total


def section_view(
    key: str, snapshot: Any, status: SectionStatus, has_version: bool = True
) -> SectionView:
    view = SectionView(key=key, status=status, has_version=has_version)
    if key in ROW_COLUMNS:
        view.content = list(snapshot or [])
        view.rows = display_rows(key, view.content)
    else:
        data = normalise_data(key, snapshot or {})
        view.content = data
        view.facts = [(str(f.label), f.display(data.get(f.name))) for f in SERVICE_FACTS[key]]
        view.filled = any(value not in (None, "", []) for value in data.values())
    return view


def profile_view(
    municipality,
    snapshots: dict[str, Any],
    statuses: dict[str, SectionStatus],
    as_of: dt.date | None = None,
) -> ProfileView:
    return ProfileView(
        municipality=municipality,
        sections=[
            section_view(key, snapshots.get(key), statuses[key], has_version=key in snapshots)
            for key in SECTION_ORDER
        ],
        as_of=as_of,
    )


# --- the organisation's change log -----------------------------------------------------------

# The audit source of the confirmations made with "confirm everything that is still correct".
CONFIRM_ALL_SOURCE = "confirm all"

ROW_SECTION_OF_MODEL: dict[str, str] = {
    "housingline": SectionKey.HOUSING,
    "staffedhousing": SectionKey.STAFFED_HOUSING,
    "contactperson": SectionKey.CONTACTS,
}


def _value_words(kind_of: Any, value: Any) -> str:
    return shown(kind_of.display(value)) if kind_of is not None else shown(str(value or ""))


def change_entry_view(entry: AuditEntry, section_keys: dict[str, str]) -> EntryView:
    """A profile entry of the change log in words: the part (and row) it concerns, and each
    value before and after as the profile page shows it."""
    changes = entry.changes or {}
    view = EntryView(entry=entry, kind="profile", action="", what="")
    model, _dot, verb = entry.action.partition(".")
    if model == "profile_section":
        key = section_keys.get(entry.object_id, "")
        view.what = section_label(key) if key else entry.object_label
        if verb == "confirm":
            view.action = gettext("Confirmed as still correct")
            if entry.source == CONFIRM_ALL_SOURCE:
                view.note = gettext("With “Confirm everything that is still correct”.")
        else:
            view.action = gettext("Changed")
            facts = {f.name: f for f in SERVICE_FACTS.get(key, ())}
            for name, old, new in pairs(changes):
                fact = facts.get(name)
                view.changes.append(
                    ChangedValue(
                        str(fact.label) if fact else name,
                        _value_words(fact, old),
                        _value_words(fact, new),
                    )
                )
        return view
    if entry.action == "housing_line.vacancies":
        view.action = gettext("Vacancies updated")
        view.what = section_label(SectionKey.HOUSING)
        for name, old, new in pairs(changes):
            line, _dot, field_name = name.rpartition(".")
            col = _column(SectionKey.HOUSING, field_name)
            label = str(col.label) if col else field_name
            view.changes.append(
                ChangedValue(f"{line}: {label}", _value_words(col, old), _value_words(col, new))
            )
        return view
    if entry.action == "housing_line.upload":
        view.action = gettext("File uploaded")
        view.what = section_label(SectionKey.HOUSING)
        view.changes = [
            ChangedValue(gettext("Housing lines"), shown(str(old)), shown(str(new)))
            for _name, old, new in pairs(changes)
            if _name == "lines"
        ]
        view.note = entry.source.removeprefix("upload: ")
        return view
    row_key = ROW_SECTION_OF_MODEL.get(model, "")
    view.action = {
        "create": gettext("Added"),
        "update": gettext("Changed"),
        "delete": gettext("Removed"),
    }.get(verb, verb)
    view.what = f"{section_label(row_key)}: {entry.object_label}" if row_key else entry.object_label
    for name, old, new in pairs(changes):
        col = _column(row_key, name) if row_key else None
        view.changes.append(
            ChangedValue(
                str(col.label) if col else name,
                "–" if verb == "create" else _value_words(col, old),  # a new row had nothing
                "–" if verb == "delete" else _value_words(col, new),  # a removed row has nothing
            )
        )
    return view


def _column(key: str, name: str):
    return next((c for c in ROW_COLUMNS.get(key, ()) if c.name == name), None)
