"""The directorate's follow-up forms: the dashboard's filter, a note in the follow-up log, an
organisation's deadline extension."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import DirectorateRole
from portal.municipalities.models import County, Region
from surveys.followup import status
from surveys.models import FollowUp, Response, SettlementCategory

STATUS_LABELS = {
    status.NOT_STARTED: gettext_lazy("Not started"),
    **dict(Response.Status.choices),
}


class DashboardFilter(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Settlement category"),
        required=False,
        choices=[("", gettext_lazy("All")), *SettlementCategory.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *STATUS_LABELS.items()],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("number", gettext_lazy("Number")),
            ("name", gettext_lazy("Name")),
            ("status", gettext_lazy("Status")),
            ("-progress", gettext_lazy("Share answered")),
            ("-activity", gettext_lazy("Last activity")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.all()
        if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
            regions = regions.filter(pk=user.region_id)
        region, county = self.fields["region"], self.fields["county"]
        assert isinstance(region, forms.ChoiceField) and isinstance(county, forms.ChoiceField)
        region.choices = [("", _("All"))] + [(r.code, r.name) for r in regions]
        county.choices = [("", _("All"))] + [
            (c.number, f"{c.number} {c.name}") for c in County.objects.filter(valid_to__isnull=True)
        ]
        # The filter is read from the address (GET), like the other lists' filters.
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-lg-auto g-3 align-items-end"
        self.helper.add_input(Submit("", _("Filter"), css_class="btn-secondary"))


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            (FollowUp.Kind.PHONE, gettext_lazy("Phone call")),
            (FollowUp.Kind.NOTE, gettext_lazy("Note")),
        ],
    )
    text = forms.CharField(
        label=gettext_lazy("What was said or done"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class ExtensionForm(forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("New deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)


class ReviewCommentForm(forms.Form):
    """A reviewer's comment: on one question (its id), or on the answers as a whole (none).
    Whether the text is empty, and whether the question is in the survey, the service and the
    view say in the reviewer's words."""

    question = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(required=False, strip=False)
