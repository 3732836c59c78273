"""Which sections and questions an organisation sees, given its attributes and its answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from surveys.respondent.context import OrgContext


def attributes_match(show_if: Mapping[str, Any], org: OrgContext) -> bool:
    if (
        "settlement_category" in show_if
        and org.settlement_category not in show_if["settlement_category"]
    ):
        return False
    if "kind" in show_if and org.kind not in show_if["kind"]:
        return False
    return not ("region" in show_if and org.region not in show_if["region"])


def _rule_holds(rule: Mapping[str, Any], value: Any) -> bool:
    """Whether one ``show_if.answers`` rule holds for the earlier question's value.

    A rule with ``item`` looks at that item of a battery ({item: "yes"|"no"|"dont_know"}).
    When the earlier question is unanswered (or hidden, which ``value`` None also stands for),
    ``if_unanswered`` says what the rule says: "show" holds, "hide" does not; without it an
    ``in`` rule does not hold and a ``not_in`` rule does.
    """
    if "item" in rule:
        value = value.get(rule["item"]) if isinstance(value, dict) else None
    answered = value is not None and value != "" and value != [] and value != {}
    if "answered" in rule:
        return answered is rule["answered"]
    if not answered:
        if "if_unanswered" in rule:
            return rule["if_unanswered"] == "show"
        return "not_in" in rule
    values = value if isinstance(value, list) else [value]
    listed = rule.get("in", rule.get("not_in", []))
    numbers = {float(x) for x in listed if isinstance(x, int | float) and not isinstance(x, bool)}
    hit = any(v in listed or (isinstance(v, int | float) and float(v) in numbers) for v in values)
    return hit if "in" in rule else not hit


def visible_questions(
    sections: Iterable[Any], questions: Iterable[Any], org: OrgContext, answers: Mapping[str, Any]
) -> tuple[set[str], set[str]]:
    """(visible section keys, visible question keys).

    Sections and questions are taken in document order; a rule that looks at a hidden question
    sees no answer. ``answers`` maps question key to its stored value.
    """
    by_section: dict[int, list[Any]] = {}
    for question in sorted(questions, key=lambda q: q.position):
        by_section.setdefault(question.section_id, []).append(question)
    visible_sections: set[str] = set()
    visible: set[str] = set()
    for section in sorted(sections, key=lambda s: s.position):
        rules = section.show_if or {}
        if not (attributes_match(rules, org) and _answers_hold(rules, answers, visible)):
            continue
        visible_sections.add(section.key)
        for question in by_section.get(section.pk, []):
            rules = question.show_if or {}
            if attributes_match(rules, org) and _answers_hold(rules, answers, visible):
                visible.add(question.key)
    return visible_sections, visible


def rule_questions(sections: Iterable[Any], questions: Iterable[Any]) -> set[str]:
    """The keys of the questions whose answers some ``show_if`` rule of ``sections`` or
    ``questions`` looks at: the only answers ``visible_questions`` needs the values of."""
    keys: set[str] = set()
    for holder in [*sections, *questions]:
        for rule in (holder.show_if or {}).get("answers", []):
            keys.add(rule["question"])
    return keys


def _answers_hold(
    show_if: Mapping[str, Any], answers: Mapping[str, Any], visible: set[str]
) -> bool:
    for rule in show_if.get("answers", []):
        key = rule["question"]
        value = answers.get(key) if key in visible else None
        if not _rule_holds(rule, value):
            return False
    return True


def reachable_questions(
    sections: Iterable[Any], questions: Iterable[Any], org: OrgContext
) -> tuple[set[str], set[str]]:
    """(section keys, question keys) the organisation is shown for some answers: its attributes
    match, and every rule on an answer looks at a question it can be shown, or holds when that
    question is unanswered (as a question it is never shown stays). For a blank questionnaire."""
    by_section: dict[int, list[Any]] = {}
    for question in sorted(questions, key=lambda q: q.position):
        by_section.setdefault(question.section_id, []).append(question)
    reachable_sections: set[str] = set()
    reachable: set[str] = set()

    def possible(show_if: Mapping[str, Any]) -> bool:
        return attributes_match(show_if, org) and all(
            rule["question"] in reachable or _rule_holds(rule, None)
            for rule in show_if.get("answers", [])
        )

    for section in sorted(sections, key=lambda s: s.position):
        if not possible(section.show_if or {}):
            continue
        reachable_sections.add(section.key)
        for question in by_section.get(section.pk, []):
            if possible(question.show_if or {}):
                reachable.add(question.key)
    return reachable_sections, reachable
