"""Writes to municipality data. Each service is atomic and leaves an audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from portal.core.audit.services import (
    audit_log,
    audit_log_many,
    build_audit_entry,
    diff_fields,
    snapshot,
)
from portal.municipalities import figure_readers
from portal.municipalities.key_figure_import import RowError
from portal.municipalities.key_figure_plan import (
    UNCHANGED,
    ImportPlan,
    build_plan,
    compare,
    stored_figures,
)
from portal.municipalities.models import KeyFigures, KeyFigureUpload, Municipality
from portal.municipalities.signals import facts_changed

UPLOAD_PENDING_MINUTES = 60
SOURCE_NAMES = {"ssb-jsonstat": "SSB", "ssb-csv": "SSB", "imdi-settlement": "IMDi", "csv": "CSV"}


@dataclass
class KeyFigureImportReport:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    plan: ImportPlan | None = None
    # The figures changed between the preview and the confirmation: nothing was written.
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.error_count


def key_figures_preview(
    *,
    content: bytes,
    format: str = figure_readers.AUTO,
    structure: int | None = None,
    today: dt.date | None = None,
) -> ImportPlan:
    """Read a file and say what importing it would do; writes nothing."""
    parsed = figure_readers.read(content, format=format, today=today)
    return build_plan(parsed, structure=structure)


def _source_entry(plan: ImportPlan, *, file_name: str, fetched: str, now: dt.datetime) -> dict:
    parsed = plan.parsed
    return {
        "source": SOURCE_NAMES.get(parsed.format, parsed.format),
        "table": parsed.table_id,
        "file": file_name,
        "fetched": fetched,
        "updated": parsed.updated,
        "imported_at": now.isoformat(timespec="seconds"),
    }


def key_figures_import(
    *,
    actor,
    content: bytes,
    source: str,
    dry_run: bool = False,
    today: dt.date | None = None,
    format: str = figure_readers.AUTO,
    structure: int | None = None,
    file_name: str = "",
    fetched: str = "",
    expected_digest: str | None = None,
) -> KeyFigureImportReport:
    """Import a key-figure file: every row is written, or none is.

    The file is read by the reader of its format (``figure_readers``) and matched to
    organisations by ``key_figure_plan.build_plan`` (the number in force that year, or through
    the crosswalk for a table on a named ``structure``). Values the source marks as missing or
    suppressed, and blank cells, leave the stored value unchanged; re-importing the same file
    changes nothing. Each written value records its source (format, table, file, fetch date,
    import time); each changed row gets an audit entry with the old and new values. With
    ``expected_digest`` (a confirmation of a preview) nothing is written unless the import would
    write exactly what the preview showed.
    """
    with transaction.atomic():
        plan = key_figures_preview(content=content, format=format, structure=structure, today=today)
        report = KeyFigureImportReport(
            errors=list(plan.errors), error_count=plan.error_count, dry_run=dry_run, plan=plan
        )
        if not plan.ok:
            return report
        stored = stored_figures(plan, for_update=not dry_run)
        compare(plan, stored)
        report.created, report.updated, report.unchanged = (
            plan.created,
            plan.updated,
            plan.unchanged,
        )
        if expected_digest is not None and plan.digest() != expected_digest:
            report.stale = True
            return report
        if dry_run:
            return report
        now = timezone.now()
        entry = _source_entry(plan, file_name=file_name or source, fetched=fetched, now=now)
        to_create: list[KeyFigures] = []
        to_update: list[KeyFigures] = []
        changed_fields: set[str] = set()
        entries: list[tuple[str, Municipality, int, dict]] = []
        for row in plan.rows:
            if row.action == UNCHANGED:
                continue
            existing = stored.get((row.municipality.pk, row.year))
            written = {name: value for name, value in row.values.items() if name in row.changes}
            changes = diff_fields(
                {name: old for name, (old, _new) in row.changes.items()},
                {name: new for name, (_old, new) in row.changes.items()},
            )
            if existing is None:
                kf = KeyFigures(
                    municipality=row.municipality,
                    year=row.year,
                    structure_year=row.structure_year,
                    sources=dict.fromkeys(written, entry),
                    **row.values,
                )
                to_create.append(kf)
                action = "key_figures.create"
            else:
                for name, value in written.items():
                    setattr(existing, name, value)
                if row.structure_year is not None:
                    existing.structure_year = row.structure_year
                existing.sources = {**(existing.sources or {}), **dict.fromkeys(written, entry)}
                existing.updated_at = now
                changed_fields.update(written)
                to_update.append(existing)
                action = "key_figures.update"
            entries.append((action, row.municipality, row.year, changes))
        KeyFigures.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            KeyFigures.objects.bulk_update(
                to_update,
                sorted(changed_fields | {"updated_at", "sources", "structure_year"}),
                batch_size=500,
            )
        if to_create or to_update:
            facts_changed.send(sender=KeyFigures)
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
def key_figure_upload_start(
    *,
    actor,
    content: bytes,
    file_name: str,
    format: str = figure_readers.AUTO,
    structure: int | None = None,
    today: dt.date | None = None,
) -> tuple[KeyFigureUpload | None, ImportPlan]:
    """Keep an uploaded file, for the uploader only, until it is confirmed, cancelled or expires.

    A file with errors is not kept: (None, the plan with its errors)."""
    now = timezone.now()
    # Files nobody confirmed in time, or that were cancelled, are not kept.
    KeyFigureUpload.objects.filter(
        status__in=[KeyFigureUpload.Status.PENDING, KeyFigureUpload.Status.CANCELLED],
        expires_at__lt=now,
    ).delete()
    plan = key_figures_preview(content=content, format=format, structure=structure, today=today)
    if not plan.ok:
        return None, plan
    upload = KeyFigureUpload.objects.create(
        user=actor,
        file_name=file_name[:200],
        content=content,
        format=plan.parsed.format or format,
        structure_year=structure,
        digest=plan.digest(),
        expires_at=now + dt.timedelta(minutes=UPLOAD_PENDING_MINUTES),
    )
    audit_log(
        actor=actor,
        action="key_figures.upload",
        obj=upload,
        changes={"file_name": [None, upload.file_name], "format": [None, upload.format]},
        source=f"upload: {upload.file_name}"[:200],
    )
    return upload, plan


def key_figure_upload_confirm(
    *, actor, upload: KeyFigureUpload, today: dt.date | None = None
) -> KeyFigureImportReport | None:
    """Import a pending upload exactly as previewed; None if it was already confirmed,
    cancelled or has expired (a second confirmation does nothing)."""
    with transaction.atomic():
        claimed = KeyFigureUpload.objects.filter(
            pk=upload.pk,
            user=actor,
            status=KeyFigureUpload.Status.PENDING,
            expires_at__gt=timezone.now(),
        ).update(status=KeyFigureUpload.Status.IMPORTED, decided_at=timezone.now())
        if claimed != 1:
            return None
        report = key_figures_import(
            actor=actor,
            content=bytes(upload.content),
            source=f"upload: {upload.file_name}"[:200],
            format=upload.format,
            structure=upload.structure_year,
            file_name=upload.file_name,
            today=today,
            expected_digest=upload.digest,
        )
        if not report.ok or report.stale:
            transaction.set_rollback(True)
    if report.stale and report.plan is not None:
        # The next confirmation is of the new preview, which the person is shown first.
        KeyFigureUpload.objects.filter(pk=upload.pk, status=KeyFigureUpload.Status.PENDING).update(
            digest=report.plan.digest()
        )
    return report


@transaction.atomic
def key_figure_upload_cancel(*, actor, upload: KeyFigureUpload) -> bool:
    cancelled = KeyFigureUpload.objects.filter(
        pk=upload.pk, user=actor, status=KeyFigureUpload.Status.PENDING
    ).update(status=KeyFigureUpload.Status.CANCELLED, decided_at=timezone.now())
    if cancelled:
        audit_log(
            actor=actor,
            action="key_figures.upload_cancel",
            obj=upload,
            changes={"status": ["pending", "cancelled"]},
            source=f"upload: {upload.file_name}"[:200],
        )
    return bool(cancelled)


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
