"""What changed between two editions: the comparison behind the directorate's diff page.

``definition_diff(old, new, option_mappings, from_year)`` compares two normalised definitions
(as stored in ``SurveyEdition.definition``: texts as {language: text}) question by question,
matched by their stable keys. It touches no database and returns plain dataclasses:

- questions added and removed;
- reworded: the text or help changed, per language, with the changed words marked;
  translated: only a language was added (or dropped), to the texts or the option labels;
- retyped: the question type changed;
- moved: the question is in another section;
- routing changed: its ``show_if`` rule differs;
- options (and grid items) added, removed and relabelled (a label changed in a language both
  editions have; a label that only gained a language is "translated");
- options mapped: the entries of ``option_mappings`` from ``from_year`` that carry an old answer
  onto another of this year's answers (an entry that maps a key onto the same key says nothing,
  unless the question's type changed); an old option that is mapped is not counted as removed;
- settings changed: anything else of the question (required, max_choices, the scale…).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from surveys.editions.definition import choice_label

Text = dict[str, str]
LANGUAGES = ("nb", "nn", "en")

# Not "settings": compared one by one above them.
_OWN_FIELDS = {"key", "type", "text", "help", "show_if", "options", "items"}
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class TextChange:
    """One text in one language. ``segments`` are ("equal" | "delete" | "insert", words)."""

    field: str  # text, help, label, title, intro
    language: str
    old: str
    new: str
    segments: tuple[tuple[str, str], ...]
    # reworded; translated: a language added to a text that had another; untranslated: a
    # language dropped from a text that keeps another
    kind: str = "reworded"

    @property
    def old_segments(self) -> tuple[tuple[str, str], ...]:
        return tuple(s for s in self.segments if s[0] != "insert")

    @property
    def new_segments(self) -> tuple[tuple[str, str], ...]:
        return tuple(s for s in self.segments if s[0] != "delete")


@dataclass(frozen=True)
class OptionChange:
    """An option (or a grid item) added, removed, relabelled, or mapped onto this year's.

    ``label`` is the option's label (this year's; the old one for removed and mapped options;
    empty for a value that is not an option, such as yes, no or dont_know). For a mapped
    option, ``target`` is this year's option or value and ``target_label`` its label.
    """

    change: str  # added | removed | relabelled | translated (a language only) | mapped
    part: str  # option | item
    key: str
    label: Text = field(default_factory=dict)
    target: str = ""
    target_label: Text = field(default_factory=dict)
    texts: tuple[TextChange, ...] = ()


@dataclass(frozen=True)
class SettingChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RoutingChange:
    old: dict
    new: dict


@dataclass(frozen=True)
class QuestionDiff:
    key: str
    status: str  # added | removed | changed
    text: Text  # this year's text (last for a removed question)
    old: dict | None = None
    new: dict | None = None
    texts: tuple[TextChange, ...] = ()
    retyped: tuple[str, str] | None = None
    moved_from: str = ""  # the key of the section it was in
    moved_from_title: Text = field(default_factory=dict)
    routing: RoutingChange | None = None
    options: tuple[OptionChange, ...] = ()
    settings: tuple[SettingChange, ...] = ()

    def options_that(self, change: str) -> tuple[OptionChange, ...]:
        return tuple(o for o in self.options if o.change == change)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of change, in the order the page lists them."""
        if self.status != "changed":
            return (self.status,)
        found = []
        if any(t.kind == "reworded" for t in self.texts):
            found.append("reworded")
        elif self.texts or self.options_that("translated"):
            found.append("translated")
        if self.retyped:
            found.append("retyped")
        if self.moved_from:
            found.append("moved")
        if self.routing:
            found.append("routing")
        for change in ("added", "removed", "relabelled", "mapped"):
            if self.options_that(change):
                found.append(f"options_{change}")
        if self.settings:
            found.append("settings")
        return tuple(found)


@dataclass(frozen=True)
class SectionDiff:
    key: str
    status: str  # added | removed | kept
    title: Text
    texts: tuple[TextChange, ...] = ()
    routing: RoutingChange | None = None
    questions: tuple[QuestionDiff, ...] = ()

    @property
    def changed(self) -> bool:
        return self.status != "kept" or bool(self.texts or self.routing or self.questions)


@dataclass(frozen=True)
class Summary:
    """How many of each kind: questions, except the options' counts (options)."""

    added: int = 0
    removed: int = 0
    reworded: int = 0
    translated: int = 0
    retyped: int = 0
    moved: int = 0
    routing: int = 0
    options_added: int = 0
    options_removed: int = 0
    options_relabelled: int = 0
    options_mapped: int = 0
    settings: int = 0
    sections_added: int = 0
    sections_removed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return sum(v for k, v in vars(self).items() if k != "unchanged")


@dataclass(frozen=True)
class DefinitionDiff:
    old_year: int
    new_year: int
    sections: tuple[SectionDiff, ...]
    summary: Summary

    @property
    def changed_sections(self) -> tuple[SectionDiff, ...]:
        return tuple(s for s in self.sections if s.changed)


def word_segments(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``old`` → ``new`` as runs of equal, deleted and inserted words (and the spaces between)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []

    def add(op: str, tokens: Iterable[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return tuple(out)


def text_changes(field_name: str, old: Mapping[str, str] | None, new: Mapping[str, str] | None):
    """One TextChange per language whose text differs (a text added or dropped too)."""
    old, new = old or {}, new or {}
    languages = [lang for lang in LANGUAGES if lang in old or lang in new]
    languages += sorted((set(old) | set(new)) - set(LANGUAGES))
    changes = []
    for language in languages:
        before, after = old.get(language, ""), new.get(language, "")
        if before != after:
            kind = "reworded"
            if not before and any(old.values()):
                kind = "translated"
            elif not after and any(new.values()):
                kind = "untranslated"
            changes.append(
                TextChange(field_name, language, before, after, word_segments(before, after), kind)
            )
    return tuple(changes)


def _by_key(entries: Iterable[dict] | None) -> dict[str, dict]:
    return {str(e["key"]): e for e in entries or [] if isinstance(e, dict) and "key" in e}


def _choices(part: str, old: dict, new: dict) -> list[OptionChange]:
    field_name = "options" if part == "option" else "items"
    before, after = _by_key(old.get(field_name)), _by_key(new.get(field_name))
    changes = []
    for key, entry in after.items():
        if key not in before:
            changes.append(OptionChange("added", part, key, dict(entry.get("label", {}))))
        else:
            texts = text_changes("label", before[key].get("label"), entry.get("label"))
            if texts:
                change = "relabelled" if any(t.kind == "reworded" for t in texts) else "translated"
                changes.append(
                    OptionChange(change, part, key, dict(entry.get("label", {})), texts=texts)
                )
    for key, entry in before.items():
        if key not in after:
            changes.append(OptionChange("removed", part, key, dict(entry.get("label", {}))))
    return changes


def _mapped(old: dict, new: dict, mapping: Mapping[str, Any]) -> list[OptionChange]:
    retyped = old["type"] != new["type"]
    part = "item" if old.get("items") and not old.get("options") else "option"
    return [
        OptionChange(
            "mapped",
            part,
            str(source),
            choice_label(old, source),
            target=str(target),
            target_label=choice_label(new, target),
        )
        for source, target in mapping.items()
        if retyped or str(source) != str(target)
    ]


def _is_text(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= set(LANGUAGES)


def _leaves(prefix: str, value: Any) -> dict[str, Any]:
    """A setting as dotted leaves (``scale.max``); a text, or a list of texts, by its own."""
    if isinstance(value, dict) and not _is_text(value):
        out: dict[str, Any] = {}
        for name, inner in value.items():
            out.update(_leaves(f"{prefix}.{name}", inner))
        return out
    if isinstance(value, list) and value and all(_is_text(v) for v in value):
        return {f"{prefix}[{i}]": v for i, v in enumerate(value)}
    return {prefix: value}


def _settings(old: dict, new: dict) -> tuple[tuple[SettingChange, ...], tuple[TextChange, ...]]:
    """Everything else of a question: settings that changed, and their texts that changed
    (a scale's labels, a unit)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in old.items():
        if name not in _OWN_FIELDS:
            before.update(_leaves(name, value))
    for name, value in new.items():
        if name not in _OWN_FIELDS:
            after.update(_leaves(name, value))
    settings: list[SettingChange] = []
    texts: list[TextChange] = []
    for name in [*after, *(n for n in before if n not in after)]:
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        if (a is None or _is_text(a)) and (b is None or _is_text(b)) and (a or b):
            texts.extend(text_changes(name, a, b))
        else:
            settings.append(SettingChange(name, a, b))
    return tuple(settings), tuple(texts)


def _question_diff(
    old: dict,
    new: dict,
    *,
    old_section: dict,
    new_section: dict,
    mapping: Mapping[str, Any],
) -> QuestionDiff | None:
    texts = text_changes("text", old.get("text"), new.get("text")) + text_changes(
        "help", old.get("help"), new.get("help")
    )
    retyped = (old["type"], new["type"]) if old["type"] != new["type"] else None
    moved = old_section["key"] != new_section["key"]
    routing = (
        RoutingChange(old.get("show_if") or {}, new.get("show_if") or {})
        if (old.get("show_if") or {}) != (new.get("show_if") or {})
        else None
    )
    options = _choices("option", old, new) + _choices("item", old, new)
    mapped = _mapped(old, new, mapping)
    mapped_sources = {o.key for o in mapped if o.part == "option"}
    options = [
        o for o in options if not (o.change == "removed" and o.key in mapped_sources)
    ] + mapped
    settings, setting_texts = _settings(old, new)
    texts += setting_texts
    if not (texts or retyped or moved or routing or options or settings):
        return None
    return QuestionDiff(
        key=new["key"],
        status="changed",
        text=dict(new.get("text", {})),
        old=old,
        new=new,
        texts=texts,
        retyped=retyped,
        moved_from=old_section["key"] if moved else "",
        moved_from_title=dict(old_section.get("title", {})) if moved else {},
        routing=routing,
        options=tuple(options),
        settings=settings,
    )


def _mappings_from(option_mappings: Iterable[dict] | None, from_year: int) -> dict[str, dict]:
    return {
        m["question"]: m.get("map", {})
        for m in option_mappings or []
        if isinstance(m, dict) and m.get("from_year") == from_year
    }


def definition_diff(
    old_definition: dict,
    new_definition: dict,
    option_mappings: Iterable[dict] | None,
    from_year: int,
) -> DefinitionDiff:
    """What changed from ``old_definition`` (the edition of ``from_year``) to ``new_definition``.

    ``option_mappings`` are the new edition's; only those ``from_year`` are used. Sections come
    in the new edition's order, then the sections that are no longer asked; each lists its
    changed, added and removed questions (a removed question under the section it was in).
    """
    mappings = _mappings_from(option_mappings, from_year)
    old_sections = [s for s in old_definition.get("sections", []) if isinstance(s, dict)]
    new_sections = [s for s in new_definition.get("sections", []) if isinstance(s, dict)]
    old_where = {q["key"]: (q, s) for s in old_sections for q in s.get("questions", [])}
    new_keys = {q["key"] for s in new_sections for q in s.get("questions", [])}
    new_section_keys = {s["key"] for s in new_sections}
    counts: dict[str, int] = dict.fromkeys(Summary.__dataclass_fields__, 0)

    def removed_in(section_key: str) -> list[QuestionDiff]:
        return [
            QuestionDiff(key=k, status="removed", text=dict(q.get("text", {})), old=q)
            for k, (q, s) in old_where.items()
            if s["key"] == section_key and k not in new_keys
        ]

    sections = []
    old_by_key = {s["key"]: s for s in old_sections}
    for section in new_sections:
        before = old_by_key.get(section["key"])
        questions: list[QuestionDiff] = []
        for question in section.get("questions", []):
            if question["key"] not in old_where:
                questions.append(
                    QuestionDiff(
                        key=question["key"],
                        status="added",
                        text=dict(question.get("text", {})),
                        new=question,
                    )
                )
                continue
            old_question, old_section = old_where[question["key"]]
            changed = _question_diff(
                old_question,
                question,
                old_section=old_section,
                new_section=section,
                mapping=mappings.get(question["key"], {}),
            )
            if changed is None:
                counts["unchanged"] += 1
            else:
                questions.append(changed)
        if before is None:
            sections.append(
                SectionDiff(
                    section["key"],
                    "added",
                    dict(section.get("title", {})),
                    (),
                    None,
                    tuple(questions),
                )
            )
            counts["sections_added"] += 1
            continue
        questions += removed_in(section["key"])
        texts = text_changes("title", before.get("title"), section.get("title")) + text_changes(
            "intro", before.get("intro"), section.get("intro")
        )
        routing = (
            RoutingChange(before.get("show_if") or {}, section.get("show_if") or {})
            if (before.get("show_if") or {}) != (section.get("show_if") or {})
            else None
        )
        if routing:
            counts["routing"] += 1
        sections.append(
            SectionDiff(
                section["key"],
                "kept",
                dict(section.get("title", {})),
                texts,
                routing,
                tuple(questions),
            )
        )
    for section in old_sections:
        if section["key"] not in new_section_keys:
            sections.append(
                SectionDiff(
                    section["key"],
                    "removed",
                    dict(section.get("title", {})),
                    questions=tuple(removed_in(section["key"])),
                )
            )
            counts["sections_removed"] += 1

    for section in sections:
        for question in section.questions:
            for kind in question.kinds:
                if kind.startswith("options_"):
                    counts[kind] += len(question.options_that(kind.removeprefix("options_")))
                else:
                    counts[kind] += 1
    return DefinitionDiff(
        old_year=from_year,
        new_year=new_definition.get("year", 0),
        sections=tuple(sections),
        summary=Summary(**counts),
    )
