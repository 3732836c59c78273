from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.uploads import check_upload_size
from portal.municipalities.models import County, Municipality, Region, WrittenStandard


class KeyFigureUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with key figures"),
        help_text=_(
            "One row per municipality per year. Columns year and municipality_number are required."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, do not save anything"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", _("Upload")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload, settings.KEY_FIGURE_UPLOAD_MAX_BYTES)
        return upload


class MunicipalityFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    county = forms.ChoiceField(label=_("County"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), *Municipality.Kind.choices],
    )
    year = forms.IntegerField(
        label=_("Key figures for"), required=False, min_value=1990, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All"))] + [
            (r.code, r.name) for r in Region.objects.all()
        ]
        self.fields["county"].choices = [("", _("All"))] + [
            (c.number, f"{c.number} {c.name}") for c in County.objects.filter(valid_to__isnull=True)
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-lg-auto g-3 align-items-end"
        self.helper.add_input(Submit("", _("Filter"), css_class="btn-secondary"))


class MunicipalitySettingsForm(forms.Form):
    written_standard = forms.ChoiceField(
        label=_("Written standard"), choices=WrittenStandard.choices, required=False
    )
    email = forms.EmailField(label=_("Post box e-mail"), required=False)
    head_email = forms.EmailField(
        label=_("E-mail of the head of administration"),
        required=False,
        help_text=_("Survey reminders are copied here after the set number of reminders."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))
