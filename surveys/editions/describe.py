"""A definition's diff in words for the directorate's diff page: question types, settings, the
summary line. Routing rules and answer values are said by ``rule_words``, as everywhere else."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from surveys.editions.definition import questions_by_key
from surveys.editions.diff import DefinitionDiff, RoutingChange, Summary, TextChange
from surveys.editions.rule_words import rule_in_words, value_in_words
from surveys.models import localized

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
    shown = localized(label) if label else value_in_words(question, key)
    return f"{shown} ({key})" if shown != key else key


@dataclass(frozen=True)
class SectionWords:
    title: str
    rules: tuple[str, str] | None = None


@dataclass(frozen=True)
class QuestionWords:
    """One question of a diff in the reader's language, for the page."""

    text: str
    rules: tuple[str, str] | None = None
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

    old_questions = questions_by_key(old_definition)
    new_questions = questions_by_key(new_definition)

    def rules(change: RoutingChange | None) -> tuple[str, str] | None:
        if change is None:
            return None
        return (
            rule_in_words(change.old, old_questions, regions),
            rule_in_words(change.new, new_questions, regions),
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
