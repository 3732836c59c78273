"""The one-line text of a routing rule (surveys/editions/rules.py): reading, writing, errors."""

from pathlib import Path

import pytest
from django.utils import translation

from surveys.editions.definition import parse_definition
from surveys.editions.rules import RuleError, parse_rule, rule_text

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = sorted((ROOT / "surveys" / "editions").glob("*.yaml"))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "show_if"),
    [
        ("has_office = yes", {"answers": [{"question": "has_office", "in": ["yes"]}]}),
        (
            "unit in (nav, refugee_office)",
            {"answers": [{"question": "unit", "in": ["nav", "refugee_office"]}]},
        ),
        (
            "unit not in (none) or unanswered",
            {"answers": [{"question": "unit", "not_in": ["none"], "if_unanswered": "show"}]},
        ),
        (
            "has_target = yes if answered",
            {"answers": [{"question": "has_target", "in": ["yes"], "if_unanswered": "hide"}]},
        ),
        ("plan_year answered", {"answers": [{"question": "plan_year", "answered": True}]}),
        ("plan_year not answered", {"answers": [{"question": "plan_year", "answered": False}]}),
        (
            "measures.housing = yes",
            {"answers": [{"question": "measures", "item": "housing", "in": ["yes"]}]},
        ),
        (
            "satisfaction in (4, 5)",
            {"answers": [{"question": "satisfaction", "in": [4, 5]}]},
        ),
        (
            "share not in (2.5, -1)",
            {"answers": [{"question": "share", "not_in": [2.5, -1]}]},
        ),
        (
            "category in (settles, first_time)",
            {"settlement_category": ["settles", "first_time"]},
        ),
        ("kind = district", {"kind": ["district"]}),
        ("region in (vest, nord, indre-ostland)", {"region": ["vest", "nord", "indre-ostland"]}),
        (
            'region = nord and kind = municipality and ${region} = "two words"',
            {
                "kind": ["municipality"],
                "region": ["nord"],
                "answers": [{"question": "region", "in": ["two words"]}],
            },
        ),
        ("", {}),
    ],
)
def test_rule_text_and_back(text, show_if):
    assert parse_rule(text) == show_if
    assert parse_rule(rule_text(show_if)) == show_if


def test_numbers_stay_numbers_and_texts_stay_texts():
    rule = parse_rule("x in (1, 1.0, 1e3, \"1\", TRUE, 'true')")
    values = rule["answers"][0]["in"]
    assert values == [1, 1.0, 1000.0, "1", True, "true"]
    assert [type(v) for v in values] == [int, float, float, str, bool, str]
    assert parse_rule(rule_text(rule)) == rule
    assert [type(v) for v in parse_rule(rule_text(rule))["answers"][0]["in"]] == [
        int,
        float,
        float,
        str,
        bool,
        str,
    ]


def test_other_spellings_read_the_same():
    assert parse_rule("x != none") == parse_rule("x not in (none)")
    assert parse_rule("x unanswered") == parse_rule("x not answered")
    assert parse_rule("x IN (a) AND Kind = district") == {
        "kind": ["district"],
        "answers": [{"question": "x", "in": ["a"]}],
    }
    assert parse_rule("settlement_category = settles") == {"settlement_category": ["settles"]}


def test_keys_that_are_words_of_the_syntax_are_braced():
    show_if = {
        "answers": [
            {"question": "and", "in": ["or"]},
            {"question": "kind", "item": "in", "in": ["not"]},
            {"question": "region", "answered": True},
        ]
    }
    text = rule_text(show_if)
    assert text == '${and} = "or" and ${kind}.in = "not" and ${region} answered'
    assert parse_rule(text) == show_if


@pytest.mark.parametrize("path", EDITIONS, ids=lambda p: p.name)
def test_every_shipped_rule_round_trips(path):
    definition = parse_definition(path.read_bytes())
    rules = [s.get("show_if") for s in definition["sections"]] + [
        q.get("show_if") for s in definition["sections"] for q in s["questions"]
    ]
    rules = [r for r in rules if r]
    assert rules
    for show_if in rules:
        assert parse_rule(rule_text(show_if)) == show_if


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("x =", 4, "the rule ends where a value should follow"),
        ("x in (a,", 9, "a value"),
        ("x in (a b)", 9, "a comma or the closing bracket"),
        ("x in a", 6, "a list in brackets"),
        ("x == 3", 4, "“=” where a value should be"),
        ("x = 1.2.3", 5, "cannot be read"),
        ("x = yes and", 12, "a condition after “and”"),
        ("x = yes or y = no", 12, "“unanswered” after “or”"),
        ("x = yes, y = no", 8, "“and” or the end of the rule"),
        ("x answered or unanswered", 12, "cannot say what happens when it is unanswered"),
        ("x not answered if answered", 16, "cannot say what happens"),
        ("x not (a)", 7, "“in” or “answered” after “not”"),
        ("region = mars", 10, "“mars” is not a region"),
        ("category in (settles, settles)", 23, "listed twice"),
        ("kind = district and kind = municipality", 21, "already a kind condition"),
        ("kind != district", 6, "a kind condition lists what it holds for"),
        ("x.", 3, "the key of an item"),
        ("${} = yes", 1, "is not a question key"),
        ('x = "unclosed', 5, "cannot be read"),
        ("(x = yes)", 1, "a question key, category, kind or region"),
        ("x = yes; y = no", 8, "cannot be read"),
    ],
)
def test_errors_name_the_position(text, position, fragment):
    with pytest.raises(RuleError) as info:
        parse_rule(text)
    assert info.value.position == position, str(info.value)
    assert fragment in str(info.value)
    assert f"(at character {position})" in str(info.value)


def test_errors_are_in_norwegian():
    with translation.override("nb"), pytest.raises(RuleError) as info:
        parse_rule("region = mars")
    assert str(info.value) == (
        "«mars» er ikke en region; bruk en av: ost, indre-ostland, sor, vest, midt-norge, nord"
        " (ved tegn 10)"
    )
