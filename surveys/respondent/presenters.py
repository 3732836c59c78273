"""Turn survey state into what the question templates render."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from portal.core.audit.models import AuditEntry
from portal.core.audit.presenters import ChangedValue, EntryView, pairs, shown
from surveys.models import Answer, Question, Response, localized
from surveys.respondent import questions as qtypes
from surveys.respondent.context import render_text
from surveys.respondent.selectors import (
    ChangeLogLookups,
    LastYear,
    SurveyState,
    entry_year_and_key,
)


@dataclass
class Choice:
    value: str
    label: str
    checked: bool
    other: bool = False
    input_id: str = ""


@dataclass
class QuestionView:
    question: Question
    text: str
    help: str
    value: Any
    other_text: str
    version: int
    fingerprint: str
    hidden: bool = False
    error: str = ""
    warning: str = ""
    explanation: str = ""
    confirmed: bool = False
    conflict: Any = None
    last_year: str = ""
    last_year_available: bool = False
    updated: str = ""
    choices: list[Choice] = field(default_factory=list)
    grid: list[dict] = field(default_factory=list)
    rank_places: list[dict] = field(default_factory=list)
    number_text: str = ""
    dont_know: bool = False
    comments: list = field(default_factory=list)
    grid_header: list[str] = field(default_factory=list)
    scale_labels: tuple[str, str] = ("", "")
    point_labels: list[tuple[str, str]] = field(default_factory=list)
    other_item: str = ""

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def name(self) -> str:
        return qtypes.field_name(self.question)

    @property
    def unit(self) -> str:
        return localized(self.question.config.get("unit"))

    @property
    def display(self) -> str:
        return qtypes.display(self.question, self.value, self.other_text)

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.name}-help")
        if self.error:
            ids.append(f"{self.name}-error")
        if self.warning:
            ids.append(f"{self.name}-warning")
        return " ".join(ids)


def _choices(question: Question, value: Any) -> list[Choice]:
    config = question.config
    chosen = value if isinstance(value, list) else [value]
    chosen = [str(c) for c in chosen]
    out: list[Choice] = []
    if question.type == "yes_no":
        out = [Choice("yes", _("Yes"), "yes" in chosen), Choice("no", _("No"), "no" in chosen)]
    elif question.type in ("single", "multi"):
        out = [
            Choice(o["key"], localized(o["label"]), o["key"] in chosen, bool(o.get("other")))
            for o in question.options
        ]
    elif question.type == "scale":
        scale = config.get("scale", {})
        low, high = scale.get("min", 1), scale.get("max", 5)
        for point in range(low, high + 1):
            label = str(point)
            if qtypes.scale_point_label(question, point):
                label = f"{point} – {qtypes.scale_point_label(question, point)}"
            elif point == low and scale.get("min_label"):
                label = f"{point} – {localized(scale['min_label'])}"
            elif point == high and scale.get("max_label"):
                label = f"{point} – {localized(scale['max_label'])}"
            out.append(Choice(str(point), label, str(point) in chosen))
    if config.get("allow_not_relevant") and question.type in ("single", "scale"):
        out.append(Choice(qtypes.NOT_RELEVANT, _("Not relevant"), qtypes.NOT_RELEVANT in chosen))
    if config.get("allow_dont_know") and question.type in ("yes_no", "single", "multi", "scale"):
        out.append(Choice(qtypes.DONT_KNOW, _("Don't know"), qtypes.DONT_KNOW in chosen))
    for index, choice in enumerate(out):
        choice.input_id = f"{qtypes.field_name(question)}-{index}"
    return out


def question_view(
    question: Question,
    state: SurveyState,
    *,
    last_year: LastYear | None = None,
    submitted: dict[str, tuple[Any, str]] | None = None,
    errors: dict[str, str] | None = None,
    conflicts: dict[str, Any] | None = None,
    warnings: dict[str, str] | None = None,
    raw: Any = None,
) -> QuestionView:
    """``raw``: the form data of a save that failed, so what the person typed is shown again."""
    answer: Answer | None = state.answers.get(question.key)
    stored_value = answer.value if answer else None
    stored_other = answer.other_text if answer else ""
    value, other = stored_value, stored_other
    if submitted and question.key in submitted:
        value, other = submitted[question.key]
    typed = _typed(question, raw) if raw is not None else None
    if typed is not None:
        value, other = typed
    conflict = (conflicts or {}).get(question.key)
    version = conflict.version if conflict else (answer.version if answer else 0)
    fingerprint = qtypes.fingerprint(stored_value, stored_other)
    if raw is not None and conflict is None and typed is not None:
        # Re-shown after a failed save: keep the version and fingerprint the page had, so
        # what the person typed is still compared with what a colleague may have saved since.
        with contextlib.suppress(TypeError, ValueError):
            version = int(raw.get(qtypes.field_name(question, "version"), version))
        fingerprint = raw.get(qtypes.field_name(question, "orig")) or fingerprint
    view = QuestionView(
        question=question,
        text=render_text(question.text, state.org.placeholders()),
        help=render_text(question.help, state.org.placeholders()),
        value=value,
        other_text=other,
        version=version,
        fingerprint=fingerprint,
        hidden=question.key not in state.visible,
        error=(errors or {}).get(question.key, ""),
        warning=(warnings or {}).get(question.key) or (answer.warning if answer else ""),
        explanation=answer.explanation if answer else "",
        confirmed=answer.confirmed if answer else False,
        conflict=conflict,
        comments=state.comments.get(question.pk, []),
    )
    if answer and answer.updated_by:
        view.updated = _("Last changed by %(name)s") % {"name": answer.updated_by}
    if last_year and question.key in last_year.answers:
        old_value, old_other = last_year.answers[question.key]
        view.last_year = qtypes.display(question, old_value, old_other)
        view.last_year_available = bool(view.last_year)
    _lay_out(view, question, value)
    if raw is not None and typed is not None:
        view.explanation = (raw.get(qtypes.field_name(question, "explanation")) or "").strip()
        view.confirmed = bool(raw.get(qtypes.field_name(question, "confirm")))
    return view


def blank_view(question: Question, placeholders: dict[str, Any]) -> QuestionView:
    """A question with no answer, laid out like the form's (options, grid rows, places), its
    texts filled in with ``placeholders``: for a blank questionnaire to print."""
    view = QuestionView(
        question=question,
        text=render_text(question.text, placeholders),
        help=render_text(question.help, placeholders),
        value=None,
        other_text="",
        version=0,
        fingerprint="",
    )
    _lay_out(view, question, None)
    return view


def _lay_out(view: QuestionView, question: Question, value: Any) -> None:
    """The parts of the view that follow from the question's type: its options, grid rows,
    ranking places and number field, with ``value`` marked."""
    view.choices = _choices(question, value)
    config = question.config
    if question.type == "yes_no_grid":
        answers = qtypes.yes_no_values(question)
        current = value if isinstance(value, dict) else {}
        view.grid = [
            {
                "key": item["key"],
                "label": localized(item["label"]),
                "name": qtypes.item_field(question, item["key"]),
                "other": bool(item.get("other")),
                "points": [
                    {
                        "value": answer,
                        "label": qtypes.yes_no_label(answer),
                        "checked": current.get(item["key"]) == answer,
                        "id": f"{qtypes.item_field(question, item['key'])}-{i}",
                    }
                    for i, answer in enumerate(answers)
                ],
            }
            for item in config["items"]
        ]
        view.grid_header = [qtypes.yes_no_label(a) for a in answers]
        view.other_item = next(
            (localized(i["label"]) for i in config["items"] if i.get("other")), ""
        )
    if question.type == "scale_grid":
        scale = config.get("scale", {})
        low, high = scale.get("min", 1), scale.get("max", 5)
        points = [str(p) for p in range(low, high + 1)]
        if config.get("allow_not_relevant"):
            points.append(qtypes.NOT_RELEVANT)
        current = value if isinstance(value, dict) else {}
        view.grid = [
            {
                "key": item["key"],
                "label": localized(item["label"]),
                "name": qtypes.field_name(question, item["key"]),
                "points": [
                    {
                        "value": p,
                        "checked": str(current.get(item["key"])) == p,
                        "id": f"{qtypes.field_name(question, item['key'])}-{i}",
                    }
                    for i, p in enumerate(points)
                ],
            }
            for item in config["items"]
        ]
        view.grid_header = [(_("Not relevant") if p == qtypes.NOT_RELEVANT else p) for p in points]
        view.scale_labels = (localized(scale.get("min_label")), localized(scale.get("max_label")))
        view.point_labels = [
            (str(p), qtypes.scale_point_label(question, p))
            for p in range(low, high + 1)
            if qtypes.scale_point_label(question, p)
        ]
    if question.type == "rank":
        ranked = value if isinstance(value, list) else []
        view.rank_places = [
            {
                "place": place,
                "name": qtypes.field_name(question, str(place)),
                "selected": ranked[place - 1] if place <= len(ranked) else "",
            }
            for place in range(1, config["rank"] + 1)
        ]
        view.choices = [
            Choice(o["key"], localized(o["label"]), False, bool(o.get("other")))
            for o in question.options
        ]
    if question.type in ("integer", "percent"):
        view.dont_know = value == qtypes.DONT_KNOW
        view.number_text = "" if value in (None, qtypes.DONT_KNOW) else str(value)


def _typed(question: Question, raw: Any) -> tuple[Any, str] | None:
    """What the person typed for this question, as a value the templates can show, or None."""
    prefix = qtypes.field_name(question)
    if not any(k == prefix or k.startswith(prefix + "-") for k in raw):
        return None
    other = raw.get(qtypes.field_name(question, "other")) or ""
    kind = question.type
    if kind == "multi":
        return list(raw.getlist(prefix)), other
    if kind == "rank":
        return [
            raw.get(qtypes.field_name(question, str(i))) or ""
            for i in range(1, question.config["rank"] + 1)
        ], other
    if kind in ("scale_grid", "yes_no_grid"):
        return {
            i["key"]: raw.get(qtypes.item_field(question, i["key"]))
            for i in question.config["items"]
        }, (other if kind == "yes_no_grid" else "")
    if kind in ("integer", "percent") and raw.get(qtypes.field_name(question, "dk")):
        return qtypes.DONT_KNOW, ""
    return raw.get(prefix) or None, other


# --- the organisation's change log -----------------------------------------------------------


def _answer_words(question: Question | None, value: Any) -> str:
    if value is None:
        return _("Not answered")
    if question is None:
        return str(value)
    try:
        return qtypes.display(question, value) or str(value)
    except (TypeError, ValueError, KeyError, AttributeError):
        # A value stored before the question's options or type changed: shown as stored.
        return str(value)


def _status_words(status: Any) -> str:
    try:
        return str(Response.Status(status).label)
    except ValueError:
        return shown("" if status is None else str(status))


def change_entry_view(entry: AuditEntry, lookups: ChangeLogLookups) -> EntryView:
    """A survey entry of the change log in words: the question in the reader's language, the
    edition it belongs to, and the values before and after as the respondent reads them."""
    year, key = entry_year_and_key(entry.object_label)
    survey = lookups.titles.get(year) if year else None
    survey = survey or (_("Survey %(year)s") % {"year": year} if year else _("Survey"))
    view = EntryView(entry=entry, kind="survey", action="", what="", context=survey)
    changes = {name: (old, new) for name, old, new in pairs(entry.changes)}
    if entry.action == "answer.save":
        question = lookups.questions.get((year, key)) if year else None
        old, new = next(iter(changes.values()), (None, None))
        if old is None:
            view.action = _("Answered")
        elif new is None:
            view.action = _("Answer removed")
        else:
            view.action = _("Answer changed")
        if question is not None:
            text = render_text(question.text, lookups.placeholders.get(year or 0, {}))
            view.what = text or key
            view.context = f"{survey} – {question.section.title_text}"
        else:
            view.what = key
        view.changes = [
            ChangedValue("", _answer_words(question, old), _answer_words(question, new))
        ]
    elif entry.action == "survey.assign":
        section = lookups.sections.get((year, key)) if year else None
        view.action = _("Section assigned")
        view.what = section.title_text if section is not None else key
        old, new = changes.get("assigned_to", (None, None))
        view.changes = [
            ChangedValue(_("Assigned to"), shown(old or _("nobody")), shown(new or _("nobody")))
        ]
    else:
        view.action = {
            "survey.submit": _("Answers submitted"),
            "survey.returned": _("Returned for correction by IMDi"),
            "survey.approved": _("Approved by IMDi"),
        }.get(entry.action, entry.action)
        view.what = _("The municipality's answers")
        old, new = changes.get("status", (None, None))
        view.changes = [ChangedValue(_("Status"), _status_words(old), _status_words(new))]
        discarded = changes.get("discarded_hidden_answers", (None, None))[1]
        if discarded:
            view.note = _("Answers to questions no longer shown were removed: %(n)s.") % {
                "n": discarded
            }
    return view
