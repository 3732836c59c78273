"""An organisation's own change log: who changed which survey answer or profile entry, when.

The survey and the profile each name the actions an organisation sees (everything else in the
audit log, such as the directorate's follow-up notes, stays in the directorate's change log)
and put their own entries into words; this module puts the two together.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing import presenters as housing_presenters
from housing import selectors as housing_selectors
from portal.core.audit.models import AuditEntry
from portal.core.audit.presenters import EntryView
from portal.municipalities.models import Municipality
from surveys.respondent import presenters as survey_presenters
from surveys.respondent import selectors as survey_selectors

PAGE_SIZE = 50

SURVEY = "survey"
PROFILE = "profile"
KIND_ACTIONS: dict[str, tuple[str, ...]] = {
    SURVEY: survey_selectors.SURVEY_CHANGE_ACTIONS,
    PROFILE: housing_selectors.PROFILE_CHANGE_ACTIONS,
}
KIND_LABELS = {SURVEY: _("Survey answers"), PROFILE: _("Housing and service profile")}


def actions_of(kinds: list[str]) -> tuple[str, ...]:
    return tuple(action for kind in kinds for action in KIND_ACTIONS[kind])


class ChangeLogFilterForm(forms.Form):
    """What to show: one kind of change or all the reader may see, and the year of the change."""

    kind = forms.ChoiceField(label=_("Show"), required=False)
    year = forms.TypedChoiceField(label=_("Year of the change"), required=False, coerce=int)

    def __init__(self, *args, kinds: list[str], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        choices = [("", _("All changes"))] if len(kinds) > 1 else []
        self.fields["kind"].choices = choices + [(k, KIND_LABELS[k]) for k in kinds]
        self.fields["kind"].error_messages["invalid_choice"] = _(
            "Choose one of the kinds in the list."
        )
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Choose one of the years in the list."
        )
        self.fields["year"].empty_value = None

    def chosen_kinds(self) -> list[str]:
        kind = self.cleaned_data.get("kind") if self.is_valid() else ""
        return [kind] if kind else self.kinds

    def chosen_year(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None


def entry_views(entries: list[AuditEntry], municipality: Municipality) -> list[EntryView]:
    """The entries of a page in words, in their order: a fixed number of queries."""
    lookups = survey_selectors.change_log_lookups(entries, municipality)
    section_keys = housing_selectors.change_log_section_keys(entries)
    views = []
    for entry in entries:
        if entry.action in survey_selectors.SURVEY_CHANGE_ACTIONS:
            views.append(survey_presenters.change_entry_view(entry, lookups))
        else:
            views.append(housing_presenters.change_entry_view(entry, section_keys))
    return views
