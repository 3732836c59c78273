"""What changed between two snapshots of one section, in words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from housing.models import SectionKey
from housing.sections import (
    ROW_COLUMNS,
    SERVICE_FACTS,
    Column,
    column,
    normalise_data,
    section_label,
)

MAX_ROW_CHANGES = 100


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RowChange:
    kind: str  # "added", "removed", "changed"
    description: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class SectionDiff:
    key: str
    fields: list[FieldChange] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    more_rows: int = 0
    first: bool = False  # the section's first version: everything is new

    @property
    def label(self) -> str:
        return section_label(self.key)

    @property
    def is_empty(self) -> bool:
        return not self.fields and not self.rows and not self.more_rows

    @property
    def summary(self) -> str:
        if self.fields:
            return ", ".join(c.label for c in self.fields)
        counts = Counter(r.kind for r in self.rows)
        parts = []
        if counts["added"]:
            parts.append(gettext("%(n)s added") % {"n": counts["added"]})
        if counts["changed"]:
            parts.append(gettext("%(n)s changed") % {"n": counts["changed"]})
        if counts["removed"]:
            parts.append(gettext("%(n)s removed") % {"n": counts["removed"]})
        return ", ".join(parts)


def row_description(key: str, row: dict[str, Any]) -> str:
    """A short name for a row: '3 rooms, municipal rental dwelling, Lund (2 units)'."""
    if key == SectionKey.HOUSING:
        tenure = column(key, "tenure").display(row.get("tenure"))
        text = gettext("%(rooms)s rooms, %(tenure)s") % {
            "rooms": row.get("rooms"),
            "tenure": tenure,
        }
        if row.get("area"):
            text += f", {row['area']}"
        text += " " + gettext("(%(units)s units)") % {"units": row.get("units")}
        if row.get("reference"):
            text = f"{row['reference']}: {text}"
        return text
    if key == SectionKey.STAFFED_HOUSING:
        return gettext("%(name)s, ages %(low)s–%(high)s") % {
            "name": row.get("name"),
            "low": row.get("age_from"),
            "high": row.get("age_to"),
        }
    area = column(key, "area").display(row.get("area"))
    return f"{row.get('name')} ({area})"


def _field_changes(columns, before: dict, after: dict) -> list[FieldChange]:
    changes = []
    for col in columns:
        old, new = before.get(col.name), after.get(col.name)
        if (old in (None, "", [])) and (new in (None, "", [])):
            continue
        if old != new:
            changes.append(FieldChange(str(col.label), col.display(old), col.display(new)))
    return changes


def _content(row: dict[str, Any], columns: tuple[Column, ...]) -> tuple:
    return tuple((c.name, str(row.get(c.name))) for c in columns)


def diff_rows(key: str, before: list[dict], after: list[dict]) -> SectionDiff:
    """Rows are paired by the municipality's reference, else by their id; rows that are the same
    in every column are unchanged even when an upload gave them new ids."""
    columns = ROW_COLUMNS[key]
    out = SectionDiff(key=key)

    def ident(row: dict) -> tuple:
        reference = row.get("reference")
        return ("ref", reference) if reference else ("id", row.get("id"))

    old_by_key = {ident(r): r for r in before}
    new_by_key = {ident(r): r for r in after}
    changes: list[RowChange] = []
    for k, new in new_by_key.items():
        old = old_by_key.get(k)
        if old is None:
            continue
        fields = _field_changes(columns, old, new)
        if fields:
            changes.append(RowChange("changed", row_description(key, new), fields))
    unmatched_old = Counter(
        _content(r, columns) for k, r in old_by_key.items() if k not in new_by_key
    )
    unmatched_new = Counter(
        _content(r, columns) for k, r in new_by_key.items() if k not in old_by_key
    )
    same = unmatched_old & unmatched_new
    removed = unmatched_old - same
    added = unmatched_new - same
    rows_by_content = {_content(r, columns): r for r in [*before, *after]}
    for content, n in added.items():
        changes.extend(
            RowChange("added", row_description(key, rows_by_content[content])) for _ in range(n)
        )
    for content, n in removed.items():
        changes.extend(
            RowChange("removed", row_description(key, rows_by_content[content])) for _ in range(n)
        )
    out.rows = changes[:MAX_ROW_CHANGES]
    out.more_rows = max(len(changes) - MAX_ROW_CHANGES, 0)
    return out


def diff_section(key: str, before: Any, after: Any) -> SectionDiff:
    """``before`` None means the section had no version yet."""
    if key in ROW_COLUMNS:
        result = diff_rows(key, before or [], after or [])
    else:
        facts = SERVICE_FACTS[key]
        result = SectionDiff(
            key=key,
            fields=_field_changes(
                facts, normalise_data(key, before or {}), normalise_data(key, after or {})
            ),
        )
    result.first = before is None
    return result
