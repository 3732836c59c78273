"""Routing rules in words (surveys/editions/rule_words.py)."""

from django.utils import translation

from surveys.editions.rule_words import rule_in_words, rule_on_paper

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


# --- On paper: instructions to whoever fills in a printed questionnaire ------------------------


def on_paper(show_if, numbers=None, language="nb"):
    with translation.override(language):
        return rule_on_paper(show_if, QUESTIONS, regions=REGIONS, numbers=numbers)


def test_on_paper_each_kind_of_answer_rule():
    office = {"question": "has_office"}
    assert on_paper({"answers": [{**office, "in": ["no"]}]}) == [
        "Besvares bare hvis du svarte «Nei» på «Har kommunen eget boligkontor?»."
    ]
    assert on_paper({"answers": [{**office, "in": ["no"], "if_unanswered": "show"}]}) == [
        "Besvares bare hvis du svarte «Nei» på «Har kommunen eget boligkontor?», eller lot det "
        "stå ubesvart."
    ]
    assert on_paper({"answers": [{**office, "not_in": ["yes", "dont_know"]}]}) == [
        "Hopp over dette hvis du svarte «Ja» eller «Vet ikke» på «Har kommunen eget boligkontor?»."
    ]
    assert on_paper({"answers": [{**office, "not_in": ["yes"], "if_unanswered": "hide"}]}) == [
        "Besvares bare hvis du svarte noe annet enn «Ja» på «Har kommunen eget boligkontor?»."
    ]
    assert on_paper({"answers": [{**office, "answered": True}]}) == [
        "Besvares bare hvis du har svart på «Har kommunen eget boligkontor?»."
    ]
    assert on_paper({"answers": [{**office, "answered": False}]}) == [
        "Besvares bare hvis du lot «Har kommunen eget boligkontor?» stå ubesvart."
    ]


def test_on_paper_options_items_and_numbers():
    rule = {"answers": [{"question": "unit", "in": ["nav"]}]}
    assert on_paper(rule, {"unit": "4"}) == [
        "Besvares bare hvis du svarte «NAV» på spørsmål 4 («Hvilken enhet?»)."
    ]
    item = {"answers": [{"question": "channels", "item": "email", "in": ["yes"]}]}
    assert on_paper(item) == [
        "Besvares bare hvis du svarte «Ja» på «Bruker dere kanalene?» – «E-post»."
    ]
    assert on_paper(item, language="en") == [
        "Answer only if you answered «Yes» to «Bruker dere kanalene?» – «E-post»."
    ]


def test_on_paper_a_long_question_is_shortened_after_its_number():
    long = {
        "key": "long",
        "type": "yes_no",
        "text": {
            "nb": "Kan kommunen skaffe egnet bolig til en familie på seks personer innen tre måneder?"
        },
    }
    with translation.override("nb"):
        numbered = rule_on_paper(
            {"answers": [{"question": "long", "in": ["no"]}]}, {"long": long}, numbers={"long": "7"}
        )
        unnumbered = rule_on_paper(
            {"answers": [{"question": "long", "in": ["no"]}]}, {"long": long}
        )
    assert numbered == [
        "Besvares bare hvis du svarte «Nei» på spørsmål 7 («Kan kommunen skaffe egnet bolig til "
        "en familie på seks …»)."
    ]
    assert "innen tre måneder?»" in unnumbered[0]  # without a number to look up: all of it


def test_on_paper_who_it_is_for_then_each_answer_rule():
    rule = {
        "settlement_category": ["first_time"],
        "kind": ["municipality"],
        "region": ["vest"],
        "answers": [{"question": "has_office", "in": ["yes"]}],
    }
    assert on_paper(rule) == [
        "Bare for kommuner i bosettingskategorien «Bosetter for første gang» i region Vest.",
        "Besvares bare hvis du svarte «Ja» på «Har kommunen eget boligkontor?».",
    ]
    assert on_paper({"kind": ["district"]}, language="nn") == ["Berre for bydelar."]
    assert on_paper({}) == [] and on_paper(None) == []
