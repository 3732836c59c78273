from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.uploads import check_upload_size
from portal.municipalities.models import County, Municipality, Region, WrittenStandard

FORMAT_CHOICES = [
    ("auto", _("Tell from the file")),
    ("csv", _("The portal's CSV (year, municipality_number, …)")),
    ("ssb-jsonstat", _("SSB statistics bank, JSON-stat 2.0")),
    ("ssb-csv", _("SSB statistics bank, CSV download")),
    ("imdi-settlement", _("IMDi settlement table (anmodning, vedtak, bosatt)")),
]


class KeyFigureUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File with key figures"),
        help_text=_(
            "The portal's CSV, an SSB table (JSON-stat or CSV) or IMDi's settlement table. "
            "You see what would change before anything is saved."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=FORMAT_CHOICES, initial="auto", required=False
    )
    structure = forms.IntegerField(
        label=_("Municipal structure of the table (year)"),
        required=False,
        min_value=2013,
        max_value=2100,
        help_text=_(
            "Leave blank when each row uses the number in force in its year. Give a year (such "
            "as 2024) when the table's regions are numbered as on 1 January of that year for "
            "every year, as SSB's tables on a regional structure are."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", _("Upload and preview")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload, settings.KEY_FIGURE_UPLOAD_MAX_BYTES)
        return upload

    def clean_format(self):
        return self.cleaned_data.get("format") or "auto"


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
