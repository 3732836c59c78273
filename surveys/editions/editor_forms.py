"""Forms of the questionnaire editor.

A question is edited through ``QuestionEditor``: the question's own fields plus formsets for its
options, items, plausibility checks and routing rules. It builds the question as the definition
format has it (``build()``), and puts the problems ``parse_definition`` finds back next to the
fields they are about (``attach_problems``), in words (``problem_in_words``).

Every text has three inputs, bokmål, nynorsk and English (``<name>_nb``, ``_nn``, ``_en``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.editions.definition import CHECK_PLACEHOLDERS, PLACEHOLDERS, Problem
from surveys.editions.rule_words import value_in_words
from surveys.editions.schema import QUESTION_TYPES, REGION_CODES
from surveys.models import SettlementCategory, localized
from surveys.respondent.context import FIGURE_PLACEHOLDERS

LANGUAGES = (("nb", gettext_lazy("Bokmål")), ("nn", gettext_lazy("Nynorsk")), ("en", "English"))
TYPES = list(dict.fromkeys([*QUESTION_TYPES, "yes_no_grid"]))
TYPE_NAMES = {
    "yes_no": gettext_lazy("Yes/no"),
    "single": gettext_lazy("One choice"),
    "multi": gettext_lazy("Several choices"),
    "rank": gettext_lazy("Ranking"),
    "integer": gettext_lazy("Whole number"),
    "percent": gettext_lazy("Percentage"),
    "scale": gettext_lazy("Scale"),
    "scale_grid": gettext_lazy("Scale for several items"),
    "text": gettext_lazy("Short text"),
    "textarea": gettext_lazy("Long text"),
    "yes_no_grid": gettext_lazy("Yes/no for several items"),
}
# The fields each type has, beyond key, type, text, help, required and routing.
FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "yes_no": ("allow_dont_know",),
    "single": ("options", "allow_dont_know", "allow_not_relevant"),
    "multi": ("options", "min_choices", "max_choices", "allow_dont_know"),
    "rank": ("options", "rank"),
    "integer": ("min", "max", "unit", "allow_dont_know", "checks"),
    "percent": ("min", "max", "allow_dont_know", "checks"),
    "scale": ("scale", "allow_not_relevant", "allow_dont_know"),
    "scale_grid": ("items", "scale", "allow_not_relevant"),
    "text": ("max_length",),
    "textarea": ("max_length",),
    "yes_no_grid": ("items", "allow_dont_know"),
}
TYPE_FIELDS = tuple(dict.fromkeys(name for names in FIELDS_BY_TYPE.values() for name in names))
PLACEHOLDER_MEANINGS = {
    "organisation": gettext_lazy("the municipality's or city district's name"),
    "year": gettext_lazy("the edition's year"),
    "requested": gettext_lazy("refugees requested this year"),
    "decided": gettext_lazy("refugees decided this year"),
    "settled": gettext_lazy("refugees settled this year"),
    "unaccompanied_requested": gettext_lazy("unaccompanied minors requested"),
    "unaccompanied_decided": gettext_lazy("unaccompanied minors decided"),
    "unaccompanied_settled": gettext_lazy("unaccompanied minors settled"),
    "population": gettext_lazy("population"),
    "intro_completed": gettext_lazy("completed the introduction programme"),
    "intro_work_or_education_direct": gettext_lazy(
        "in work or education straight after the programme"
    ),
    "intro_work_or_education_1y": gettext_lazy("in work or education one year after"),
    "requested_last_year": gettext_lazy("refugees requested last year"),
    "decided_last_year": gettext_lazy("refugees decided last year"),
    "settled_last_year": gettext_lazy("refugees settled last year"),
    "value": gettext_lazy("the answer given"),
    "figure": gettext_lazy("the key figure compared with"),
    "last_year": gettext_lazy("last year's answer"),
}
KIND_CHOICES = [
    ("municipality", gettext_lazy("Municipalities")),
    ("district", gettext_lazy("City districts")),
]
OPERATOR_CHOICES = [
    ("in", gettext_lazy("is one of")),
    ("not_in", gettext_lazy("is not one of")),
    ("answered", gettext_lazy("is answered")),
    ("unanswered", gettext_lazy("is unanswered")),
]
IF_UNANSWERED_CHOICES = [
    ("", gettext_lazy("As usual (“is one of” hides, “is not one of” shows)")),
    ("show", gettext_lazy("Show")),
    ("hide", gettext_lazy("Hide")),
]


def placeholder_list(names: Iterable[str]) -> list[tuple[str, str]]:
    """(placeholder as written, what it means), for the list beside a text field."""
    return [(f"{{{n}}}", str(PLACEHOLDER_MEANINGS.get(n, n))) for n in sorted(names)]


@dataclass
class TextGroup:
    """One text of the form: its three inputs and the languages it lacks."""

    name: str
    label: str
    fields: list[Any]
    placeholders: list[tuple[str, str]] = field(default_factory=list)
    textarea: bool = False

    @property
    def missing(self) -> list[str]:
        if not (self.fields[0].value() or "").strip():
            return []
        return [f.lang for f in self.fields[1:] if not (f.value() or "").strip()]

    @property
    def errors(self) -> list[str]:
        return [e for f in self.fields for e in f.errors]


def _texts(data: Mapping[str, Any], name: str) -> dict[str, str]:
    return {
        lang: data.get(f"{name}_{lang}", "").strip()
        for lang, _label in LANGUAGES
        if data.get(f"{name}_{lang}", "").strip()
    }


class EditorForm(forms.Form):
    """A form with texts in three languages and errors linked to their inputs."""

    texts: tuple[tuple[str, Any, bool, frozenset[str]], ...] = ()  # name, label, textarea, ph

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.text_names: list[str] = []
        for name, label, textarea, placeholders in self.texts:
            self.add_text(name, label, textarea=textarea, placeholders=placeholders)
        for bound_field in self.fields.values():
            _style(bound_field)

    def add_text(
        self,
        name: str,
        label: Any,
        *,
        textarea: bool = False,
        placeholders: frozenset[str] = frozenset(),
        required: bool = False,
    ) -> None:
        for lang, lang_label in LANGUAGES:
            widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
            attrs = {"lang": lang, "data-text": name}
            if placeholders:
                attrs["data-placeholders"] = f"{self.add_prefix(name)}-placeholders"
            widget.attrs.update(attrs)
            self.fields[f"{name}_{lang}"] = _style(
                forms.CharField(
                    label=f"{label} ({lang_label})",
                    required=required and lang == "nb",
                    max_length=20000,
                    widget=widget,
                )
            )
        self.text_names.append(name)
        setattr(self, f"_ph_{name}", placeholders)
        setattr(self, f"_label_{name}", label)
        setattr(self, f"_textarea_{name}", textarea)

    def text_group(self, name: str) -> TextGroup:
        fields = []
        for lang, lang_label in LANGUAGES:
            bound = self[f"{name}_{lang}"]
            bound.lang, bound.lang_label = lang, lang_label
            fields.append(bound)
        return TextGroup(
            name=self.add_prefix(name),
            label=str(getattr(self, f"_label_{name}")),
            fields=fields,
            placeholders=placeholder_list(getattr(self, f"_ph_{name}")),
            textarea=getattr(self, f"_textarea_{name}"),
        )

    @property
    def text_groups(self) -> dict[str, TextGroup]:
        return {
            name: self.text_group(name) for name in self.text_names if f"{name}_nb" in self.fields
        }

    def set_text_initial(self, name: str, value: Mapping[str, str] | None) -> None:
        for lang, _label in LANGUAGES:
            self.initial[f"{name}_{lang}"] = (value or {}).get(lang, "")

    def texts_of(self, name: str) -> dict[str, str]:
        return _texts(self.cleaned_data, name)

    def mark_errors(self) -> None:
        """aria-invalid and aria-describedby on every input with an error."""
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                auto_id = self[name].auto_id
                field.widget.attrs["aria-invalid"] = "true"
                described = f"{auto_id}-error"
                if field.help_text:
                    described += f" {auto_id}_helptext"
                field.widget.attrs["aria-describedby"] = described
                css = field.widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    field.widget.attrs["class"] = f"{css} is-invalid".strip()


def _style(field: forms.Field) -> forms.Field:
    """Bootstrap's classes on the field's widget."""
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    elif isinstance(widget, forms.HiddenInput):
        return field
    else:
        css = "form-control"
    if css not in widget.attrs.get("class", ""):
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return field


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


class OptionForm(EditorForm):
    was = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.CharField(label=gettext_lazy("Key"), max_length=60, required=False)
    exclusive = forms.BooleanField(label=gettext_lazy("Excludes the others"), required=False)
    other = forms.BooleanField(
        label=gettext_lazy("“Other, describe” (a text field)"), required=False
    )
    retire = forms.BooleanField(label=gettext_lazy("Retire"), required=False)
    map_to = forms.ChoiceField(label=gettext_lazy("Last year's answers count as"), required=False)
    texts = (("label", gettext_lazy("Label"), False, frozenset()),)

    def __init__(self, *args, map_choices=(), texts_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["map_to"].choices = [("", "–"), *map_choices]
        if texts_only:
            for name in ("key", "exclusive", "other", "retire", "map_to"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if (
            "key" in self.fields
            and not data.get("retire")
            and data.get("label_nb")
            and not data.get("key")
        ):
            self.add_error("key", _("Give the option a key."))
        if (
            "key" in self.fields
            and data.get("key")
            and not data.get("label_nb")
            and not data.get("retire")
        ):
            self.add_error("label_nb", _("Give the option a label in bokmål."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("was") and not data.get("key") and not data.get("label_nb")


class ItemForm(EditorForm):
    was = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.CharField(label=gettext_lazy("Key"), max_length=60, required=False)
    other = forms.BooleanField(
        label=gettext_lazy("“Other, describe” (a text field)"), required=False
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)
    texts = (("label", gettext_lazy("Label"), False, frozenset()),)

    def __init__(self, *args, texts_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if texts_only:
            for name in ("key", "other", "remove"):
                del self.fields[name]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("was") and not data.get("key") and not data.get("label_nb")


class CheckForm(EditorForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Compare with"),
        required=False,
        choices=[
            ("", gettext_lazy("No check")),
            ("last_year", gettext_lazy("Last year's answer")),
            ("key_figure", gettext_lazy("A key figure")),
        ],
    )
    last_year = forms.FloatField(
        label=gettext_lazy("Largest change from last year (0.5 = 50 %)"), required=False
    )
    key_figure = forms.ChoiceField(
        label=gettext_lazy("Key figure"),
        required=False,
        choices=[("", "–"), *((n, PLACEHOLDER_MEANINGS[n]) for n in FIGURE_PLACEHOLDERS)],
    )
    max_ratio = forms.FloatField(label=gettext_lazy("At most the key figure ×"), required=False)
    min_ratio = forms.FloatField(label=gettext_lazy("At least the key figure ×"), required=False)
    texts = (("message", gettext_lazy("Message"), True, frozenset(CHECK_PLACEHOLDERS)),)

    def __init__(self, *args, texts_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if texts_only:
            for name in ("kind", "last_year", "key_figure", "max_ratio", "min_ratio"):
                del self.fields[name]

    def build(self) -> dict | None:
        data = self.cleaned_data
        check: dict[str, Any] = {}
        if data.get("kind") == "last_year":
            check["last_year"] = _number(data.get("last_year"))
        elif data.get("kind") == "key_figure":
            check["key_figure"] = data.get("key_figure") or ""
            for name in ("max_ratio", "min_ratio"):
                if data.get(name) is not None:
                    check[name] = _number(data[name])
        else:
            return None
        check = {k: v for k, v in check.items() if v is not None}
        message = self.texts_of("message")
        if message:
            check["message"] = message
        return check

    def clean(self):
        data = super().clean()
        if data.get("kind") == "last_year" and data.get("last_year") is None:
            self.add_error("last_year", _("Say how large a change from last year is plausible."))
        if data.get("kind") == "key_figure":
            if not data.get("key_figure"):
                self.add_error("key_figure", _("Choose the key figure to compare with."))
            if data.get("max_ratio") is None and data.get("min_ratio") is None:
                self.add_error("max_ratio", _("Give at most and/or at least."))
        return data


class RuleForm(EditorForm):
    subject = forms.ChoiceField(label=gettext_lazy("Earlier question"), required=False)
    operator = forms.ChoiceField(
        label=gettext_lazy("Condition"), choices=OPERATOR_CHOICES, required=False
    )
    values = forms.MultipleChoiceField(
        label=gettext_lazy("Answers"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    if_unanswered = forms.ChoiceField(
        label=gettext_lazy("If the earlier question is unanswered"),
        choices=IF_UNANSWERED_CHOICES,
        required=False,
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove the condition"), required=False)

    def __init__(self, *args, subjects=(), value_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "–"), *subjects]
        self.fields["values"].choices = list(value_choices)

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("subject") or data.get("remove")

    def clean(self):
        data = super().clean()
        subject = data.get("subject")
        if not subject or data.get("remove"):
            return data
        values = data.get("values") or []
        if any(not v.startswith(f"{subject}|") for v in values):
            self.add_error("values", _("Choose only answers of the chosen question."))
        operator = data.get("operator") or "in"
        if operator in ("in", "not_in") and not values:
            self.add_error("values", _("Choose at least one answer."))
        if operator in ("answered", "unanswered") and data.get("if_unanswered"):
            self.add_error(
                "if_unanswered", _("“Is answered” and “is unanswered” already say what happens.")
            )
        return data

    def build(self, kinds: Mapping[str, str]) -> dict | None:
        data = self.cleaned_data
        subject = data.get("subject")
        if not subject or data.get("remove"):
            return None
        key, _sep, item = subject.partition(":")
        rule: dict[str, Any] = {"question": key}
        if item:
            rule["item"] = item
        operator = data.get("operator") or "in"
        if operator in ("answered", "unanswered"):
            rule["answered"] = operator == "answered"
        else:
            raw = [v.partition("|")[2] for v in data.get("values") or []]
            rule[operator] = [_routing_value(kinds.get(key, ""), v) for v in raw]
            if data.get("if_unanswered"):
                rule["if_unanswered"] = data["if_unanswered"]
        return rule


def _routing_value(kind: str, raw: str) -> Any:
    if kind in ("scale", "integer", "percent") and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        number = float(raw)
        return int(number) if number.is_integer() else number
    return raw


def routing_subjects(
    questions: Iterable[Mapping[str, Any]], existing: Iterable[Mapping[str, Any]] = ()
) -> tuple[list[tuple[str, str]], list[tuple[str, list[tuple[str, str]]]]]:
    """The earlier questions a rule may look at (a battery per item), and their answers grouped
    by question: values are ``"<subject>|<value>"``."""
    subjects: list[tuple[str, str]] = []
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    kept: dict[str, list[Any]] = {}
    for rule in existing:
        subject = rule.get("question", "") + (f":{rule['item']}" if rule.get("item") else "")
        kept.setdefault(subject, []).extend([*rule.get("in", []), *rule.get("not_in", [])])
    for question in questions:
        key, kind = question["key"], question["type"]
        text = localized(question.get("text"))
        extra = []
        if question.get("allow_dont_know"):
            extra.append("dont_know")
        if question.get("allow_not_relevant"):
            extra.append("not_relevant")
        if kind == "yes_no_grid":
            for item in question.get("items", []):
                subject = f"{key}:{item['key']}"
                label = f"{key}: {text} – {localized(item.get('label'))}"
                subjects.append((subject, label))
                values = ["yes", "no", *extra]
                groups.append((label, _value_choices(subject, question, values, kept)))
            continue
        subjects.append((key, f"{key}: {text}"))
        values: list[Any]
        if kind == "yes_no":
            values = ["yes", "no", *extra]
        elif kind in ("single", "multi"):
            values = [o["key"] for o in question.get("options", [])] + extra
        elif kind == "scale":
            scale = question.get("scale", {})
            values = [*range(scale.get("min", 1), scale.get("max", 5) + 1), *extra]
        elif kind in ("integer", "percent"):
            values = extra
        else:
            values = []
        groups.append((f"{key}: {text}", _value_choices(key, question, values, kept)))
    return subjects, [g for g in groups if g[1]]


def _value_choices(
    subject: str, question: Mapping[str, Any], values: list[Any], kept: Mapping[str, list[Any]]
) -> list[tuple[str, str]]:
    shown = question if ":" not in subject else {**question, "options": []}
    all_values = list(dict.fromkeys([*values, *kept.get(subject, [])]))
    return [(f"{subject}|{v}", value_in_words(shown, v)) for v in all_values]


class RoutingForm(EditorForm):
    settlement_category = forms.MultipleChoiceField(
        label=gettext_lazy("Only for organisations that"),
        choices=SettlementCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.MultipleChoiceField(
        label=gettext_lazy("Only for"),
        choices=KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.MultipleChoiceField(
        label=gettext_lazy("Only in region"),
        choices=[(code, code) for code in REGION_CODES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, regions: Mapping[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = regions or {}
        self.fields["region"].choices = [(c, regions.get(c, c)) for c in REGION_CODES]

    def initial_from(self, show_if: Mapping[str, Any]) -> None:
        for name in ("settlement_category", "kind", "region"):
            self.initial[name] = list(show_if.get(name, []))

    def build(self, rules: list[dict]) -> dict:
        show_if: dict[str, Any] = {}
        for name in ("settlement_category", "kind", "region"):
            if self.cleaned_data.get(name):
                show_if[name] = list(self.cleaned_data[name])
        if rules:
            show_if["answers"] = rules
        return show_if


class EditorFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return dict(self.form_kwargs)


def _formset(form, extra: int):
    return forms.formset_factory(
        form, formset=EditorFormSet, extra=extra, max_num=60, absolute_max=60, validate_max=True
    )


OptionFormSet = _formset(OptionForm, 2)
ItemFormSet = _formset(ItemForm, 2)
CheckFormSet = _formset(CheckForm, 1)
RuleFormSet = _formset(RuleForm, 1)


class QuestionForm(EditorForm):
    key = forms.RegexField(
        label=gettext_lazy("Key"),
        regex=r"^[a-z][a-z0-9_]{0,59}$",
        max_length=60,
        help_text=gettext_lazy(
            "Lowercase letters, digits and _. The key links the question to the same question "
            "in other years."
        ),
        error_messages={
            "invalid": gettext_lazy("Use lowercase letters, digits and _, starting with a letter.")
        },
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Type of question"), choices=[(t, TYPE_NAMES[t]) for t in TYPES]
    )
    required = forms.BooleanField(label=gettext_lazy("An answer is required"), required=False)
    allow_dont_know = forms.BooleanField(label=gettext_lazy("Offer “Don't know”"), required=False)
    allow_not_relevant = forms.BooleanField(
        label=gettext_lazy("Offer “Not relevant”"), required=False
    )
    min_choices = forms.IntegerField(
        label=gettext_lazy("At least this many choices"), min_value=1, required=False
    )
    max_choices = forms.IntegerField(
        label=gettext_lazy("At most this many choices"), min_value=1, required=False
    )
    rank = forms.IntegerField(label=gettext_lazy("Places to rank"), min_value=2, required=False)
    min = forms.FloatField(label=gettext_lazy("Smallest allowed answer"), required=False)
    max = forms.FloatField(label=gettext_lazy("Largest allowed answer"), required=False)
    max_length = forms.IntegerField(
        label=gettext_lazy("Longest answer (characters)"),
        min_value=1,
        max_value=20000,
        required=False,
    )
    scale_min = forms.IntegerField(
        label=gettext_lazy("Scale from"), min_value=0, max_value=10, required=False
    )
    scale_max = forms.IntegerField(
        label=gettext_lazy("Scale to"), min_value=1, max_value=11, required=False
    )
    confirm_series_break = forms.BooleanField(
        label=gettext_lazy("I understand that the time series breaks; save anyway"), required=False
    )

    STRUCTURE = (
        "key", "type", "required", "allow_dont_know", "allow_not_relevant", "min_choices",
        "max_choices", "rank", "min", "max", "max_length", "scale_min", "scale_max",
        "confirm_series_break",
    )  # fmt: skip

    def __init__(self, *args, texts_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_text(
            "text", _("Question text"), textarea=True, placeholders=PLACEHOLDERS, required=True
        )
        self.add_text("help", _("Help text"), textarea=True, placeholders=PLACEHOLDERS)
        self.add_text("unit", _("Unit (e.g. persons)"))
        self.add_text("scale_min_label", _("Label of the lowest point"))
        self.add_text("scale_max_label", _("Label of the highest point"))
        self.add_text("scale_labels", _("A label for every point, one per line"), textarea=True)
        if texts_only:
            for name in self.STRUCTURE:
                del self.fields[name]


def _point_lines(text: str) -> list[str]:
    """One line a scale point, in order: a blank line inside keeps its point's place (a label
    not yet translated); blank lines at the end are dropped."""
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class QuestionEditor:
    """The question form and its formsets, bound together; ``build()`` gives the question."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        question: Mapping[str, Any] | None = None,
        earlier: Iterable[Mapping[str, Any]] = (),
        texts_only: bool = False,
        kind: str = "",
        prefix: str = "",
        needs_target: set[str] | None = None,
        regions: Mapping[str, str] | None = None,
    ):
        self.question = dict(question or {})
        self.texts_only = texts_only
        self.prefix = prefix
        self.needs_target = needs_target or set()
        p = f"{prefix}-" if prefix else ""
        old = self.question
        self.earlier = list(earlier)
        self.kinds = {q["key"]: q["type"] for q in self.earlier}
        initial: dict[str, Any] = {"type": kind or old.get("type", "yes_no")}
        for name in QuestionForm.STRUCTURE:
            if name in old and name != "type":
                initial[name] = old[name]
        scale = old.get("scale", {})
        initial["scale_min"], initial["scale_max"] = scale.get("min"), scale.get("max")
        self.form = QuestionForm(
            data, initial=initial, texts_only=texts_only, prefix=prefix or None
        )
        for name in ("text", "help", "unit"):
            self.form.set_text_initial(name, old.get(name))
        self.form.set_text_initial("scale_min_label", scale.get("min_label"))
        self.form.set_text_initial("scale_max_label", scale.get("max_label"))
        labels = scale.get("labels") or []
        for lang, _label in LANGUAGES:
            self.form.initial[f"scale_labels_{lang}"] = (
                "\n".join((label or {}).get(lang, "") for label in labels).rstrip("\n")
                if any((label or {}).get(lang) for label in labels)
                else ""
            )

        options = old.get("options", [])
        option_initial = [
            {
                "was": o["key"],
                "key": o["key"],
                "exclusive": o.get("exclusive", False),
                "other": o.get("other", False),
                **{f"label_{lang}": o["label"].get(lang, "") for lang, _l in LANGUAGES},
            }
            for o in options
        ]
        self.options = OptionFormSet(
            data,
            initial=option_initial,
            prefix=f"{p}options",
            form_kwargs={"map_choices": self.map_choices(), "texts_only": texts_only},
        )
        items = old.get("items", [])
        self.items = ItemFormSet(
            data,
            initial=[
                {
                    "was": i["key"],
                    "key": i["key"],
                    "other": i.get("other", False),
                    **{f"label_{lang}": i["label"].get(lang, "") for lang, _l in LANGUAGES},
                }
                for i in items
            ],
            prefix=f"{p}items",
            form_kwargs={"texts_only": texts_only},
        )
        checks = old.get("checks", [])
        self.checks = CheckFormSet(
            data,
            initial=[_check_initial(c) for c in checks],
            prefix=f"{p}checks",
            form_kwargs={"texts_only": texts_only},
        )
        if texts_only:
            for formset, count in (
                (self.options, len(options)),
                (self.items, len(items)),
                (self.checks, len(checks)),
            ):
                formset.extra = 0
                formset.max_num = formset.absolute_max = count
        self.routing = RoutingPart(
            data,
            show_if=old.get("show_if") or {},
            earlier=self.earlier,
            prefix=f"{p}route",
            regions=regions,
        )
        self.warnings: list[str] = []
        self.problems: list[str] = []

    def map_choices(self) -> list[tuple[str, str]]:
        old = self.question
        choices = [
            (o["key"], f"{o['key']}: {localized(o['label'])}") for o in old.get("options", [])
        ]
        if old.get("allow_dont_know"):
            choices.append(("dont_know", _("Don't know")))
        if old.get("allow_not_relevant"):
            choices.append(("not_relevant", _("Not relevant")))
        return choices

    @property
    def kind(self) -> str:
        if self.texts_only:
            return self.question.get("type", "")
        value = self.form["type"].value()
        return value if value in FIELDS_BY_TYPE else self.question.get("type", "yes_no")

    def shows(self, name: str) -> bool:
        return name in FIELDS_BY_TYPE.get(self.kind, ())

    @property
    def visible(self) -> dict[str, bool]:
        """Which of the type-dependent parts the chosen type has."""
        return {name: self.shows(name) for name in TYPE_FIELDS}

    @property
    def types_with(self) -> dict[str, str]:
        """For each type-dependent part, the types that have it (for the page's script)."""
        return {
            name: " ".join(t for t, names in FIELDS_BY_TYPE.items() if name in names)
            for name in TYPE_FIELDS
        }

    def parts(self) -> list:
        parts = [self.form, *self.options, *self.items, *self.checks]
        if not self.texts_only:
            parts.extend([self.routing.form, *self.routing.rules])
        return parts

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in (self.options, self.items, self.checks):
            valid = formset.is_valid() and valid
        if not self.texts_only:
            valid = self.routing.is_valid() and valid
        if valid:
            valid = self._check_options()
        self.mark_errors()
        return valid

    def mark_errors(self) -> None:
        for part in self.parts():
            if hasattr(part, "cleaned_data") or part.is_bound:
                part.mark_errors()

    def _check_options(self) -> bool:
        """The hidden "was" keys are this question's options, each at most once."""
        known = {o["key"] for o in self.question.get("options", [])}
        seen: set[str] = set()
        ok = True
        for form in self.options:
            was = form.cleaned_data.get("was", "")
            if was and (was not in known or was in seen):
                form.add_error(
                    None, _("This option is not one of the question's options; reload the page.")
                )
                ok = False
            seen.add(was)
            if (
                "retire" in form.fields
                and form.cleaned_data.get("retire")
                and not form.cleaned_data.get("was")
            ):
                form.add_error(
                    "retire",
                    _("Only an existing option can be retired; leave a new row empty instead."),
                )
                ok = False
            renamed = was and form.cleaned_data.get("key") and form.cleaned_data.get("key") != was
            gone = form.cleaned_data.get("retire") or renamed
            if (
                gone
                and was in self.needs_target
                and not form.cleaned_data.get("map_to")
                and not renamed
            ):
                form.add_error(
                    "map_to", _("Choose which of this year's options last year's answers count as.")
                )
                ok = False
            if (
                form.cleaned_data.get("map_to")
                and form.cleaned_data.get("map_to") == was
                and form.cleaned_data.get("retire")
            ):
                form.add_error(
                    "map_to", _("A retired option cannot count as itself; choose another.")
                )
                ok = False
        if self.texts_only:
            for form, option in zip(self.options, self.question.get("options", []), strict=False):
                if form.cleaned_data.get("was") != option["key"]:
                    form.add_error(
                        None,
                        _("This option is not one of the question's options; reload the page."),
                    )
                    ok = False
        return ok

    @property
    def confirmed(self) -> bool:
        return bool(getattr(self.form, "cleaned_data", {}).get("confirm_series_break"))

    def renamed(self) -> dict[str, str]:
        out = {}
        for form in self.options:
            data = form.cleaned_data
            if (
                data.get("was")
                and data.get("key")
                and data["key"] != data["was"]
                and not data.get("retire")
            ):
                out[data["was"]] = data["key"]
        return out

    def retired(self) -> dict[str, str]:
        return {
            f.cleaned_data["was"]: f.cleaned_data.get("map_to", "")
            for f in self.options
            if f.cleaned_data.get("was") and f.cleaned_data.get("retire")
        }

    def _kept_options(self) -> list[tuple[int, OptionForm]]:
        return [
            (index, form)
            for index, form in enumerate(self.options)
            if not form.is_blank and not form.cleaned_data.get("retire")
        ]

    def _kept_items(self) -> list[tuple[int, ItemForm]]:
        return [
            (index, form)
            for index, form in enumerate(self.items)
            if not form.is_blank and not form.cleaned_data.get("remove")
        ]

    def build(self) -> dict:
        """The question as the definition format has it."""
        if self.texts_only:
            return self._build_texts()
        data = self.form.cleaned_data
        kind = data["type"]
        has = set(FIELDS_BY_TYPE[kind])
        question: dict[str, Any] = {
            "key": data["key"],
            "type": kind,
            "text": self.form.texts_of("text"),
        }
        if self.form.texts_of("help"):
            question["help"] = self.form.texts_of("help")
        if data.get("required"):
            question["required"] = True
        if "options" in has:
            question["options"] = []
            for _index, form in self._kept_options():
                option: dict[str, Any] = {
                    "key": form.cleaned_data["key"],
                    "label": form.texts_of("label"),
                }
                if kind == "multi" and form.cleaned_data.get("exclusive"):
                    option["exclusive"] = True
                if form.cleaned_data.get("other"):
                    option["other"] = True
                question["options"].append(option)
        if "items" in has:
            question["items"] = []
            for _index, form in self._kept_items():
                item: dict[str, Any] = {
                    "key": form.cleaned_data["key"],
                    "label": form.texts_of("label"),
                }
                if kind == "yes_no_grid" and form.cleaned_data.get("other"):
                    item["other"] = True
                question["items"].append(item)
        for name in ("allow_dont_know", "allow_not_relevant"):
            if name in has and data.get(name):
                question[name] = True
        for name in ("min_choices", "max_choices", "rank", "max_length"):
            if name in has and data.get(name) is not None:
                question[name] = data[name]
        for name in ("min", "max"):
            if name in has and data.get(name) is not None:
                question[name] = _number(data[name])
        if "unit" in has and self.form.texts_of("unit"):
            question["unit"] = self.form.texts_of("unit")
        if "scale" in has:
            scale: dict[str, Any] = {}
            if data.get("scale_min") is not None:
                scale["min"] = data["scale_min"]
            if data.get("scale_max") is not None:
                scale["max"] = data["scale_max"]
            for name in ("min_label", "max_label"):
                if self.form.texts_of(f"scale_{name}"):
                    scale[name] = self.form.texts_of(f"scale_{name}")
            labels = self._scale_labels(data)
            if labels:
                scale["labels"] = labels
            if scale:
                question["scale"] = scale
        if "checks" in has:
            checks = [c for c in (form.build() for form in self.checks) if c]
            if checks:
                question["checks"] = checks
        show_if = self.routing.build(self.kinds)
        if show_if:
            question["show_if"] = show_if
        return question

    def _scale_labels(self, data: Mapping[str, Any]) -> list[dict[str, str]]:
        per_language = {
            lang: _point_lines(data.get(f"scale_labels_{lang}") or "") for lang, _l in LANGUAGES
        }
        count = max((len(v) for v in per_language.values()), default=0)
        if not per_language["nb"]:
            return []
        return [
            {lang: lines[i] for lang, lines in per_language.items() if i < len(lines) and lines[i]}
            for i in range(count)
        ]

    def _build_texts(self) -> dict:
        question = dict(self.question)
        for name in ("text", "help", "unit"):
            texts = self.form.texts_of(name)
            if texts:
                question[name] = texts
            else:
                question.pop(name, None)
        question["options"] = [
            {**option, "label": form.texts_of("label")}
            for option, form in zip(self.question.get("options", []), self.options, strict=False)
        ]
        question["items"] = [
            {**item, "label": form.texts_of("label")}
            for item, form in zip(self.question.get("items", []), self.items, strict=False)
        ]
        checks = []
        for check, form in zip(self.question.get("checks", []), self.checks, strict=False):
            check = {k: v for k, v in check.items() if k != "message"}
            if form.texts_of("message"):
                check["message"] = form.texts_of("message")
            checks.append(check)
        question["checks"] = checks
        if "scale" in question:
            scale = {
                k: v
                for k, v in question["scale"].items()
                if k not in ("min_label", "max_label", "labels")
            }
            for name in ("min_label", "max_label"):
                if self.form.texts_of(f"scale_{name}"):
                    scale[name] = self.form.texts_of(f"scale_{name}")
            labels = self._scale_labels(self.form.cleaned_data)
            if labels:
                scale["labels"] = labels
            question["scale"] = scale
        for name in ("options", "items", "checks"):
            if not question[name] and name not in self.question:
                del question[name]
        return question

    # --- problems of the whole definition, back at their fields ---------------------------

    def attach_problems(self, problems: Iterable[Problem], at: tuple) -> None:
        """Each problem inside the question at ``at`` ((\"sections\", s, \"questions\", q)) next to
        its field; the others listed above the form."""
        for problem in problems:
            path = tuple(problem.path)
            if path[: len(at)] == at and self._attach(path[len(at) :], problem):
                continue
            self.problems.append(problem_in_words(problem))
        self.mark_errors()

    def _attach(self, below: tuple, problem: Problem) -> bool:
        message = problem_in_words(problem, with_place=False)
        lang = problem.language or "nb"
        if not below:
            return False
        head = below[0]
        if head in ("text", "help", "unit") and f"{head}_{lang}" in self.form.fields:
            self.form.add_error(f"{head}_{lang}", message)
            return True
        if head == "scale":
            name = below[1] if len(below) > 1 else "min"
            target = {
                "min": "scale_min",
                "max": "scale_max",
                "min_label": f"scale_min_label_{lang}",
                "max_label": f"scale_max_label_{lang}",
                "labels": f"scale_labels_{lang}",
            }.get(str(name), "scale_min")
            if target in self.form.fields:
                self.form.add_error(target, message)
                return True
            return False
        if head in ("options", "items", "checks"):
            rows = (
                {
                    "options": [f for _i, f in self._kept_options()],
                    "items": [f for _i, f in self._kept_items()],
                    "checks": [f for f in self.checks if f.build()],
                }[head]
                if not self.texts_only
                else list(getattr(self, head))
            )
            if len(below) >= 2 and isinstance(below[1], int) and below[1] < len(rows):
                form = rows[below[1]]
                name = str(below[2]) if len(below) >= 3 else ""
                if name in ("label", "message"):
                    name = f"{name}_{lang}"
                if (
                    name in ("last_year", "min_ratio", "max_ratio", "key_figure")
                    and name not in form.fields
                ):
                    name = ""
                form.add_error(name if name in form.fields else None, message)
                return True
            formset = getattr(self, head)
            formset.forms[0].add_error(None, message) if formset.forms else None
            return bool(formset.forms)
        if head == "show_if":
            return self.routing.attach(below[1:], message)
        if head in self.form.fields:
            self.form.add_error(head, message)
            return True
        return False

    @property
    def non_field_errors(self) -> list[str]:
        return [*self.problems, *self.form.non_field_errors()]


def _check_initial(check: Mapping[str, Any]) -> dict:
    initial: dict[str, Any] = {
        "kind": "last_year" if "last_year" in check else "key_figure",
        **{
            k: check[k] for k in ("last_year", "key_figure", "max_ratio", "min_ratio") if k in check
        },
    }
    for lang, _l in LANGUAGES:
        initial[f"message_{lang}"] = (check.get("message") or {}).get(lang, "")
    return initial


class RoutingPart:
    """The attribute conditions and the answer rules of a section or question."""

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        show_if: Mapping[str, Any],
        earlier: Iterable[Mapping[str, Any]],
        prefix: str,
        regions: Mapping[str, str] | None = None,
    ):
        existing = list(show_if.get("answers", []))
        subjects, groups = routing_subjects(earlier, existing)
        self.form = RoutingForm(data, prefix=prefix, regions=regions)
        self.form.initial_from(show_if)
        self.rules = RuleFormSet(
            data,
            initial=[_rule_initial(r) for r in existing],
            prefix=f"{prefix}-rules",
            form_kwargs={"subjects": subjects, "value_choices": groups},
        )
        self.has_subjects = bool(subjects)

    def is_valid(self) -> bool:
        return self.form.is_valid() & self.rules.is_valid()

    def build(self, kinds: Mapping[str, str]) -> dict:
        rules = [r for r in (form.build(kinds) for form in self.rules) if r]
        return self.form.build(rules)

    def kept_rules(self) -> list[RuleForm]:
        return [form for form in self.rules if not form.is_blank]

    def attach(self, below: tuple, message: str) -> bool:
        if not below:
            self.form.add_error(None, message)
            return True
        if below[0] == "answers" and len(below) >= 2 and isinstance(below[1], int):
            kept = self.kept_rules()
            if below[1] < len(kept):
                field = {
                    "question": "subject",
                    "in": "values",
                    "not_in": "values",
                    "item": "subject",
                }.get(str(below[2]) if len(below) > 2 else "")
                kept[below[1]].add_error(field, message)
                return True
        if below[0] in self.form.fields:
            self.form.add_error(str(below[0]), message)
            return True
        self.form.add_error(None, message)
        return True


def _rule_initial(rule: Mapping[str, Any]) -> dict:
    subject = rule["question"] + (f":{rule['item']}" if rule.get("item") else "")
    if "answered" in rule:
        operator = "answered" if rule["answered"] else "unanswered"
    else:
        operator = "in" if "in" in rule else "not_in"
    values = (
        [
            f"{subject}|{'yes' if v is True else 'no' if v is False else v}"
            for v in rule.get(operator, [])
        ]
        if operator in ("in", "not_in")
        else []
    )
    return {
        "subject": subject,
        "operator": operator,
        "values": values,
        "if_unanswered": rule.get("if_unanswered", ""),
    }


class SectionForm(EditorForm):
    key = forms.RegexField(
        label=gettext_lazy("Key"),
        regex=r"^[a-z][a-z0-9_]{0,59}$",
        max_length=60,
        error_messages={
            "invalid": gettext_lazy("Use lowercase letters, digits and _, starting with a letter.")
        },
    )

    def __init__(self, *args, texts_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_text("title", _("Title"), required=True)
        self.add_text("intro", _("Introduction"), textarea=True, placeholders=PLACEHOLDERS)
        if texts_only:
            del self.fields["key"]


class EditionTextsForm(EditorForm):
    """The edition's own title and introduction, in every language (texts only: allowed in an
    opened edition too)."""

    def __init__(self, *args, edition_texts: Mapping[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_text("title", _("Title"), required=True)
        self.add_text("intro", _("Introduction on the survey's front page"), textarea=True)
        for name in ("title", "intro"):
            self.set_text_initial(name, (edition_texts or {}).get(name))

    def attach_problems(self, problems: Iterable[Problem]) -> list[str]:
        """Each problem of the title or intro at its input; the others, in words, returned."""
        rest = []
        for problem in problems:
            path = tuple(problem.path)
            name = f"{path[0]}_{problem.language or 'nb'}" if path else ""
            if path and path[0] in ("title", "intro") and name in self.fields:
                self.add_error(name, problem_in_words(problem, with_place=False))
            else:
                rest.append(problem_in_words(problem))
        self.mark_errors()
        return rest


class SectionEditor:
    """The section form and its routing."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        section: Mapping[str, Any] | None = None,
        earlier: Iterable[Mapping[str, Any]] = (),
        texts_only: bool = False,
        regions: Mapping[str, str] | None = None,
    ):
        self.section = dict(section or {})
        self.texts_only = texts_only
        self.form = SectionForm(
            data,
            initial={"key": self.section.get("key", "")},
            texts_only=texts_only,
            prefix="section",
        )
        self.form.set_text_initial("title", self.section.get("title"))
        self.form.set_text_initial("intro", self.section.get("intro"))
        self.earlier = list(earlier)
        self.routing = RoutingPart(
            data,
            show_if=self.section.get("show_if") or {},
            earlier=self.earlier,
            prefix="section-route",
            regions=regions,
        )
        self.problems: list[str] = []

    def parts(self) -> list:
        return (
            [self.form] if self.texts_only else [self.form, self.routing.form, *self.routing.rules]
        )

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        if not self.texts_only:
            valid = self.routing.is_valid() and valid
        for part in self.parts():
            part.mark_errors()
        return valid

    def build(self) -> dict:
        section: dict[str, Any] = {
            "key": self.section.get("key", "")
            if self.texts_only
            else self.form.cleaned_data["key"],
            "title": self.form.texts_of("title"),
        }
        if self.form.texts_of("intro"):
            section["intro"] = self.form.texts_of("intro")
        if self.texts_only:
            if self.section.get("show_if"):
                section["show_if"] = self.section["show_if"]
        else:
            show_if = self.routing.build({q["key"]: q["type"] for q in self.earlier})
            if show_if:
                section["show_if"] = show_if
        return section

    def attach_problems(
        self, problems: Iterable[Problem], at: tuple, question: QuestionEditor | None = None
    ) -> None:
        for problem in problems:
            path = tuple(problem.path)
            below = path[len(at) :] if path[: len(at)] == at else None
            if below is not None and below and below[0] in ("title", "intro", "key"):
                name = below[0] if below[0] == "key" else f"{below[0]}_{problem.language or 'nb'}"
                if name in self.form.fields:
                    self.form.add_error(name, problem_in_words(problem, with_place=False))
                    continue
            if (
                below is not None
                and below
                and below[0] == "show_if"
                and self.routing.attach(below[1:], problem_in_words(problem, with_place=False))
            ):
                continue
            if question is not None and below is not None and below[:1] == ("questions",):
                question.attach_problems([problem], (*at, "questions", 0))
                continue
            self.problems.append(problem_in_words(problem))
        for part in self.parts():
            part.mark_errors()

    @property
    def non_field_errors(self) -> list[str]:
        return [*self.problems, *self.form.non_field_errors()]


# --- parse_definition's problems, in the checker's words -------------------------------------------

_LANGUAGE_NAMES = {
    "nb": gettext_lazy("bokmål"),
    "nn": gettext_lazy("nynorsk"),
    "en": gettext_lazy("English"),
}


def problem_in_words(problem: Problem, *, with_place: bool = True) -> str:
    """The problem next to its field or above the form, naming the question (or section) by its
    key where ``with_place``. The checker words its messages in the active language."""
    text = problem.message
    if problem.language and problem.language != "nb":
        text = f"{text} ({_LANGUAGE_NAMES.get(problem.language, problem.language)})"
    if not with_place:
        return text
    if problem.question:
        return _("Question “%(key)s”: %(message)s") % {"key": problem.question, "message": text}
    if problem.section:
        return _("Section “%(key)s”: %(message)s") % {"key": problem.section, "message": text}
    return text


class MoveQuestionForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", gettext_lazy("Up")), ("down", gettext_lazy("Down"))], required=False
    )
    to_section = forms.ChoiceField(label=gettext_lazy("Move to section"), required=False)

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_section"].choices = [("", "–"), *sections]

    def clean(self):
        data = super().clean()
        if not data.get("direction") and not data.get("to_section"):
            raise forms.ValidationError(_("Say where the question should go."))
        return data


class MoveSectionForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", gettext_lazy("Up")), ("down", gettext_lazy("Down"))]
    )


class TypeChoiceForm(forms.Form):
    type = forms.ChoiceField(
        label=gettext_lazy("Type of question"),
        choices=[(t, TYPE_NAMES[t]) for t in TYPES],
        widget=forms.RadioSelect,
    )


class MissingFilterForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Missing"),
        choices=[
            ("", gettext_lazy("Nynorsk or English")),
            ("nn", gettext_lazy("Nynorsk")),
            ("en", "English"),
        ],
        required=False,
    )
