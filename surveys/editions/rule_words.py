"""A routing rule (``show_if``) in words, for the questionnaire editor and its overview.

``rule_in_words({"answers": [{"question": "has_office", "in": ["yes"]}]}, questions)`` reads
«Vises når «Har kommunen eget boligkontor?» er Ja». ``questions`` maps a question key to the
question as the definition has it (texts as {language: text}).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import localized

REGION_NAMES = {
    "ost": "Øst",
    "indre-ostland": "Indre Østland",
    "sor": "Sør",
    "vest": "Vest",
    "midt-norge": "Midt-Norge",
    "nord": "Nord",
}
CATEGORY_WORDS = {
    "settles": gettext_lazy("that settle refugees"),
    "first_time": gettext_lazy("that settle for the first time"),
    "does_not_settle": gettext_lazy("that do not settle refugees"),
}
RESERVED_WORDS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "dont_know": gettext_lazy("Don't know"),
    "not_relevant": gettext_lazy("Not relevant"),
}


def _or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s or %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def value_in_words(question: Mapping[str, Any] | None, value: Any) -> str:
    """One answer value as the respondent sees it: an option's label, Ja/Nei, a scale point."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if question is not None:
        for option in question.get("options", []):
            if option.get("key") == value:
                return localized(option.get("label"))
        labels = (question.get("scale") or {}).get("labels")
        low = (question.get("scale") or {}).get("min", 1)
        if labels and isinstance(value, int) and 0 <= value - low < len(labels):
            return f"{value} ({localized(labels[value - low])})"
    if isinstance(value, str) and value in RESERVED_WORDS:
        return str(RESERVED_WORDS[value])
    return str(value)


def _subject(rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]) -> str:
    question = questions.get(rule.get("question", ""))
    text = localized(question.get("text")) if question else rule.get("question", "")
    subject = f"«{text}»"
    item_key = rule.get("item")
    if item_key:
        items = question.get("items", []) if question else []
        label = next((localized(i.get("label")) for i in items if i.get("key") == item_key), "")
        subject = f"«{text}» – «{label or item_key}»"
    return subject


def answer_rule_in_words(
    rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]
) -> str:
    """«…» er Ja; «…» er ikke Nei eller ubesvart; «…» er besvart."""
    subject = _subject(rule, questions)
    question = questions.get(rule.get("question", ""))
    if question is not None and rule.get("item"):
        question = {**question, "options": []}
    if "answered" in rule:
        if rule["answered"]:
            return _("%(question)s is answered") % {"question": subject}
        return _("%(question)s is unanswered") % {"question": subject}
    unanswered = rule.get("if_unanswered")
    if "in" in rule:
        values = _or([value_in_words(question, v) for v in rule["in"]])
        if unanswered == "show":
            return _("%(question)s is %(values)s or unanswered") % {
                "question": subject,
                "values": values,
            }
        return _("%(question)s is %(values)s") % {"question": subject, "values": values}
    values = _or([value_in_words(question, v) for v in rule.get("not_in", [])])
    if unanswered == "hide":
        return _("%(question)s is answered and is not %(values)s") % {
            "question": subject,
            "values": values,
        }
    return _("%(question)s is not %(values)s or unanswered") % {
        "question": subject,
        "values": values,
    }


def rule_in_words(
    show_if: Mapping[str, Any] | None, questions: Mapping[str, Mapping[str, Any]]
) -> str:
    """The whole rule as one sentence; "" when there is none (always shown)."""
    if not show_if:
        return ""
    kinds = show_if.get("kind") or []
    if set(kinds) == {"district"}:
        who = _("city districts")
    elif set(kinds) == {"municipality"}:
        who = _("municipalities")
    else:
        who = _("municipalities and city districts")
    attributes = [str(CATEGORY_WORDS.get(c, c)) for c in show_if.get("settlement_category") or []]
    whom = ""
    if kinds or attributes or show_if.get("region"):
        whom = who
        if attributes:
            whom = f"{whom} {_or(attributes)}"
        regions = [REGION_NAMES.get(r, r) for r in show_if.get("region") or []]
        if regions:
            whom = _("%(who)s in region %(regions)s") % {"who": whom, "regions": _or(regions)}
    conditions = [answer_rule_in_words(r, questions) for r in show_if.get("answers") or []]
    when = _and(conditions)
    if whom and when:
        return _("Shown for %(who)s when %(conditions)s") % {"who": whom, "conditions": when}
    if whom:
        return _("Shown for %(who)s") % {"who": whom}
    return _("Shown when %(conditions)s") % {"conditions": when}
