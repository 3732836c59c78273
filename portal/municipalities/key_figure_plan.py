"""The preview of a key-figure import: which organisation each row goes to, and what changes.

``build_plan`` reads the register (organisations, code history, crosswalk) and the stored
figures; it never writes. The service writes exactly what the plan says, after making the plan
anew inside its transaction.

Matching a row to an organisation:

- **No structure named** (the default): the number in force on 1 January of the row's year.
- **A named structure** (``structure=2024``: the table's regions are numbered as on
  1 January 2024, whatever the year of the figures). For a year in which the organisation of
  the structure was already in force, the figures go to it. Otherwise its predecessors in force
  that year are looked up through the crosswalk:

  - exactly one predecessor, which became only this organisation: a **renumbering**, the
    figures go to the predecessor ("renumbered 1201 → 4601");
  - several predecessors that each became only this organisation: a **merger**; the figures are
    the merged area's, so they are **kept on the later organisation** for that earlier year,
    marked with the structure year ("kept on the 2024 structure (merged from 1001, 1017, 1018)");
  - a predecessor that was split (it became this and other organisations): the figures cannot be
    divided back, so they too are **kept on the later organisation**, marked, and the preview
    says which predecessor was split. Nothing is ever divided or summed by guesswork.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from portal.municipalities.key_figure_import import (
    MAX_ERRORS,
    MissingValue,
    ParsedRow,
    ParseResult,
    RowError,
)
from portal.municipalities.models import (
    KeyFigures,
    KostraGroup,
    Municipality,
    MunicipalitySuccession,
)

CREATE, CHANGE, UNCHANGED = "create", "change", "unchanged"
_POSITION = re.compile(r"\[(\d+)\]")


@dataclass
class PlannedRow:
    where: str
    line: int
    number: str  # as in the file
    year: int
    municipality: Municipality  # the organisation the figures are stored on
    values: dict[str, object]
    structure_year: int | None = None
    mapping: str = ""
    label: str = ""  # the region's name in the file
    action: str = CREATE
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.municipality.number} {self.municipality.name} {self.year}"


@dataclass
class ImportPlan:
    parsed: ParseResult
    structure: int | None = None
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    empty: list[str] = field(default_factory=list)  # rows with no value to write

    @property
    def ok(self) -> bool:
        return not self.error_count

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(CHANGE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def mapped(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.mapping]

    @property
    def missing(self) -> list[MissingValue]:
        return self.parsed.missing

    def missing_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.parsed.missing:
            counts[item.kind] += 1
        return dict(counts)

    def digest(self) -> str:
        """A fingerprint of what the import would write; the confirmation checks it."""
        parts = [
            [
                row.municipality.pk,
                row.year,
                row.structure_year,
                sorted((k, str(v)) for k, v in row.values.items()),
                row.action,
                sorted((k, str(a), str(b)) for k, (a, b) in row.changes.items()),
            ]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def current_structure_year() -> int | None:
    latest = (
        Municipality.objects.filter(valid_to__isnull=True, kind=Municipality.Kind.MUNICIPALITY)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    return latest.year if latest else None


def _error_order(error: RowError) -> tuple[int, int, str]:
    """By line, then by cell position (value[6] before value[12])."""
    match = _POSITION.search(error.position)
    return (error.line, int(match.group(1)) if match else -1, error.position)


def _by_number(numbers: set[str]) -> dict[str, list[Municipality]]:
    out: dict[str, list[Municipality]] = defaultdict(list)
    for m in Municipality.objects.filter(number__in=numbers):
        out[m.number].append(m)
    return out


def _periods(candidates: list[Municipality]) -> str:
    return ", ".join(f"{m.valid_from.year}–{m.last_year if m.valid_to else ''}" for m in candidates)


class _Crosswalk:
    """Predecessors of the structure's organisations, and the successors of each predecessor."""

    def __init__(self, organisations: list[Municipality]):
        ids = [m.pk for m in organisations]
        links = list(
            MunicipalitySuccession.objects.filter(successor_id__in=ids).select_related(
                "predecessor"
            )
        )
        self.predecessors: dict[int, list[Municipality]] = defaultdict(list)
        for link in links:
            self.predecessors[link.successor_id].append(link.predecessor)
        self.successors: dict[int, set[int]] = defaultdict(set)
        for pred_id, succ_id in MunicipalitySuccession.objects.filter(
            predecessor_id__in={link.predecessor_id for link in links}
        ).values_list("predecessor_id", "successor_id"):
            self.successors[pred_id].add(succ_id)


def _structure_target(
    row: ParsedRow,
    organisation: Municipality,
    structure: int,
    crosswalk: _Crosswalk,
) -> tuple[Municipality | None, int | None, str, str]:
    """(organisation to store on, structure year or None, mapping note, error)."""
    day = dt.date(row.year, 1, 1)
    if organisation.valid_on(day):
        return organisation, None, "", ""
    earlier = sorted(
        (p for p in crosswalk.predecessors[organisation.pk] if p.valid_on(day)),
        key=lambda p: p.number,
    )
    if not earlier:
        return (
            None,
            None,
            "",
            _("%(number)s %(name)s has no organisation in force in %(year)s to attach it to")
            % {"number": organisation.number, "name": organisation.name, "year": row.year},
        )
    split = [p for p in earlier if len(crosswalk.successors[p.pk]) > 1]
    if len(earlier) == 1 and not split:
        (predecessor,) = earlier
        return (
            predecessor,
            None,
            _("renumbered %(old)s → %(new)s (stored on %(old)s %(name)s, in force in %(year)s)")
            % {
                "old": predecessor.number,
                "new": organisation.number,
                "name": predecessor.name,
                "year": row.year,
            },
            "",
        )
    whole = [p.number for p in earlier if p not in split]
    if split:
        note = _(
            "kept on the %(structure)s structure: part of %(split)s, which was split; "
            "not divided back"
        ) % {
            "structure": structure,
            "split": ", ".join(f"{p.number} {p.name}" for p in split),
        }
        if whole:
            note += "; " + _("merged from %(parts)s") % {"parts": ", ".join(whole)}
    else:
        note = _("kept on the %(structure)s structure (merged from %(parts)s)") % {
            "structure": structure,
            "parts": ", ".join(whole),
        }
    return organisation, structure, note, ""


def build_plan(parsed: ParseResult, *, structure: int | None = None) -> ImportPlan:
    plan = ImportPlan(parsed=parsed, structure=structure)
    plan.errors = list(parsed.errors)
    plan.error_count = parsed.error_count
    if parsed.error_count and not parsed.rows:
        return plan
    organisations = _by_number({row.number for row in parsed.rows})
    known_kostra = set(KostraGroup.objects.values_list("code", flat=True))
    structure_orgs: dict[str, Municipality] = {}
    crosswalk = None
    errors: list[RowError] = []

    def error(row: ParsedRow, column: str, message: str) -> None:
        errors.append(RowError(row.line, column, message, row.position))

    if structure is not None:
        start = dt.date(structure, 1, 1)
        for number, candidates in organisations.items():
            match = next((m for m in candidates if m.valid_on(start)), None)
            if match is not None:
                structure_orgs[number] = match
        crosswalk = _Crosswalk(list(structure_orgs.values()))
    targets: list[tuple[ParsedRow, Municipality, int | None, str]] = []
    for row in parsed.rows:
        if not row.values:
            plan.empty.append(f"{row.number} {row.year}")
            continue  # every value missing or blank: nothing to match or write
        candidates = organisations.get(row.number, [])
        if not candidates:
            error(
                row,
                "municipality_number",
                _("%(number)s is not a known municipality or city district number")
                % {"number": row.number},
            )
            continue
        if structure is not None:
            organisation = structure_orgs.get(row.number)
            if organisation is None:
                error(
                    row,
                    "municipality_number",
                    _(
                        "%(number)s was not a municipality number in %(structure)s (it was in use %(periods)s)"
                    )
                    % {
                        "number": row.number,
                        "structure": structure,
                        "periods": _periods(candidates),
                    },
                )
                continue
            if not organisation.is_current and row.year < organisation.valid_from.year:
                error(
                    row,
                    "municipality_number",
                    _(
                        "the %(structure)s structure is no longer in force; only figures on the "
                        "current structure can be mapped onto earlier years"
                    )
                    % {"structure": structure},
                )
                continue
            assert crosswalk is not None
            target, structure_year, note, message = _structure_target(
                row, organisation, structure, crosswalk
            )
            if target is None:
                error(row, "municipality_number", message)
                continue
        else:
            day = dt.date(row.year, 1, 1)
            target = next((m for m in candidates if m.valid_on(day)), None)
            structure_year, note = None, ""
            if target is None:
                message = _(
                    "%(number)s was not a municipality number in %(year)s (it was in use %(periods)s)"
                ) % {"number": row.number, "year": row.year, "periods": _periods(candidates)}
                if parsed.format != "csv" and any(m.is_current for m in candidates):
                    message += "; " + _(
                        "if the table uses today's numbers for every year, name its municipal "
                        "structure (%(year)s)"
                    ) % {"year": current_structure_year()}
                error(row, "municipality_number", message)
                continue
        kostra = row.values.get("kostra_group")
        if kostra and known_kostra and kostra not in known_kostra:
            error(
                row, "kostra_group", _("%(value)s is not a known KOSTRA group") % {"value": kostra}
            )
            continue
        targets.append((row, target, structure_year, note))
    # Rows that were read are checked against the register too, so one round lists every error.
    if errors or plan.error_count:
        plan.errors.extend(errors)
        plan.error_count += len(errors)
        plan.errors.sort(key=_error_order)
        del plan.errors[MAX_ERRORS:]
        return plan
    seen: dict[tuple[int, int], PlannedRow] = {}
    for row, target, structure_year, note in targets:
        key = (target.pk, row.year)
        if key in seen:
            plan.errors.append(
                RowError(
                    row.line,
                    "municipality_number",
                    _("goes to the same organisation and year as %(other)s (%(target)s %(year)s)")
                    % {"other": seen[key].where, "target": target.number, "year": row.year},
                    row.position,
                )
            )
            plan.error_count += 1
            continue
        planned = PlannedRow(
            where=row.where,
            line=row.line,
            number=row.number,
            year=row.year,
            municipality=target,
            values=dict(row.values),
            structure_year=structure_year,
            mapping=note,
            label=row.label,
        )
        seen[key] = planned
        plan.rows.append(planned)
    if plan.error_count:
        plan.rows.clear()
        return plan
    compare(plan)
    return plan


def stored_figures(
    plan: ImportPlan, *, for_update: bool = False
) -> dict[tuple[int, int], KeyFigures]:
    qs = KeyFigures.objects.filter(
        municipality_id__in={row.municipality.pk for row in plan.rows},
        year__in={row.year for row in plan.rows},
    )
    if for_update:
        qs = qs.select_for_update()
    return {(kf.municipality_id, kf.year): kf for kf in qs}


def compare(plan: ImportPlan, stored: dict[tuple[int, int], KeyFigures] | None = None) -> None:
    """Set each row's action and its changes (old → new) against the stored figures."""
    stored = stored if stored is not None else stored_figures(plan)
    for row in plan.rows:
        existing = stored.get((row.municipality.pk, row.year))
        if existing is None:
            row.action = CREATE
            row.changes = {name: (None, value) for name, value in row.values.items()}
            continue
        changes: dict[str, tuple[Any, Any]] = {}
        for name, value in row.values.items():
            old = getattr(existing, name)
            if old != value and not (old == "" and value in ("", None)):
                changes[name] = (old, value)
        if row.structure_year is not None and existing.structure_year != row.structure_year:
            changes["structure_year"] = (existing.structure_year, row.structure_year)
        row.changes = changes
        row.action = CHANGE if changes else UNCHANGED


def _value(value: object) -> str:
    return "–" if value in (None, "") else str(value)


def preview_lines(plan: ImportPlan) -> list[str]:
    """The preview in plain text, for the command line: one line per row, then the notes."""
    parsed = plan.parsed
    lines = []
    described = parsed.format + (f" {parsed.table_id}" if parsed.table_id else "")
    if parsed.title:
        described += f" – {parsed.title}"
    lines.append(_("Source: %(source)s") % {"source": described})
    if plan.structure:
        lines.append(_("Regions on the %(year)s structure.") % {"year": plan.structure})
    labels = {
        CREATE: _("new"),
        CHANGE: _("change"),
        UNCHANGED: _("unchanged"),
    }
    for row in plan.rows:
        head = f"{labels[row.action]:<9} {row}"
        if row.structure_year:
            head += " " + _("(%(year)s structure)") % {"year": row.structure_year}
        if row.action == CREATE:
            detail = ", ".join(f"{k}={_value(v)}" for k, v in row.values.items())
        elif row.action == CHANGE:
            detail = ", ".join(
                f"{k} {_value(a)} → {_value(b)}" for k, (a, b) in row.changes.items()
            )
        else:
            detail = ""
        lines.append(f"{head}: {detail}" if detail else head)
    for row in plan.mapped:
        lines.append(
            _("mapped    %(number)s %(year)s: %(note)s")
            % {"number": f"{row.number} {row.label}".strip(), "year": row.year, "note": row.mapping}
        )
    for item in parsed.missing:
        lines.append(_("not read  %(item)s") % {"item": item})
    for label in parsed.skipped:
        lines.append(_("skipped   %(region)s (not an organisation)") % {"region": label})
    if parsed.ignored_columns:
        lines.append(
            _("Columns not imported (the portal keeps no such figure): %(columns)s")
            % {"columns": ", ".join(parsed.ignored_columns)}
        )
    counts = plan.missing_counts()
    lines.append(
        _(
            "%(created)s new, %(updated)s changed, %(unchanged)s unchanged; %(mapped)s mapped; "
            "%(missing)s missing, %(suppressed)s suppressed, %(na)s not applicable (left as they are)."
        )
        % {
            "created": plan.created,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
            "mapped": len(plan.mapped),
            "missing": counts.get("missing", 0),
            "suppressed": counts.get("suppressed", 0),
            "na": counts.get("not applicable", 0),
        }
    )
    return lines
