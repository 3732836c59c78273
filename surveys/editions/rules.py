"""The portal's one-line text for a routing rule (``show_if``), as written in a workbook's
``relevant`` column.

``rule_text(show_if)`` writes a rule; ``parse_rule(text)`` reads one back and raises ``RuleError``
naming the character where the text goes wrong. ``parse_rule(rule_text(x)) == x`` for every
``show_if``: values keep their type (numbers stay numbers, texts stay texts).

The syntax (docs/survey-editor.md, "Spreadsheet authoring"): conditions joined with ``and``::

    has_office = yes                        answers: [{question: has_office, in: [yes]}]
    unit in (nav, refugee_office)           in: [nav, refugee_office]
    unit != none                            not_in: [none]
    unit not in (none, dont_know)           not_in: [none, dont_know]
    unit not in (none) or unanswered        ... if_unanswered: show
    has_target = yes if answered            ... if_unanswered: hide
    plan_year answered                      answered: true
    plan_year not answered                  answered: false
    measures.housing = yes                  item: housing (a battery's item)
    satisfaction in (4, 5)                  numbers are numbers
    category in (settles, first_time)       settlement_category: [settles, first_time]
    kind = district                         kind: [district]
    region in (vest, nord)                  region: [vest, nord]

A value is a word (letters, digits, ``_`` and ``-``, not starting with a digit), a number, a
quoted text (``"two words"``, ``'two words'``) or ``TRUE``/``FALSE``. A question whose key is one
of the words above (``region``, ``and`` …) is written ``${region}``, as in XLSForm.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from surveys.editions.schema import SHOW_IF

# The attribute conditions, by the word that names them in a rule, in the order rule_text writes.
ATTRIBUTES = {
    "category": "settlement_category",
    "kind": "kind",
    "region": "region",
}
ATTRIBUTE_WORDS = {**{v: v for v in ATTRIBUTES.values()}, **ATTRIBUTES}
ATTRIBUTE_VALUES: dict[str, list[str]] = {
    field: SHOW_IF["properties"][field]["items"]["enum"]  # type: ignore[index]
    for field in ATTRIBUTES.values()
}
KEYWORDS = frozenset({"and", "or", "if", "in", "not", "answered", "unanswered"})
RESERVED = KEYWORDS | set(ATTRIBUTE_WORDS)

_WORD = re.compile(r"[^\W\d][\w\-]*")
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<subject>\$\{(?P<braced>[^{}\s]*)\})
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
    |(?P<word>[^\W\d][\w\-]*)
    |(?P<dstring>"(?:[^"\\]|\\.)*")
    |(?P<sstring>'[^']*')
    |(?P<op>!=|≠|=|\(|\)|,|\.)
    """,
    re.VERBOSE,
)


class RuleError(ValueError):
    """A rule text that cannot be read; ``position`` is the 1-based character it goes wrong at."""

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(
            _("%(message)s (at character %(position)s)")
            % {"message": message, "position": position}
        )


@dataclass(frozen=True)
class _Token:
    kind: str  # word, subject, number, string, bool, op, end
    value: Any
    position: int  # 1-based
    text: str


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    index = 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None:
            raise RuleError(_("“%(char)s” cannot be read here") % {"char": text[index]}, index + 1)
        kind = match.lastgroup or ""
        raw = match.group(0)
        position = index + 1
        index = match.end()
        if kind == "space":
            continue
        if kind == "braced":  # lastgroup names the innermost group
            kind = "subject"
        if kind == "subject":
            key = match.group("braced")
            if not _WORD.fullmatch(key or ""):
                raise RuleError(_("“%(text)s” is not a question key") % {"text": raw}, position)
            out.append(_Token("subject", key, position, raw))
        elif kind == "number":
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            out.append(_Token("number", number, position, raw))
        elif kind == "word":
            if raw in ("TRUE", "FALSE"):
                out.append(_Token("bool", raw == "TRUE", position, raw))
            else:
                out.append(_Token("word", raw, position, raw))
        elif kind == "dstring":
            try:
                value = json.loads(raw)
            except ValueError:
                raise RuleError(
                    _("the quoted text %(text)s cannot be read") % {"text": raw}, position
                ) from None
            out.append(_Token("string", value, position, raw))
        elif kind == "sstring":
            out.append(_Token("string", raw[1:-1], position, raw))
        else:
            out.append(_Token("op", "≠" if raw == "!=" else raw, position, raw))
    out.append(_Token("end", None, len(text) + 1, ""))
    return out


class _Reader:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def next(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def is_word(self, *words: str) -> bool:
        return self.token.kind == "word" and self.token.value.lower() in words

    def is_op(self, op: str) -> bool:
        return self.token.kind == "op" and self.token.value == op

    def fail(self, expected: str) -> RuleError:
        token = self.token
        if token.kind == "end":
            return RuleError(
                _("the rule ends where %(expected)s should follow") % {"expected": expected},
                token.position,
            )
        return RuleError(
            _("“%(found)s” where %(expected)s should be")
            % {"found": token.text, "expected": expected},
            token.position,
        )


def _value(reader: _Reader) -> tuple[Any, int]:
    token = reader.token
    if token.kind in ("word", "number", "string", "bool"):
        reader.next()
        return token.value, token.position
    raise reader.fail(_("a value"))


def _values(reader: _Reader) -> list[tuple[Any, int]]:
    if not reader.is_op("("):
        raise reader.fail(_("a list in brackets, e.g. (a, b)"))
    reader.next()
    values = [_value(reader)]
    while reader.is_op(","):
        reader.next()
        values.append(_value(reader))
    if not reader.is_op(")"):
        raise reader.fail(_("a comma or the closing bracket"))
    reader.next()
    return values


def _attribute(reader: _Reader, field: str, name: _Token) -> list[str]:
    if reader.is_op("="):
        reader.next()
        values = [_value(reader)]
    elif reader.is_word("in"):
        reader.next()
        values = _values(reader)
    else:
        raise reader.fail(
            _("“=” or “in” (a %(name)s condition lists what it holds for)") % {"name": name.text}
        )
    allowed = ATTRIBUTE_VALUES[field]
    out = []
    for value, position in values:
        if value not in allowed:
            raise RuleError(
                _("“%(value)s” is not a %(name)s; use one of: %(allowed)s")
                % {"value": value, "name": name.text, "allowed": ", ".join(allowed)},
                position,
            )
        if value in out:
            raise RuleError(_("“%(value)s” is listed twice") % {"value": value}, position)
        out.append(value)
    return out


def _no_suffix(reader: _Reader, rule: dict[str, Any]) -> dict[str, Any]:
    if reader.is_word("or", "if"):
        raise RuleError(
            _("an “answered” condition cannot say what happens when it is unanswered"),
            reader.token.position,
        )
    return rule


def _answer(reader: _Reader, subject: _Token) -> dict[str, Any]:
    rule: dict[str, Any] = {"question": subject.value}
    if reader.is_op("."):
        reader.next()
        item = reader.token
        if item.kind != "word":
            raise reader.fail(_("the key of an item after the dot"))
        reader.next()
        rule["item"] = item.value
    if reader.is_word("answered", "unanswered"):
        rule["answered"] = reader.next().value.lower() == "answered"
        return _no_suffix(reader, rule)
    if reader.is_op("="):
        reader.next()
        rule["in"] = [_value(reader)[0]]
    elif reader.is_op("≠"):
        reader.next()
        rule["not_in"] = [_value(reader)[0]]
    elif reader.is_word("in"):
        reader.next()
        rule["in"] = [v for v, _p in _values(reader)]
    elif reader.is_word("not"):
        reader.next()
        if reader.is_word("answered"):
            reader.next()
            rule["answered"] = False
            return _no_suffix(reader, rule)
        if not reader.is_word("in"):
            raise reader.fail(_("“in” or “answered” after “not”"))
        reader.next()
        rule["not_in"] = [v for v, _p in _values(reader)]
    else:
        raise reader.fail(_("“=”, “!=”, “in”, “not in”, “answered” or “not answered”"))
    if reader.is_word("or"):
        reader.next()
        if not reader.is_word("unanswered"):
            raise reader.fail(_("“unanswered” after “or”"))
        reader.next()
        rule["if_unanswered"] = "show"
    elif reader.is_word("if"):
        reader.next()
        if not reader.is_word("answered"):
            raise reader.fail(_("“answered” after “if”"))
        reader.next()
        rule["if_unanswered"] = "hide"
    return rule


def parse_rule(text: str) -> dict[str, Any]:
    """The ``show_if`` a rule text describes (``{}`` for an empty text); RuleError if unreadable."""
    reader = _Reader(text)
    attributes: dict[str, list[str]] = {}
    answers: list[dict[str, Any]] = []
    while reader.token.kind != "end":
        subject = reader.next()
        word = subject.value.lower() if subject.kind == "word" else ""
        if word in ATTRIBUTE_WORDS and not reader.is_op("."):
            field = ATTRIBUTE_WORDS[word]
            if field in attributes:
                raise RuleError(
                    _(
                        "there is already a %(name)s condition; list every value in one, e.g. %(name)s in (a, b)"
                    )
                    % {"name": subject.text},
                    subject.position,
                )
            attributes[field] = _attribute(reader, field, subject)
        elif subject.kind in ("word", "subject"):
            answers.append(_answer(reader, subject))
        else:
            reader.index -= 1
            raise reader.fail(_("a question key, category, kind or region"))
        if reader.token.kind == "end":
            break
        if not reader.is_word("and"):
            raise reader.fail(_("“and” or the end of the rule"))
        reader.next()
        if reader.token.kind == "end":
            raise reader.fail(_("a condition after “and”"))
    show_if: dict[str, Any] = {f: attributes[f] for f in ATTRIBUTES.values() if f in attributes}
    if answers:
        show_if["answers"] = answers
    return show_if


# --- writing ---------------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A value as a rule writes it: a bare word where it reads back as the same text."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} cannot be written in a rule")
        return repr(value)
    text = str(value)
    if _WORD.fullmatch(text) and text not in RESERVED and text not in ("TRUE", "FALSE"):
        return text
    return json.dumps(text, ensure_ascii=False)


def _subject(key: str) -> str:
    if _WORD.fullmatch(key) and key.lower() not in RESERVED:
        return key
    return "${" + key + "}"


def _rule(rule: dict[str, Any]) -> str:
    out = _subject(str(rule["question"]))
    if "item" in rule:
        out += f".{rule['item']}"
    if "answered" in rule:
        return f"{out} answered" if rule["answered"] else f"{out} not answered"
    if "in" in rule:
        values = rule["in"]
        out += (
            f" = {value_text(values[0])}"
            if len(values) == 1
            else f" in ({', '.join(value_text(v) for v in values)})"
        )
    else:
        out += f" not in ({', '.join(value_text(v) for v in rule['not_in'])})"
    unanswered = rule.get("if_unanswered")
    if unanswered == "show":
        out += " or unanswered"
    elif unanswered == "hide":
        out += " if answered"
    return out


def rule_text(show_if: dict[str, Any] | None) -> str:
    """The one-line text of a ``show_if`` (``""`` for none)."""
    parts = []
    for word, field in ATTRIBUTES.items():
        if field in (show_if or {}):
            values = show_if[field]  # type: ignore[index]
            parts.append(
                f"{word} = {values[0]}" if len(values) == 1 else f"{word} in ({', '.join(values)})"
            )
    parts.extend(_rule(rule) for rule in (show_if or {}).get("answers", []))
    return " and ".join(parts)
