"""Each question type: how its answer arrives from a form, how it is checked, how it is shown.

A stored value is JSON: "yes"/"no"; an option key; a list of option keys (multi, rank); a
number; {item: point} for a scale grid; {item: "yes"|"no"|"dont_know"} for a yes/no battery; a
string for text. ``dont_know`` and ``not_relevant`` are stored as those strings. ``None`` means
unanswered. The description of an "other, please describe" option or item is the other text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import Question, localized
from surveys.respondent.context import OrgContext, render_text

DONT_KNOW = "dont_know"
NOT_RELEVANT = "not_relevant"
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


class AnswerInvalid(ValueError):
    """The value cannot be stored; the message is for the person who typed it."""


def field_name(question: Question, suffix: str = "") -> str:
    return f"q-{question.key}" + (f"-{suffix}" if suffix else "")


def item_field(question: Question, item_key: str) -> str:
    """The form field of one item of a grid. A battery's items are prefixed, so an item called
    "other" (or "version", "confirm" …) cannot meet the question's own fields."""
    if question.type == "yes_no_grid":
        return field_name(question, f"item-{item_key}")
    return field_name(question, item_key)


def fingerprint(value: Any, other_text: str = "") -> str:
    """A short fingerprint of a value, sent with a form so the server can tell what the user changed."""
    raw = json.dumps([value, other_text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _scale(question: Question) -> tuple[int, int]:
    scale = question.config.get("scale", {})
    return scale.get("min", 1), scale.get("max", 5)


def _option_keys(question: Question) -> list[str]:
    return [o["key"] for o in question.options]


def _other_keys(question: Question) -> set[str]:
    return {o["key"] for o in question.options if o.get("other")}


def _other_items(question: Question) -> set[str]:
    return {i["key"] for i in question.config.get("items", []) if i.get("other")}


def yes_no_values(question: Question) -> list[str]:
    """The answers of a yes/no question or of each item of a battery."""
    return ["yes", "no", *([DONT_KNOW] if question.config.get("allow_dont_know") else [])]


def scale_point_label(question: Question, point: Any) -> str:
    """The label of one point of a labelled scale (``scale.labels``), or '' – also when the
    label is just the point's number (a questionnaire that printed «1 – svært dårlig | 2 | …»)."""
    scale = question.config.get("scale", {})
    labels = scale.get("labels") or []
    low = scale.get("min", 1)
    if isinstance(point, int) and not isinstance(point, bool) and 0 <= point - low < len(labels):
        label = localized(labels[point - low])
        return "" if label.strip() == str(point) else label
    return ""


def _single_value(question: Question, raw: str, allowed: list[Any]) -> Any:
    if raw not in [str(a) for a in allowed]:
        raise AnswerInvalid(_("This answer is not one of the question's options."))
    for candidate in allowed:
        if str(candidate) == raw:
            return candidate
    return raw  # pragma: no cover


def _number(raw: str) -> Decimal:
    text = re.sub(r"[\s\u00a0\u202f]", "", raw).rstrip("%")
    if not _NUMBER.match(text):
        raise ValueError
    return Decimal(text.replace(",", "."))


def parse(question: Question, data: Mapping[str, Any]) -> tuple[Any, str]:
    """(value, other text) from submitted form data, checked. Raises AnswerInvalid."""
    name = field_name(question)
    config = question.config
    kind = question.type

    def getlist(field: str) -> list[Any]:
        if hasattr(data, "getlist"):
            return list(data.getlist(field))
        found: Any = data.get(field)
        if isinstance(found, list):
            return found
        return [] if found is None else [found]

    other_text = (data.get(field_name(question, "other")) or "").strip()
    extra = [DONT_KNOW] if config.get("allow_dont_know") else []

    if kind in ("yes_no", "single", "scale"):
        raw = (data.get(name) or "").strip()
        if not raw:
            return None, ""
        if kind == "yes_no":
            allowed: list[Any] = ["yes", "no", *extra]
        elif kind == "single":
            allowed = [
                *_option_keys(question),
                *([NOT_RELEVANT] if config.get("allow_not_relevant") else []),
                *extra,
            ]
        else:
            low, high = _scale(question)
            allowed = (
                list(range(low, high + 1))
                + ([NOT_RELEVANT] if config.get("allow_not_relevant") else [])
                + extra
            )
        value = _single_value(question, raw, allowed)
        return value, _other(question, [value], other_text)

    if kind == "multi":
        chosen = [v.strip() for v in getlist(name) if v and v.strip()]
        if not chosen:
            return None, ""
        allowed = [*_option_keys(question), *extra]
        for value in chosen:
            if value not in allowed:
                raise AnswerInvalid(_("This answer is not one of the question's options."))
        if DONT_KNOW in chosen:
            if len(chosen) > 1:
                raise AnswerInvalid(_("“Don't know” cannot be combined with other choices."))
            return DONT_KNOW, ""
        chosen = [k for k in _option_keys(question) if k in chosen]  # document order, no repeats
        exclusive = [o for o in question.options if o.get("exclusive") and o["key"] in chosen]
        if exclusive and len(chosen) > 1:
            raise AnswerInvalid(
                _("“%(option)s” cannot be combined with other choices.")
                % {"option": localized(exclusive[0]["label"])}
            )
        limit = config.get("max_choices")
        if limit and len(chosen) > limit:
            raise AnswerInvalid(
                ngettext("Choose at most %(n)s option.", "Choose at most %(n)s options.", limit)
                % {"n": limit}
            )
        least = config.get("min_choices")
        if least and len(chosen) < least and not exclusive:
            raise AnswerInvalid(
                ngettext("Choose at least %(n)s.", "Choose at least %(n)s.", least) % {"n": least}
            )
        return chosen, _other(question, chosen, other_text)

    if kind == "rank":
        places = config["rank"]
        ranked = [
            (data.get(field_name(question, str(i))) or "").strip() for i in range(1, places + 1)
        ]
        if not any(ranked):
            return None, ""
        keys = _option_keys(question)
        for value in ranked:
            if value and value not in keys:
                raise AnswerInvalid(_("This answer is not one of the question's options."))
        filled = [v for v in ranked if v]
        if ranked[: len(filled)] != filled:
            raise AnswerInvalid(_("Fill in the places from the top, without gaps."))
        duplicates = sorted({v for v in filled if filled.count(v) > 1})
        if duplicates:
            raise AnswerInvalid(
                _("“%(option)s” is chosen for more than one place. Choose each option only once.")
                % {"option": question.option_label(duplicates[0])}
            )
        return filled, _other(question, filled, other_text)

    if kind in ("integer", "percent"):
        if data.get(field_name(question, "dk")) and extra:
            return DONT_KNOW, ""
        raw = (data.get(name) or "").strip()
        if not raw:
            return None, ""
        try:
            number = _number(raw)
        except (ValueError, InvalidOperation):
            if kind == "integer":
                raise AnswerInvalid(_("Write a whole number, for example 12.")) from None
            raise AnswerInvalid(_("Write a percentage as a number, for example 70.")) from None
        low = config.get("min", 0 if kind == "percent" else None)
        high = config.get("max", 100 if kind == "percent" else None)
        if kind == "integer" and number != number.to_integral_value():
            raise AnswerInvalid(_("Write a whole number, without decimals."))
        if kind == "percent" and number != number.quantize(Decimal("0.1")):
            raise AnswerInvalid(_("Use at most one decimal."))
        if (low is not None and number < Decimal(str(low))) or (
            high is not None and number > Decimal(str(high))
        ):
            if low is not None and high is not None:
                message = _("The number must be between %(low)s and %(high)s.")
            elif low is not None:
                message = _("The number must be %(low)s or more.")
            else:
                message = _("The number must be %(high)s or less.")
            raise AnswerInvalid(message % {"low": low, "high": high})
        return (
            int(number)
            if kind == "integer" or number == number.to_integral_value()
            else float(number)
        ), ""

    if kind == "scale_grid":
        low, high = _scale(question)
        allowed = list(range(low, high + 1)) + (
            [NOT_RELEVANT] if config.get("allow_not_relevant") else []
        )
        value = {}
        for item in config["items"]:
            raw = (data.get(field_name(question, item["key"])) or "").strip()
            if raw:
                value[item["key"]] = _single_value(question, raw, allowed)
        return (value or None), ""

    if kind == "yes_no_grid":
        allowed = yes_no_values(question)
        value = {}
        for item in config["items"]:
            raw = (data.get(item_field(question, item["key"])) or "").strip()
            if raw:
                value[item["key"]] = _single_value(question, raw, allowed)
        said_yes = {k for k, v in value.items() if v == "yes"}
        if not said_yes & _other_items(question):
            return (value or None), ""
        return value, _describe(other_text)

    if kind in ("text", "textarea"):
        raw = (data.get(name) or "").replace("\r\n", "\n").strip()
        if not raw:
            return None, ""
        limit = config.get("max_length", 200 if kind == "text" else 4000)
        if len(raw) > limit:
            raise AnswerInvalid(
                _("The text can be at most %(limit)s characters long; it is %(length)s.")
                % {"limit": limit, "length": len(raw)}
            )
        if "\x00" in raw:
            raise AnswerInvalid(_("The text contains characters that cannot be stored."))
        return raw, ""

    raise AnswerInvalid(_("This question cannot be answered."))  # pragma: no cover


def _other(question: Question, chosen: list[Any], other_text: str) -> str:
    picked_other = bool(_other_keys(question) & {c for c in chosen if isinstance(c, str)})
    if not picked_other:
        return ""
    return _describe(other_text)


def _describe(other_text: str) -> str:
    """The description an "other, please describe" answer needs."""
    if not other_text:
        raise AnswerInvalid(_("Describe what “other” is, or choose another option."))
    if len(other_text) > 500:
        raise AnswerInvalid(_("The description can be at most 500 characters long."))
    return other_text


def _number_text(value: Any) -> str:
    """Thousands grouped from five digits (12 500), not below (2020 stays a year)."""
    if isinstance(value, int | float):
        return number_format(value, force_grouping=abs(value) >= 10000)
    return str(value)


def display(question: Question, value: Any, other_text: str = "") -> str:
    """The answer as a person reads it."""
    if value is None:
        return ""
    if value == DONT_KNOW:
        return _("Don't know")
    if value == NOT_RELEVANT:
        return _("Not relevant")
    kind = question.type
    if kind == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    if kind in ("single", "multi", "rank"):
        values = value if isinstance(value, list) else [value]
        option_labels = []
        for position, key in enumerate(values, start=1):
            label = question.option_label(key)
            if key in _other_keys(question) and other_text:
                label = f"{label}: {other_text}"
            option_labels.append(f"{position}. {label}" if kind == "rank" else label)
        return "; ".join(option_labels)
    if kind == "integer":
        unit = localized(question.config.get("unit"))
        return f"{_number_text(value)} {unit}".strip()
    if kind == "percent":
        return f"{_number_text(value)} %"
    if kind == "scale":
        label = scale_point_label(question, value)
        return f"{_number_text(value)} – {label}" if label else _number_text(value)
    if kind == "scale_grid":
        labels = {i["key"]: localized(i["label"]) for i in question.config["items"]}
        parts = []
        for item_key, point in value.items():
            label = scale_point_label(question, point)
            shown = _("Not relevant") if point == NOT_RELEVANT else str(point)
            shown = f"{shown} – {label}" if label else shown
            parts.append(f"{labels.get(item_key, item_key)}: {shown}")
        return "; ".join(parts)
    if kind == "yes_no_grid" and isinstance(value, dict):
        parts = []
        others = _other_items(question)
        for item in question.config["items"]:
            if item["key"] not in value:
                continue
            label = localized(item["label"])
            if item["key"] in others and other_text and value[item["key"]] == "yes":
                label = f"{label} ({other_text})"
            parts.append(f"{label}: {yes_no_label(value[item['key']])}")
        return "; ".join(parts)
    return str(value)


def yes_no_label(value: Any) -> str:
    return {"yes": _("Yes"), "no": _("No"), DONT_KNOW: _("Don't know")}.get(value, str(value))


def plausibility_warning(question: Question, value: Any, org: OrgContext, last_year: Any) -> str:
    """A message asking to confirm or explain an unlikely number, or ''."""
    if question.type not in ("integer", "percent") or not isinstance(value, int | float):
        return ""
    for check in question.config.get("checks", []):
        if "last_year" in check:
            if isinstance(last_year, int | float) and last_year:
                change = abs(value - last_year) / abs(last_year)
                if change > check["last_year"]:
                    template = check.get("message") or {
                        "nb": _(
                            "Last year the answer was {last_year}; now it is {value}. Is that right? Confirm or explain."
                        )
                    }
                    return _fill(template, org, value=value, last_year=last_year)
            continue
        figure_name = check["key_figure"]
        figure = org.figures.get(figure_name)
        if figure is None:
            continue
        too_high = "max_ratio" in check and value > figure * check["max_ratio"]
        too_low = "min_ratio" in check and value < figure * check["min_ratio"]
        if too_high or too_low:
            template = check.get("message") or {
                "nb": _(
                    "The key figure is {figure}; the answer is {value}. Is that right? Confirm or explain."
                )
            }
            return _fill(template, org, value=value, figure=figure)
    return ""


def _fill(template: dict, org: OrgContext, **extra: Any) -> str:
    values = org.placeholders()
    values.update(extra)
    # A portal-written default message is already in the active language.
    return render_text(template, values)
