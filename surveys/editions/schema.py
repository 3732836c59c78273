"""The published JSON Schema of a survey definition (docs/survey-schema.json is generated from it).

The schema checks the document's shape; ``surveys.editions.definition`` adds the rules a schema cannot
express (unique keys, routing that only looks back, option mappings that point at real options).
"""

from __future__ import annotations

import json
from pathlib import Path

from surveys.respondent.context import FIGURE_PLACEHOLDERS

# The codes of IMDi's regions a rule may name (their names are the Region rows').
REGION_CODES = ("ost", "indre-ostland", "sor", "vest", "midt-norge", "nord")
KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,59}$"}
TEXT = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "nb": {"type": "string", "minLength": 1},
                "nn": {"type": "string"},
                "en": {"type": "string"},
            },
            "required": ["nb"],
            "additionalProperties": False,
        },
    ]
}
ROUTING_VALUE = {"type": ["string", "number", "boolean"]}
SHOW_IF = {
    "type": "object",
    "properties": {
        "settlement_category": {
            "type": "array",
            "items": {"enum": ["settles", "first_time", "does_not_settle"]},
            "minItems": 1,
            "uniqueItems": True,
        },
        "kind": {
            "type": "array",
            "items": {"enum": ["municipality", "district"]},
            "minItems": 1,
            "uniqueItems": True,
        },
        "region": {
            "type": "array",
            "items": {"enum": list(REGION_CODES)},
            "minItems": 1,
            "uniqueItems": True,
        },
        "answers": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "question": KEY,
                    "in": {"type": "array", "items": ROUTING_VALUE, "minItems": 1},
                    "not_in": {"type": "array", "items": ROUTING_VALUE, "minItems": 1},
                    "answered": {"type": "boolean"},
                    "item": KEY,
                    "if_unanswered": {"enum": ["show", "hide"]},
                },
                "required": ["question"],
                "additionalProperties": False,
                "oneOf": [
                    {"required": ["in"]},
                    {"required": ["not_in"]},
                    {"required": ["answered"]},
                ],
            },
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
}
OPTION = {
    "type": "object",
    "properties": {
        "key": KEY,
        "label": TEXT,
        "other": {"type": "boolean"},
        "exclusive": {"type": "boolean"},
    },
    "required": ["key", "label"],
    "additionalProperties": False,
}
ITEM = {
    "type": "object",
    "properties": {"key": KEY, "label": TEXT, "other": {"type": "boolean"}},
    "required": ["key", "label"],
    "additionalProperties": False,
}
SCALE = {
    "type": "object",
    "properties": {
        "min": {"type": "integer", "minimum": 0, "maximum": 10},
        "max": {"type": "integer", "minimum": 1, "maximum": 11},
        "min_label": TEXT,
        "max_label": TEXT,
        "labels": {"type": "array", "items": TEXT, "minItems": 2},
    },
    "additionalProperties": False,
}
CHECK = {
    "type": "object",
    "properties": {
        "last_year": {"type": "number", "exclusiveMinimum": 0},
        "key_figure": {"enum": list(FIGURE_PLACEHOLDERS)},
        "max_ratio": {"type": "number", "exclusiveMinimum": 0},
        "min_ratio": {"type": "number", "minimum": 0},
        "message": TEXT,
    },
    "additionalProperties": False,
    "oneOf": [
        {"required": ["last_year"], "not": {"required": ["key_figure"]}},
        {
            "required": ["key_figure"],
            "anyOf": [{"required": ["max_ratio"]}, {"required": ["min_ratio"]}],
        },
    ],
}
QUESTION_TYPES = [
    "yes_no",
    "single",
    "multi",
    "rank",
    "integer",
    "percent",
    "scale",
    "scale_grid",
    "yes_no_grid",
    "text",
    "textarea",
]
QUESTION = {
    "type": "object",
    "properties": {
        "key": KEY,
        "type": {"enum": QUESTION_TYPES},
        "text": TEXT,
        "help": TEXT,
        "required": {"type": "boolean"},
        "show_if": SHOW_IF,
        "options": {"type": "array", "items": OPTION, "minItems": 2},
        "allow_dont_know": {"type": "boolean"},
        "allow_not_relevant": {"type": "boolean"},
        "min_choices": {"type": "integer", "minimum": 1},
        "max_choices": {"type": "integer", "minimum": 1},
        "rank": {"type": "integer", "minimum": 2},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "unit": TEXT,
        "scale": SCALE,
        "items": {"type": "array", "items": ITEM, "minItems": 1},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 20000},
        "checks": {"type": "array", "items": CHECK, "minItems": 1},
    },
    "required": ["key", "type", "text"],
    "additionalProperties": False,
    "allOf": [
        {
            "if": {"properties": {"type": {"enum": ["single", "multi", "rank"]}}},
            "then": {"required": ["options"]},
            "else": {"not": {"anyOf": [{"required": ["options"]}]}},
        },
        {
            "if": {"properties": {"type": {"enum": ["scale_grid", "yes_no_grid"]}}},
            "then": {"required": ["items"]},
            "else": {"not": {"required": ["items"]}},
        },
        {
            "if": {"properties": {"type": {"const": "rank"}}},
            "then": {"required": ["rank"]},
            "else": {"not": {"required": ["rank"]}},
        },
        {
            "if": {"not": {"properties": {"type": {"const": "multi"}}}},
            "then": {
                "not": {"anyOf": [{"required": ["max_choices"]}, {"required": ["min_choices"]}]}
            },
        },
        {
            "if": {"not": {"properties": {"type": {"enum": ["integer", "percent"]}}}},
            "then": {
                "not": {
                    "anyOf": [
                        {"required": ["min"]},
                        {"required": ["max"]},
                        {"required": ["checks"]},
                    ]
                }
            },
        },
        {
            "if": {"not": {"properties": {"type": {"const": "integer"}}}},
            "then": {"not": {"required": ["unit"]}},
        },
        {
            "if": {"not": {"properties": {"type": {"enum": ["scale", "scale_grid"]}}}},
            "then": {"not": {"required": ["scale"]}},
        },
        {
            "if": {"not": {"properties": {"type": {"enum": ["scale", "scale_grid", "single"]}}}},
            "then": {"not": {"required": ["allow_not_relevant"]}},
        },
        {
            "if": {"not": {"properties": {"type": {"enum": ["text", "textarea"]}}}},
            "then": {"not": {"required": ["max_length"]}},
        },
    ],
}
SECTION = {
    "type": "object",
    "properties": {
        "key": KEY,
        "title": TEXT,
        "intro": TEXT,
        "show_if": SHOW_IF,
        "questions": {"type": "array", "items": QUESTION, "minItems": 1},
    },
    "required": ["key", "title", "questions"],
    "additionalProperties": False,
}
MAPPING = {
    "type": "object",
    "properties": {
        "question": KEY,
        "from_year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "map": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": ["string", "integer"]},
        },
    },
    "required": ["question", "from_year", "map"],
    "additionalProperties": False,
}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://kommuneportal.example/schemas/survey-definition.json",
    "title": "Survey edition definition",
    "type": "object",
    "properties": {
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "title": TEXT,
        "opens": DATE,
        "deadline": DATE,
        "intro": TEXT,
        "previous_year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "option_mappings": {"type": "array", "items": MAPPING},
        "sections": {"type": "array", "items": SECTION, "minItems": 1},
    },
    "required": ["year", "title", "opens", "deadline", "sections"],
    "additionalProperties": False,
}

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "survey-schema.json"


def schema_json() -> str:
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
