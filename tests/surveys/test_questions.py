"""Server-side checking and display of every question type (surveys.respondent.questions)."""

import pytest
from django.http import QueryDict
from django.utils import translation

from surveys.models import Question
from surveys.respondent.context import OrgContext
from surveys.respondent.questions import (
    AnswerInvalid,
    display,
    fingerprint,
    parse,
    plausibility_warning,
)


def form(fields=None):
    """Submitted form data; a list value becomes a multi-valued field."""
    data = QueryDict(mutable=True)
    for name, value in (fields or {}).items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


@pytest.fixture
def question(edition):
    def get(key: str) -> Question:
        return edition.questions.get(key=key)

    return get


def parsed(question, fields):
    return parse(question, form(fields))


def invalid(question, fields) -> str:
    """The message, in English (the source language), for asserting on its wording."""
    with translation.override("en"), pytest.raises(AnswerInvalid) as info:
        parse(question, form(fields))
    return str(info.value)


ALL_KEYS = [
    "expected_settled",
    "has_plan",
    "plan_year",
    "first_time_help",
    "district_only",
    "unit",
    "measures",
    "priorities",
    "target",
    "satisfaction",
    "channels",
    "contact_name",
    "advice",
]


@pytest.mark.parametrize("key", ALL_KEYS)
def test_blank_input_is_unanswered(question, key):
    q = question(key)
    assert parse(q, form()) == (None, "")
    blank = {
        f"q-{key}": "  ",
        f"q-{key}-1": "",
        f"q-{key}-2": "",
        f"q-{key}-email": "",
        f"q-{key}-other": "",
    }
    assert parse(q, form(blank)) == (None, "")


# --- yes_no -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["yes", "no", "dont_know"])
def test_yes_no_values(question, raw):
    assert parsed(question("has_plan"), {"q-has_plan": raw}) == (raw, "")


def test_yes_no_surrounding_space(question):
    assert parsed(question("has_plan"), {"q-has_plan": " yes "}) == ("yes", "")


@pytest.mark.parametrize("raw", ["maybe", "Yes", "true", "1"])
def test_yes_no_unknown_value(question, raw):
    assert "not one of the question's options" in invalid(question("has_plan"), {"q-has_plan": raw})


# --- single -----------------------------------------------------------------------------------


def test_single_option(question):
    assert parsed(question("unit"), {"q-unit": "nav"}) == ("nav", "")


def test_single_option_of_another_question(question):
    assert "not one of the question's options" in invalid(question("unit"), {"q-unit": "language"})


def test_single_dont_know_not_allowed(question):
    assert "not one of the question's options" in invalid(question("unit"), {"q-unit": "dont_know"})


def test_single_other_needs_text(question):
    message = invalid(question("unit"), {"q-unit": "other"})
    assert "Describe what “other” is" in message
    message = invalid(question("unit"), {"q-unit": "other", "q-unit-other": "   "})
    assert "Describe what “other” is" in message


def test_single_other_keeps_text(question):
    result = parsed(question("unit"), {"q-unit": "other", "q-unit-other": "  Kommunalt foretak "})
    assert result == ("other", "Kommunalt foretak")


def test_single_other_text_is_dropped_for_a_plain_option(question):
    assert parsed(question("unit"), {"q-unit": "nav", "q-unit-other": "noe"}) == ("nav", "")


def test_single_other_text_too_long(question):
    ok = parsed(question("unit"), {"q-unit": "other", "q-unit-other": "x" * 500})
    assert ok == ("other", "x" * 500)
    message = invalid(question("unit"), {"q-unit": "other", "q-unit-other": "x" * 501})
    assert "at most 500 characters" in message


# --- multi ------------------------------------------------------------------------------------


def test_multi_two_options(question):
    assert parsed(question("measures"), {"q-measures": ["language", "work"]}) == (
        ["language", "work"],
        "",
    )


def test_multi_more_than_max_choices(question):
    message = invalid(question("measures"), {"q-measures": ["language", "work", "housing"]})
    assert message == "Choose at most 2 options."


def test_multi_dont_know_alone(question):
    assert parsed(question("measures"), {"q-measures": ["dont_know"]}) == ("dont_know", "")


def test_multi_dont_know_with_an_option(question):
    message = invalid(question("measures"), {"q-measures": ["work", "dont_know"]})
    assert "cannot be combined" in message


def test_multi_unknown_option(question):
    message = invalid(question("measures"), {"q-measures": ["work", "school"]})
    assert "not one of the question's options" in message


def test_multi_duplicates_collapse(question):
    assert parsed(question("measures"), {"q-measures": ["work", "work", "work"]}) == (
        ["work"],
        "",
    )


def test_multi_order_is_document_order(question):
    assert parsed(question("measures"), {"q-measures": ["housing", "language"]}) == (
        ["language", "housing"],
        "",
    )


def test_multi_empty_strings_are_ignored(question):
    assert parsed(question("measures"), {"q-measures": ["", " work "]}) == (["work"], "")


def test_multi_exclusive_option():
    q = Question(
        key="support",
        type="multi",
        config={
            "options": [
                {"key": "money", "label": {"nb": "Penger"}},
                {"key": "advice", "label": {"nb": "Råd"}},
                {"key": "nothing", "label": {"nb": "Ingen tiltak"}, "exclusive": True},
            ]
        },
    )
    assert parse(q, form({"q-support": ["nothing"]})) == (["nothing"], "")
    with (
        translation.override("en"),
        pytest.raises(AnswerInvalid, match="“Ingen tiltak” cannot be combined"),
    ):
        parse(q, form({"q-support": ["money", "nothing"]}))


# --- rank -------------------------------------------------------------------------------------


def test_rank_two_distinct(question):
    result = parsed(question("priorities"), {"q-priorities-1": "work", "q-priorities-2": "housing"})
    assert result == (["work", "housing"], "")


def test_rank_first_place_only(question):
    assert parsed(question("priorities"), {"q-priorities-1": "school"}) == (["school"], "")


def test_rank_duplicate_names_the_option(question):
    message = invalid(
        question("priorities"), {"q-priorities-1": "housing", "q-priorities-2": "housing"}
    )
    assert "“Bolig” is chosen for more than one place" in message


def test_rank_gap(question):
    message = invalid(question("priorities"), {"q-priorities-1": "", "q-priorities-2": "work"})
    assert "without gaps" in message


def test_rank_unknown_option(question):
    message = invalid(question("priorities"), {"q-priorities-1": "language"})
    assert "not one of the question's options" in message


def test_rank_places_beyond_rank_are_ignored(question):
    result = parsed(
        question("priorities"),
        {"q-priorities-1": "work", "q-priorities-2": "school", "q-priorities-3": "housing"},
    )
    assert result == (["work", "school"], "")


# --- integer ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("25", 25), ("0", 0), ("5000", 5000), ("1 234", 1234), ("1\u00a0234", 1234), ("+7", 7)],
)
def test_integer_good(question, raw, value):
    result = parsed(question("expected_settled"), {"q-expected_settled": raw})
    assert result == (value, "")
    assert type(result[0]) is int


def test_integer_below_min(question):
    message = invalid(question("expected_settled"), {"q-expected_settled": "-1"})
    assert message == "The number must be between 0 and 5000."


def test_integer_above_max(question):
    message = invalid(question("expected_settled"), {"q-expected_settled": "5001"})
    assert message == "The number must be between 0 and 5000."


def test_integer_with_decimals(question):
    message = invalid(question("expected_settled"), {"q-expected_settled": "12.5"})
    assert message == "Write a whole number, without decimals."


@pytest.mark.parametrize("raw", ["abc", "12abc", "1e3", "1.2.3"])
def test_integer_not_a_number(question, raw):
    message = invalid(question("expected_settled"), {"q-expected_settled": raw})
    assert message == "Write a whole number, for example 12."


def test_integer_dont_know_checkbox(question):
    result = parsed(
        question("expected_settled"), {"q-expected_settled-dk": "1", "q-expected_settled": ""}
    )
    assert result == ("dont_know", "")


def test_integer_dont_know_checkbox_ignored_without_allow_dont_know(question):
    result = parsed(question("plan_year"), {"q-plan_year-dk": "1", "q-plan_year": "2020"})
    assert result == (2020, "")


# --- percent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"), [("12,5", 12.5), ("12.5", 12.5), ("70%", 70), ("70 %", 70), ("100", 100)]
)
def test_percent_good(question, raw, value):
    assert parsed(question("target"), {"q-target": raw}) == (value, "")


def test_percent_whole_number_is_int(question):
    assert type(parsed(question("target"), {"q-target": "70%"})[0]) is int


def test_percent_above_100(question):
    message = invalid(question("target"), {"q-target": "120"})
    assert message == "The number must be between 0 and 100."


def test_percent_below_0(question):
    assert "between 0 and 100" in invalid(question("target"), {"q-target": "-0,5"})


def test_percent_two_decimals(question):
    assert invalid(question("target"), {"q-target": "12.55"}) == "Use at most one decimal."


def test_percent_not_a_number(question):
    message = invalid(question("target"), {"q-target": "mye"})
    assert message == "Write a percentage as a number, for example 70."


def test_percent_has_no_dont_know(question):
    assert parsed(question("target"), {"q-target-dk": "1"}) == (None, "")


# --- scale ------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", [1, 2, 3, 4, 5])
def test_scale_points(question, point):
    assert parsed(question("satisfaction"), {"q-satisfaction": str(point)}) == (point, "")


def test_scale_not_relevant(question):
    assert parsed(question("satisfaction"), {"q-satisfaction": "not_relevant"}) == (
        "not_relevant",
        "",
    )


@pytest.mark.parametrize("raw", ["6", "0", "abc", "dont_know", "3.0"])
def test_scale_bad(question, raw):
    message = invalid(question("satisfaction"), {"q-satisfaction": raw})
    assert "not one of the question's options" in message


# --- scale_grid -------------------------------------------------------------------------------


def test_scale_grid_two_items(question):
    result = parsed(
        question("channels"), {"q-channels-email": "4", "q-channels-meetings": "not_relevant"}
    )
    assert result == ({"email": 4, "meetings": "not_relevant"}, "")


def test_scale_grid_partial(question):
    assert parsed(question("channels"), {"q-channels-meetings": "2"}) == ({"meetings": 2}, "")


@pytest.mark.parametrize("raw", ["9", "0", "abc", "dont_know"])
def test_scale_grid_unknown_point(question, raw):
    message = invalid(question("channels"), {"q-channels-email": "3", "q-channels-meetings": raw})
    assert "not one of the question's options" in message


def test_scale_grid_unknown_item_is_ignored(question):
    assert parsed(question("channels"), {"q-channels-phone": "3"}) == (None, "")


# --- text, textarea ---------------------------------------------------------------------------


def test_text_ok(question):
    assert parsed(question("contact_name"), {"q-contact_name": "  Kari Nordmann "}) == (
        "Kari Nordmann",
        "",
    )


def test_text_at_max_length(question):
    assert parsed(question("contact_name"), {"q-contact_name": "x" * 20}) == ("x" * 20, "")


def test_text_over_max_length(question):
    message = invalid(question("contact_name"), {"q-contact_name": "x" * 21})
    assert message == "The text can be at most 20 characters long; it is 21."


def test_textarea_ok(question):
    assert parsed(question("advice"), {"q-advice": "Første linje\r\nAndre linje\r\n"}) == (
        "Første linje\nAndre linje",
        "",
    )


def test_textarea_default_max_length(question):
    assert parsed(question("advice"), {"q-advice": "x" * 4000})[0] == "x" * 4000
    assert "at most 4000 characters" in invalid(question("advice"), {"q-advice": "x" * 4001})


def test_text_with_nul_is_refused(question):
    assert "cannot be stored" in invalid(question("advice"), {"q-advice": "a\x00b"})


# --- display ----------------------------------------------------------------------------------


def test_display_yes_no(question):
    q = question("has_plan")
    with translation.override("nb"):
        assert display(q, "yes") == "Ja"
        assert display(q, "no") == "Nei"
    with translation.override("en"):
        assert display(q, "yes") == "Yes"
        assert display(q, "no") == "No"
    with translation.override("en"):
        assert display(q, "dont_know") == "Don't know"


def test_display_reserved_values_in_bokmal(question):
    with translation.override("nb"):
        assert display(question("has_plan"), "dont_know") == "Vet ikke"
        assert display(question("satisfaction"), "not_relevant") == "Ikke relevant"


def test_display_unanswered(question):
    for key in ALL_KEYS:
        assert display(question(key), None) == ""


def test_display_single(question):
    q = question("unit")
    with translation.override("nb"):
        assert display(q, "nav") == "NAV"
        assert display(q, "other", "Kommunalt foretak") == "Annen, beskriv: Kommunalt foretak"
        assert display(q, "none", "ignored") == "Ingen"


def test_display_multi(question):
    with translation.override("nb"):
        assert display(question("measures"), ["language", "housing"]) == "Språk; Bolig"


def test_display_rank(question):
    with translation.override("nb"):
        assert display(question("priorities"), ["work", "housing"]) == "1. Arbeid; 2. Bolig"


def test_display_integer(question):
    q = question("expected_settled")
    with translation.override("nb"):
        assert display(q, 25) == "25 personer"
        assert display(q, 1234) == "1234 personer"  # four digits: no space (a year stays 2020)
        assert display(q, 12500) == "12\u00a0500 personer"
    with translation.override("en"):
        assert display(q, 12500) == "12,500 personer"


def test_display_percent(question):
    q = question("target")
    with translation.override("nb"):
        assert display(q, 12.5) == "12,5 %"
        assert display(q, 70) == "70 %"
    with translation.override("en"):
        assert display(q, 12.5) == "12.5 %"


def test_display_scale(question):
    with translation.override("nb"):
        assert display(question("satisfaction"), 4) == "4"


def test_display_scale_grid(question):
    with translation.override("en"):
        assert (
            display(question("channels"), {"email": 3, "meetings": "not_relevant"})
            == "E-post: 3; Møter: Not relevant"
        )


def test_display_text(question):
    assert display(question("contact_name"), "Kari") == "Kari"
    assert display(question("advice"), "a\nb") == "a\nb"


def test_display_what_parse_returns(question):
    q = question("unit")
    value, other = parsed(q, {"q-unit": "other", "q-unit-other": "Skolen"})
    with translation.override("nb"):
        assert display(q, value, other) == "Annen, beskriv: Skolen"


# --- fingerprint ------------------------------------------------------------------------------


def test_fingerprint():
    assert fingerprint(25) == fingerprint(25)
    assert len(fingerprint(25)) == 16
    assert fingerprint(25) != fingerprint(26)
    assert fingerprint("yes") != fingerprint("no")
    assert fingerprint(None) != fingerprint("")
    assert fingerprint(["work", "housing"]) != fingerprint(["housing", "work"])
    assert fingerprint("other", "a") != fingerprint("other", "b")
    assert fingerprint({"email": 3, "meetings": 4}) == fingerprint({"meetings": 4, "email": 3})


# --- plausibility -----------------------------------------------------------------------------


@pytest.fixture
def org(cast):
    return OrgContext(
        municipality=cast.a,
        year=2026,
        settlement_category="settles",
        category_overridden=False,
        figures={"decided": 30, "requested": 35},
        figures_last_year={},
    )


def test_plausibility_above_key_figure(question, org):
    warning = plausibility_warning(question("expected_settled"), 31, org, None)
    assert warning == "Dere vedtok 30. Stemmer 31?"


def test_plausibility_large_numbers_are_grouped(question, org):
    with translation.override("nb"):
        warning = plausibility_warning(question("expected_settled"), 1500, org, None)
    assert warning == "Dere vedtok 30. Stemmer 1\u00a0500?"


@pytest.mark.parametrize("value", [0, 29, 30])
def test_plausibility_within_key_figure(question, org, value):
    assert plausibility_warning(question("expected_settled"), value, org, None) == ""


def test_plausibility_without_key_figure(question, org):
    org.figures = {"requested": 35}
    assert plausibility_warning(question("expected_settled"), 4000, org, None) == ""
    org.figures = {"decided": None}
    assert plausibility_warning(question("expected_settled"), 4000, org, None) == ""


def test_plausibility_ignores_dont_know(question, org):
    assert plausibility_warning(question("expected_settled"), "dont_know", org, None) == ""


def test_plausibility_question_without_checks(question, org):
    assert plausibility_warning(question("plan_year"), 2029, org, 1990) == ""


@pytest.fixture
def last_year_question():
    return Question(key="staff", type="integer", config={"checks": [{"last_year": 0.5}]})


def test_plausibility_last_year_change(last_year_question, org):
    warning = plausibility_warning(last_year_question, 100, org, 40)
    assert "40" in warning
    assert "100" in warning


@pytest.mark.parametrize("value", [50, 40, 21, 60])
def test_plausibility_last_year_within(last_year_question, org, value):
    assert plausibility_warning(last_year_question, value, org, 40) == ""


def test_plausibility_last_year_just_over(last_year_question, org):
    assert plausibility_warning(last_year_question, 61, org, 40) != ""
    assert plausibility_warning(last_year_question, 19, org, 40) != ""


@pytest.mark.parametrize("last_year", [None, 0, "dont_know"])
def test_plausibility_last_year_unknown(last_year_question, org, last_year):
    assert plausibility_warning(last_year_question, 100, org, last_year) == ""


def test_plausibility_min_ratio_with_message(org):
    q = Question(
        key="staff",
        type="integer",
        config={
            "checks": [
                {
                    "key_figure": "requested",
                    "min_ratio": 0.5,
                    "message": {"nb": "Anmodet {figure}, svar {value} i {year}"},
                }
            ]
        },
    )
    assert plausibility_warning(q, 17, org, None) == "Anmodet 35, svar 17 i 2026"
    assert plausibility_warning(q, 18, org, None) == ""
