"""The directorate's administrators register API clients here; every change goes through
portal/api/services.py (the service user follows, one audit entry per change)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.api import services
from portal.api.models import ApiClient
from portal.api.scopes import Scope


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("allowed scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = (
            "name",
            "consumer_orgno",
            "municipality",
            "directorate_role",
            "region",
            "scopes",
            "rate_limit_per_minute",
            "is_active",
        )

    def clean(self):
        data = super().clean()
        try:
            data["scopes"] = services.check_client_fields(
                municipality=data.get("municipality"),
                directorate_role=data.get("directorate_role") or "",
                region=data.get("region"),
                scopes=list(data.get("scopes") or []),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return data


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "consumer_orgno", "municipality", "directorate_role", "is_active")
    list_filter = ("is_active", "directorate_role")
    search_fields = ("name", "consumer_orgno", "municipality__name", "municipality__number")
    raw_id_fields = ("municipality",)
    readonly_fields = ("user", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit entries keep pointing at the client

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ApiClientForm.Meta.fields}
        if change:
            services.api_client_update(
                actor=request.user, client=ApiClient.objects.get(pk=obj.pk), **fields
            )
        else:
            obj.pk = services.api_client_register(actor=request.user, **fields).pk
