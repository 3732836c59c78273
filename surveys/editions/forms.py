"""The directorate's questionnaire forms: the definition upload, an edition's deadline and
reminders, and an organisation's settlement category."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.uploads import check_upload_size
from surveys.models import SettlementCategory


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Survey definition (YAML, JSON or Excel workbook)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload, settings.SURVEY_DEFINITION_MAX_BYTES)
        return upload


class EditionSettingsForm(forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reminder_days = forms.CharField(
        label=gettext_lazy("Automatic reminders, days before the deadline"),
        required=False,
        help_text=gettext_lazy(
            "Comma-separated, e.g. 14, 7, 2. Leave empty for no automatic reminders."
        ),
    )
    reminders_before_head = forms.IntegerField(
        label=gettext_lazy("Copy the head of administration after this many reminders"),
        min_value=0,
        max_value=20,
    )

    def clean_reminder_days(self):
        raw = self.cleaned_data["reminder_days"].replace(";", ",")
        days = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            if not part.isdigit() or not 0 <= int(part) <= 120:
                raise forms.ValidationError(
                    _("Write whole numbers of days between 0 and 120, separated by commas.")
                )
            days.append(int(part))
        return sorted(set(days), reverse=True)


class CategoryForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Municipality or district number"), max_length=6)
    category = forms.ChoiceField(
        label=gettext_lazy("Settlement category"),
        choices=[("", gettext_lazy("Computed from the key figures")), *SettlementCategory.choices],
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)
