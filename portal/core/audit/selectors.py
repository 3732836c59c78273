from django.db.models import QuerySet

from portal.core.audit.models import AuditEntry


def audit_entries(*, municipality_ids=None, action: str = "") -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("municipality")
    if municipality_ids is not None:
        qs = qs.filter(municipality_id__in=municipality_ids)
    if action:
        qs = qs.filter(action=action)
    return qs
