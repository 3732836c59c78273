"""The one way to write an audit entry. Call it inside the service's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from portal.core.audit.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for each field whose value changed."""
    changes = {}
    for field in after:
        old, new = before.get(field), after[field]
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: getattr(instance, field) for field in fields}


def build_audit_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    municipality=None,
    changes: Mapping[str, Any] | None = None,
    source: str = "",
    object_type: str = "",
    object_label: str = "",
) -> AuditEntry:
    """An unsaved audit entry; ``changes`` maps field -> [old, new]."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_label = actor.get_full_name() or actor.get_username()
        actor_label = (
            f"{actor_label} ({actor.get_username()})" if actor.get_full_name() else actor_label
        )
        actor_obj = actor
    else:
        actor_label = source or "system"
        actor_obj = None
    return AuditEntry(
        actor=actor_obj,
        actor_label=actor_label[:200],
        municipality=municipality,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(object_label or (str(obj) if obj is not None else ""))[:200],
        changes={
            field: [_jsonable(v) for v in values]
            if isinstance(values, list | tuple)
            else _jsonable(values)
            for field, values in (changes or {}).items()
        },
        source=source[:200],
    )


def audit_log(**kwargs: Any) -> AuditEntry:
    """Write one audit entry (see ``build_audit_entry`` for the arguments)."""
    entry = build_audit_entry(**kwargs)
    entry.save()
    return entry


def audit_log_many(entries: list[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=500)
