"""Definitions in words for the directorate's pages: a routing rule (``show_if``) as sentences,
an answer value by its label, and the diff page's summary line."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from portal.municipalities.models import Municipality
from surveys.editions.diff import DefinitionDiff, RoutingChange, Summary, TextChange
from surveys.models import SettlementCategory, localized
from surveys.respondent.context import OrgContext

QUESTION_TYPES = {
    "yes_no": gettext_noop("Yes/no"),
    "single": gettext_noop("One option"),
    "multi": gettext_noop("Several options"),
    "rank": gettext_noop("Ranking"),
    "integer": gettext_noop("Whole number"),
    "percent": gettext_noop("Percentage"),
    "scale": gettext_noop("Scale"),
    "scale_grid": gettext_noop("Scale for each item"),
    "yes_no_grid": gettext_noop("Yes/no for each item"),
    "text": gettext_noop("Short text"),
    "textarea": gettext_noop("Long text"),
}


def type_name(kind: str) -> str:
    """A question type in words (the type's key when it is not known)."""
    name = QUESTION_TYPES.get(kind)
    return _(name) if name else kind


def value_name(question: Mapping[str, Any] | None, value: Any) -> str:
    """An answer value in words: the option's (or item's) label, yes, no, don't know…"""
    if question:
        for entry in [*question.get("options", []), *question.get("items", [])]:
            if str(entry.get("key")) == str(value):
                return localized(entry.get("label")) or str(value)
    words = {
        "yes": _("Yes"),
        "no": _("No"),
        "dont_know": _("Don't know"),
        "not_relevant": _("Not relevant"),
    }
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    return words.get(str(value), str(value))


def either(words: Sequence[str]) -> str:
    """«a», «a or b», «a, b or c»."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return _("%(first)s or %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def question_name(key: str, questions: Mapping[str, Mapping[str, Any]]) -> str:
    """A question by its key and text: ``has_plan («Har kommunen en plan?»)``."""
    question = questions.get(key)
    text = localized(question.get("text")) if question else ""
    return f"{key} («{text}»)" if text else key


@dataclass(frozen=True)
class Condition:
    """One condition of a rule in words; ``holds`` says whether an organisation's attribute
    meets it (None for a condition on an answer, or when no organisation is given)."""

    attribute: str  # settlement_category | kind | region | answer
    text: str
    holds: bool | None = None


def conditions(
    show_if: Mapping[str, Any] | None,
    questions: Mapping[str, Mapping[str, Any]],
    *,
    regions: Mapping[str, str] | None = None,
    org: OrgContext | None = None,
) -> list[Condition]:
    """Every condition of ``show_if``, in words (empty: shown to everyone).

    ``questions`` are the edition's question definitions by key (for their texts and option
    labels), ``regions`` region names by code, ``org`` the organisation to check attributes for.
    """
    show_if = show_if or {}
    regions = regions or {}
    out: list[Condition] = []
    categories = dict(SettlementCategory.choices)
    kinds = dict(Municipality.Kind.choices)
    if "settlement_category" in show_if:
        values = show_if["settlement_category"]
        out.append(
            Condition(
                "settlement_category",
                _("the settlement category is %(values)s")
                % {"values": either([f"«{categories.get(v, v)}»" for v in values])},
                None if org is None else org.settlement_category in values,
            )
        )
    if "kind" in show_if:
        values = show_if["kind"]
        out.append(
            Condition(
                "kind",
                _("the organisation is a %(values)s")
                % {"values": either([str(kinds.get(v, v)).lower() for v in values])},
                None if org is None else org.kind in values,
            )
        )
    if "region" in show_if:
        values = show_if["region"]
        out.append(
            Condition(
                "region",
                _("the IMDi region is %(values)s")
                % {"values": either([regions.get(v, v) for v in values])},
                None if org is None else org.region in values,
            )
        )
    for rule in show_if.get("answers", []):
        out.append(Condition("answer", _answer_rule(rule, questions)))
    return out


def _answer_rule(rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]) -> str:
    key = rule.get("question", "")
    question = questions.get(key)
    name = question_name(key, questions)
    if rule.get("item"):
        name = _("item «%(item)s» of %(question)s") % {
            "item": value_name(question, rule["item"]),
            "question": name,
        }
    if "answered" in rule:
        text = (
            _("%(question)s is answered") if rule["answered"] else _("%(question)s is unanswered")
        ) % {"question": name}
    else:
        values = either([value_name(question, v) for v in rule.get("in", rule.get("not_in", []))])
        if "in" in rule:
            text = _("the answer to %(question)s is %(values)s")
        else:
            text = _("the answer to %(question)s is not %(values)s")
        text = text % {"question": name, "values": values}
    if rule.get("if_unanswered") == "show":
        text += " " + _("(shown while it is unanswered)")
    elif rule.get("if_unanswered") == "hide":
        text += " " + _("(hidden while it is unanswered)")
    return text


def describe_show_if(
    show_if: Mapping[str, Any] | None,
    questions: Mapping[str, Mapping[str, Any]],
    regions: Mapping[str, str] | None = None,
) -> list[str]:
    """The rule as sentences, one per condition (all must hold); empty: shown to everyone."""
    return [c.text for c in conditions(show_if, questions, regions=regions)]


def setting_text(value: Any) -> str:
    """A question setting's value in words (a text in the active language, a list as JSON)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict) and value and set(value) <= {"nb", "nn", "en"}:
        return localized(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def summary_text(summary: Summary) -> str:
    """«4 new questions, 1 removed, 6 reworded, 1 new type, 3 options mapped»."""
    parts = [
        (summary.added, ngettext("%(n)s new question", "%(n)s new questions", summary.added)),
        (
            summary.removed,
            ngettext("%(n)s question removed", "%(n)s questions removed", summary.removed),
        ),
        (
            summary.reworded,
            ngettext("%(n)s question reworded", "%(n)s questions reworded", summary.reworded),
        ),
        (
            summary.translated,
            ngettext("%(n)s question translated", "%(n)s questions translated", summary.translated),
        ),
        (summary.retyped, ngettext("%(n)s new type", "%(n)s new types", summary.retyped)),
        (
            summary.moved,
            ngettext(
                "%(n)s moved to another section", "%(n)s moved to another section", summary.moved
            ),
        ),
        (
            summary.routing,
            ngettext("%(n)s routing rule changed", "%(n)s routing rules changed", summary.routing),
        ),
        (
            summary.options_added,
            ngettext("%(n)s option added", "%(n)s options added", summary.options_added),
        ),
        (
            summary.options_removed,
            ngettext("%(n)s option removed", "%(n)s options removed", summary.options_removed),
        ),
        (
            summary.options_relabelled,
            ngettext(
                "%(n)s option relabelled", "%(n)s options relabelled", summary.options_relabelled
            ),
        ),
        (
            summary.options_mapped,
            ngettext("%(n)s option mapped", "%(n)s options mapped", summary.options_mapped),
        ),
        (
            summary.settings,
            ngettext(
                "%(n)s with changed settings", "%(n)s with changed settings", summary.settings
            ),
        ),
        (
            summary.sections_added,
            ngettext("%(n)s new section", "%(n)s new sections", summary.sections_added),
        ),
        (
            summary.sections_removed,
            ngettext("%(n)s section removed", "%(n)s sections removed", summary.sections_removed),
        ),
    ]
    words = [text % {"n": count} for count, text in parts if count]
    return ", ".join(words) if words else _("No changes.")


def _option_word(label: Mapping[str, str], key: str, question: Mapping[str, Any] | None) -> str:
    shown = localized(label) if label else value_name(question, key)
    return f"{shown} ({key})" if shown != key else key


@dataclass(frozen=True)
class SectionWords:
    title: str
    rules: tuple[list[str], list[str]] | None = None


@dataclass(frozen=True)
class QuestionWords:
    """One question of a diff in the reader's language, for the page."""

    text: str
    rules: tuple[list[str], list[str]] | None = None
    retyped: tuple[str, str] | None = None
    moved_from: str = ""
    settings: tuple[tuple[str, str, str], ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    relabelled: tuple[tuple[str, tuple[TextChange, ...]], ...] = ()
    translated: tuple[str, ...] = ()  # option keys, with the languages added or dropped
    mapped: tuple[tuple[str, str], ...] = ()


def diff_words(
    diff: DefinitionDiff,
    old_definition: Mapping[str, Any],
    new_definition: Mapping[str, Any],
    regions: Mapping[str, str] | None = None,
) -> dict[str, SectionWords | QuestionWords]:
    """The diff's sections (``section:<key>``) and questions (by key) in words; each rule is
    read with its own edition's questions."""

    def by_key(definition: Mapping[str, Any]) -> dict[str, dict]:
        return {q["key"]: q for s in definition.get("sections", []) for q in s.get("questions", [])}

    old_questions, new_questions = by_key(old_definition), by_key(new_definition)

    def rules(change: RoutingChange | None) -> tuple[list[str], list[str]] | None:
        if change is None:
            return None
        return (
            describe_show_if(change.old, old_questions, regions),
            describe_show_if(change.new, new_questions, regions),
        )

    out: dict[str, SectionWords | QuestionWords] = {}
    for section in diff.sections:
        out[f"section:{section.key}"] = SectionWords(
            localized(section.title) or section.key, rules(section.routing)
        )
        for q in section.questions:
            old, new = q.old or {}, q.new or {}
            out[q.key] = QuestionWords(
                text=localized(q.text),
                rules=rules(q.routing),
                retyped=(type_name(q.retyped[0]), type_name(q.retyped[1])) if q.retyped else None,
                moved_from=localized(q.moved_from_title) or q.moved_from,
                settings=tuple(
                    (s.name, setting_text(s.old), setting_text(s.new)) for s in q.settings
                ),
                added=tuple(_option_word(o.label, o.key, new) for o in q.options_that("added")),
                removed=tuple(_option_word(o.label, o.key, old) for o in q.options_that("removed")),
                relabelled=tuple((o.key, o.texts) for o in q.options_that("relabelled")),
                translated=tuple(
                    f"{o.key} ({', '.join(t.language for t in o.texts)})"
                    for o in q.options_that("translated")
                ),
                mapped=tuple(
                    (_option_word(o.label, o.key, old), _option_word(o.target_label, o.target, new))
                    for o in q.options_that("mapped")
                ),
            )
    return out
