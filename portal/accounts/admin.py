from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts import services
from portal.accounts.models import Invitation, Membership, User
from portal.core.audit.admin import AuditedAdmin


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
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor authentication (lost or replaced phone)"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(actor=request.user, user=user)
        self.message_user(
            request,
            _(
                "Two-factor authentication was reset for %(count)s people. They set up the app "
                "again at their next log-in."
            )
            % {"count": queryset.count()},
        )


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


# Authenticator devices are created and removed by the people themselves and by the reset
# action above, all audited; the admin never shows anyone's secret key.
try:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin.site.unregister(TOTPDevice)
except admin.sites.NotRegistered:
    pass
try:
    from django_otp.plugins.otp_static.models import StaticDevice

    admin.site.unregister(StaticDevice)  # nor anyone's recovery codes
except admin.sites.NotRegistered:
    pass
