from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Invitation, Membership, User
from portal.audit.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("municipality",)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    audit_municipality_field = ""
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "directorate_role",
        "region",
        "is_active",
    )
    list_filter = ("directorate_role", "region", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("directorate_role", "region", "language", "phone")}),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "municipality", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "municipality__name", "municipality__number")
    raw_id_fields = ("user", "municipality")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "municipality",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    readonly_fields = ("token",)
    raw_id_fields = ("municipality", "invited_by", "accepted_by")

    def has_add_permission(self, request):
        return False
