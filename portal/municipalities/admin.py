from django.contrib import admin

from portal.core.audit.admin import AuditedAdmin
from portal.municipalities.models import County, KeyFigures, KostraGroup, Municipality, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data is loaded from files; the admin shows it but does not change it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("name", "code")


@admin.register(County)
class CountyAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "valid_from", "valid_to")


@admin.register(KostraGroup)
class KostraGroupAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "population_band")


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdmin):
    audit_municipality_field = "self"
    list_display = (
        "number",
        "name",
        "kind",
        "county",
        "region",
        "written_standard",
        "valid_from",
        "valid_to",
    )
    list_filter = ("kind", "region", "written_standard", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("number", "name")
    fields = (
        "number",
        "name",
        "kind",
        "county",
        "region",
        "parent",
        "valid_from",
        "valid_to",
        "written_standard",
        "email",
    )
    readonly_fields = (
        "number",
        "name",
        "kind",
        "county",
        "region",
        "parent",
        "valid_from",
        "valid_to",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KeyFigures)
class KeyFiguresAdmin(AuditedAdmin):
    list_display = ("municipality", "year", "population", "requested", "decided", "settled")
    list_filter = ("year",)
    search_fields = ("municipality__number", "municipality__name")
    raw_id_fields = ("municipality",)
