"""definition_diff: what changed between two definitions, on hand-made ones and on the shipped
editions; and the routing rules in words."""

import copy
from pathlib import Path

import pytest
from django.utils import translation

from surveys.editions.definition import parse_definition
from surveys.editions.describe import diff_words, summary_text
from surveys.editions.diff import Summary, definition_diff, word_segments
from surveys.editions.rule_words import conditions, rule_in_words, value_in_words

EDITIONS = Path(__file__).resolve().parents[2] / "surveys" / "editions"

OLD = {
    "year": 2030,
    "title": "Undersøkelsen 2030",
    "opens": "2030-11-01",
    "deadline": "2031-01-15",
    "sections": [
        {
            "key": "plans",
            "title": "Planer",
            "questions": [
                {"key": "has_plan", "type": "yes_no", "text": "Har kommunen en plan?"},
                {
                    "key": "plan_year",
                    "type": "integer",
                    "text": "Hvilket år ble planen vedtatt?",
                    "min": 1990,
                    "show_if": {"answers": [{"question": "has_plan", "in": ["yes"]}]},
                },
                {"key": "dropped", "type": "text", "text": "Et spørsmål som går ut"},
                {"key": "wanders", "type": "textarea", "text": "Hva mer?"},
            ],
        },
        {
            "key": "services",
            "title": "Tjenester",
            "questions": [
                {
                    "key": "unit",
                    "type": "single",
                    "text": "Hvilken enhet har ansvaret?",
                    "help": "Velg én.",
                    "options": [
                        {"key": "ingen", "label": "Ingen"},
                        {"key": "nav", "label": "NAV"},
                        {"key": "flyktningkontor", "label": "Flyktningkontor"},
                        {"key": "school", "label": "Skole"},
                    ],
                },
                {
                    "key": "target",
                    "type": "yes_no",
                    "text": "Har dere et mål?",
                },
            ],
        },
        {
            "key": "gone",
            "title": "Borte",
            "questions": [{"key": "gone_q", "type": "yes_no", "text": "Borte?"}],
        },
    ],
}


def new_definition():
    doc = copy.deepcopy(OLD)
    doc.update(year=2031, title="Undersøkelsen 2031", opens="2031-11-01", deadline="2032-01-15")
    plans, services, _gone = doc["sections"]
    # reworded (nb), translated (en added), and a routing change
    plans["questions"][0]["text"] = {
        "nb": "Har kommunen en vedtatt plan?",
        "en": "Does the municipality have a plan?",
    }
    plans["questions"][1]["show_if"] = {
        "settlement_category": ["settles"],
        "answers": [{"question": "has_plan", "not_in": ["no"]}],
    }
    plans["questions"][1]["min"] = 2000  # a setting
    del plans["questions"][2]  # removed
    wanders = plans["questions"].pop(2)  # moved to services
    services["questions"].append(wanders)
    unit = services["questions"][0]
    unit["help"] = "Velg den som har hovedansvaret."
    unit["options"] = [
        {"key": "none", "label": "Ingen"},  # mapped from ingen
        {"key": "nav", "label": "NAV-kontoret"},  # relabelled
        {"key": "refugee_office", "label": "Flyktningkontor"},  # mapped from flyktningkontor
        {"key": "health", "label": "Helse"},  # added
    ]  # school: removed, not mapped
    services["questions"][1] = {  # retyped yes_no -> single
        "key": "target",
        "type": "single",
        "text": "Har dere et mål?",
        "options": [
            {"key": "yes", "label": "Ja"},
            {"key": "no", "label": "Nei"},
            {"key": "not_applicable", "label": "Ikke aktuelt"},
        ],
    }
    services["questions"].append({"key": "new_q", "type": "text", "text": "Nytt spørsmål"})
    doc["sections"] = [
        plans,
        services,
        {
            "key": "fresh",
            "title": "Ny del",
            "questions": [{"key": "fresh_q", "type": "yes_no", "text": "Nytt?"}],
        },
    ]
    doc["option_mappings"] = [
        {
            "question": "unit",
            "from_year": 2030,
            "map": {"ingen": "none", "nav": "nav", "flyktningkontor": "refugee_office"},
        },
        {"question": "target", "from_year": 2030, "map": {"yes": "yes", "no": "no"}},
        {"question": "unit", "from_year": 2020, "map": {"school": "none"}},  # another year
    ]
    return doc


@pytest.fixture
def definitions():
    return parse_definition(copy.deepcopy(OLD)), parse_definition(new_definition())


@pytest.fixture
def diff(definitions):
    old, new = definitions
    return definition_diff(old, new, new["option_mappings"], 2030)


def question(diff, key):
    return next(q for s in diff.sections for q in s.questions if q.key == key)


def test_the_hand_made_definitions_are_valid(definitions):
    assert definitions[1]["year"] == 2031


def test_added_and_removed_questions_and_sections(diff):
    assert question(diff, "new_q").status == "added"
    assert question(diff, "fresh_q").status == "added"
    assert question(diff, "dropped").status == "removed"
    assert question(diff, "gone_q").status == "removed"
    by_key = {s.key: s for s in diff.sections}
    assert by_key["fresh"].status == "added"
    assert by_key["gone"].status == "removed"
    # a removed question is listed under the section it was in
    assert [q.key for q in by_key["plans"].questions if q.status == "removed"] == ["dropped"]
    assert [s.key for s in diff.sections] == ["plans", "services", "fresh", "gone"]


def test_reworded_per_language_with_the_changed_words(diff):
    has_plan = question(diff, "has_plan")
    assert has_plan.kinds == ("reworded",)
    by_language = {t.language: t for t in has_plan.texts}
    nb = by_language["nb"]
    assert (nb.old, nb.new) == ("Har kommunen en plan?", "Har kommunen en vedtatt plan?")
    assert ("insert", "vedtatt ") in nb.segments
    assert not any(op == "delete" for op, _ in nb.segments)
    en = by_language["en"]
    assert (en.old, en.kind) == ("", "translated")


def test_a_question_only_translated_is_not_reworded(definitions):
    old, _ = definitions
    new = copy.deepcopy(old)
    new["year"] = 2031
    new["sections"][0]["questions"][0]["text"]["nn"] = "Har kommunen ein plan?"
    changed = definition_diff(old, new, [], 2030)
    assert question(changed, "has_plan").kinds == ("translated",)
    assert changed.summary.translated == 1 and changed.summary.reworded == 0


def test_help_text_change(diff):
    unit = question(diff, "unit")
    assert [(t.field, t.language) for t in unit.texts] == [("help", "nb")]
    assert "reworded" in unit.kinds


def test_retyped(diff):
    target = question(diff, "target")
    assert target.retyped == ("yes_no", "single")
    assert "retyped" in target.kinds


def test_moved_to_another_section(diff):
    wanders = question(diff, "wanders")
    assert wanders.kinds == ("moved",)
    assert wanders.moved_from == "plans"
    assert wanders.moved_from_title == {"nb": "Planer"}
    assert wanders in next(s for s in diff.sections if s.key == "services").questions


def test_routing_changed(diff):
    plan_year = question(diff, "plan_year")
    assert plan_year.routing.old == {"answers": [{"question": "has_plan", "in": ["yes"]}]}
    assert plan_year.routing.new["settlement_category"] == ["settles"]
    assert set(plan_year.kinds) == {"routing", "settings"}
    assert [(s.name, s.old, s.new) for s in plan_year.settings] == [("min", 1990, 2000)]


def test_options_added_removed_relabelled_and_mapped(diff):
    unit = question(diff, "unit")
    assert [o.key for o in unit.options_that("added")] == ["none", "refugee_office", "health"]
    # flyktningkontor and ingen are mapped onto this year's options: not listed as removed
    assert [o.key for o in unit.options_that("removed")] == ["school"]
    relabelled = unit.options_that("relabelled")
    assert [o.key for o in relabelled] == ["nav"]
    assert (relabelled[0].texts[0].old, relabelled[0].texts[0].new) == ("NAV", "NAV-kontoret")
    mapped = {(o.key, o.target) for o in unit.options_that("mapped")}
    # nav -> nav maps a key onto itself: says nothing; 2020's mapping is not this comparison's
    assert mapped == {("ingen", "none"), ("flyktningkontor", "refugee_office")}
    ingen = next(o for o in unit.options_that("mapped") if o.key == "ingen")
    assert ingen.label == {"nb": "Ingen"} and ingen.target_label == {"nb": "Ingen"}


def test_a_retyped_question_shows_its_identity_mappings(diff):
    target = question(diff, "target")
    assert {(o.key, o.target) for o in target.options_that("mapped")} == {
        ("yes", "yes"),
        ("no", "no"),
    }
    assert [o.key for o in target.options_that("added")] == ["yes", "no", "not_applicable"]


def test_mappings_from_another_year_are_used_for_that_year(definitions):
    old, new = definitions
    from_2020 = definition_diff(old, new, new["option_mappings"], 2020)
    unit = question(from_2020, "unit")
    assert {(o.key, o.target) for o in unit.options_that("mapped")} == {("school", "none")}
    assert "flyktningkontor" in [o.key for o in unit.options_that("removed")]


def test_summary_counts_each_kind(diff):
    assert diff.summary == Summary(
        added=2,
        removed=2,
        reworded=2,
        translated=0,
        retyped=1,
        moved=1,
        routing=1,
        options_added=6,
        options_removed=1,
        options_relabelled=1,
        options_mapped=4,
        settings=1,
        sections_added=1,
        sections_removed=1,
        unchanged=0,
    )


def test_identical_definitions_have_no_changes(definitions):
    old, _ = definitions
    same = definition_diff(old, copy.deepcopy(old), [], 2030)
    assert same.changed_sections == ()
    assert same.summary.total == 0 and same.summary.unchanged == 7
    with translation.override("en"):
        assert summary_text(same.summary) == "No changes."


def test_summary_text_in_bokmal(diff):
    with translation.override("nb"):
        text = summary_text(diff.summary)
    assert text.startswith("2 nye spørsmål, 2 fjernet, 2 omformulert, 1 ny type")
    assert "4 svaralternativer koblet" in text


def test_section_title_and_routing_changes(definitions):
    old, new = definitions
    new["sections"][1]["title"] = {"nb": "Kommunale tjenester"}
    new["sections"][1]["show_if"] = {"kind": ["district"]}
    changed = definition_diff(old, new, [], 2030)
    services = next(s for s in changed.sections if s.key == "services")
    assert [(t.field, t.old, t.new) for t in services.texts] == [
        ("title", "Tjenester", "Kommunale tjenester")
    ]
    assert services.routing.old == {} and services.routing.new == {"kind": ["district"]}


def test_scale_labels_are_texts_and_the_scale_range_a_setting():
    def doc(year, scale):
        return parse_definition(
            {
                "year": year,
                "title": "S",
                "opens": f"{year}-11-01",
                "deadline": f"{year}-12-01",
                "sections": [
                    {
                        "key": "s",
                        "title": "S",
                        "questions": [
                            {"key": "sat", "type": "scale", "text": "Fornøyd?", "scale": scale}
                        ],
                    }
                ],
            }
        )

    old = doc(2030, {"min": 1, "max": 5, "min_label": "Dårlig"})
    new = doc(2031, {"min": 1, "max": 7, "min_label": {"nb": "Svært dårlig", "en": "Very poor"}})
    sat = question(definition_diff(old, new, [], 2030), "sat")
    assert [(s.name, s.old, s.new) for s in sat.settings] == [("scale.max", 5, 7)]
    assert {(t.field, t.language, t.kind) for t in sat.texts} == {
        ("scale.min_label", "nb", "reworded"),
        ("scale.min_label", "en", "translated"),
    }


def test_grid_items_are_compared_like_options():
    old = {
        "key": "g",
        "type": "scale_grid",
        "text": {"nb": "G"},
        "items": [
            {"key": "email", "label": {"nb": "E-post"}},
            {"key": "fax", "label": {"nb": "Faks"}},
        ],
    }
    new = {
        **old,
        "items": [
            {"key": "email", "label": {"nb": "Epost"}},
            {"key": "chat", "label": {"nb": "Chat"}},
        ],
    }

    def wrap(year, q):
        return {"year": year, "sections": [{"key": "s", "title": {"nb": "S"}, "questions": [q]}]}

    g = question(definition_diff(wrap(2030, old), wrap(2031, new), [], 2030), "g")
    assert {(o.change, o.part, o.key) for o in g.options} == {
        ("relabelled", "item", "email"),
        ("added", "item", "chat"),
        ("removed", "item", "fax"),
    }


def test_word_segments_mark_deleted_and_inserted_words():
    assert word_segments("skal ut i arbeid", "skal over i arbeid") == (
        ("equal", "skal "),
        ("delete", "ut"),
        ("insert", "over"),
        ("equal", " i arbeid"),
    )
    assert word_segments("", "Ny") == (("insert", "Ny"),)


# --- the shipped editions -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return {
        year: parse_definition((EDITIONS / f"{year}.yaml").read_text(encoding="utf-8"))
        for year in (2014, 2017, 2026)
    }


def test_shipped_2014_to_2017(shipped):
    diff = definition_diff(shipped[2014], shipped[2017], shipped[2017]["option_mappings"], 2014)
    target = question(diff, "intro_has_result_target")
    assert target.retyped == ("yes_no", "single")
    assert [o.key for o in target.options_that("added")] == ["yes", "no", "not_applicable"]
    interpreter = question(diff, "interpreter_guidelines")
    assert interpreter.moved_from == "diversity_and_interpreting"
    assert interpreter.retyped == ("yes_no", "single")
    assert ("no", "none") in {(o.key, o.target) for o in interpreter.options_that("mapped")}
    assert question(diff, "settlement_fluctuation_challenges").status == "added"
    assert question(diff, "husbanken_instruments").status == "removed"
    assert diff.summary.retyped == 2 and diff.summary.moved == 1


def test_shipped_2017_to_2026_follows_previous_year(shipped):
    assert shipped[2026]["previous_year"] == 2017
    diff = definition_diff(shipped[2017], shipped[2026], shipped[2026]["option_mappings"], 2017)
    channels = question(diff, "information_channels")
    assert {(o.key, o.target) for o in channels.options_that("mapped")} == {
        ("local_media", "media"),
        ("national_media", "media"),
        ("twitter", "social_media"),
    }
    assert channels.options_that("removed") == ()  # every old option is mapped
    assert "newsletter" in [o.key for o in channels.options_that("added")] or any(
        o.key.startswith("newsletter") for o in channels.options_that("added")
    )
    percent = question(diff, "intro_result_target_percent")
    nb = next(t for t in percent.texts if t.language == "nb")
    assert ("delete", "ut") in nb.segments and ("insert", "over") in nb.segments
    assert question(diff, "settlement_fluctuation_challenges").status == "removed"
    assert question(diff, "housing_units_available").status == "added"
    # 2014's mappings do not count in a comparison with 2017
    assert question(diff, "interpreter_guidelines").options_that("mapped") == ()


def test_shipped_2014_to_2026_uses_the_mappings_from_2014(shipped):
    diff = definition_diff(shipped[2014], shipped[2026], shipped[2026]["option_mappings"], 2014)
    interpreter = question(diff, "interpreter_guidelines")
    assert ("no", "none") in {(o.key, o.target) for o in interpreter.options_that("mapped")}
    assert question(diff, "imdi_most_important_advice").status == "changed"


# --- routing rules in words ------------------------------------------------------------------

QUESTIONS = {
    "has_plan": {"key": "has_plan", "type": "yes_no", "text": {"nb": "Har kommunen en plan?"}},
    "unit": {
        "key": "unit",
        "type": "single",
        "text": {"nb": "Hvilken enhet?"},
        "options": [
            {"key": "nav", "label": {"nb": "NAV"}},
            {"key": "school", "label": {"nb": "Skole"}},
        ],
    },
    "battery": {
        "key": "battery",
        "type": "yes_no_grid",
        "text": {"nb": "Har dere …"},
        "items": [{"key": "plan", "label": {"nb": "en plan"}}],
    },
}


def test_show_if_in_words():
    """The diff page says a rule in the editor's words (rule_words), regions by their names."""
    rule = {
        "settlement_category": ["settles", "first_time"],
        "kind": ["district"],
        "region": ["sor"],
        "answers": [
            {"question": "has_plan", "in": ["yes"]},
            {"question": "unit", "not_in": ["nav", "school"], "if_unanswered": "hide"},
            {"question": "has_plan", "answered": True},
            {"question": "battery", "item": "plan", "in": ["yes"]},
        ],
    }
    with translation.override("en"):
        line = rule_in_words(rule, QUESTIONS, {"sor": "IMDi Sør"})
    assert line == (
        "Shown for city districts in the settlement category «Settles refugees» or «Settles for "
        "the first time» in region IMDi Sør when «Har kommunen en plan?» is Yes, «Hvilken enhet?» "
        "is answered and is not NAV or Skole, «Har kommunen en plan?» is answered and "
        "«Har dere …» – «en plan» is Yes"
    )
    assert rule_in_words({}, QUESTIONS) == ""


def test_show_if_in_bokmal():
    with translation.override("nb"):
        line = rule_in_words({"answers": [{"question": "has_plan", "in": ["no"]}]}, QUESTIONS)
        category = rule_in_words({"settlement_category": ["does_not_settle"]}, QUESTIONS)
    assert line == "Vises når «Har kommunen en plan?» er Nei"
    assert category == "Vises for kommuner og bydeler i bosettingskategorien «Bosetter ikke»"


def test_a_rule_on_an_unknown_question_names_its_key():
    with translation.override("en"):
        rule = {"answers": [{"question": "gone", "in": [3]}], "region": ["mars"]}
        assert rule_in_words(rule, {}) == (
            "Shown for municipalities and city districts in region mars when «gone» is 3"
        )


def test_value_names():
    with translation.override("en"):
        assert value_in_words(QUESTIONS["unit"], "school") == "Skole"
        assert value_in_words(QUESTIONS["battery"], "plan") == "en plan"
        assert value_in_words(None, "dont_know") == "Don't know"
        assert value_in_words(None, True) == "Yes"
        assert value_in_words(None, 4) == "4"
        scale = {
            "scale": {"min": 1, "max": 2, "labels": [{"nb": "Lite"}, {"nb": "Mye", "en": "A lot"}]}
        }
        assert value_in_words(scale, 2) == "2 (A lot)"
        assert value_in_words(scale, 3) == "3"


def test_conditions_say_whether_an_organisation_meets_them(cast):
    from surveys.respondent.context import OrgContext

    org = OrgContext(
        municipality=cast.a, year=2026, settlement_category="settles", category_overridden=False
    )
    rule = {
        "settlement_category": ["first_time"],
        "kind": ["municipality"],
        "region": ["sor"],
        "answers": [{"question": "has_plan", "in": ["yes"]}],
    }
    with translation.override("nb"):
        found = conditions(rule, QUESTIONS, regions={"sor": "Sør"}, org=org)
    assert [(c.attribute, c.holds) for c in found] == [
        ("settlement_category", False),
        ("kind", True),
        ("region", True),
        ("answer", None),
    ]
    # Each condition in the same words as the whole rule says it.
    assert [c.text for c in found] == [
        "Vises for kommuner og bydeler i bosettingskategorien «Bosetter for første gang»",
        "Vises for kommuner",
        "Vises for kommuner og bydeler i region Sør",
        "Vises når «Har kommunen en plan?» er Ja",
    ]


def test_diff_words_read_each_rule_with_its_own_edition(definitions, diff):
    old, new = definitions
    with translation.override("en"):
        words = diff_words(diff, old, new, {})
    plan_year = words["plan_year"]
    assert plan_year.rules[0] == "Shown when «Har kommunen en plan?» is Yes"
    assert plan_year.rules[1] == (
        "Shown for municipalities and city districts in the settlement category «Settles "
        "refugees» when «Does the municipality have a plan?» is not No or unanswered"
    )
    assert words["target"].retyped == ("Yes/no", "One option")
    assert words["unit"].removed == ("Skole (school)",)
    assert ("Ingen (ingen)", "Ingen (none)") in words["unit"].mapped
    assert words["target"].mapped == (("Yes (yes)", "Ja (yes)"), ("No (no)", "Nei (no)"))
    assert words["section:gone"].title == "Borte"


def test_a_help_text_where_there_was_none_is_a_rewording(definitions):
    old, _ = definitions
    new = copy.deepcopy(old)
    new["year"] = 2031
    new["sections"][0]["questions"][0]["help"] = {"nb": "Planen må være vedtatt."}
    has_plan = question(definition_diff(old, new, [], 2030), "has_plan")
    assert has_plan.kinds == ("reworded",)
    assert [(t.field, t.kind, t.old) for t in has_plan.texts] == [("help", "reworded", "")]


def test_extension_fields_are_compared_generically():
    """Fields of the format's extensions (scale.labels, min_choices, allow_not_relevant on a
    single choice) are compared without being named: labels as texts, the rest as settings."""

    def wrap(year, q):
        key = q["key"]
        return {"year": year, "sections": [{"key": key, "title": {"nb": key}, "questions": [q]}]}

    old = {
        "key": "sat",
        "type": "scale",
        "text": {"nb": "Fornøyd?"},
        "scale": {"min": 1, "max": 3, "labels": [{"nb": "Lite"}, {"nb": "Middels"}, {"nb": "Mye"}]},
    }
    new = copy.deepcopy(old)
    new["scale"]["labels"][1] = {"nb": "Noe"}
    choice = {"key": "pick", "type": "multi", "text": {"nb": "Velg"}, "options": []}
    diff = definition_diff(
        {"year": 2030, "sections": wrap(2030, old)["sections"] + wrap(2030, choice)["sections"]},
        {
            "year": 2031,
            "sections": wrap(2031, new)["sections"]
            + wrap(2031, {**choice, "min_choices": 2, "allow_not_relevant": True})["sections"],
        },
        [],
        2030,
    )
    sat = question(diff, "sat")
    assert [(t.field, t.old, t.new) for t in sat.texts] == [("scale.labels[1]", "Middels", "Noe")]
    assert sat.kinds == ("reworded",)
    pick = question(diff, "pick")
    assert [(s.name, s.old, s.new) for s in pick.settings] == [
        ("min_choices", None, 2),
        ("allow_not_relevant", None, True),
    ]
