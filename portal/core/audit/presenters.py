"""An audit entry in words, for the pages that show an organisation its own changes.

The kernel knows only the shape; each app that writes entries says what its own mean (the
survey's answers, the profile's sections and rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from portal.core.audit.models import AuditEntry


@dataclass
class ChangedValue:
    """One value before and after, in words; ``label`` is empty when ``EntryView.what`` names it."""

    label: str
    old: str
    new: str


@dataclass
class EntryView:
    entry: AuditEntry
    kind: str  # which kind of change it is ("survey", "profile"): the page's filter
    action: str  # what was done, in words: "Answer changed", "Confirmed as still correct"
    what: str  # the answer or entry it was done to, in words
    context: str = ""  # where it belongs: "Municipal survey 2026 – Settlement"
    changes: list[ChangedValue] = field(default_factory=list)
    note: str = ""

    @property
    def who(self) -> str:
        """The person's name now, or as it was written if they have since been removed."""
        actor = self.entry.actor
        if actor is not None:
            return actor.get_full_name() or actor.get_username()
        if self.entry.actor_label in ("", "system"):
            return gettext("the system")
        return self.entry.actor_label


def shown(value: str) -> str:
    """An empty value as a dash, so that "before" and "after" always read."""
    return value if value not in ("", None) else "–"


def pairs(changes: Mapping[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for each ``{field: [old, new]}`` of an entry's changes."""
    out = []
    for name, values in (changes or {}).items():
        if isinstance(values, list | tuple) and len(values) == 2:
            out.append((name, values[0], values[1]))
    return out
