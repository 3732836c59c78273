from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts import services
from portal.accounts.models import (
    Invitation,
    Membership,
    NationalIdentity,
    NationalLoginPolicy,
    User,
)
from portal.accounts.national_login import services as national_login_services
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


@admin.register(NationalLoginPolicy)
class NationalLoginPolicyAdmin(admin.ModelAdmin):
    """Require ID-porten: one row, for everyone or for the members of some organisations. The
    change goes through the service, which checks the actor and writes the audit entry."""

    fields = ("required_for_everyone", "organisations")
    filter_horizontal = ("organisations",)

    def has_add_permission(self, request):
        return not NationalLoginPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect

        row = national_login_services.policy()
        return redirect("admin:accounts_nationalloginpolicy_change", row.pk)

    def save_model(self, request, obj, form, change):
        pass  # saved with its organisations in save_related, through the service

    def save_related(self, request, form, formsets, change):
        national_login_services.policy_set(
            actor=request.user,
            required_for_everyone=form.cleaned_data["required_for_everyone"],
            organisations=form.cleaned_data["organisations"],
        )


@admin.register(NationalIdentity)
class NationalIdentityAdmin(admin.ModelAdmin):
    """Who is bound to a national login (only a keyed hash of the number is kept). Removing a
    row unbinds the person, who can bind again through an invitation or the account page."""

    list_display = ("user", "bound_with", "bound_at", "last_login_at")
    search_fields = ("user__username", "user__email", "user__last_name")
    readonly_fields = ("user", "bound_with", "bound_at", "last_login_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        national_login_services.identity_unbind(actor=request.user, user=obj.user)

    def delete_queryset(self, request, queryset):
        for identity in queryset.select_related("user"):
            national_login_services.identity_unbind(actor=request.user, user=identity.user)
