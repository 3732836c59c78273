from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from housing.models import (
    MAX_AGE,
    ContactPerson,
    HousingLine,
    SectionKey,
    StaffedHousing,
    Tenure,
    housing_line_problems,
)
from housing.search import SearchCriteria
from housing.sections import (
    CHOICE,
    INT,
    LIST,
    LONGTEXT,
    PERCENT,
    SERVICE_FACTS,
    TEXT,
    YES_NO,
    split_languages,
)
from housing.snapshots import CONTACT_FIELDS, HOUSING_FIELDS, STAFFED_FIELDS
from portal.core.uploads import check_upload_size
from portal.municipalities.models import Region


def _helper(submit: str | None = None, **attrs) -> FormHelper:
    helper = FormHelper()
    for name, value in attrs.items():
        setattr(helper, name, value)
    if submit:
        helper.add_input(Submit("submit", submit))
    return helper


# --- service sections ------------------------------------------------------------------


class FactsForm(forms.Form):
    """The facts of one service section; the fields come from ``sections.SERVICE_FACTS``."""

    def __init__(self, *args, key: str, data_initial: dict[str, Any] | None = None, **kwargs):
        self.key = key
        initial = {}
        for fact in SERVICE_FACTS[key]:
            value = (data_initial or {}).get(fact.name)
            if fact.kind == LIST:
                value = ", ".join(value or [])
            elif fact.kind in (YES_NO, CHOICE) and value is None:
                value = ""  # "Not stated" is ticked
            initial[fact.name] = value
        super().__init__(*args, initial=initial, **kwargs)
        layout = []
        for fact in SERVICE_FACTS[key]:
            self.fields[fact.name] = _fact_field(fact)
            layout.append(
                InlineRadios(fact.name) if fact.kind in (YES_NO, CHOICE) else Field(fact.name)
            )
        self.helper = _helper(str(_("Save")))
        self.helper.layout = Layout(*layout)

    def clean(self):
        cleaned = super().clean()
        for fact in SERVICE_FACTS[self.key]:
            if fact.kind == LIST:
                cleaned[fact.name] = split_languages(cleaned.get(fact.name) or "")
        return cleaned


class YesNoUnknown(forms.NullBooleanField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.choices = [(True, _("Yes")), (False, _("No")), ("", _("Not stated"))]


def _fact_field(fact) -> forms.Field:
    common = {"label": fact.label, "help_text": fact.help_text, "required": False}
    if fact.kind == YES_NO:
        return YesNoUnknown(**common)
    if fact.kind in (INT, PERCENT):
        return forms.IntegerField(min_value=0, max_value=fact.max_value, **common)
    if fact.kind == CHOICE:
        return forms.ChoiceField(
            choices=[*fact.choices, ("", _("Not stated"))], widget=forms.RadioSelect, **common
        )
    if fact.kind == TEXT:
        return forms.CharField(max_length=300, **common)
    if fact.kind == LONGTEXT:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if fact.kind == LIST:
        return forms.CharField(max_length=1000, **common)
    raise ValueError(fact.kind)


class ConfirmForm(forms.Form):
    """The one-click "still correct" button: a POST with nothing in it."""


class ConfirmAllForm(forms.Form):
    """Confirm every part with content that is still correct: the parts ticked in the list,
    each with its state as the list showed it (a hidden ``seen-<key>``), so that a part changed
    since is not confirmed unseen. The template draws the list (with each part's dates)."""

    parts = forms.MultipleChoiceField(
        label=_("Parts to confirm"),
        choices=SectionKey.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one part to confirm."),
            "invalid_choice": _("“%(value)s” is not a part of the profile."),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for key in cleaned.get("parts", []):
            token = self.data.get(f"seen-{key}")
            if not isinstance(token, str) or token.count("/") != 1 or len(token) > 80:
                raise forms.ValidationError(
                    _("The list is out of date. Here it is again: check it and confirm."),
                    code="stale",
                )
            seen[key] = token
        cleaned["seen"] = seen
        return cleaned


# --- row sections ----------------------------------------------------------------------


class HousingLineForm(forms.ModelForm):
    class Meta:
        model = HousingLine
        fields = HOUSING_FIELDS
        widgets = {
            "vacant_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "distances": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(str(_("Save")))
        self.helper.layout = Layout(
            Fieldset(
                _("The dwellings"),
                Div(
                    Div("tenure", css_class="col-md-6"),
                    Div("reference", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("rooms", css_class="col-sm-4"),
                    Div("bedrooms", css_class="col-sm-4"),
                    Div("units", css_class="col-sm-4"),
                    css_class="row",
                ),
                "step_free",
                "reserved_for_refugees",
            ),
            Fieldset(
                _("Vacancies"),
                Div(
                    Div("vacant_now", css_class="col-sm-4"),
                    Div("vacant_later", css_class="col-sm-4"),
                    Div("vacant_from", css_class="col-sm-4"),
                    css_class="row",
                ),
            ),
            Fieldset(_("Location and contract"), "area", "distances", "contract_years", "notes"),
        )


class StaffedHousingForm(forms.ModelForm):
    class Meta:
        model = StaffedHousing
        fields = STAFFED_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(str(_("Save")))
        self.helper.layout = Layout(
            "name",
            Div(
                Div("places", css_class="col-sm-3"),
                Div("vacancies", css_class="col-sm-3"),
                Div("age_from", css_class="col-sm-3"),
                Div("age_to", css_class="col-sm-3"),
                css_class="row",
            ),
            "notes",
        )


class ContactPersonForm(forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = CONTACT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(str(_("Save")))


class VacancyForm(forms.Form):
    """The vacancies of one housing line, on the page that updates many lines at once."""

    vacant_now = forms.IntegerField(label=_("Vacant now"), min_value=0)
    vacant_later = forms.IntegerField(label=_("Vacant later"), min_value=0)
    vacant_from = forms.DateField(
        label=_("Vacant from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, line: HousingLine, **kwargs):
        self.line = line
        kwargs.setdefault(
            "initial",
            {
                "vacant_now": line.vacant_now,
                "vacant_later": line.vacant_later,
                "vacant_from": line.vacant_from,
            },
        )
        super().__init__(*args, prefix=f"line-{line.pk}", **kwargs)

    def clean(self):
        cleaned = super().clean() or {}
        values = {
            "rooms": self.line.rooms,
            "bedrooms": self.line.bedrooms,
            "units": self.line.units,
            **{k: cleaned.get(k) for k in ("vacant_now", "vacant_later", "vacant_from")},
        }
        for field, message in housing_line_problems(values):
            if field in self.fields:
                self.add_error(field, message)
        return cleaned


# --- upload ----------------------------------------------------------------------------


class HousingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File with housing lines (CSV or Excel)"),
        help_text=_(
            "Use the template. The file replaces all the municipality's housing lines; if anything in it is wrong, nothing is saved."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, do not save anything"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(str(_("Upload")), attrs={"enctype": "multipart/form-data"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload, settings.HOUSING_UPLOAD_MAX_BYTES)
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."))
        return upload


# --- history ---------------------------------------------------------------------------


class AsOfForm(forms.Form):
    dato = forms.DateField(
        label=_("Show the profile as it was on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            str(_("Show")),
            form_method="get",
            form_class="row row-cols-lg-auto g-3 align-items-end",
        )


class FreshnessFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    only_stale = forms.BooleanField(label=_("Only those with sections to confirm"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("All")),
            *[(r.code, r.name) for r in Region.objects.all()],
        ]
        self.helper = _helper(
            str(_("Filter")),
            form_method="get",
            form_class="row row-cols-lg-auto g-3 align-items-end",
        )


# --- search ----------------------------------------------------------------------------


class SettlementSearchForm(forms.Form):
    min_rooms = forms.IntegerField(
        label=_("At least rooms"), required=False, min_value=1, max_value=20
    )
    min_bedrooms = forms.IntegerField(
        label=_("At least bedrooms"), required=False, min_value=1, max_value=19
    )
    step_free = forms.BooleanField(label=_("Step-free"), required=False)
    vacant_now = forms.BooleanField(label=_("Vacant now"), required=False)
    vacant_by = forms.DateField(
        label=_("Or vacant by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tenures = forms.MultipleChoiceField(
        label=_("Tenure (any of)"),
        required=False,
        choices=Tenure.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    staffed_age = forms.IntegerField(
        label=_("Vacant place in staffed housing for age"),
        required=False,
        min_value=0,
        max_value=MAX_AGE,
    )
    upper_secondary = forms.BooleanField(
        label=_("Upper secondary school in the municipality"), required=False
    )
    interpreter_language = forms.CharField(
        label=_("Interpreter for the language"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"list": "interpreter-languages", "autocomplete": "off"}),
    )
    gp_vacancies = forms.BooleanField(label=_("GP lists with vacancies"), required=False)
    kindergarten = forms.BooleanField(
        label=_("Kindergarten place without a waiting list"), required=False
    )
    transport = forms.ChoiceField(
        label=_("Public transport"),
        required=False,
        choices=[("", _("Any")), ("limited", _("At least limited")), ("good", _("Good"))],
    )
    labour_market = forms.ChoiceField(
        label=_("Labour market"),
        required=False,
        choices=[("", _("Any")), ("normal", _("At least normal")), ("good", _("Good"))],
    )
    min_remaining = forms.IntegerField(
        label=_("At least left to settle"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_("Decided minus settled in the year."),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    year = forms.IntegerField(
        label=_("Settlement figures for"), required=False, min_value=1990, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("All")),
            *[(r.code, r.name) for r in Region.objects.all()],
        ]
        self.helper = _helper(str(_("Search")), form_method="get", form_tag=True)
        self.helper.layout = Layout(
            Fieldset(
                _("Dwelling"),
                Div(
                    Div("min_rooms", css_class="col-sm-6 col-lg-3"),
                    Div("min_bedrooms", css_class="col-sm-6 col-lg-3"),
                    Div("vacant_by", css_class="col-sm-6 col-lg-3"),
                    Div("vacant_now", "step_free", css_class="col-sm-6 col-lg-3 pt-lg-4"),
                    css_class="row",
                ),
                "tenures",
            ),
            Fieldset(
                _("Services"),
                Div(
                    Div("staffed_age", css_class="col-sm-6 col-lg-4"),
                    Div("interpreter_language", css_class="col-sm-6 col-lg-4"),
                    Div(
                        "upper_secondary",
                        "gp_vacancies",
                        "kindergarten",
                        css_class="col-sm-12 col-lg-4",
                    ),
                    css_class="row",
                ),
                Div(
                    Div("transport", css_class="col-sm-6 col-lg-4"),
                    Div("labour_market", css_class="col-sm-6 col-lg-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Settlement and area"),
                Div(
                    Div("min_remaining", css_class="col-sm-4"),
                    Div("region", css_class="col-sm-4"),
                    Div("year", css_class="col-sm-4"),
                    css_class="row",
                ),
            ),
        )

    def criteria(self):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return SearchCriteria(
            year=data.get("year"),
            region=data.get("region") or "",
            min_rooms=data.get("min_rooms"),
            min_bedrooms=data.get("min_bedrooms"),
            step_free=bool(data.get("step_free")),
            vacant_now=bool(data.get("vacant_now")),
            vacant_by=data.get("vacant_by"),
            tenures=list(data.get("tenures") or []),
            upper_secondary=bool(data.get("upper_secondary")),
            staffed_age=data.get("staffed_age"),
            interpreter_language=(data.get("interpreter_language") or "").strip(),
            gp_vacancies=bool(data.get("gp_vacancies")),
            kindergarten=bool(data.get("kindergarten")),
            transport=data.get("transport") or "",
            labour_market=data.get("labour_market") or "",
            min_remaining=data.get("min_remaining"),
        )
