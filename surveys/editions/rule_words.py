"""A routing rule (``show_if``) and an answer value in words: the one place that says them, for
the questionnaire editor, the diff page, the preview and the printed questionnaire.

``rule_in_words({"answers": [{"question": "has_office", "in": ["yes"]}]}, questions)`` reads
«Vises når «Har kommunen eget boligkontor?» er Ja». ``questions`` maps a question key to the
question as the definition has it (texts as {language: text}); ``regions`` maps a region code to
its name (``region_names()`` of the editor's selectors reads them in one query), and settlement
categories are named by ``SettlementCategory``'s labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.editions.definition import choice_label
from surveys.models import SettlementCategory, localized
from surveys.respondent.context import OrgContext

RESERVED_WORDS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "dont_know": gettext_lazy("Don't know"),
    "not_relevant": gettext_lazy("Not relevant"),
}


def either(words: Sequence[str]) -> str:
    """«a», «a or b», «a, b or c»."""
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s or %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def option_label(question: Mapping[str, Any] | None, key: Any) -> str:
    """The label of the question's option (or battery item) ``key`` in the active language;
    "" when the question has no such option or item."""
    return localized(choice_label(question or {}, key))


def value_in_words(question: Mapping[str, Any] | None, value: Any) -> str:
    """One answer value as the respondent sees it: an option's (or item's) label, Ja/Nei/Vet
    ikke, a scale point with its label; the value itself when nothing names it."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if question is not None:
        label = option_label(question, value)
        if label:
            return label
        scale = question.get("scale") or {}
        labels, low = scale.get("labels"), scale.get("min", 1)
        if labels and isinstance(value, int) and 0 <= value - low < len(labels):
            return f"{value} ({localized(labels[value - low])})"
    if isinstance(value, str) and value in RESERVED_WORDS:
        return str(RESERVED_WORDS[value])
    return str(value)


def _subject(
    rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]], limit: int = 0
) -> str:
    """«question text», or «question text» – «item label» for a battery's item; the text cut
    at a word to about ``limit`` characters («Kan kommunen skaffe …») when one is given."""
    question = questions.get(rule.get("question", ""))
    text = localized(question.get("text")) if question else ""
    if limit and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:?") + " …"
    subject = f"«{text or rule.get('question', '')}»"
    item_key = rule.get("item")
    if item_key:
        items = {"items": question.get("items", [])} if question else None
        subject = f"{subject} – «{option_label(items, item_key) or item_key}»"
    return subject


def _values_question(
    rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The question whose options name the rule's values: none for a battery's item, whose
    values are yes/no/don't know, never the items' own labels."""
    question = questions.get(rule.get("question", ""))
    if question is not None and rule.get("item"):
        return {}
    return question


def answer_rule_in_words(
    rule: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]
) -> str:
    """«…» er Ja; «…» er ikke Nei eller ubesvart; «…» er besvart."""
    subject = _subject(rule, questions)
    question = _values_question(rule, questions)
    if "answered" in rule:
        if rule["answered"]:
            return _("%(question)s is answered") % {"question": subject}
        return _("%(question)s is unanswered") % {"question": subject}
    unanswered = rule.get("if_unanswered")
    if "in" in rule:
        values = either([value_in_words(question, v) for v in rule["in"]])
        if unanswered == "show":
            return _("%(question)s is %(values)s or unanswered") % {
                "question": subject,
                "values": values,
            }
        return _("%(question)s is %(values)s") % {"question": subject, "values": values}
    values = either([value_in_words(question, v) for v in rule.get("not_in", [])])
    if unanswered == "hide":
        return _("%(question)s is answered and is not %(values)s") % {
            "question": subject,
            "values": values,
        }
    return _("%(question)s is not %(values)s or unanswered") % {
        "question": subject,
        "values": values,
    }


def _whom(show_if: Mapping[str, Any], regions: Mapping[str, str]) -> str:
    """Who the rule's attributes keep: «kommuner med bosettingskategori «…» i region Vest»."""
    kinds = set(show_if.get("kind") or [])
    if kinds == {"district"}:
        who = _("city districts")
    elif kinds == {"municipality"}:
        who = _("municipalities")
    else:
        who = _("municipalities and city districts")
    names = dict(SettlementCategory.choices)
    categories = [f"«{names.get(c, c)}»" for c in show_if.get("settlement_category") or []]
    if categories:
        who = _("%(who)s in the settlement category %(categories)s") % {
            "who": who,
            "categories": either(categories),
        }
    region_words = [regions.get(r, r) for r in show_if.get("region") or []]
    if region_words:
        who = _("%(who)s in region %(regions)s") % {"who": who, "regions": either(region_words)}
    return who


def rule_in_words(
    show_if: Mapping[str, Any] | None,
    questions: Mapping[str, Mapping[str, Any]],
    regions: Mapping[str, str] | None = None,
) -> str:
    """The whole rule as one sentence; "" when there is none (always shown)."""
    if not show_if:
        return ""
    has_whom = any(show_if.get(k) for k in ("kind", "settlement_category", "region"))
    whom = _whom(show_if, regions or {}) if has_whom else ""
    when = _and([answer_rule_in_words(r, questions) for r in show_if.get("answers") or []])
    if whom and when:
        return _("Shown for %(who)s when %(conditions)s") % {"who": whom, "conditions": when}
    if whom:
        return _("Shown for %(who)s") % {"who": whom}
    if when:
        return _("Shown when %(conditions)s") % {"conditions": when}
    return ""


@dataclass(frozen=True)
class Condition:
    """One condition of a rule as a sentence of its own; ``holds`` says whether an
    organisation's attribute meets it (None for a condition on an answer, or when no
    organisation is given)."""

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
    """Every condition of ``show_if`` (all must hold), each in the words ``rule_in_words``
    uses for it; empty: shown to everyone."""
    show_if = show_if or {}
    out: list[Condition] = []
    for attribute in ("settlement_category", "kind", "region"):
        if attribute in show_if:
            values = show_if[attribute]
            holds = None if org is None else getattr(org, attribute) in values
            text = rule_in_words({attribute: values}, questions, regions)
            out.append(Condition(attribute, text, holds))
    for rule in show_if.get("answers", []):
        out.append(Condition("answer", rule_in_words({"answers": [rule]}, questions)))
    return out


PAPER_SUBJECT_LENGTH = 60  # characters of an earlier question's text a printed rule quotes


def _numbered_subject(
    rule: Mapping[str, Any],
    questions: Mapping[str, Mapping[str, Any]],
    numbers: Mapping[str, str],
) -> str:
    """«text» as ``_subject`` says it, shortened after the question's number on paper when it
    has one (the reader can look the question up)."""
    number = numbers.get(rule.get("question", ""))
    subject = _subject(rule, questions, limit=PAPER_SUBJECT_LENGTH if number else 0)
    if not number:
        return subject
    return _("question %(number)s (%(question)s)") % {"number": number, "question": subject}


def _quoted(question: Mapping[str, Any] | None, values: Sequence[Any]) -> str:
    """«Ja», «Ja» or «Vet ikke»: values quoted, since an option's label may hold a comma."""
    return either([f"«{value_in_words(question, v)}»" for v in values])


def answer_rule_on_paper(
    rule: Mapping[str, Any],
    questions: Mapping[str, Mapping[str, Any]],
    numbers: Mapping[str, str] | None = None,
) -> str:
    """One rule on an earlier answer as an instruction to whoever fills in a printed
    questionnaire: «Besvares bare hvis du svarte Nei på spørsmål 3 («…»).»"""
    subject = _numbered_subject(rule, questions, numbers or {})
    if "answered" in rule:
        if rule["answered"]:
            return _("Answer only if you answered %(question)s.") % {"question": subject}
        return _("Answer only if you left %(question)s blank.") % {"question": subject}
    question = _values_question(rule, questions)
    unanswered = rule.get("if_unanswered")
    if "in" in rule:
        values = _quoted(question, rule["in"])
        if unanswered == "show":
            return _(
                "Answer only if you answered %(values)s to %(question)s, or left it blank."
            ) % {"question": subject, "values": values}
        return _("Answer only if you answered %(values)s to %(question)s.") % {
            "question": subject,
            "values": values,
        }
    values = _quoted(question, rule.get("not_in", []))
    if unanswered == "hide":
        return _(
            "Answer only if you answered %(question)s with something other than %(values)s."
        ) % {
            "question": subject,
            "values": values,
        }
    return _("Skip this if you answered %(values)s to %(question)s.") % {
        "question": subject,
        "values": values,
    }


def rule_on_paper(
    show_if: Mapping[str, Any] | None,
    questions: Mapping[str, Mapping[str, Any]],
    *,
    regions: Mapping[str, str] | None = None,
    numbers: Mapping[str, str] | None = None,
) -> list[str]:
    """The rule as sentences for a printed questionnaire, all of which must hold: who it is for
    («Bare for kommuner i bosettingskategorien «…».»), then one per earlier answer it follows.
    ``numbers`` maps a question key to its number on paper. Empty: for everyone."""
    show_if = show_if or {}
    sentences = []
    if any(show_if.get(k) for k in ("kind", "settlement_category", "region")):
        sentences.append(_("Only for %(who)s.") % {"who": _whom(show_if, regions or {})})
    for rule in show_if.get("answers") or []:
        sentences.append(answer_rule_on_paper(rule, questions, numbers))
    return sentences
