"""Reads of the questionnaire editor: the edition's outline with its rules in words, the texts that
lack a translation, and the editor's change history. The outline and the missing texts are
computed from the edition's definition (no query); the region names and the history are one
query each."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import Region
from surveys.editions.definition import questions_by_key
from surveys.editions.rule_words import rule_in_words
from surveys.models import SurveyEdition, localized

EDITOR_ACTIONS = "survey.edit."


@dataclass(frozen=True)
class MissingText:
    """A text that has bokmål but lacks a language."""

    section: str
    question: str  # "" for the section's own texts
    field: str  # e.g. "text", "options[2].label"
    language: str
    bokmal: str


def _texts_of(holder: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict]]:
    for name in ("title", "intro", "text", "help", "unit", "label", "message"):
        value = holder.get(name)
        if isinstance(value, dict) and value.get("nb"):
            yield f"{prefix}{name}", value
    scale = holder.get("scale")
    if isinstance(scale, dict):
        for name in ("min_label", "max_label"):
            if isinstance(scale.get(name), dict):
                yield f"{prefix}scale.{name}", scale[name]
        for index, label in enumerate(scale.get("labels") or []):
            if isinstance(label, dict) and label.get("nb"):
                yield f"{prefix}scale.labels[{index}]", label
    for list_name in ("options", "items", "checks"):
        for index, entry in enumerate(holder.get(list_name) or []):
            if isinstance(entry, dict):
                yield from _texts_of(entry, f"{prefix}{list_name}[{index}].")


def missing_translations(definition: Mapping[str, Any], language: str = "") -> list[MissingText]:
    """Every text of the edition (its title and intro: section and question ""), its sections
    and its questions without nynorsk or English (or the one given)."""
    languages = [language] if language else ["nn", "en"]
    out = []
    own = {k: definition[k] for k in ("title", "intro") if definition.get(k)}
    for path, text in _texts_of(own):
        for lang in languages:
            if not (text.get(lang) or "").strip():
                out.append(MissingText("", "", path, lang, text["nb"]))
    for section in definition["sections"]:
        holders = [("", section)] + [(q["key"], q) for q in section["questions"]]
        for key, holder in holders:
            own = {k: v for k, v in holder.items() if k != "questions"}
            for path, text in _texts_of(own):
                for lang in languages:
                    if not (text.get(lang) or "").strip():
                        out.append(MissingText(section["key"], key, path, lang, text["nb"]))
    return out


@dataclass
class OutlineQuestion:
    key: str
    type: str
    text: str
    rule: str
    missing_nn: int
    missing_en: int
    position: int


@dataclass
class OutlineSection:
    key: str
    title: str
    rule: str
    questions: list[OutlineQuestion] = field(default_factory=list)
    missing_nn: int = 0
    missing_en: int = 0


def region_names() -> dict[str, str]:
    """IMDi's region names by code, for saying and picking a rule's regions (one query)."""
    return dict(Region.objects.values_list("code", "name"))


def edition_outline(
    definition: Mapping[str, Any], regions: Mapping[str, str] | None = None
) -> list[OutlineSection]:
    """Sections and questions in order, their rules in words and their missing translations."""
    questions = questions_by_key(definition)
    missing = missing_translations(definition)
    counts: dict[tuple[str, str, str], int] = {}
    for m in missing:
        for key in ((m.section, "", m.language), (m.section, m.question, m.language)):
            if key[1] or m.question == "":
                counts[key] = counts.get(key, 0) + 1
        if m.question:
            counts[(m.section, "*", m.language)] = counts.get((m.section, "*", m.language), 0) + 1
    out = []
    position = 0
    for section in definition["sections"]:
        s_key = section["key"]
        entry = OutlineSection(
            key=s_key,
            title=localized(section["title"]),
            rule=rule_in_words(section.get("show_if"), questions, regions),
            missing_nn=counts.get((s_key, "", "nn"), 0) + counts.get((s_key, "*", "nn"), 0),
            missing_en=counts.get((s_key, "", "en"), 0) + counts.get((s_key, "*", "en"), 0),
        )
        for question in section["questions"]:
            position += 1
            entry.questions.append(
                OutlineQuestion(
                    key=question["key"],
                    type=question["type"],
                    text=localized(question["text"]),
                    rule=rule_in_words(question.get("show_if"), questions, regions),
                    missing_nn=counts.get((s_key, question["key"], "nn"), 0),
                    missing_en=counts.get((s_key, question["key"], "en"), 0),
                    position=position,
                )
            )
        out.append(entry)
    return out


def earlier_questions(
    definition: Mapping[str, Any], *, before_key: str = "", section_index: int | None = None
) -> list[dict]:
    """The questions a rule may look at: those before the question ``before_key``, or (for a
    section, or a question added at the end of section ``section_index``) those before the end
    of that section (``section_index`` excluded for a section's own rule: pass it negative)."""
    out: list[dict] = []
    for s_index, section in enumerate(definition["sections"]):
        if section_index is not None and section_index < 0 and s_index >= -section_index - 1:
            break
        for question in section["questions"]:
            if before_key and question["key"] == before_key:
                return out
            out.append(question)
        if section_index is not None and section_index >= 0 and s_index == section_index:
            break
    return out


def edition_history(edition: SurveyEdition) -> QuerySet[AuditEntry]:
    """The editor's changes to the edition, newest first."""
    return (
        AuditEntry.objects.filter(
            object_type=SurveyEdition._meta.label,
            object_id=str(edition.pk),
            action__startswith=EDITOR_ACTIONS,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
