"""Forms of the benchmark pages: what a municipality asks for, and the admin's peer settings."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.benchmark.models import PeerConfig
from portal.benchmark.peers import VARIABLES
from portal.benchmark.report.labels import variable_labels

LANGUAGE_CHOICES = (("nb", _("Bokmål")), ("nn", _("Nynorsk")), ("en", _("English")))


class ReportRequestForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Report year"), coerce=int)
    language = forms.ChoiceField(label=_("Language of the report"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class BatchStartForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Report year"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.helper = FormHelper()
        self.helper.add_input(Submit("start", _("Make every organisation's report")))


def _variable_label(name: str) -> str:
    return variable_labels()[name]


class PeerConfigForm(forms.ModelForm):
    """The peer settings; saving makes a new version (``services.peer_config_new_version``)."""

    class Meta:
        model = PeerConfig
        fields = [
            "k",
            "winsor_lower",
            "winsor_upper",
            "size_band",
            "min_similarity",
            "window_years",
            "reference_area",
            "reference_weighted",
            "min_completers",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        weights = (
            self.instance.variables if self.instance and self.instance.pk else None
        ) or dict.fromkeys(VARIABLES, 1.0)
        for name in VARIABLES:
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=_("Weight: %(variable)s") % {"variable": _variable_label(name)},
                min_value=0,
                max_value=10,
                initial=weights.get(name, 0.0),
                help_text=_("0 leaves the variable out."),
            )
        self.fields["k"].max_value = 50
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Variables and weights"), *[f"weight_{n}" for n in VARIABLES]),
            Fieldset(
                _("Choosing peers"),
                "k",
                "min_similarity",
                "size_band",
                "winsor_lower",
                "winsor_upper",
            ),
            Fieldset(
                _("Results and the two-by-two"),
                "window_years",
                "reference_area",
                "reference_weighted",
                "min_completers",
            ),
        )
        self.helper.add_input(Submit("save", _("Save as a new version")))

    def clean_k(self):
        k = self.cleaned_data["k"]
        if k is not None and k > 50:
            raise forms.ValidationError(_("Choose at most 50 peers."))
        return k

    def clean(self):
        cleaned = super().clean()
        lower, upper = cleaned.get("winsor_lower"), cleaned.get("winsor_upper")
        if lower is not None and upper is not None and lower >= upper:
            self.add_error(
                "winsor_upper",
                _("Must be above the lower percentile (%(lower)s).") % {"lower": lower},
            )
        weights = [cleaned.get(f"weight_{n}") for n in VARIABLES]
        if all(w is not None for w in weights) and not any(w > 0 for w in weights):
            self.add_error(None, _("At least one variable needs a weight above 0."))
        return cleaned

    def config_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["variables"] = {n: float(self.cleaned_data[f"weight_{n}"]) for n in VARIABLES}
        return values
