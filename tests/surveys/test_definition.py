"""The survey definition format: parsing, validation errors, round trip, import and commands."""

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.core.audit.models import AuditEntry
from surveys.editions.definition import (
    MAX_NESTING,
    DefinitionError,
    load_document,
    parse_definition,
    to_yaml,
)
from surveys.editions.schema import schema_json
from surveys.editions.services import _earlier_question, edition_import
from surveys.models import Answer, Question, Response, Section, SurveyEdition
from tests.surveys.conftest import DEFINITION, PREVIOUS, definition

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = sorted((ROOT / "surveys" / "editions").glob("*.yaml"))
SCHEMA_FILE = ROOT / "docs" / "survey-schema.json"
QUESTION_COUNT = sum(len(s["questions"]) for s in DEFINITION["sections"])


@pytest.fixture(autouse=True)
def _english():
    """The messages below are asserted in English (the msgids); bokmål is tested separately."""
    with translation.override("en"):
        yield


def q(doc, key):
    """The question with ``key`` in a (raw) definition document."""
    for section in doc["sections"]:
        for question in section["questions"]:
            if question["key"] == key:
                return question
    raise KeyError(key)


def errors_of(content, **kwargs):
    with pytest.raises(DefinitionError) as info:
        parse_definition(content, **kwargs)
    assert info.value.errors, "a DefinitionError must list its problems"
    assert info.value.errors == [str(p) for p in info.value.problems]
    return Reported(info.value.problems)


class Reported(list):
    """The problems of a refused definition; compares with a list of texts as they are shown."""

    def __eq__(self, other):
        return [str(p) for p in self] == [str(p) for p in other]

    def __getitem__(self, index):
        return str(super().__getitem__(index))


def assert_reported(problems, prefix, fragment):
    """A problem at a location starting with ``prefix`` whose text has ``fragment``; one inside
    a question names that question's key, so nobody has to count."""
    matching = [p for p in problems if p.location.startswith(prefix) and fragment in str(p)]
    assert matching, (
        f"no error at {prefix!r} containing {fragment!r} in {[str(p) for p in problems]}"
    )
    for problem in matching:
        if ".questions[" in problem.location and not problem.location.startswith("option_"):
            assert problem.question and f"question '{problem.question}'" in str(problem), problem


def minimal_yaml(**fields):
    """A small valid YAML document; ``fields`` replaces top-level lines verbatim."""
    lines = {
        "year": "2030",
        "title": "Undersøkelsen 2030",
        "opens": '"2030-11-01"',
        "deadline": '"2031-01-15"',
    }
    lines.update(fields)
    head = "".join(f"{k}: {v}\n" for k, v in lines.items())
    return (
        head
        + "sections:\n"
        + "  - key: s\n"
        + "    title: Del\n"
        + "    questions:\n"
        + "      - key: a\n"
        + "        type: yes_no\n"
        + "        text: Spørsmål?\n"
    )


# --- shipped editions and the published schema --------------------------------------------


def test_there_are_shipped_editions():
    names = {p.name for p in EDITIONS}
    assert {"2014.yaml", "2017.yaml", "2026.yaml", "example.yaml"} <= names


@pytest.mark.parametrize("path", EDITIONS, ids=lambda p: p.name)
def test_shipped_edition_parses(path):
    result = parse_definition(path.read_bytes())
    assert isinstance(result["year"], int)
    assert result["sections"]
    assert all(s["questions"] for s in result["sections"])


def test_published_schema_is_in_sync():
    if not SCHEMA_FILE.exists():
        pytest.fail(
            "docs/survey-schema.json is missing; regenerate it with `make schema` "
            "(writes surveys.editions.schema.schema_json() to surveys.editions.schema.SCHEMA_PATH)"
        )
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_json(), (
        "docs/survey-schema.json is out of date; regenerate it with `make schema`"
    )


# --- rejections -------------------------------------------------------------------------------

REJECTIONS = [
    pytest.param(
        lambda d: q(d, "plan_year").update(
            show_if={"answers": [{"question": "nope", "in": ["yes"]}]}
        ),
        "sections[0].questions[2].show_if.answers[0].question",
        "'nope' is not a question of this edition",
        id="routing-unknown-question",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(
            show_if={"answers": [{"question": "plan_year", "answered": True}]}
        ),
        "sections[0].questions[1].show_if.answers[0].question",
        "'plan_year' is asked later",
        id="routing-later-question-same-section",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(
            show_if={"answers": [{"question": "unit", "in": ["nav"]}]}
        ),
        "sections[0].questions[1].show_if.answers[0].question",
        "'unit' is asked later",
        id="routing-later-section",
    ),
    pytest.param(
        lambda d: d["sections"][0].update(
            show_if={"answers": [{"question": "unit", "in": ["nav"]}]}
        ),
        "sections[0].show_if.answers[0].question",
        "'unit' is asked later",
        id="section-routing-later-section",
    ),
    pytest.param(
        lambda d: d["sections"][0].update(
            show_if={"answers": [{"question": "has_plan", "in": ["yes"]}]}
        ),
        "sections[0].show_if.answers[0].question",
        "'has_plan' is asked later",
        id="section-routing-own-question",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(
            show_if={"answers": [{"question": "has_plan", "in": ["maybe"]}]}
        ),
        "sections[0].questions[2].show_if.answers[0].in",
        "'maybe' is not an answer of 'has_plan'",
        id="routing-value-not-an-answer",
    ),
    pytest.param(
        lambda d: q(d, "satisfaction").update(
            show_if={"answers": [{"question": "unit", "not_in": ["kommune"]}]}
        ),
        "sections[1].questions[4].show_if.answers[0].not_in",
        "'kommune' is not an answer of 'unit'",
        id="routing-value-not-an-option",
    ),
    pytest.param(
        lambda d: q(d, "advice").update(
            show_if={"answers": [{"question": "contact_name", "in": ["Kari"]}]}
        ),
        "sections[1].questions[7].show_if.answers[0].in",
        "can only be routed on with answered",
        id="routing-in-on-text",
    ),
    pytest.param(
        lambda d: d["sections"][1].update(key="settlement"),
        "sections[1].key",
        "'settlement' is used twice (also by the section titled “Bosetting”)",
        id="duplicate-section-key",
    ),
    pytest.param(
        lambda d: d["sections"][1]["questions"][0].update(key="has_plan"),
        "sections[1].questions[0].key",
        "'has_plan' is used twice (also by a question in section 'settlement')",
        id="duplicate-question-key-across-sections",
    ),
    pytest.param(
        lambda d: q(d, "unit")["options"][1].update(key="none"),
        "sections[1].questions[0].options[1].key",
        "'none' is used twice",
        id="duplicate-option-key",
    ),
    pytest.param(
        lambda d: q(d, "unit")["options"][1].update(key="dont_know"),
        "sections[1].questions[0].options[1].key",
        "'dont_know' is reserved",
        id="reserved-option-key",
    ),
    pytest.param(
        lambda d: q(d, "channels")["items"][1].update(key="email"),
        "sections[1].questions[5].items[1].key",
        "'email' is used twice",
        id="duplicate-item-key",
    ),
    pytest.param(
        lambda d: d.update(
            option_mappings=[{"question": "unit", "from_year": 2025, "map": {"ingen": "nothing"}}]
        ),
        "option_mappings[0].map.ingen",
        "'nothing' is not an option of 'unit'",
        id="mapping-to-nonexistent-option",
    ),
    pytest.param(
        lambda d: d.update(
            option_mappings=[{"question": "satisfaction", "from_year": 2025, "map": {"god": 6}}]
        ),
        "option_mappings[0].map.god",
        "'6' is not an option of 'satisfaction'",
        id="mapping-to-scale-point-outside-scale",
    ),
    pytest.param(
        lambda d: d.update(
            option_mappings=[{"question": "nope", "from_year": 2025, "map": {"a": "none"}}]
        ),
        "option_mappings[0].question",
        "'nope' is not a question of this edition",
        id="mapping-unknown-question",
    ),
    pytest.param(
        lambda d: d.update(
            option_mappings=[{"question": "unit", "from_year": 2026, "map": {"ingen": "none"}}]
        ),
        "option_mappings[0].from_year",
        "must be an earlier year",
        id="mapping-from-year-not-earlier",
    ),
    pytest.param(
        lambda d: d.update(
            option_mappings=[
                {"question": "unit", "from_year": 2025, "map": {"ingen": "none"}},
                {"question": "unit", "from_year": 2025, "map": {"kontor": "refugee_office"}},
            ]
        ),
        "option_mappings[1]",
        "'unit' from 2025 is mapped twice",
        id="mapping-twice",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(text="Har {foo} en plan?"),
        "sections[0].questions[1].text (nb)",
        "unknown placeholder {foo}",
        id="unknown-placeholder",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(text={"nb": "Har {organisation} en plan?", "en": "{x}"}),
        "sections[0].questions[1].text (en)",
        "unknown placeholder {x}",
        id="unknown-placeholder-in-other-language",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(text="Stemmer {value}?"),
        "sections[0].questions[1].text (nb)",
        "unknown placeholder {value}",
        id="check-placeholder-in-question-text",
    ),
    pytest.param(
        lambda d: d["sections"][0].update(title="Bosetting i {year}"),
        "sections[0].title (nb)",
        "placeholders such as {year} cannot be used here",
        id="placeholder-in-section-title",
    ),
    pytest.param(
        lambda d: d.update(title="Undersøkelsen {year}"),
        "title (nb)",
        "cannot be used here",
        id="placeholder-in-edition-title",
    ),
    pytest.param(
        lambda d: q(d, "unit")["options"][0].update(label="Ingen i {organisation}"),
        "sections[1].questions[0].options[0].label (nb)",
        "cannot be used here",
        id="placeholder-in-option-label",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(text="Har kommunen {en plan?"),
        "sections[0].questions[1].text (nb)",
        "unmatched { or }",
        id="unbalanced-open-brace",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(text="Har kommunen en plan}?"),
        "sections[0].questions[1].text (nb)",
        "unmatched { or }",
        id="unbalanced-close-brace",
    ),
    pytest.param(
        lambda d: d.pop("deadline"),
        "(document)",
        "'deadline' is missing",
        id="missing-required-top-level-field",
    ),
    pytest.param(
        lambda d: d.update(year="2026"),
        "year",
        "must be a whole number",
        id="wrong-type-year",
    ),
    pytest.param(
        lambda d: q(d, "contact_name").update(max_length="20"),
        "sections[1].questions[6].max_length",
        "must be a whole number",
        id="wrong-type-max-length",
    ),
    pytest.param(
        lambda d: d["sections"][0].update(title=["Bosetting"]),
        "sections[0].title",
        "must be a text",
        id="wrong-type-text",
    ),
    pytest.param(
        lambda d: d.update(colour="red"),
        "(document)",
        "unknown field 'colour'",
        id="unknown-top-level-field",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(colour="red"),
        "sections[0].questions[1]",
        "unknown field 'colour'",
        id="unknown-question-field",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(type="boolean"),
        "sections[0].questions[1].type",
        "'boolean' is not one of",
        id="unknown-question-type",
    ),
    pytest.param(
        lambda d: q(d, "has_plan").update(key="HasPlan"),
        "sections[0].questions[1].key",
        "is not a valid key",
        id="invalid-key",
    ),
    pytest.param(
        lambda d: d.update(opens="2026-02-30"),
        "opens",
        "'2026-02-30' is not a real date",
        id="invalid-date",
    ),
    pytest.param(
        lambda d: d.update(opens="2. november 2026"),
        "opens",
        "is not a date (YYYY-MM-DD)",
        id="date-not-iso",
    ),
    pytest.param(
        lambda d: d.update(opens="2027-02-01"),
        "deadline",
        "the deadline is before the opening date",
        id="deadline-before-opens",
    ),
    pytest.param(
        lambda d: d.update(previous_year=2026),
        "previous_year",
        "must be an earlier year",
        id="previous-year-not-earlier",
    ),
    pytest.param(
        lambda d: q(d, "measures").update(max_choices=4),
        "sections[1].questions[1].max_choices",
        "4 is more than the 3 options",
        id="max-choices-more-than-options",
    ),
    pytest.param(
        lambda d: q(d, "priorities").update(rank=4),
        "sections[1].questions[2].rank",
        "4 is more than the 3 options",
        id="rank-more-than-options",
    ),
    pytest.param(
        lambda d: [q(d, "priorities")["options"][i].update(other=True) for i in (1, 2)],
        "sections[1].questions[2].options[2].other",
        "a ranking can have only one “other, please describe” option",
        id="rank-with-two-other-options",
    ),
    pytest.param(
        lambda d: q(d, "expected_settled").update(
            options=[{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
        ),
        "sections[0].questions[0]",
        "does not belong to a 'integer' question",
        id="options-on-integer",
    ),
    pytest.param(
        lambda d: q(d, "channels").pop("items"),
        "sections[1].questions[5]",
        "'items' is missing",
        id="scale-grid-without-items",
    ),
    pytest.param(
        lambda d: q(d, "unit").pop("options"),
        "sections[1].questions[0]",
        "'options' is missing",
        id="single-without-options",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(min=2031),
        "sections[0].questions[2].min",
        "2031 is more than max 2030",
        id="min-more-than-max",
    ),
    pytest.param(
        lambda d: q(d, "target").update(max=120),
        "sections[1].questions[3].max",
        "a percentage is between 0 and 100, not 120",
        id="percent-max-120",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(max=2030.5),
        "sections[0].questions[2].max",
        "must be a whole number",
        id="integer-bound-with-decimals",
    ),
    pytest.param(
        lambda d: q(d, "satisfaction").update(scale={"min": 5, "max": 5}),
        "sections[1].questions[4].scale",
        "min (5) must be less than max (5)",
        id="scale-min-not-below-max",
    ),
    pytest.param(
        lambda d: q(d, "channels").update(scale={"min": 4, "max": 2}),
        "sections[1].questions[5].scale",
        "min (4) must be less than max (2)",
        id="grid-scale-min-above-max",
    ),
    pytest.param(
        lambda d: q(d, "unit")["options"][0].update(exclusive=True),
        "sections[1].questions[0].options",
        "only a 'multi' question can have an exclusive option",
        id="exclusive-option-on-single",
    ),
    pytest.param(
        lambda d: q(d, "contact_name").update(allow_dont_know=True),
        "sections[1].questions[6].allow_dont_know",
        "a 'text' question cannot have",
        id="allow-dont-know-on-text",
    ),
    pytest.param(
        lambda d: q(d, "expected_settled").update(checks=[{"key_figure": "decided"}]),
        "sections[0].questions[0].checks[0]",
        "key_figure with max_ratio and/or min_ratio",
        id="check-without-ratio",
    ),
    pytest.param(
        lambda d: q(d, "expected_settled").update(
            checks=[{"key_figure": "budget", "max_ratio": 1}]
        ),
        "sections[0].questions[0].checks[0]",
        "key_figure",
        id="check-unknown-key-figure",
    ),
    pytest.param(
        lambda d: q(d, "expected_settled").update(
            checks=[{"key_figure": "decided", "max_ratio": 1, "message": "{foo}?"}]
        ),
        "sections[0].questions[0].checks[0].message (nb)",
        "unknown placeholder {foo}",
        id="check-message-unknown-placeholder",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(
            show_if={"answers": [{"question": "has_plan", "in": ["yes"], "answered": True}]}
        ),
        "sections[0].questions[2].show_if.answers[0]",
        "needs exactly one of in, not_in and answered",
        id="routing-rule-with-two-conditions",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(show_if={"region": ["vestlandet"]}),
        "sections[0].questions[2].show_if.region[0]",
        "'vestlandet' is not one of",
        id="routing-unknown-region",
    ),
]


@pytest.mark.parametrize(("mutate", "prefix", "fragment"), REJECTIONS)
def test_rejection_points_at_the_offending_key(mutate, prefix, fragment):
    doc = definition()
    mutate(doc)
    assert_reported(errors_of(doc), prefix, fragment)


def test_the_unchanged_test_definition_is_valid():
    # The rejection cases above start from this document: it must itself be accepted.
    result = parse_definition(definition())
    assert result["year"] == 2026
    assert [q["key"] for s in result["sections"] for q in s["questions"]][:3] == [
        "expected_settled",
        "has_plan",
        "plan_year",
    ]


def test_misplaced_field_error_names_the_field():
    doc = definition()
    q(doc, "expected_settled")["options"] = [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
    errors = errors_of(doc)
    assert any(p.location.startswith("sections[0].questions[0].options") for p in errors), errors


def test_routing_on_number_question_needs_numbers():
    doc = definition()
    q(doc, "plan_year")["show_if"] = {"answers": [{"question": "expected_settled", "in": ["many"]}]}
    assert_reported(
        errors_of(doc), "sections[0].questions[2].show_if.answers[0].in", "'many' is not a number"
    )


def test_several_errors_are_all_reported():
    doc = definition()
    q(doc, "has_plan")["text"] = "Har {foo} en plan?"
    q(doc, "measures")["max_choices"] = 4
    q(doc, "unit")["options"][1]["key"] = "none"
    q(doc, "plan_year")["show_if"] = {"answers": [{"question": "nope", "in": ["yes"]}]}
    errors = errors_of(doc)
    assert len(errors) >= 4
    assert_reported(errors, "sections[0].questions[1].text", "{foo}")
    assert_reported(errors, "sections[1].questions[1].max_choices", "more than")
    assert_reported(errors, "sections[1].questions[0].options[1].key", "used twice")
    assert_reported(errors, "sections[0].questions[2].show_if", "'nope'")


def test_several_schema_errors_are_all_reported():
    doc = definition()
    doc["year"] = "x"
    doc["colour"] = "red"
    del doc["deadline"]
    errors = errors_of(doc)
    assert len(errors) >= 3
    assert_reported(errors, "year", "must be a whole number, not 'x'")
    assert_reported(errors, "(document)", "'colour'")
    assert_reported(errors, "(document)", "'deadline' is missing")


# --- mapping sources against a stored earlier edition ----------------------------------------


def mapped(mapping):
    doc = definition()
    doc["option_mappings"] = [{"question": "unit", "from_year": 2025, "map": mapping}]
    return doc


def test_mapping_sources_are_checked_against_the_stored_earlier_edition(db):
    edition_import(actor=None, content=copy.deepcopy(PREVIOUS))
    doc = mapped({"ingen": "none", "flyktningkontor": "refugee_office", "kontor": "nav"})
    errors = errors_of(doc, earlier_question=_earlier_question)
    assert errors == [
        "question 'unit', option_mappings[0].map.kontor: 'kontor' is not an option of 'unit' in 2025"
    ]


def test_mapping_with_real_sources_is_accepted(db):
    edition_import(actor=None, content=copy.deepcopy(PREVIOUS))
    doc = mapped({"ingen": "none", "flyktningkontor": "refugee_office"})
    result = parse_definition(doc, earlier_question=_earlier_question)
    assert result["option_mappings"][0]["map"] == {
        "ingen": "none",
        "flyktningkontor": "refugee_office",
    }


def test_mapping_sources_are_not_checked_when_the_earlier_edition_is_not_stored(db):
    doc = mapped({"kontor": "nav"})
    result = parse_definition(doc, earlier_question=_earlier_question)
    assert result["option_mappings"][0]["map"] == {"kontor": "nav"}


# --- documents that are not documents ---------------------------------------------------------


def test_not_a_mapping():
    errors = errors_of(b"- year: 2026\n- title: x\n")
    assert errors == [
        "the document must be a mapping with year, title, opens, deadline and sections"
    ]


def test_not_utf8():
    errors = errors_of(b"year: 2026\ntitle: Unders\xf8kelsen\n")
    assert errors == ["the document is not UTF-8 text"]


def test_utf8_with_bom_is_accepted():
    content = "\ufeff" + minimal_yaml()
    assert parse_definition(content.encode("utf-8"))["year"] == 2030


def test_nul_byte_is_refused():
    errors = errors_of("year: 2026\x00\n")
    assert errors == ["the document is not text"]


def test_anchors_and_aliases_are_refused():
    content = minimal_yaml(title="&t Undersøkelsen", intro="*t")
    errors = errors_of(content.encode())
    assert len(errors) == 1
    assert errors[0].startswith("line 5,")  # intro: *t
    assert "anchors and aliases" in errors[0]


def test_billion_laughs_is_refused():
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"lol{level}: &l{level} [{refs}]")
    content = ("\n".join(lines) + "\n").encode()
    with pytest.raises(DefinitionError) as info:
        load_document(content)
    assert "anchors and aliases" in info.value.errors[0]
    assert info.value.errors[0].startswith("line 2,")


def test_yaml_syntax_error_reports_the_line():
    content = b"year: 2026\ntitle: Tittel\nopens: [2026-11-02\ndeadline: 2027-01-15\n"
    errors = errors_of(content)
    assert len(errors) == 1
    assert errors[0].startswith("line 4, column")


def test_document_larger_than_the_limit_is_refused(settings):
    limit = settings.SURVEY_DEFINITION_MAX_BYTES
    content = minimal_yaml().encode() + b"#" * limit
    errors = errors_of(content)
    assert errors == [f"the document is larger than {limit // 1024} KiB"]
    assert errors_of(content.decode()) == errors  # a text is held to the same limit


def test_document_just_under_the_limit_is_read(settings):
    limit = settings.SURVEY_DEFINITION_MAX_BYTES
    content = minimal_yaml().encode()
    content += b"#" * (limit - len(content))
    assert len(content) == limit
    assert parse_definition(content)["year"] == 2030


def test_the_limit_is_a_setting(settings):
    settings.SURVEY_DEFINITION_MAX_BYTES = 10 * 1024
    assert errors_of(minimal_yaml().encode() + b"#" * 10 * 1024) == [
        "the document is larger than 10 KiB"
    ]


@pytest.mark.parametrize(
    "deep",
    [
        "x: " + "[" * 5000 + "]" * 5000,
        "x: " + "{a: " * 5000 + "1" + "}" * 5000,
        "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n",
        json.dumps(json.loads("[" * 900 + "]" * 900)),
    ],
    ids=["flow lists", "flow mappings", "block mappings", "json"],
)
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(deep):
    errors = errors_of(deep.encode())
    assert len(errors) == 1
    assert errors[0].startswith("line ")
    assert f"nested more than {MAX_NESTING} deep are not allowed" in errors[0]


def test_nesting_up_to_the_limit_is_read():
    """The document's mapping is the first level; the lists in it make up the rest."""
    nested = "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1)
    assert load_document(f"x: {nested}") == {"x": json.loads(nested)}
    with pytest.raises(DefinitionError, match="nested more than"):
        load_document(f"x: [{nested}]")


def test_json_document_is_accepted():
    assert parse_definition(json.dumps(DEFINITION).encode()) == parse_definition(definition())


def test_impossible_unquoted_yaml_date_is_a_definition_error():
    content = minimal_yaml(opens="2030-02-30").encode()
    errors = errors_of(content)
    assert any("opens" in str(e) or "line 3" in str(e) for e in errors), errors


# --- normalisation ----------------------------------------------------------------------------


def test_bare_yaml_yes_and_no_in_routing_of_a_yes_no_question_are_normalised():
    content = minimal_yaml() + (
        "      - key: b\n"
        "        type: text\n"
        "        text: Hvorfor?\n"
        "        show_if:\n"
        "          answers:\n"
        "            - question: a\n"
        "              in: [yes]\n"
        "            - question: a\n"
        "              not_in: [no]\n"
    )
    result = parse_definition(content.encode())
    rules = result["sections"][0]["questions"][1]["show_if"]["answers"]
    assert rules == [{"question": "a", "in": ["yes"]}, {"question": "a", "not_in": ["no"]}]


def test_yaml_dates_are_accepted():
    content = minimal_yaml(opens="2030-11-01", deadline="2031-01-15")
    result = parse_definition(content.encode())
    assert result["opens"] == "2030-11-01"
    assert result["deadline"] == "2031-01-15"


def test_plain_text_becomes_bokmal():
    result = parse_definition(definition())
    section = result["sections"][0]
    assert section["title"] == {"nb": "Bosetting"}
    assert section["questions"][1]["text"] == {"nb": "Har kommunen en plan?"}
    unit = result["sections"][1]["questions"][0]
    assert unit["options"][1]["label"] == {"nb": "NAV"}
    assert result["sections"][1]["questions"][4]["scale"]["min_label"] == {"nb": "Svært misfornøyd"}


def test_language_mapping_is_kept():
    result = parse_definition(definition())
    assert result["title"] == {
        "nb": "Kommuneundersøkelsen 2026",
        "nn": "Kommuneundersøkinga 2026",
        "en": "Municipal survey 2026",
    }


def test_text_mapping_needs_bokmal():
    doc = definition(title={"en": "Survey"})
    assert_reported(errors_of(doc), "title", "must be a text")


def test_option_mappings_default_to_empty():
    assert parse_definition(definition())["option_mappings"] == []


# --- round trip -------------------------------------------------------------------------------

ROUND_TRIP = [pytest.param(DEFINITION, id="DEFINITION")] + [
    pytest.param(p, id=p.name) for p in EDITIONS
]


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_to_yaml_round_trips(source):
    content = source.read_bytes() if isinstance(source, Path) else copy.deepcopy(source)
    parsed = parse_definition(content)
    text = to_yaml(parsed)
    assert isinstance(text, str)
    assert parse_definition(text.encode("utf-8")) == parsed


def test_to_yaml_writes_bokmal_only_texts_as_plain_strings():
    text = to_yaml(parse_definition(definition()))
    loaded = yaml.safe_load(text)
    assert loaded["sections"][0]["title"] == "Bosetting"
    assert loaded["title"]["en"] == "Municipal survey 2026"


# --- edition_import ---------------------------------------------------------------------------


def question_keys(edition):
    return list(edition.questions.order_by("position").values_list("key", flat=True))


def test_import_creates_sections_and_questions_in_document_order(db):
    edition = edition_import(actor=None, content=definition())
    assert edition.year == 2026
    assert edition.status == SurveyEdition.Status.DRAFT
    assert edition.opens == dt.date(2026, 11, 2)
    assert edition.deadline == dt.date(2027, 1, 15)
    assert edition.previous_year == 2025
    sections = list(edition.sections.order_by("position"))
    assert [(s.key, s.position) for s in sections] == [("settlement", 1), ("services", 2)]
    questions = list(edition.questions.order_by("position"))
    expected = [qd["key"] for s in DEFINITION["sections"] for qd in s["questions"]]
    assert [x.key for x in questions] == expected
    assert [x.position for x in questions] == list(range(1, len(expected) + 1))
    assert {x.key for x in questions if x.section_id == sections[0].pk} == {
        "expected_settled",
        "has_plan",
        "plan_year",
        "first_time_help",
        "district_only",
    }
    plan_year = edition.questions.get(key="plan_year")
    assert plan_year.config == {"min": 1990, "max": 2030}
    assert plan_year.show_if == {"answers": [{"question": "has_plan", "in": ["yes"]}]}
    assert edition.questions.get(key="unit").config["options"][3]["other"] is True
    assert AuditEntry.objects.filter(action="survey.import", object_label="2026").count() == 1


def test_reimporting_a_draft_without_answers_replaces_it(db, cast):
    first = edition_import(actor=None, content=definition())
    Response.objects.create(edition=first, municipality=cast.a)  # opened, nothing answered
    doc = definition()
    doc["sections"][1]["questions"] = [
        qd for qd in doc["sections"][1]["questions"] if qd["key"] != "advice"
    ]
    doc["sections"][1]["questions"].append({"key": "new_q", "type": "text", "text": "Ny?"})
    second = edition_import(actor=None, content=doc)
    assert second.pk == first.pk
    assert SurveyEdition.objects.count() == 1
    keys = question_keys(second)
    assert "advice" not in keys
    assert keys[-1] == "new_q"
    assert len(keys) == QUESTION_COUNT
    assert Question.objects.filter(edition=second).count() == QUESTION_COUNT
    assert Section.objects.filter(edition=second).count() == 2
    assert AuditEntry.objects.filter(action="survey.replace", object_label="2026").count() == 1


def test_importing_over_an_edition_with_answers_changes_nothing(db, cast):
    edition = edition_import(actor=None, content=definition())
    response = Response.objects.create(edition=edition, municipality=cast.a)
    answer = Answer.objects.create(
        response=response,
        municipality=cast.a,
        question=edition.questions.get(key="has_plan"),
        value="yes",
    )
    before_keys = question_keys(edition)
    before_definition = copy.deepcopy(edition.definition)
    doc = definition(title="Ny tittel")
    doc["sections"][0]["questions"].pop()
    with pytest.raises(DefinitionError) as info:
        edition_import(actor=None, content=doc)
    assert info.value.errors[0].startswith("year:")
    assert "already has answers" in info.value.errors[0]
    edition.refresh_from_db()
    assert edition.definition == before_definition
    assert edition.title["nb"] == "Kommuneundersøkelsen 2026"
    assert question_keys(edition) == before_keys
    answer.refresh_from_db()
    assert answer.value == "yes"
    assert not AuditEntry.objects.filter(action="survey.replace").exists()


def test_an_invalid_document_writes_nothing(db):
    doc = definition()
    q(doc, "has_plan")["text"] = "{foo}"
    editions, audits = SurveyEdition.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DefinitionError):
        edition_import(actor=None, content=doc)
    assert SurveyEdition.objects.count() == editions
    assert Question.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_an_invalid_replacement_keeps_the_draft(db):
    edition = edition_import(actor=None, content=definition())
    doc = definition()
    q(doc, "measures")["max_choices"] = 9
    with pytest.raises(DefinitionError):
        edition_import(actor=None, content=doc)
    assert question_keys(edition) == [
        qd["key"] for s in DEFINITION["sections"] for qd in s["questions"]
    ]


# --- management commands ----------------------------------------------------------------------


@pytest.fixture
def definition_file(tmp_path):
    path = tmp_path / "2026.yaml"
    path.write_text(to_yaml(parse_definition(definition())), encoding="utf-8")
    return path


def test_import_survey_command(db, definition_file):
    out = io.StringIO()
    call_command("import_survey", str(definition_file), stdout=out)
    edition = SurveyEdition.objects.get(year=2026)
    assert edition.questions.count() == QUESTION_COUNT
    assert f"Imported the 2026 edition ({QUESTION_COUNT} questions)" in out.getvalue()
    assert AuditEntry.objects.filter(source="import_survey 2026.yaml").exists()


def test_import_survey_check_writes_nothing(db, definition_file):
    out = io.StringIO()
    call_command("import_survey", "--check", str(definition_file), stdout=out)
    assert "valid (2026, 2 sections, " + str(QUESTION_COUNT) + " questions)" in out.getvalue()
    assert SurveyEdition.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_export_survey_round_trips(db):
    edition = edition_import(actor=None, content=definition())
    out = io.StringIO()
    call_command("export_survey", "2026", stdout=out)
    text = out.getvalue()
    assert text.startswith("year: 2026\n")
    assert parse_definition(text.encode()) == edition.definition


def test_export_survey_unknown_year(db):
    with pytest.raises(CommandError, match="There is no 1999 edition"):
        call_command("export_survey", "1999", stdout=io.StringIO())


@pytest.mark.parametrize("check", [False, True], ids=["import", "check"])
def test_import_survey_bad_file(db, tmp_path, check):
    doc = definition()
    q(doc, "has_plan")["text"] = "{foo}"
    q(doc, "target")["max"] = 120
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    err = io.StringIO()
    args = ["--check", str(path)] if check else [str(path)]
    with pytest.raises(CommandError, match="nothing was written") as info:
        call_command("import_survey", *args, stdout=io.StringIO(), stderr=err)
    assert "2 problem(s)" in str(info.value)
    assert "unknown placeholder {foo}" in err.getvalue()
    assert "a percentage is between 0 and 100" in err.getvalue()
    assert SurveyEdition.objects.count() == 0


def test_import_survey_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_survey", str(tmp_path / "missing.yaml"), stdout=io.StringIO())


# --- The upload page ---------------------------------------------------------------------------

UPLOAD_URL = "/direktoratet/undersokelser/"


@pytest.mark.parametrize("name", ["../../../etc/def.yaml", "..\\..\\def.yaml"])
def test_upload_page_imports_and_keeps_only_the_base_name(client, cast, name, settings, tmp_path):
    from tests.uploads import post_file

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.admin)
    response = post_file(client, UPLOAD_URL, name, minimal_yaml().encode())
    assert response.status_code == 302
    assert SurveyEdition.objects.get().year == 2030
    assert AuditEntry.objects.get(action="survey.import").source == "upload: def.yaml"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        # The page speaks bokmål, the product's language.
        (b"a: &a [x, x]\nb: [*a, *a]\n", "ankere og aliaser (*navn) er ikke tillatt"),
        (b"x: " + b"[" * 10_000 + b"]" * 10_000, "nivåer inni hverandre"),
        (b"\xff\xfe", "ikke UTF-8"),
        (b"year: !!python/object/apply:os.system [echo]\n", "er ikke tillatt"),
    ],
    ids=["alias bomb", "deep nesting", "not text", "python tag"],
)
def test_upload_page_lists_problems_and_saves_nothing(client, cast, content, fragment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.admin)
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("def.yaml", content)})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert len(errors) == 1 and fragment in errors[0], errors
    assert not SurveyEdition.objects.exists() and not AuditEntry.objects.exists()


def test_upload_page_names_size_and_limit(client, cast, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SURVEY_DEFINITION_MAX_BYTES = 100
    client.force_login(cast.admin)
    file = SimpleUploadedFile("def.yaml", minimal_yaml().encode())
    response = client.post(UPLOAD_URL, {"file": file})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        f"Filen er på {len(minimal_yaml().encode())}\xa0byte, men grensen er 100\xa0byte."
    ]
    assert not SurveyEdition.objects.exists()


def test_a_failure_half_way_through_an_import_leaves_the_old_edition(db, monkeypatch):
    from surveys.editions import services

    first = edition_import(actor=None, content=definition())
    before = (question_keys(first), Section.objects.count(), AuditEntry.objects.count())

    def boom(objs, *args, **kwargs):
        raise RuntimeError("disk full")

    doc = definition(title="Ny tittel")
    doc["sections"][1]["questions"].append({"key": "new_q", "type": "text", "text": "Ny?"})
    monkeypatch.setattr(services.Question.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        edition_import(actor=None, content=doc)
    first.refresh_from_db()
    assert first.title == DEFINITION["title"]
    assert (question_keys(first), Section.objects.count(), AuditEntry.objects.count()) == before
