from django.contrib import admin

from portal.core.audit.models import AuditEntry
from portal.core.audit.services import audit_log


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "object_label", "municipality")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_label", "municipality__name", "municipality__number")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes leave the same audit entry as changes made through the portal."""

    audit_municipality_field = "municipality"

    def _municipality(self, obj):
        if self.audit_municipality_field == "self":
            return obj
        return (
            getattr(obj, self.audit_municipality_field, None)
            if self.audit_municipality_field
            else None
        )

    def save_model(self, request, obj, form, change):
        changes = {
            name: [form.initial.get(name) if change else None, form.cleaned_data.get(name)]
            for name in form.changed_data
            if "password" not in name
        }
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            obj=obj,
            municipality=self._municipality(obj),
            changes={
                k: [str(v[0]) if v[0] is not None else None, str(v[1])] for k, v in changes.items()
            },
            source="admin",
        )

    def delete_model(self, request, obj):
        audit_log(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            obj=obj,
            municipality=self._municipality(obj),
            source="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
