"""Writes to a municipality's housing and service profile.

Each service is atomic, checks that the actor may edit the profile, marks the section as
confirmed now by the actor, keeps a ProfileVersion of the whole section as it became, and leaves
one audit entry. ``actor=None`` is the system (demo data, the command line).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from housing import files
from housing.models import (
    ContactPerson,
    HousingLine,
    ProfileSection,
    ProfileVersion,
    SectionKey,
    StaffedHousing,
    StaleReminder,
)
from housing.presenters import CONFIRM_ALL_SOURCE, section_token
from housing.sections import SECTION_ORDER, SERVICE_FACTS, normalise_data
from housing.selectors import reminder_period, section_has_content, stale_sections_for
from housing.snapshots import HOUSING_FIELDS, ROW_MODELS, row_dict, section_snapshot
from portal.accounts.access import Perm, perms_for
from portal.core.audit.services import audit_log, diff_fields
from portal.core.queue import enqueue_each_on_commit
from portal.municipalities.key_figure_import import RowError
from portal.municipalities.models import Municipality


def _require_edit(actor, municipality: Municipality) -> None:
    if actor is None:
        return
    if Perm.EDIT not in perms_for(actor, municipality):
        raise PermissionDenied


def _label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return (actor.get_full_name() or actor.get_username())[:200]


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _section_for_update(municipality: Municipality, key: str) -> ProfileSection:
    """The section row, locked: concurrent edits of one section are applied one after another."""
    section, _created = ProfileSection.objects.get_or_create(municipality=municipality, key=key)
    return ProfileSection.objects.select_for_update().get(pk=section.pk)


def _record(
    *,
    actor,
    municipality: Municipality,
    section: ProfileSection,
    kind: str,
    now: dt.datetime,
    snapshot: Any = None,
    note: str = "",
) -> ProfileVersion:
    """Mark the section confirmed (and changed, unless only confirmed) and keep the version."""
    section.last_confirmed_at = now
    section.last_confirmed_by = _user(actor)
    section.last_confirmed_by_label = _label(actor)
    fields = ["last_confirmed_at", "last_confirmed_by", "last_confirmed_by_label"]
    if kind != ProfileVersion.Kind.CONFIRM:
        section.updated_at = now
        section.updated_by = _user(actor)
        fields += ["updated_at", "updated_by", "data"]
    section.save(update_fields=fields)
    return ProfileVersion.objects.create(
        municipality=municipality,
        section=section.key,
        kind=kind,
        snapshot=None if kind == ProfileVersion.Kind.CONFIRM else snapshot,
        changed_at=now,
        changed_by=_user(actor),
        changed_by_label=_label(actor),
        note=note[:200],
    )


# --- service sections (facts) ----------------------------------------------------------


@transaction.atomic
def section_update(
    *, actor, municipality: Municipality, key: str, data: dict[str, Any]
) -> ProfileSection:
    """Save a service section's facts. Saving it unchanged confirms it as still correct."""
    if key not in SERVICE_FACTS:
        raise ValueError(f"{key} is not a service section")
    _require_edit(actor, municipality)
    unknown = set(data) - {f.name for f in SERVICE_FACTS[key]}
    if unknown:
        raise ValueError(f"unknown facts for {key}: {', '.join(sorted(unknown))}")
    now = timezone.now()
    section = _section_for_update(municipality, key)
    before = normalise_data(key, section.data)
    after = normalise_data(key, {**before, **data})
    changes = diff_fields(before, after)
    if not changes and section.last_confirmed_at is not None:
        return _confirm(actor=actor, municipality=municipality, section=section, now=now)
    section.data = after
    _record(
        actor=actor,
        municipality=municipality,
        section=section,
        kind=ProfileVersion.Kind.EDIT,
        now=now,
        snapshot=after,
    )
    audit_log(
        actor=actor,
        action="profile_section.update",
        obj=section,
        municipality=municipality,
        changes=changes,
    )
    return section


def _confirm(
    *,
    actor,
    municipality: Municipality,
    section: ProfileSection,
    now: dt.datetime,
    source: str = "",
) -> ProfileSection:
    if section.last_confirmed_at is None and section.updated_at is None:
        # Never filled in: the first confirmation keeps what it confirms.
        _record(
            actor=actor,
            municipality=municipality,
            section=section,
            kind=ProfileVersion.Kind.EDIT,
            now=now,
            snapshot=section_snapshot(municipality, section.key, section),
        )
    else:
        _record(
            actor=actor,
            municipality=municipality,
            section=section,
            kind=ProfileVersion.Kind.CONFIRM,
            now=now,
        )
    audit_log(
        actor=actor,
        action="profile_section.confirm",
        obj=section,
        municipality=municipality,
        source=source,
    )
    return section


@transaction.atomic
def section_confirm(*, actor, municipality: Municipality, key: str) -> ProfileSection:
    """One click: the section is still correct as it is."""
    if key not in SectionKey.values:
        raise ValueError(f"{key} is not a section")
    _require_edit(actor, municipality)
    section = _section_for_update(municipality, key)
    return _confirm(actor=actor, municipality=municipality, section=section, now=timezone.now())


@dataclass
class ConfirmAllResult:
    """What "confirm everything that is still correct" did with each section it was sent."""

    confirmed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # changed since the list was shown
    already: list[str] = field(default_factory=list)  # confirmed since the list was shown
    emptied: list[str] = field(default_factory=list)  # nothing filled in any more


@transaction.atomic
def sections_confirm_all(
    *, actor, municipality: Municipality, seen: dict[str, str]
) -> ConfirmAllResult:
    """Confirm, in one go, the sections a person was shown as still correct.

    ``seen`` maps each section key to its state when the list was shown
    (``SectionStatus.token``). A section is confirmed only if it still has something filled in
    and is as it was then: one changed since is left for the person to look at, one confirmed
    since (by a colleague, or by this same form sent twice) needs nothing more. Each section
    confirmed gets its version and its audit entry, as a single confirmation does.
    """
    unknown = set(seen) - set(SectionKey.values)
    if unknown:
        raise ValueError(f"not sections: {', '.join(sorted(unknown))}")
    _require_edit(actor, municipality)
    now = timezone.now()
    result = ConfirmAllResult()
    for key in SECTION_ORDER:  # one lock order for every caller
        if key not in seen:
            continue
        section = _section_for_update(municipality, key)
        shown_confirmed, _slash, shown_updated = seen[key].partition("/")
        current_confirmed, _slash, current_updated = section_token(
            section.last_confirmed_at, section.updated_at
        ).partition("/")
        if not section_has_content(municipality, section):
            result.emptied.append(key)
        elif current_updated != shown_updated:
            result.changed.append(key)
        elif current_confirmed != shown_confirmed:
            result.already.append(key)
        else:
            _confirm(
                actor=actor,
                municipality=municipality,
                section=section,
                now=now,
                source=CONFIRM_ALL_SOURCE,
            )
            result.confirmed.append(key)
    return result


# --- row sections (housing lines, staffed housing, contact persons) --------------------


def _row_changed(
    *, actor, municipality: Municipality, key: str, action: str, obj: models.Model, changes: dict
) -> None:
    now = timezone.now()
    section = _section_for_update(municipality, key)
    _record(
        actor=actor,
        municipality=municipality,
        section=section,
        kind=ProfileVersion.Kind.EDIT,
        now=now,
        snapshot=section_snapshot(municipality, key),
    )
    audit_log(actor=actor, action=action, obj=obj, municipality=municipality, changes=changes)


def _row_save(
    *,
    actor,
    municipality: Municipality,
    key: str,
    obj: models.Model | None,
    values: dict[str, Any],
) -> Any:
    model, fields = ROW_MODELS[key]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    _require_edit(actor, municipality)
    _section_for_update(municipality, key)  # lock order: the section, then the row
    creating = obj is None
    if obj is None:
        obj = model(municipality=municipality)
    else:
        # Read the row again, locked: the values compared with are those in the database.
        obj = (
            model._default_manager.select_for_update()
            .filter(pk=obj.pk, municipality=municipality)
            .first()
        )
        if obj is None:
            raise PermissionDenied
    before = {} if creating else row_dict(obj, tuple(values))
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    after = row_dict(obj, tuple(values))
    changes = diff_fields(before, after)
    changes.pop("id", None)
    if not creating and not changes:
        return obj
    obj.save()
    _row_changed(
        actor=actor,
        municipality=municipality,
        key=key,
        action=f"{model._meta.model_name}.{'create' if creating else 'update'}",
        obj=obj,
        changes=changes,
    )
    return obj


def _row_delete(*, actor, key: str, obj: models.Model) -> None:
    municipality = obj.municipality  # type: ignore[attr-defined]
    _require_edit(actor, municipality)
    _section_for_update(municipality, key)  # lock order: the section, then the row
    _model, fields = ROW_MODELS[key]
    label, before = str(obj), row_dict(obj, fields)
    obj.delete()
    audit_log(
        actor=actor,
        action=f"{obj._meta.model_name}.delete",
        municipality=municipality,
        object_type=obj._meta.label,
        object_label=label,
        changes={name: [value, None] for name, value in before.items() if value not in ("", None)},
    )
    now = timezone.now()
    section = _section_for_update(municipality, key)
    _record(
        actor=actor,
        municipality=municipality,
        section=section,
        kind=ProfileVersion.Kind.EDIT,
        now=now,
        snapshot=section_snapshot(municipality, key),
    )


@transaction.atomic
def housing_line_save(
    *, actor, municipality: Municipality, line: HousingLine | None = None, **values
) -> HousingLine:
    return _row_save(
        actor=actor, municipality=municipality, key=SectionKey.HOUSING, obj=line, values=values
    )


@transaction.atomic
def housing_line_delete(*, actor, line: HousingLine) -> None:
    _row_delete(actor=actor, key=SectionKey.HOUSING, obj=line)


@transaction.atomic
def staffed_housing_save(
    *, actor, municipality: Municipality, home: StaffedHousing | None = None, **values
) -> StaffedHousing:
    return _row_save(
        actor=actor,
        municipality=municipality,
        key=SectionKey.STAFFED_HOUSING,
        obj=home,
        values=values,
    )


@transaction.atomic
def staffed_housing_delete(*, actor, home: StaffedHousing) -> None:
    _row_delete(actor=actor, key=SectionKey.STAFFED_HOUSING, obj=home)


@transaction.atomic
def contact_person_save(
    *, actor, municipality: Municipality, contact: ContactPerson | None = None, **values
) -> ContactPerson:
    return _row_save(
        actor=actor, municipality=municipality, key=SectionKey.CONTACTS, obj=contact, values=values
    )


@transaction.atomic
def contact_person_delete(*, actor, contact: ContactPerson) -> None:
    _row_delete(actor=actor, key=SectionKey.CONTACTS, obj=contact)


VACANCY_FIELDS = ("vacant_now", "vacant_later", "vacant_from")


@transaction.atomic
def housing_vacancies_update(
    *, actor, municipality: Municipality, updates: dict[int, dict[str, Any]]
) -> int:
    """Update the vacancies of many lines at once (one version, one audit entry).

    ``updates`` maps a line's id to its new ``vacant_now``/``vacant_later``/``vacant_from``.
    Saving without changes confirms the housing section. Returns the number of lines changed.
    """
    _require_edit(actor, municipality)
    # Lock order everywhere: the section first, then its rows (no deadlock with an upload).
    section = _section_for_update(municipality, SectionKey.HOUSING)
    lines = {
        line.pk: line
        for line in HousingLine.objects.select_for_update().filter(
            municipality=municipality, pk__in=list(updates)
        )
    }
    if set(updates) - set(lines):
        raise PermissionDenied  # a line of another municipality, or one that is gone
    changed: list[HousingLine] = []
    changes: dict[str, list] = {}
    for pk, values in updates.items():
        line = lines[pk]
        before = row_dict(line, VACANCY_FIELDS)
        for name in VACANCY_FIELDS:
            if name in values:
                setattr(line, name, values[name])
        line.full_clean(validate_constraints=False)  # the form checked them; the database enforces
        diff = diff_fields(before, row_dict(line, VACANCY_FIELDS))
        diff.pop("id", None)
        if diff:
            changed.append(line)
            label = line.reference or f"#{line.pk}"
            for name, pair in diff.items():
                changes[f"{label}.{name}"] = pair
    now = timezone.now()
    if not changed:
        _confirm(actor=actor, municipality=municipality, section=section, now=now)
        return 0
    for line in changed:
        line.updated_at = now
    HousingLine.objects.bulk_update(changed, [*VACANCY_FIELDS, "updated_at"])
    _record(
        actor=actor,
        municipality=municipality,
        section=section,
        kind=ProfileVersion.Kind.EDIT,
        now=now,
        snapshot=section_snapshot(municipality, SectionKey.HOUSING),
        note="vacancies",
    )
    audit_log(
        actor=actor,
        action="housing_line.vacancies",
        municipality=municipality,
        object_type=HousingLine._meta.label,
        object_label=f"{municipality} ({len(changed)})",
        changes=changes,
    )
    return len(changed)


# --- upload ----------------------------------------------------------------------------


@dataclass
class UploadReport:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    lines: int = 0
    units: int = 0
    replaced: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)


@transaction.atomic
def housing_lines_upload(
    *, actor, municipality: Municipality, content: bytes, filename: str, dry_run: bool = False
) -> UploadReport:
    """Replace all of the municipality's housing lines with those in the file, or change nothing.

    The whole file is checked first; any error leaves the lines as they were and lists every
    error with its line number and column.
    """
    _require_edit(actor, municipality)
    parsed = files.parse(content)
    report = UploadReport(
        errors=list(parsed.errors), error_count=parsed.error_count, dry_run=dry_run
    )
    if parsed.error_count:
        return report
    report.lines = len(parsed.rows)
    report.units = sum(row.values["units"] for row in parsed.rows)
    section = _section_for_update(municipality, SectionKey.HOUSING)
    existing = HousingLine.objects.filter(municipality=municipality)
    report.replaced = existing.count()
    if dry_run:
        return report
    existing.delete()
    new_lines = [HousingLine(municipality=municipality, **row.values) for row in parsed.rows]
    for line in new_lines:
        # parse() has checked each row; the database enforces the constraints on insert.
        line.full_clean(exclude=["municipality"], validate_constraints=False)
    HousingLine.objects.bulk_create(new_lines, batch_size=500)
    _record(
        actor=actor,
        municipality=municipality,
        section=section,
        kind=ProfileVersion.Kind.UPLOAD,
        now=timezone.now(),
        snapshot=section_snapshot(municipality, SectionKey.HOUSING),
        note=filename,
    )
    audit_log(
        actor=actor,
        action="housing_line.upload",
        municipality=municipality,
        object_type=HousingLine._meta.label,
        object_label=f"{municipality}: {filename}",
        changes={"lines": [report.replaced, report.lines]},
        source=f"upload: {filename}"[:200],
    )
    return report


def housing_rows_for_file(municipality: Municipality) -> list[dict[str, Any]]:
    return list(HousingLine.objects.filter(municipality=municipality).values(*HOUSING_FIELDS))


# --- stale sections and reminders ------------------------------------------------------


@transaction.atomic
def stale_reminders_due(*, now: dt.datetime | None = None) -> int:
    """Create (once per staleness period) and enqueue a reminder for every stale section.

    Safe to run any number of times. A section is stale when it has not been confirmed or changed
    for 90 days. Sections never confirmed are reminded only once the municipality has started its
    profile (confirmed any section): the directorate announces the profile to the others itself.
    Returns the number of reminders created.
    """
    now = now or timezone.now()
    started = set(
        ProfileSection.objects.filter(
            last_confirmed_at__isnull=False, municipality__valid_to__isnull=True
        ).values_list("municipality_id", flat=True)
    )
    stale = stale_sections_for(started, now=now)
    existing = set(
        StaleReminder.objects.filter(municipality_id__in=started).values_list(
            "municipality_id", "section", "period"
        )
    )
    new = []
    for municipality_id, statuses in stale.items():
        for status in statuses:
            key = (municipality_id, status.key, reminder_period(status.last_confirmed_at))
            if key not in existing:
                new.append(
                    StaleReminder(municipality_id=municipality_id, section=key[1], period=key[2])
                )
    StaleReminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    # If the broker is down the reminders stay pending; the sweep (send_unsent_reminders)
    # sends them later.
    enqueue_each_on_commit(
        "housing.tasks.send_stale_reminders", sorted({r.municipality_id for r in new})
    )
    return len(new)
