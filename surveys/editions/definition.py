"""Read and check a survey definition document (YAML or JSON).

``parse_definition(content)`` returns the normalised definition or raises ``DefinitionError``
with every problem found, each pointing at the offending key (``sections[1].questions[3].key``).
Nothing here touches the database except the optional look-up of earlier editions for option
mappings, which the caller passes in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import yaml
from django.conf import settings
from django.utils.translation import gettext as _

from surveys.editions.schema import SCHEMA
from surveys.respondent.context import FIGURE_PLACEHOLDERS

# No definition needs more; a deeper document is refused before the recursion limit is near.
MAX_NESTING = 32
RESERVED_VALUES = ("dont_know", "not_relevant")
PLACEHOLDERS = frozenset(
    {
        "organisation",
        "year",
        *FIGURE_PLACEHOLDERS,
        "requested_last_year",
        "decided_last_year",
        "settled_last_year",
    }
)
CHECK_PLACEHOLDERS = PLACEHOLDERS | {"value", "figure", "last_year"}
CHOICE_TYPES = ("single", "multi", "rank")
GRID_TYPES = ("scale_grid", "yes_no_grid")


# Every message is written "<location>: <what is wrong>", the location in the document's own
# terms: sections[1].questions[3].options[0].label (nb).
_LOCATION = re.compile(
    r"^(?P<path>\(document\)|[a-z_]+(?:\[\d+\]|\.[A-Za-z0-9_]+)*)(?: \((?P<language>nb|nn|en)\))?: (?P<message>.*)$",
    re.DOTALL,
)
_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z0-9_]+)")


@dataclass(frozen=True)
class Problem:
    """One problem of a definition, located in the document and named by its keys.

    ``path`` is the location as parts (``("sections", 0, "questions", 5, "text")``);
    ``section`` and ``question`` are the keys of the section and question it lies in, so a reader
    need not count; ``field`` is the part below that question (or section), e.g. ``options[2].key``.
    """

    location: str
    message: str
    path: tuple[str | int, ...] = ()
    language: str = ""
    section: str = ""
    question: str = ""
    field: str = ""

    def __str__(self) -> str:
        if self.question:
            where = _("question '%(key)s'") % {"key": self.question}
        elif self.section:
            where = _("section '%(key)s'") % {"key": self.section}
        else:
            return f"{self.location}: {self.message}" if self.location else self.message
        field = self.field + (f" ({self.language})" if self.language else "")
        return f"{where}, {field}: {self.message}" if field else f"{where}: {self.message}"


def _key_at(items: Any, index: int) -> str:
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], dict):
        key = items[index].get("key")
        return key if isinstance(key, str) else ""
    return ""


def locate(message: str, document: Any = None) -> Problem:
    """The Problem a "<location>: <message>" text describes, with the keys found in ``document``."""
    match = _LOCATION.match(message)
    if match is None:
        return Problem(location="", message=message)
    path: tuple[str | int, ...] = tuple(
        int(index) if index else name for index, name in _PART.findall(match["path"])
    )
    location = match["path"] + (f" ({match['language']})" if match["language"] else "")
    section = question = ""
    below = path
    sections = document.get("sections") if isinstance(document, dict) else None
    if len(path) >= 2 and path[0] == "sections" and isinstance(path[1], int):
        section = _key_at(sections, path[1])
        below = path[2:]
        if section and len(path) >= 4 and path[2] == "questions" and isinstance(path[3], int):
            questions = sections[path[1]].get("questions")  # type: ignore[index]
            question = _key_at(questions, path[3])
            below = path[4:] if question else below
        if not section:
            below = path
    if len(path) >= 2 and path[0] == "option_mappings" and isinstance(path[1], int):
        mappings = document.get("option_mappings") if isinstance(document, dict) else None
        if isinstance(mappings, list) and path[1] < len(mappings):
            named = mappings[path[1]]
            if isinstance(named, dict) and isinstance(named.get("question"), str):
                question = named["question"]
                below = path
    field = ""
    for part in below:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
    return Problem(
        location=location,
        message=match["message"],
        path=path,
        language=match["language"] or "",
        section=section,
        question=question,
        field=field,
    )


class DefinitionError(Exception):
    """Every problem found; ``problems`` located and named by key, ``errors`` as texts."""

    def __init__(self, errors: list[str], document: Any = None):
        self.problems = [locate(e, document) for e in errors]
        self.errors = [str(p) for p in self.problems]
        super().__init__("; ".join(self.errors))


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: no object construction, no expansion bombs, and
    no nesting deeper than ``MAX_NESTING``."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (*name) are not allowed", event.start_mark
            )
        if self.depth >= MAX_NESTING:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"lists and mappings nested more than {MAX_NESTING} deep are not allowed",
                self.peek_event().start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Dates stay text (YYYY-MM-DD), so an impossible date is reported at its key, not raised by YAML.
def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_document(content: bytes | str) -> Any:
    limit = settings.SURVEY_DEFINITION_MAX_BYTES  # bytes of a file, characters of a text
    if len(content) > limit:
        raise DefinitionError(
            [_("the document is larger than %(size)s KiB") % {"size": limit // 1024}]
        )
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError([_("the document is not UTF-8 text")]) from None
    if "\x00" in content:
        raise DefinitionError([_("the document is not text")])
    try:
        return yaml.load(content, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = _yaml_problem(str(exc.problem or exc))
        if mark:
            problem = _("line %(line)s, column %(column)s: %(problem)s") % {
                "line": mark.line + 1,
                "column": mark.column + 1,
                "problem": problem,
            }
        raise DefinitionError([problem]) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise DefinitionError(
            [_("not a readable YAML or JSON document (%(error)s)") % {"error": type(exc).__name__}]
        ) from None


def _yaml_problem(problem: str) -> str:
    """The YAML reader's own wording where we know it, in the reader's language."""
    if problem.startswith("anchors and aliases"):
        return _("anchors and aliases (*name) are not allowed")
    if problem.startswith("lists and mappings nested more than"):
        return _("lists and mappings nested more than %(depth)s deep are not allowed") % {
            "depth": MAX_NESTING
        }
    known = {
        "mapping values are not allowed here": _("a colon (:) is not allowed here"),
        "found character '\\t' that cannot start any token": _(
            "a tab cannot be used for indentation; use spaces"
        ),
        "found undefined alias": _("anchors and aliases (*name) are not allowed"),
        "expected <block end>, but found '<block sequence start>'": _(
            "a list item (-) is indented wrongly"
        ),
        "found unexpected end of stream": _("the document ends inside a quoted text"),
        "could not determine a constructor": _(
            "tags such as !!python/… are not allowed (could not determine a constructor)"
        ),
    }
    for english, translated in known.items():
        if problem.startswith(english):
            return translated
    return _("the YAML cannot be read (%(problem)s)") % {"problem": problem}


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _plain(value: Any) -> Any:
    """YAML dates become ISO strings; everything else is left for the schema to judge."""
    if isinstance(value, dict):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _plain_key(key: Any) -> Any:
    if isinstance(key, bool):  # YAML 1.1 reads a bare yes/no key as a boolean
        return "yes" if key else "no"
    return str(key) if isinstance(key, int | float) else key


_COMMON_QUESTION_FIELDS = {"key", "type", "text", "help", "required", "show_if"}
_QUESTION_FIELDS = {
    "yes_no": {"allow_dont_know"},
    "single": {"options", "allow_dont_know", "allow_not_relevant"},
    "multi": {"options", "min_choices", "max_choices", "allow_dont_know"},
    "rank": {"options", "rank"},
    "integer": {"min", "max", "unit", "allow_dont_know", "checks"},
    "percent": {"min", "max", "allow_dont_know", "checks"},
    "scale": {"scale", "allow_not_relevant", "allow_dont_know"},
    "scale_grid": {"items", "scale", "allow_not_relevant"},
    "yes_no_grid": {"items", "allow_dont_know"},
    "text": {"max_length"},
    "textarea": {"max_length"},
}


def _type_name(kind: Any) -> str:
    names = {
        "string": _("a text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "boolean": _("true or false"),
        "object": _("a mapping (key: value)"),
        "array": _("a list"),
        "null": _("empty"),
    }
    if isinstance(kind, list):
        return _(" or ").join(names.get(k, str(k)) for k in kind)
    return names.get(kind, str(kind))


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _path(error.absolute_path)
    instance = error.instance
    value = error.validator_value
    if error.validator == "oneOf":
        subschemas = value
        if any(s.get("type") == "string" for s in subschemas if isinstance(s, dict)):
            return f"{where}: " + _(
                "must be a text: a string, or a mapping with nb (and optionally nn and en)"
            )
        if any("last_year" in json.dumps(s) for s in subschemas):
            return f"{where}: " + _(
                "a check needs either last_year, or key_figure with max_ratio and/or min_ratio"
            )
        return f"{where}: " + _("needs exactly one of in, not_in and answered")
    if error.validator == "not" and isinstance(instance, dict):
        kind = instance.get("type", "?")
        allowed = _QUESTION_FIELDS.get(kind, set()) | _COMMON_QUESTION_FIELDS
        misplaced = sorted(set(instance) - allowed)
        if misplaced:
            return "; ".join(
                f"{where}.{name}: "
                + _("'%(field)s' does not belong to a '%(type)s' question")
                % {"field": name, "type": kind}
                for name in misplaced
            )
        return f"{where}: " + _("has a field that does not belong to a '%(type)s' question") % {
            "type": kind
        }
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in instance if k not in known)
        return f"{where}: " + _("unknown field %(fields)s") % {
            "fields": ", ".join(f"'{k}'" for k in unknown)
        }
    if error.validator == "pattern" and isinstance(instance, str):
        if error.absolute_path and error.absolute_path[-1] in ("opens", "deadline"):
            return f"{where}: " + _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": instance}
        return f"{where}: " + _(
            "'%(value)s' is not a valid key (lowercase letters, digits and _, starting with a letter)"
        ) % {"value": instance}
    if error.validator == "enum":
        listed = ", ".join(str(v) for v in value)
        return f"{where}: " + _("%(value)s is not one of: %(listed)s") % {
            "value": repr(instance),
            "listed": listed,
        }
    if error.validator == "required" and isinstance(instance, dict):
        missing = [f for f in value if f not in instance]
        return f"{where}: " + _("'%(field)s' is missing") % {
            "field": missing[0] if missing else "?"
        }
    if error.validator == "type":
        return f"{where}: " + _("must be %(kind)s, not %(value)s") % {
            "kind": _type_name(value),
            "value": repr(instance),
        }
    if error.validator == "minItems":
        return f"{where}: " + _("needs at least %(n)s entries") % {"n": value}
    if error.validator in ("minLength", "minProperties"):
        return f"{where}: " + _("cannot be empty")
    if error.validator == "minimum":
        return f"{where}: " + _("must be at least %(n)s, not %(value)s") % {
            "n": value,
            "value": instance,
        }
    if error.validator == "maximum":
        return f"{where}: " + _("must be at most %(n)s, not %(value)s") % {
            "n": value,
            "value": instance,
        }
    if error.validator == "exclusiveMinimum":
        return f"{where}: " + _("must be more than %(n)s, not %(value)s") % {
            "n": value,
            "value": instance,
        }
    if error.validator == "uniqueItems":
        return f"{where}: " + _("lists the same value twice")
    return f"{where}: {error.message}"


def _text(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"nb": value}
    return {k: v for k, v in value.items() if v}


def _routing_values(question: dict) -> set | None:
    """The values an ``in``/``not_in`` rule may name for this question (None: any number)."""
    kind = question["type"]
    extra = set()
    if question.get("allow_dont_know"):
        extra.add("dont_know")
    if question.get("allow_not_relevant"):
        extra.add("not_relevant")
    if kind in ("yes_no", "yes_no_grid"):
        return {"yes", "no"} | extra
    if kind in ("single", "multi"):
        return {o["key"] for o in question["options"]} | extra
    if kind == "scale":
        low, high = _scale_bounds(question)
        return set(range(low, high + 1)) | extra
    if kind in ("integer", "percent"):
        return None
    return set()


def _scale_bounds(question: dict) -> tuple[int, int]:
    scale = question.get("scale", {})
    return scale.get("min", 1), scale.get("max", 5)


def _mapping_targets(question: dict) -> set:
    kind = question["type"]
    targets = set(_routing_values(question) or set())
    if kind == "rank":
        targets = {o["key"] for o in question["options"]}
    if kind == "scale_grid":
        low, high = _scale_bounds(question)
        targets = set(range(low, high + 1)) | (
            {"not_relevant"} if question.get("allow_not_relevant") else set()
        )
    if kind in ("integer", "percent") and question.get("allow_dont_know"):
        targets.add("dont_know")
    return {str(t) for t in targets}


def _placeholders(text: dict[str, str]) -> Iterable[tuple[str, str]]:
    """(language, problem) for each placeholder problem in a text."""
    for language, value in text.items():
        try:
            fields = list(string.Formatter().parse(value))
        except ValueError:
            yield language, _("has an unmatched { or } (write {{ or }} for a literal brace)")
            continue
        for _literal, name, spec, conversion in fields:
            if name is None:
                continue
            if spec or conversion:
                yield language, _("placeholder {%(name)s} cannot have a format") % {"name": name}
            else:
                yield language, "uses {" + name + "}"


def _normalise_yes_no(show_if: dict, questions: dict[str, dict]) -> None:
    for rule in show_if.get("answers", []):
        target = questions.get(rule["question"])
        if target is None or target["type"] not in ("yes_no", "yes_no_grid"):
            continue
        for field in ("in", "not_in"):
            if field in rule:
                rule[field] = [
                    ("yes" if v else "no") if isinstance(v, bool) else v for v in rule[field]
                ]


def _list(value: Any) -> list:
    """A list as it is; anything else (the schema check reports it) as no items."""
    return value if isinstance(value, list) else []


def parse_definition(
    content: bytes | str | dict,
    *,
    earlier_question: Callable[[int, str], dict | None] | None = None,
) -> dict:
    """The normalised definition, or DefinitionError listing every problem.

    ``earlier_question(year, key)`` returns the stored definition of a question in an earlier
    edition (or None); it lets option mappings be checked against the options they come from.
    """
    document = _plain(content if isinstance(content, dict) else load_document(content))
    if not isinstance(document, dict):
        raise DefinitionError(
            [_("the document must be a mapping with year, title, opens, deadline and sections")]
        )

    # YAML reads bare yes/no as booleans: accept them in routing rules of yes/no questions.
    raw_questions: dict[str, dict] = {
        q["key"]: q
        for s in _list(document.get("sections"))
        if isinstance(s, dict)
        for q in _list(s.get("questions"))
        if isinstance(q, dict) and isinstance(q.get("key"), str) and isinstance(q.get("type"), str)
    }
    for section in _list(document.get("sections")):
        if not isinstance(section, dict):
            continue
        for holder in [
            section,
            *[q for q in _list(section.get("questions")) if isinstance(q, dict)],
        ]:
            if (
                isinstance(holder.get("show_if"), dict)
                and isinstance(holder["show_if"].get("answers"), list)
                and all(
                    isinstance(r, dict) and isinstance(r.get("question"), str)
                    for r in holder["show_if"]["answers"]
                )
            ):
                _normalise_yes_no(holder["show_if"], raw_questions)

    validator = jsonschema.Draft202012Validator(SCHEMA)
    schema_errors = sorted(
        validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if schema_errors:
        messages = [part for e in schema_errors for part in _schema_message(e).split("; ")]
        raise DefinitionError(list(dict.fromkeys(messages)), document)

    errors: list[str] = []
    year = document["year"]
    for field in ("opens", "deadline"):
        try:
            dt.date.fromisoformat(document[field])
        except ValueError:
            errors.append(
                f"{field}: " + _("'%(value)s' is not a real date") % {"value": document[field]}
            )
    if not errors and document["opens"] > document["deadline"]:
        errors.append("deadline: " + _("the deadline is before the opening date"))
    if document.get("previous_year") is not None and document["previous_year"] >= year:
        errors.append("previous_year: " + _("must be an earlier year than the edition's"))

    def check_text(path: str, value: Any, allowed: frozenset[str] = PLACEHOLDERS) -> None:
        for language, problem in _placeholders(_text(value)):
            if problem.startswith("uses {"):
                name = problem[6:-1]
                if not allowed:
                    errors.append(
                        f"{path} ({language}): "
                        + _("placeholders such as {%(name)s} cannot be used here") % {"name": name}
                    )
                elif name not in allowed:
                    errors.append(
                        f"{path} ({language}): "
                        + _("unknown placeholder {%(name)s}; allowed: %(allowed)s")
                        % {"name": name, "allowed": ", ".join(sorted(allowed))}
                    )
            else:
                errors.append(f"{path} ({language}): {problem}")

    check_text("title", document["title"], frozenset())
    if "intro" in document:
        check_text("intro", document["intro"])

    seen_sections: dict[str, int] = {}
    seen_questions: dict[str, str] = {}
    order: dict[str, int] = {}
    section_of: dict[str, int] = {}
    questions: dict[str, dict] = {}
    position = 0
    for s_index, section in enumerate(document["sections"]):
        s_path = f"sections[{s_index}]"
        if section["key"] in seen_sections:
            first = document["sections"][seen_sections[section["key"]]]
            errors.append(
                f"{s_path}.key: "
                + _("'%(key)s' is used twice (also by the section titled “%(title)s”)")
                % {"key": section["key"], "title": _text(first["title"]).get("nb", "")}
            )
        seen_sections.setdefault(section["key"], s_index)
        check_text(f"{s_path}.title", section["title"], frozenset())
        if "intro" in section:
            check_text(f"{s_path}.intro", section["intro"])
        for q_index, question in enumerate(section["questions"]):
            q_path = f"{s_path}.questions[{q_index}]"
            key = question["key"]
            if key in seen_questions:
                errors.append(
                    f"{q_path}.key: "
                    + _("'%(key)s' is used twice (also by a question in section '%(section)s')")
                    % {"key": key, "section": seen_questions[key]}
                )
            seen_questions.setdefault(key, section["key"])
            position += 1
            order.setdefault(key, position)
            section_of.setdefault(key, s_index)
            questions.setdefault(key, question)
            errors.extend(_question_errors(q_path, question))
            check_text(f"{q_path}.text", question["text"])
            if "help" in question:
                check_text(f"{q_path}.help", question["help"])
            for o_index, option in enumerate(question.get("options", [])):
                check_text(f"{q_path}.options[{o_index}].label", option["label"], frozenset())
            for i_index, item in enumerate(question.get("items", [])):
                check_text(f"{q_path}.items[{i_index}].label", item["label"], frozenset())
            for c_index, check in enumerate(question.get("checks", [])):
                if "message" in check:
                    check_text(
                        f"{q_path}.checks[{c_index}].message", check["message"], CHECK_PLACEHOLDERS
                    )

    # Routing: only earlier questions, and only values those questions can have.
    position = 0
    for s_index, section in enumerate(document["sections"]):
        s_path = f"sections[{s_index}]"
        if "show_if" in section:
            errors.extend(
                _routing_errors(
                    f"{s_path}.show_if",
                    section["show_if"],
                    questions,
                    lambda k, s=s_index: section_of.get(k, s) < s,
                )
            )
        for q_index, question in enumerate(section["questions"]):
            position += 1
            if "show_if" in question:
                errors.extend(
                    _routing_errors(
                        f"{s_path}.questions[{q_index}].show_if",
                        question["show_if"],
                        questions,
                        lambda k, p=position: order.get(k, p) < p,
                    )
                )

    seen_mappings: set[tuple[str, int]] = set()
    for m_index, mapping in enumerate(document.get("option_mappings", [])):
        m_path = f"option_mappings[{m_index}]"
        question = questions.get(mapping["question"])
        if question is None:
            errors.append(
                f"{m_path}.question: "
                + _("'%(key)s' is not a question of this edition") % {"key": mapping["question"]}
            )
            continue
        if mapping["from_year"] >= year:
            errors.append(
                f"{m_path}.from_year: "
                + _("must be an earlier year than the edition's (%(year)s)") % {"year": year}
            )
        if (mapping["question"], mapping["from_year"]) in seen_mappings:
            errors.append(
                f"{m_path}: "
                + _("'%(key)s' from %(year)s is mapped twice")
                % {"key": mapping["question"], "year": mapping["from_year"]}
            )
        seen_mappings.add((mapping["question"], mapping["from_year"]))
        targets = _mapping_targets(question)
        for source, target in mapping["map"].items():
            if str(target) not in targets:
                errors.append(
                    f"{m_path}.map.{source}: "
                    + _("'%(value)s' is not an option of '%(key)s' (its options: %(options)s)")
                    % {
                        "value": target,
                        "key": mapping["question"],
                        "options": ", ".join(sorted(targets)),
                    }
                )
        if earlier_question is not None:
            earlier = earlier_question(mapping["from_year"], mapping["question"])
            if earlier is not None:
                sources = _mapping_targets(earlier)
                for source in mapping["map"]:
                    if str(source) not in sources:
                        errors.append(
                            f"{m_path}.map.{source}: "
                            + _("'%(value)s' is not an option of '%(key)s' in %(year)s")
                            % {
                                "value": source,
                                "key": mapping["question"],
                                "year": mapping["from_year"],
                            }
                        )

    if errors:
        raise DefinitionError(errors, document)
    return _normalised(document)


def _question_errors(path: str, question: dict) -> list[str]:
    errors = []
    kind = question["type"]
    options = question.get("options", [])
    keys = [o["key"] for o in options]
    for index, key in enumerate(keys):
        if key in RESERVED_VALUES:
            errors.append(
                f"{path}.options[{index}].key: "
                + _("'%(key)s' is reserved; use allow_dont_know / allow_not_relevant")
                % {"key": key}
            )
        elif keys.index(key) != index:
            errors.append(
                f"{path}.options[{index}].key: "
                + _("'%(key)s' is used twice in this question") % {"key": key}
            )
    items = question.get("items", [])
    item_keys = [i["key"] for i in items]
    for index, key in enumerate(item_keys):
        if item_keys.index(key) != index:
            errors.append(
                f"{path}.items[{index}].key: "
                + _("'%(key)s' is used twice in this question") % {"key": key}
            )
    others = [index for index, item in enumerate(items) if item.get("other")]
    if others and kind != "yes_no_grid":
        errors.append(
            f"{path}.items[{others[0]}].other: "
            + _("only an item of a yes/no battery (yes_no_grid) can be “other, please describe”")
        )
    elif len(others) > 1:
        errors.append(
            f"{path}.items[{others[1]}].other: "
            + _("a battery can have only one “other, please describe” item")
        )
    other_options = [index for index, option in enumerate(options) if option.get("other")]
    if kind == "rank" and len(other_options) > 1:
        errors.append(
            f"{path}.options[{other_options[1]}].other: "
            + _("a ranking can have only one “other, please describe” option")
        )
    if "max_choices" in question and question["max_choices"] > len(options):
        errors.append(
            f"{path}.max_choices: "
            + _("%(n)s is more than the %(options)s options")
            % {"n": question["max_choices"], "options": len(options)}
        )
    if "min_choices" in question:
        if question["min_choices"] > len(options):
            errors.append(
                f"{path}.min_choices: "
                + _("%(n)s is more than the %(options)s options")
                % {"n": question["min_choices"], "options": len(options)}
            )
        elif question["min_choices"] > question.get("max_choices", len(options)):
            errors.append(
                f"{path}.min_choices: "
                + _("%(n)s is more than max_choices (%(max)s)")
                % {"n": question["min_choices"], "max": question["max_choices"]}
            )
    if "rank" in question and question["rank"] > len(options):
        errors.append(
            f"{path}.rank: "
            + _("%(n)s is more than the %(options)s options")
            % {"n": question["rank"], "options": len(options)}
        )
    if kind != "multi" and any(o.get("exclusive") for o in options):
        errors.append(
            f"{path}.options: " + _("only a 'multi' question can have an exclusive option")
        )
    low, high = question.get("min"), question.get("max")
    if low is not None and high is not None and low > high:
        errors.append(
            f"{path}.min: " + _("%(low)s is more than max %(high)s") % {"low": low, "high": high}
        )
    if kind == "percent":
        for field, value in (("min", low), ("max", high)):
            if value is not None and not 0 <= value <= 100:
                errors.append(
                    f"{path}.{field}: "
                    + _("a percentage is between 0 and 100, not %(value)s") % {"value": value}
                )
    if kind == "integer":
        for field, value in (("min", low), ("max", high)):
            if value is not None and value != int(value):
                errors.append(
                    f"{path}.{field}: " + _("must be a whole number for an integer question")
                )
    if kind in ("scale", "scale_grid"):
        s_low, s_high = _scale_bounds(question)
        if s_low >= s_high:
            errors.append(
                f"{path}.scale: "
                + _("min (%(low)s) must be less than max (%(high)s)")
                % {"low": s_low, "high": s_high}
            )
        else:
            labels = question.get("scale", {}).get("labels")
            if labels is not None and len(labels) != s_high - s_low + 1:
                errors.append(
                    f"{path}.scale.labels: "
                    + _(
                        "has %(count)s labels, but the scale from %(low)s to %(high)s has "
                        "%(points)s points: give one label for every point, in order"
                    )
                    % {
                        "count": len(labels),
                        "low": s_low,
                        "high": s_high,
                        "points": s_high - s_low + 1,
                    }
                )
    if question.get("allow_dont_know") and kind in ("scale_grid", "rank", "text", "textarea"):
        errors.append(
            f"{path}.allow_dont_know: "
            + _("a '%(type)s' question cannot have a “don't know” answer") % {"type": kind}
        )
    return errors


def _routing_errors(path: str, show_if: dict, questions: dict[str, dict], is_earlier) -> list[str]:
    errors = []
    for index, rule in enumerate(show_if.get("answers", [])):
        r_path = f"{path}.answers[{index}]"
        key = rule["question"]
        target = questions.get(key)
        if "answered" in rule and "if_unanswered" in rule:
            errors.append(
                f"{r_path}.if_unanswered: "
                + _(
                    "an 'answered' rule already says what happens when '%(key)s' is "
                    "unanswered; use if_unanswered only with in or not_in"
                )
                % {"key": key}
            )
        if target is None:
            errors.append(
                f"{r_path}.question: "
                + _("'%(key)s' is not a question of this edition") % {"key": key}
            )
            continue
        if not is_earlier(key):
            errors.append(
                f"{r_path}.question: "
                + _("'%(key)s' is asked later; a rule can only depend on an earlier question")
                % {"key": key}
            )
            continue
        if target["type"] == "yes_no_grid":
            item_keys = [i["key"] for i in target["items"]]
            if "item" not in rule:
                errors.append(
                    f"{r_path}: "
                    + _(
                        "'%(key)s' is a battery: name the item the rule looks at with item "
                        "(one of: %(items)s)"
                    )
                    % {"key": key, "items": ", ".join(item_keys)}
                )
                continue
            if rule["item"] not in item_keys:
                errors.append(
                    f"{r_path}.item: "
                    + _("'%(item)s' is not an item of '%(key)s' (its items: %(items)s)")
                    % {"item": rule["item"], "key": key, "items": ", ".join(item_keys)}
                )
                continue
        elif "item" in rule:
            errors.append(
                f"{r_path}.item: "
                + _(
                    "only a rule about a battery (yes_no_grid) can name an item; "
                    "'%(key)s' is a '%(type)s' question"
                )
                % {"key": key, "type": target["type"]}
            )
            continue
        allowed = _routing_values(target)
        for field in ("in", "not_in"):
            if field not in rule:
                continue
            if allowed is not None and not allowed:
                errors.append(
                    f"{r_path}.{field}: "
                    + _("a '%(type)s' question can only be routed on with answered")
                    % {"type": target["type"]}
                )
                continue
            for value in rule[field]:
                if allowed is None:
                    if (
                        not (isinstance(value, int | float) and not isinstance(value, bool))
                        and value not in RESERVED_VALUES
                    ):
                        errors.append(
                            f"{r_path}.{field}: "
                            + _("'%(value)s' is not a number") % {"value": value}
                        )
                elif value not in allowed:
                    listed = ", ".join(str(v) for v in sorted(allowed, key=str))
                    errors.append(
                        f"{r_path}.{field}: "
                        + _("'%(value)s' is not an answer of '%(key)s' (its answers: %(listed)s)")
                        % {"value": value, "key": key, "listed": listed}
                    )
    return errors


def _normalised(document: dict) -> dict:
    """Texts as {language: text}; everything else as written."""

    def texts(obj: dict, fields: Iterable[str]) -> dict:
        out = dict(obj)
        for field in fields:
            if field in out:
                out[field] = _text(out[field])
        return out

    doc = texts(document, ("title", "intro"))
    doc["sections"] = []
    for section in document["sections"]:
        s = texts(section, ("title", "intro"))
        s["questions"] = []
        for question in section["questions"]:
            q = texts(question, ("text", "help", "unit"))
            if "options" in q:
                q["options"] = [texts(o, ("label",)) for o in q["options"]]
            if "items" in q:
                q["items"] = [texts(i, ("label",)) for i in q["items"]]
            if "scale" in q:
                q["scale"] = texts(q["scale"], ("min_label", "max_label"))
                if "labels" in q["scale"]:
                    q["scale"]["labels"] = [_text(label) for label in q["scale"]["labels"]]
            if "checks" in q:
                q["checks"] = [texts(c, ("message",)) for c in q["checks"]]
            s["questions"].append(q)
        doc["sections"].append(s)
    doc.setdefault("option_mappings", [])
    return doc


def to_yaml(definition: dict) -> str:
    """The definition as a readable YAML document; a bokmål-only text becomes a plain string."""

    def simplify(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"nb"} and isinstance(value["nb"], str):
                return value["nb"]
            return {k: simplify(v) for k, v in value.items()}
        if isinstance(value, list):
            return [simplify(v) for v in value]
        return value

    return yaml.safe_dump(simplify(definition), allow_unicode=True, sort_keys=False, width=100)


def questions_by_key(definition: Mapping[str, Any]) -> dict[str, dict]:
    """Every question of a (normalised) definition by its key, in the document's order."""
    return {q["key"]: q for s in definition.get("sections", []) for q in s.get("questions", [])}


def choice_label(question: Mapping[str, Any], key: Any) -> dict[str, str]:
    """The label ({language: text}) of the question's option or battery item ``key``; {} when
    it has none."""
    for entry in [*question.get("options", []), *question.get("items", [])]:
        if str(entry.get("key")) == str(key):
            return dict(entry.get("label") or {})
    return {}
