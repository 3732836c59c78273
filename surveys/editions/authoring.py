"""Writes of the questionnaire editor: sections and questions of an edition's definition, added,
changed, moved and removed one at a time.

Every change builds the whole new definition, checks it with ``parse_definition`` exactly as an
import does (nothing is saved when it fails: DefinitionError with every problem), stores it, brings
the edition's Section and Question rows in line with it, and writes one audit entry with the old
and new value of everything that changed.

An edition that has been opened (open or closed, launched, or with answers) keeps its structure:
only texts (in any language) may change, and its rows are updated in place, never deleted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core.audit.services import audit_log
from surveys.editions.definition import parse_definition
from surveys.editions.services import QUESTION_CONFIG_FIELDS
from surveys.models import Answer, Question, Section, SurveyEdition

# Fields of a question (or below it) that hold texts; everything else is structure.
TEXT_FIELDS = frozenset({"text", "help", "unit", "label", "title", "intro", "message"})
SCALE_TEXT_FIELDS = frozenset({"min_label", "max_label", "labels"})
RESERVED_TARGETS = ("dont_know", "not_relevant")
EXTRA_CONFIG_FIELDS = ("min_choices",)  # the shared format extension, stored like the others


class EditRefused(Exception):
    """The change is not allowed (an opened edition's structure); ``message`` says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class SeriesBreak(Exception):
    """The change breaks the question's time series; ``warnings`` say what breaks."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__(" ".join(warnings))


def is_opened(edition: SurveyEdition) -> bool:
    """Open or closed, launched, or answered: its structure is fixed."""
    return (
        edition.status != SurveyEdition.Status.DRAFT
        or edition.launched_at is not None
        or Answer.objects.filter(response__edition=edition).exists()
    )


def find_question(definition: Mapping[str, Any], key: str) -> tuple[int, int] | None:
    """(section index, question index) of the question with this key, or None."""
    for s_index, section in enumerate(definition["sections"]):
        for q_index, question in enumerate(section["questions"]):
            if question["key"] == key:
                return s_index, q_index
    return None


def find_section(definition: Mapping[str, Any], key: str) -> int | None:
    for s_index, section in enumerate(definition["sections"]):
        if section["key"] == key:
            return s_index
    return None


def structure(value: Any, parent: str = "") -> Any:
    """The value without its texts: what an opened edition must keep as it is."""
    if isinstance(value, dict):
        return {
            k: structure(v, k)
            for k, v in value.items()
            if k not in TEXT_FIELDS and not (parent == "scale" and k in SCALE_TEXT_FIELDS)
        }
    if isinstance(value, list):
        return [structure(v, parent) for v in value]
    return value


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        if not value and prefix:
            return {prefix: None}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for index, v in enumerate(value):
            out.update(_flat(v, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def changes_between(old: Any, new: Any) -> dict[str, list[Any]]:
    """``{path: [old, new]}`` for every leaf that differs (texts per language)."""
    before, after = _flat(old) if old is not None else {}, _flat(new) if new is not None else {}
    return {
        path: [before.get(path), after.get(path)]
        for path in dict.fromkeys([*before, *after])
        if before.get(path) != after.get(path)
    }


def _earlier_question(year: int, key: str) -> dict | None:
    question = Question.objects.filter(edition__year=year, key=key).first()
    if question is None:
        return None
    return {"type": question.type, **question.config}


def previous_question(edition: SurveyEdition, key: str) -> dict | None:
    """The question with this key in the edition's previous year, as stored (or None)."""
    if edition.previous_year is None:
        return None
    return _earlier_question(edition.previous_year, key)


def _config(question: Mapping[str, Any]) -> dict:
    fields = (*QUESTION_CONFIG_FIELDS, *EXTRA_CONFIG_FIELDS)
    return {k: question[k] for k in dict.fromkeys(fields) if k in question}


def _materialise(edition: SurveyEdition, definition: dict) -> None:
    """The Section and Question rows as the definition says, matched by key, updated in place."""
    sections = {s.key: s for s in edition.sections.all()}
    questions = {q.key: q for q in edition.questions.all()}
    wanted_sections = {s["key"] for s in definition["sections"]}
    wanted_questions = {q["key"] for s in definition["sections"] for q in s["questions"]}
    gone_questions = [q.pk for k, q in questions.items() if k not in wanted_questions]
    if gone_questions:
        Question.objects.filter(pk__in=gone_questions).delete()
    position = 0
    for s_index, section_doc in enumerate(definition["sections"], start=1):
        section = sections.get(section_doc["key"])
        values = {
            "position": s_index,
            "title": section_doc["title"],
            "intro": section_doc.get("intro", {}),
            "show_if": section_doc.get("show_if", {}),
        }
        if section is None:
            section = Section.objects.create(edition=edition, key=section_doc["key"], **values)
            sections[section.key] = section
        elif any(getattr(section, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(section, k, v)
            section.save(update_fields=list(values))
        for question_doc in section_doc["questions"]:
            position += 1
            question = questions.get(question_doc["key"])
            q_values = {
                "section": section,
                "position": position,
                "type": question_doc["type"],
                "text": question_doc["text"],
                "help": question_doc.get("help", {}),
                "required": question_doc.get("required", False),
                "config": _config(question_doc),
                "show_if": question_doc.get("show_if", {}),
            }
            if question is None or question.key not in wanted_questions:
                Question.objects.create(edition=edition, key=question_doc["key"], **q_values)
            elif any(getattr(question, k) != v for k, v in q_values.items()):
                for k, v in q_values.items():
                    setattr(question, k, v)
                question.save(update_fields=list(q_values))
    gone_sections = [s.pk for k, s in sections.items() if k not in wanted_sections]
    if gone_sections:
        Section.objects.filter(pk__in=gone_sections).delete()


def _locked(edition: SurveyEdition) -> SurveyEdition:
    return SurveyEdition.objects.select_for_update().get(pk=edition.pk)


def _refuse_if_opened(edition: SurveyEdition) -> None:
    if is_opened(edition):
        raise EditRefused(
            _(
                "The %(year)s edition has been opened, so its questions can no longer be added, "
                "moved, removed or restructured. Only texts can be corrected."
            )
            % {"year": edition.year}
        )


def _commit(
    *,
    actor: User | None,
    edition: SurveyEdition,
    definition: dict,
    action: str,
    label: str,
    changes: Mapping[str, Any],
) -> dict:
    """Check, store, materialise and audit the new definition; the parsed definition."""
    if is_opened(edition) and structure(definition) != structure(edition.definition):
        _refuse_if_opened(edition)
    parsed = parse_definition(copy.deepcopy(definition), earlier_question=_earlier_question)
    if parsed == edition.definition:
        return parsed
    edition.definition = parsed
    edition.title = parsed["title"]
    edition.intro = parsed.get("intro", {})
    edition.option_mappings = parsed.get("option_mappings", [])
    edition.save(update_fields=["definition", "title", "intro", "option_mappings", "updated_at"])
    _materialise(edition, parsed)
    audit_log(
        actor=actor,
        action=action,
        obj=edition,
        object_label=f"{edition.year}: {label}"[:200],
        changes=dict(changes),
    )
    return parsed


def _question_at(definition: dict, key: str) -> tuple[int, int]:
    found = find_question(definition, key)
    if found is None:
        raise EditRefused(_("The edition has no question with the key “%(key)s”.") % {"key": key})
    return found


def _section_at(definition: dict, key: str) -> int:
    found = find_section(definition, key)
    if found is None:
        raise EditRefused(_("The edition has no section with the key “%(key)s”.") % {"key": key})
    return found


# --- sections -----------------------------------------------------------------------------


@transaction.atomic
def section_add(
    *,
    actor: User | None,
    edition: SurveyEdition,
    section: Mapping[str, Any],
    question: Mapping[str, Any],
    after: str | None = None,
) -> dict:
    """A new section with its first question (a section has at least one), at the end or after
    the section ``after``."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    new = {**copy.deepcopy(dict(section)), "questions": [copy.deepcopy(dict(question))]}
    index = len(definition["sections"]) if after is None else _section_at(definition, after) + 1
    definition["sections"].insert(index, new)
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.section_add",
        label=new.get("key", ""),
        changes=changes_between(None, new),
    )


@transaction.atomic
def edition_texts_update(
    *,
    actor: User | None,
    edition: SurveyEdition,
    title: Mapping[str, str],
    intro: Mapping[str, str],
) -> dict:
    """The edition's own title and introduction ({language: text}; an empty intro removes it).
    A text, so an opened edition may have it corrected too."""
    edition = _locked(edition)
    definition = copy.deepcopy(edition.definition)
    old = {k: definition[k] for k in ("title", "intro") if definition.get(k)}
    definition["title"] = dict(title)
    if intro:
        definition["intro"] = dict(intro)
    else:
        definition.pop("intro", None)
    new = {k: definition[k] for k in ("title", "intro") if definition.get(k)}
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.text_fix" if is_opened(edition) else "survey.edit.edition_texts",
        label="title, intro",
        changes=changes_between(old, new),
    )


@transaction.atomic
def section_update(
    *, actor: User | None, edition: SurveyEdition, key: str, section: Mapping[str, Any]
) -> dict:
    """The section's key, title, introduction and routing (its questions stay)."""
    edition = _locked(edition)
    definition = copy.deepcopy(edition.definition)
    index = _section_at(definition, key)
    old = definition["sections"][index]
    new = {**copy.deepcopy(dict(section)), "questions": old["questions"]}
    definition["sections"][index] = new
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.section_update",
        label=key,
        changes=changes_between(
            {k: v for k, v in old.items() if k != "questions"},
            {k: v for k, v in new.items() if k != "questions"},
        ),
    )


@transaction.atomic
def section_move(*, actor: User | None, edition: SurveyEdition, key: str, direction: str) -> dict:
    """One place up or down."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    index = _section_at(definition, key)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(definition["sections"]):
        raise EditRefused(_("The section cannot be moved further that way."))
    sections = definition["sections"]
    sections[index], sections[target] = sections[target], sections[index]
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.section_move",
        label=key,
        changes={"position": [index + 1, target + 1]},
    )


@transaction.atomic
def section_remove(*, actor: User | None, edition: SurveyEdition, key: str) -> dict:
    """The section and its questions (and their option mappings)."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    index = _section_at(definition, key)
    old = definition["sections"].pop(index)
    gone = {q["key"] for q in old["questions"]}
    definition["option_mappings"] = [
        m for m in definition.get("option_mappings", []) if m["question"] not in gone
    ]
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.section_remove",
        label=key,
        changes=changes_between(old, None),
    )


# --- questions ----------------------------------------------------------------------------


def series_warnings(
    edition: SurveyEdition, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[str]:
    """What breaks in the time series if ``old`` becomes ``new`` (empty: nothing)."""
    earlier = previous_question(edition, old["key"])
    if earlier is None:
        return []
    warnings = []
    if new["key"] != old["key"]:
        warnings.append(
            _(
                "The question exists in %(year)s with the key %(key)s; if you change the key, the "
                "answers from %(year)s are no longer linked to this question in time series and "
                "“same as last year”."
            )
            % {"year": edition.previous_year, "key": old["key"]}
        )
    if new["type"] != old["type"]:
        warnings.append(
            _(
                "The question is a “%(old)s” question in %(year)s; as a “%(new)s” question its "
                "answers from %(year)s can no longer be compared with this year's or offered as "
                "“same as last year”."
            )
            % {"year": edition.previous_year, "old": old["type"], "new": new["type"]}
        )
    return warnings


def _merge_mappings(
    definition: dict,
    *,
    edition: SurveyEdition,
    old_key: str,
    new_key: str,
    renamed: Mapping[str, str],
    retired: Mapping[str, str],
) -> None:
    """Option mappings after a question's key or option keys changed and options were retired:
    answers from the previous year to a retired or renamed option count for its target."""
    mappings = definition.setdefault("option_mappings", [])
    redirected = {**dict(renamed), **dict(retired)}
    for mapping in mappings:
        if mapping["question"] == old_key:
            mapping["question"] = new_key
            mapping["map"] = {
                source: redirected.get(str(target), target)
                for source, target in mapping["map"].items()
            }
    if edition.previous_year is None or not redirected:
        return
    earlier = previous_question(edition, old_key)
    earlier_options = (
        None if earlier is None else {str(o["key"]) for o in earlier.get("options", [])}
    )
    additions = {
        source: target
        for source, target in redirected.items()
        if source != target and (earlier_options is None or source in earlier_options)
    }
    if not additions:
        return
    for mapping in mappings:
        if mapping["question"] == new_key and mapping["from_year"] == edition.previous_year:
            mapping["map"].update(additions)
            break
    else:
        mappings.append({"question": new_key, "from_year": edition.previous_year, "map": additions})


def retired_needing_target(
    edition: SurveyEdition, key: str, option_keys: Iterable[str]
) -> set[str]:
    """Of these option keys, those the previous edition's question had: retiring one needs a
    target among this year's options, so last year's answers keep counting. (Without the previous
    edition in the portal a target is optional; one that is chosen is kept as a mapping.)"""
    earlier = previous_question(edition, key)
    if earlier is None:  # no previous edition in the portal, or it lacked the question
        return set()
    had = {str(o["key"]) for o in earlier.get("options", [])}
    return {k for k in option_keys if k in had}


@transaction.atomic
def question_add(
    *,
    actor: User | None,
    edition: SurveyEdition,
    section_key: str,
    question: Mapping[str, Any],
) -> dict:
    """A new question at the end of the section."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    index = _section_at(definition, section_key)
    new = copy.deepcopy(dict(question))
    definition["sections"][index]["questions"].append(new)
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.question_add",
        label=new.get("key", ""),
        changes=changes_between(None, new),
    )


@transaction.atomic
def question_update(
    *,
    actor: User | None,
    edition: SurveyEdition,
    key: str,
    question: Mapping[str, Any],
    renamed: Mapping[str, str] | None = None,
    retired: Mapping[str, str] | None = None,
    confirm_series_break: bool = False,
) -> dict:
    """The question as ``question`` says (its whole definition).

    ``renamed`` maps an option's old key to its new key, ``retired`` a removed option's key to the
    option (or reserved value) its earlier answers count as; both become the edition's option
    mapping from the previous year. A new key or type of a question the previous edition has
    raises SeriesBreak unless ``confirm_series_break``.
    """
    edition = _locked(edition)
    definition = copy.deepcopy(edition.definition)
    s_index, q_index = _question_at(definition, key)
    old = definition["sections"][s_index]["questions"][q_index]
    new = copy.deepcopy(dict(question))
    renamed, retired = dict(renamed or {}), dict(retired or {})
    opened = is_opened(edition)
    if opened and (structure(new) != structure(old) or renamed or retired):
        _refuse_if_opened(edition)
    if not opened:
        missing = retired_needing_target(
            edition, key, [k for k, v in {**renamed, **retired}.items() if not v]
        )
        if missing:
            raise EditRefused(
                _("Choose which of this year's options the answers to %(options)s count as.")
                % {"options": ", ".join(sorted(missing))}
            )
        retired = {k: v for k, v in retired.items() if v}
        warnings = series_warnings(edition, old, new)
        if warnings and not confirm_series_break:
            raise SeriesBreak(warnings)
    definition["sections"][s_index]["questions"][q_index] = new
    new_key = new.get("key", key)
    if new_key != key:
        for section in definition["sections"]:
            for holder in [section, *section["questions"]]:
                for rule in (holder.get("show_if") or {}).get("answers", []):
                    if rule.get("question") == key:
                        rule["question"] = new_key
    before_mappings = copy.deepcopy(definition.get("option_mappings", []))
    _merge_mappings(
        definition,
        edition=edition,
        old_key=key,
        new_key=new_key,
        renamed=renamed,
        retired=retired,
    )
    changes = changes_between(old, new)
    if definition.get("option_mappings", []) != before_mappings:
        changes["option_mappings"] = [before_mappings, definition["option_mappings"]]
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.question_update" if not opened else "survey.edit.text_fix",
        label=key if new_key == key else f"{key} → {new_key}",
        changes=changes,
    )


@transaction.atomic
def question_move(
    *,
    actor: User | None,
    edition: SurveyEdition,
    key: str,
    direction: str = "",
    to_section: str = "",
) -> dict:
    """One place up or down in its section, or to the end of another section."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    s_index, q_index = _question_at(definition, key)
    questions = definition["sections"][s_index]["questions"]
    old_place = [definition["sections"][s_index]["key"], q_index + 1]
    if to_section:
        target = _section_at(definition, to_section)
        if target == s_index:
            raise EditRefused(_("The question is already in that section."))
        moved = questions.pop(q_index)
        definition["sections"][target]["questions"].append(moved)
        new_place = [to_section, len(definition["sections"][target]["questions"])]
    else:
        other = q_index - 1 if direction == "up" else q_index + 1
        if direction not in ("up", "down") or not 0 <= other < len(questions):
            raise EditRefused(_("The question cannot be moved further that way in its section."))
        questions[q_index], questions[other] = questions[other], questions[q_index]
        new_place = [old_place[0], other + 1]
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.question_move",
        label=key,
        changes={"place": [old_place, new_place]},
    )


@transaction.atomic
def question_remove(*, actor: User | None, edition: SurveyEdition, key: str) -> dict:
    """The question (and its option mappings); a rule that looks at it must go first."""
    edition = _locked(edition)
    _refuse_if_opened(edition)
    definition = copy.deepcopy(edition.definition)
    s_index, q_index = _question_at(definition, key)
    old = definition["sections"][s_index]["questions"].pop(q_index)
    definition["option_mappings"] = [
        m for m in definition.get("option_mappings", []) if m["question"] != key
    ]
    return _commit(
        actor=actor,
        edition=edition,
        definition=definition,
        action="survey.edit.question_remove",
        label=key,
        changes=changes_between(old, None),
    )
