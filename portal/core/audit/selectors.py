from collections.abc import Collection

from django.db.models import QuerySet

from portal.core.audit.models import AuditEntry


def audit_entries(*, municipality_ids=None, action: str = "") -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("municipality")
    if municipality_ids is not None:
        qs = qs.filter(municipality_id__in=municipality_ids)
    if action:
        qs = qs.filter(action=action)
    return qs


def organisation_entries(
    *, municipality_id: int, actions: Collection[str], year: int | None = None
) -> QuerySet[AuditEntry]:
    """One organisation's entries of the given actions (only those: the caller names the
    actions the organisation may see), newest first, with who made them; ``year`` is the
    year of the change, in local time."""
    qs = AuditEntry.objects.filter(municipality_id=municipality_id, action__in=list(actions))
    if year is not None:
        qs = qs.filter(created_at__year=year)
    return qs.select_related("actor").order_by("-created_at", "-id")


def organisation_entry_years(*, municipality_id: int, actions: Collection[str]) -> list[int]:
    """The years with entries of these actions, newest first (one query)."""
    days = AuditEntry.objects.filter(
        municipality_id=municipality_id, action__in=list(actions)
    ).datetimes("created_at", "year", order="DESC")
    return [day.year for day in days]
