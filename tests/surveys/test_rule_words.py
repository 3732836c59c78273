"""Routing rules in words (surveys/editions/rule_words.py)."""

from django.utils import translation

from surveys.editions.rule_words import rule_in_words

QUESTIONS = {
    "has_office": {
        "key": "has_office",
        "type": "yes_no",
        "text": {"nb": "Har kommunen eget boligkontor?"},
        "allow_dont_know": True,
    },
    "unit": {
        "key": "unit",
        "type": "single",
        "text": {"nb": "Hvilken enhet?"},
        "options": [
            {"key": "nav", "label": {"nb": "NAV"}},
            {"key": "none", "label": {"nb": "Ingen"}},
        ],
    },
    "channels": {
        "key": "channels",
        "type": "yes_no_grid",
        "text": {"nb": "Bruker dere kanalene?"},
        "items": [{"key": "email", "label": {"nb": "E-post"}}],
    },
}


REGIONS = {"vest": "Vest"}


def words(show_if):
    with translation.override("nb"):
        return rule_in_words(show_if, QUESTIONS, REGIONS)


def test_no_rule_is_no_words():
    assert words({}) == ""
    assert words(None) == ""


def test_an_answer_rule():
    rule = {"answers": [{"question": "has_office", "in": ["yes"]}]}
    assert words(rule) == "Vises når «Har kommunen eget boligkontor?» er Ja"


def test_not_in_shows_when_unanswered_by_default():
    rule = {"answers": [{"question": "has_office", "not_in": ["no"]}]}
    assert words(rule) == "Vises når «Har kommunen eget boligkontor?» er ikke Nei eller ubesvart"


def test_if_unanswered_is_said():
    show = {"answers": [{"question": "has_office", "in": ["yes"], "if_unanswered": "show"}]}
    assert words(show) == "Vises når «Har kommunen eget boligkontor?» er Ja eller ubesvart"
    hide = {"answers": [{"question": "has_office", "not_in": ["no"], "if_unanswered": "hide"}]}
    assert words(hide) == "Vises når «Har kommunen eget boligkontor?» er besvart og ikke Nei"


def test_options_by_their_labels_and_several_values():
    rule = {"answers": [{"question": "unit", "in": ["nav", "none"]}]}
    assert words(rule) == "Vises når «Hvilken enhet?» er NAV eller Ingen"
    rule = {"answers": [{"question": "has_office", "in": ["dont_know"]}]}
    assert words(rule) == "Vises når «Har kommunen eget boligkontor?» er Vet ikke"


def test_answered_and_a_battery_item():
    rule = {"answers": [{"question": "unit", "answered": True}]}
    assert words(rule) == "Vises når «Hvilken enhet?» er besvart"
    rule = {"answers": [{"question": "channels", "item": "email", "in": ["yes"]}]}
    assert words(rule) == "Vises når «Bruker dere kanalene?» – «E-post» er Ja"


def test_kind_region_and_category():
    assert words({"kind": ["district"]}) == "Vises for bydeler"
    assert (
        words({"kind": ["municipality"], "region": ["vest"]}) == "Vises for kommuner i region Vest"
    )
    assert (
        words({"settlement_category": ["first_time"]})
        == "Vises for kommuner og bydeler i bosettingskategorien «Bosetter for første gang»"
    )
    with translation.override("nb"):
        named = rule_in_words({"region": ["vest", "nord"]}, QUESTIONS, {"vest": "IMDi Vest"})
    assert named == "Vises for kommuner og bydeler i region IMDi Vest eller nord"


def test_attributes_and_answers_together():
    rule = {
        "kind": ["municipality"],
        "answers": [
            {"question": "has_office", "in": ["yes"]},
            {"question": "unit", "not_in": ["none"]},
        ],
    }
    assert words(rule) == (
        "Vises for kommuner når «Har kommunen eget boligkontor?» er Ja og «Hvilken enhet?» "
        "er ikke Ingen eller ubesvart"
    )


def test_english():
    rule = {"answers": [{"question": "has_office", "in": ["yes"]}]}
    with translation.override("en"):
        assert (
            rule_in_words(rule, QUESTIONS) == "Shown when «Har kommunen eget boligkontor?» is Yes"
        )
