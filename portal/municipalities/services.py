"""Writes to municipality data. Each service is atomic and leaves an audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit.services import (
    audit_log,
    audit_log_many,
    build_audit_entry,
    diff_fields,
    snapshot,
)
from portal.municipalities import key_figure_import
from portal.municipalities.key_figure_import import RowError
from portal.municipalities.models import KeyFigures, KostraGroup, Municipality


@dataclass
class KeyFigureImportReport:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _organisations_by_number(numbers: set[str]) -> dict[str, list[Municipality]]:
    out: dict[str, list[Municipality]] = {}
    for m in Municipality.objects.filter(number__in=numbers):
        out.setdefault(m.number, []).append(m)
    return out


def key_figures_import(
    *, actor, content: bytes, source: str, dry_run: bool = False, today: dt.date | None = None
) -> KeyFigureImportReport:
    """Import a key-figure CSV: every row is written, or none is.

    Rows are matched to the organisation whose number was in force in that year. A blank cell
    leaves the stored value unchanged; re-importing the same file changes nothing. Each changed
    row gets an audit entry with the old and new values.
    """
    parsed = key_figure_import.parse(content, today=today)
    report = KeyFigureImportReport(
        errors=list(parsed.errors), error_count=parsed.error_count, dry_run=dry_run
    )
    if parsed.error_count and not parsed.rows:
        return report

    organisations = _organisations_by_number({row.number for row in parsed.rows})
    known_kostra = set(KostraGroup.objects.values_list("code", flat=True))
    targets: list[tuple[Municipality, key_figure_import.ParsedRow]] = []
    for row in parsed.rows:
        day = dt.date(row.year, 1, 1)
        candidates = organisations.get(row.number, [])
        match = next((m for m in candidates if m.valid_on(day)), None)
        if match is None:
            if candidates:
                periods = ", ".join(
                    f"{m.valid_from.year}–{m.valid_to.year - 1 if m.valid_to else ''}"
                    for m in candidates
                )
                message = _(
                    "%(number)s was not a municipality number in %(year)s (it was in use %(periods)s)"
                ) % {
                    "number": row.number,
                    "year": row.year,
                    "periods": periods,
                }
            else:
                message = _("%(number)s is not a known municipality or city district number") % {
                    "number": row.number
                }
            report.errors.append(RowError(row.line, "municipality_number", message))
            continue
        kostra = row.values.get("kostra_group")
        if kostra and known_kostra and kostra not in known_kostra:
            report.errors.append(
                RowError(
                    row.line,
                    "kostra_group",
                    _("%(value)s is not a known KOSTRA group") % {"value": kostra},
                )
            )
            continue
        targets.append((match, row))
    # Rows that parsed are checked against the register too, so one round lists every error.
    report.error_count = parsed.error_count + len(report.errors) - len(parsed.errors)
    if report.error_count:
        report.errors.sort(key=lambda e: e.line)
        del report.errors[key_figure_import.MAX_ERRORS :]
        return report

    with transaction.atomic():
        stored = {
            (kf.municipality_id, kf.year): kf
            for kf in KeyFigures.objects.select_for_update().filter(
                municipality_id__in={m.pk for m, _row in targets},
                year__in={row.year for _m, row in targets},
            )
        }
        to_create: list[KeyFigures] = []
        to_update: list[KeyFigures] = []
        changed_fields: set[str] = set()
        entries: list[tuple[str, Municipality, int, dict]] = []
        for municipality, row in targets:
            existing = stored.get((municipality.pk, row.year))
            if existing is None:
                to_create.append(KeyFigures(municipality=municipality, year=row.year, **row.values))
                changes = diff_fields({}, row.values)
                action = "key_figures.create"
            else:
                before = snapshot(existing, row.values)
                changes = diff_fields(before, row.values)
                if not changes:
                    report.unchanged += 1
                    continue
                for name, value in row.values.items():
                    setattr(existing, name, value)
                existing.updated_at = timezone.now()
                changed_fields.update(changes)
                to_update.append(existing)
                action = "key_figures.update"
            entries.append((action, municipality, row.year, changes))
        report.created, report.updated = len(to_create), len(to_update)
        if dry_run:
            return report
        KeyFigures.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            KeyFigures.objects.bulk_update(
                to_update, sorted(changed_fields | {"updated_at"}), batch_size=500
            )
        audit_log_many(
            [
                build_audit_entry(
                    actor=actor,
                    action=action,
                    municipality=municipality,
                    object_type="key figures",
                    object_label=f"{municipality} {year}",
                    changes=changes,
                    source=source,
                )
                for action, municipality, year, changes in entries
            ]
        )
    return report


@transaction.atomic
def municipality_update(*, actor, municipality: Municipality, **values) -> Municipality:
    """Change an organisation's own attributes (written standard, post box e-mail)."""
    allowed = {"written_standard", "email", "head_email"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} here")
    before = snapshot(municipality, values)
    changes = diff_fields(before, values)
    if not changes:
        return municipality
    for name, value in values.items():
        setattr(municipality, name, value)
    municipality.save(update_fields=list(values))
    audit_log(
        actor=actor,
        action="municipality.update",
        obj=municipality,
        municipality=municipality,
        changes=changes,
    )
    return municipality
