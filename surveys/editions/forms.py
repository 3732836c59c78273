"""The directorate's questionnaire forms: the definition upload, an edition's deadline and
reminders, and an organisation's settlement category."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.uploads import check_upload_size
from portal.municipalities.models import Municipality
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


class PreviewPickForm(forms.Form):
    """The organisation to preview an edition as: chosen by name in a list grouped by county
    (Oslo's city districts under their own heading), or by its number."""

    organisation = forms.ChoiceField(label=gettext_lazy("Organisation"), required=False, choices=[])
    number = forms.CharField(
        label=gettext_lazy("or its number"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "4204"}),
    )

    def __init__(self, *args, organisations: Iterable[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {m.number: m for m in organisations}
        by_pk = {m.pk: m for m in self.organisations.values()}
        groups: dict[str, list[tuple[str, str]]] = {}
        order: dict[str, tuple] = {}
        for m in sorted(self.organisations.values(), key=lambda m: m.name):
            if m.is_district:
                parent = by_pk.get(m.parent_id or 0)
                name = parent.name if parent else m.county.name
                group = _("%(municipality)s: city districts") % {"municipality": name}
                order.setdefault(group, (m.county.number, 1, name))
            else:
                group = m.county.name
                order.setdefault(group, (m.county.number, 0, ""))
            groups.setdefault(group, []).append((m.number, f"{m.name} ({m.number})"))
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose an organisation")),
            *[(group, groups[group]) for group in sorted(groups, key=lambda g: order[g])],
        ]
        self.fields["organisation"].widget.attrs.update(
            {"id": "preview-organisation", "class": "form-select"}
        )
        self.fields["number"].widget.attrs.update({"id": "preview-number", "class": "form-control"})

    def clean(self):
        super().clean()
        data = self.cleaned_data
        chosen = data.get("organisation", "")
        typed = (data.get("number") or "").strip()
        if chosen and typed and chosen != typed:
            raise forms.ValidationError(
                _(
                    "You chose %(chosen)s in the list and typed %(typed)s: choose one of them, "
                    "or empty the other field."
                )
                % {"chosen": chosen, "typed": typed}
            )
        number = typed or chosen
        if not number:
            raise forms.ValidationError(_("Choose an organisation in the list or type its number."))
        if number not in self.organisations:
            raise forms.ValidationError(
                _("No current municipality or city district has the number %(number)s.")
                % {"number": number}
            )
        data["municipality"] = self.organisations[number]
        return data
