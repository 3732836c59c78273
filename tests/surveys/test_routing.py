"""Who sees what: the settlement category, the organisation context and routing."""

import datetime as dt

import pytest

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import MunicipalitySuccession
from surveys.editions.services import edition_import, settlement_category_override
from surveys.respondent.context import OrgContext, compute_settlement_category, org_context
from surveys.respondent.routing import (
    attributes_match,
    reachable_questions,
    rule_questions,
    visible_questions,
)
from tests.factories import KeyFiguresFactory, MunicipalityFactory

YEAR = 2026  # the edition fixture's year; the window is 2021–2025

# --- compute_settlement_category -------------------------------------------------------------


@pytest.mark.parametrize(
    ("settled", "expected"),
    [
        pytest.param({}, "does_not_settle", id="no-figures"),
        pytest.param(dict.fromkeys(range(2021, 2026), 0), "does_not_settle", id="zero-in-5-years"),
        pytest.param({2021: 1, 2023: 1}, "does_not_settle", id="total-2-spread"),
        pytest.param({2022: 2}, "does_not_settle", id="total-2-in-one-year"),
        pytest.param({2021: 1, 2022: 1, 2024: 1}, "settles", id="total-3-spread"),
        pytest.param({2023: 3}, "settles", id="total-3-in-one-year"),
        pytest.param({2021: 10, 2022: 10, 2023: 10, 2024: 10, 2025: 10}, "settles", id="yearly"),
        pytest.param({2025: 1}, "first_time", id="first-settlement-last-year-1"),
        pytest.param({2025: 2}, "first_time", id="first-settlement-last-year-2"),
        pytest.param({2021: 0, 2024: 0, 2025: 2}, "first_time", id="zeros-then-last-year"),
        pytest.param({2024: 2}, "does_not_settle", id="first-settlement-2-years-ago-total-2"),
        pytest.param({2024: 3}, "settles", id="first-settlement-2-years-ago-total-3"),
        pytest.param(
            {2024: 1, 2025: 1}, "does_not_settle", id="two-years-ago-and-last-year-total-2"
        ),
        pytest.param({2024: 1, 2025: 2}, "settles", id="two-years-ago-and-last-year-total-3"),
        pytest.param({2021: 1, 2025: 1}, "does_not_settle", id="not-first-time-window-start"),
        pytest.param({2021: 3}, "settles", id="five-years-before-counts"),
        pytest.param({2020: 50}, "does_not_settle", id="six-years-before-does-not-count"),
        pytest.param({2026: 50}, "does_not_settle", id="edition-year-does-not-count"),
        pytest.param({2022: None, 2023: 1, 2024: 1}, "does_not_settle", id="unknown-is-zero"),
        pytest.param({2025: None}, "does_not_settle", id="unknown-last-year"),
    ],
)
def test_compute_settlement_category(settled, expected):
    assert compute_settlement_category(settled, YEAR) == expected


def test_compute_settlement_category_window_moves_with_the_year():
    settled = {2020: 3}
    assert compute_settlement_category(settled, 2025) == "settles"
    assert compute_settlement_category(settled, 2026) == "does_not_settle"
    assert compute_settlement_category({2025: 1}, 2026) == "first_time"
    assert compute_settlement_category({2025: 1}, 2027) == "does_not_settle"


# --- org_context ------------------------------------------------------------------------------


@pytest.fixture
def predecessor(cast):
    """A municipality merged into A at the start of 2024."""
    old = MunicipalityFactory(
        number="1001",
        name="Gamle Kristiansand",
        county=cast.a.county,
        region=cast.a.region,
        valid_from=dt.date(1964, 1, 1),
        valid_to=dt.date(2024, 1, 1),
    )
    MunicipalitySuccession.objects.create(predecessor=old, successor=cast.a, relationship="merged")
    return old


@pytest.fixture
def figures(cast):
    KeyFiguresFactory(municipality=cast.a, year=2025, settled=1, decided=4, requested=5)
    KeyFiguresFactory(municipality=cast.a, year=2026, requested=35, decided=30, population=1000)
    KeyFiguresFactory(municipality=cast.b, year=2022, settled=40)  # another organisation


def test_org_context_figures(cast, edition, figures):
    org = org_context(cast.a, edition)
    assert org.municipality == cast.a
    assert org.year == 2026
    assert org.kind == "municipality"
    assert org.region == "sor"
    assert org.figures["requested"] == 35
    assert org.figures["decided"] == 30
    assert org.figures["population"] == 1000
    assert org.figures["settled"] is None
    assert org.figures_last_year["settled"] == 1
    assert org.figures_last_year["decided"] == 4
    # Only A settled, only in 2025: B's figures do not count.
    assert org.settlement_category == "first_time"
    assert org.category_overridden is False
    placeholders = org.placeholders()
    assert placeholders["organisation"] == "Kristiansand"
    assert placeholders["decided"] == 30
    assert placeholders["settled_last_year"] == 1
    assert placeholders["intro_completed"] is None


def test_org_context_without_figures(cast, edition):
    org = org_context(cast.b, edition)
    assert org.figures == {}
    assert org.figures_last_year == {}
    assert org.settlement_category == "does_not_settle"


def test_predecessor_settlements_count(cast, edition, figures, predecessor):
    KeyFiguresFactory(municipality=predecessor, year=2022, settled=5, decided=99)
    org = org_context(cast.a, edition)
    assert org.settlement_category == "settles"
    # The predecessor's figures count for the category, not as A's own figures.
    assert org.figures["decided"] == 30
    assert org.figures_last_year["decided"] == 4


def test_predecessor_figures_are_added_per_year(cast, edition, predecessor):
    KeyFiguresFactory(municipality=predecessor, year=2023, settled=1)
    KeyFiguresFactory(municipality=cast.a, year=2023, settled=1)
    assert org_context(cast.a, edition).settlement_category == "does_not_settle"
    KeyFiguresFactory(municipality=predecessor, year=2022, settled=1)
    assert org_context(cast.a, edition).settlement_category == "settles"


def test_a_successor_does_not_inherit_the_other_way(cast, edition, predecessor):
    KeyFiguresFactory(municipality=cast.a, year=2022, settled=10)
    assert org_context(predecessor, edition).settlement_category == "does_not_settle"


def test_override_wins_and_is_audited(cast, edition, figures):
    assert org_context(cast.a, edition).settlement_category == "first_time"
    settlement_category_override(
        actor=cast.admin,
        municipality=cast.a,
        year=2026,
        category="does_not_settle",
        reason="Vedtak om ikke å bosette",
    )
    org = org_context(cast.a, edition)
    assert org.settlement_category == "does_not_settle"
    assert org.category_overridden is True
    entry = AuditEntry.objects.get(action="survey.category_override", municipality=cast.a)
    assert entry.actor == cast.admin
    assert entry.changes == {"settlement_category": [None, "does_not_settle"]}
    assert entry.source == "Vedtak om ikke å bosette"
    assert "2026" in entry.object_label


def test_override_through_the_editions_page(client, cast, edition, figures):
    client.force_login(cast.admin)
    url = "/direktoratet/undersokelser/2026/bosettingskategori/"
    page = client.get("/direktoratet/undersokelser/2026/").content.decode()
    assert f'action="{url}"' in page
    unknown = client.post(url, {"number": "9999", "category": "settles"})
    assert unknown.status_code == 200 and unknown.context["category_form"].errors["number"]
    saved = client.post(url, {"number": cast.a.number, "category": "settles", "reason": "Vedtak"})
    assert saved.status_code == 302 and saved["Location"] == "/direktoratet/undersokelser/2026/"
    assert org_context(cast.a, edition).settlement_category == "settles"
    client.force_login(cast.adviser_a)
    assert client.post(url, {"number": cast.a.number, "category": ""}).status_code == 403
    assert org_context(cast.a, edition).settlement_category == "settles"


def test_override_of_another_year_or_organisation_does_not_apply(cast, edition, figures):
    settlement_category_override(
        actor=cast.admin, municipality=cast.a, year=2025, category="settles"
    )
    settlement_category_override(
        actor=cast.admin, municipality=cast.b, year=2026, category="settles"
    )
    org = org_context(cast.a, edition)
    assert org.settlement_category == "first_time"
    assert org.category_overridden is False


def test_override_change_and_removal(cast, edition, figures):
    def override(category):
        settlement_category_override(
            actor=cast.admin, municipality=cast.a, year=2026, category=category
        )

    override("settles")
    override("settles")  # unchanged: no second entry
    override("does_not_settle")
    assert org_context(cast.a, edition).settlement_category == "does_not_settle"
    override(None)
    org = org_context(cast.a, edition)
    assert org.settlement_category == "first_time"
    assert org.category_overridden is False
    changes = [
        e.changes["settlement_category"]
        for e in AuditEntry.objects.filter(action="survey.category_override").order_by("id")
    ]
    assert changes == [
        [None, "settles"],
        ["settles", "does_not_settle"],
        ["does_not_settle", None],
    ]


# --- attributes_match -------------------------------------------------------------------------


def make_org(municipality, category="settles"):
    return OrgContext(
        municipality=municipality,
        year=YEAR,
        settlement_category=category,
        category_overridden=False,
    )


def test_attributes_match(cast):
    org = make_org(cast.a, "first_time")
    assert attributes_match({}, org)
    assert attributes_match({"settlement_category": ["first_time", "settles"]}, org)
    assert not attributes_match({"settlement_category": ["settles"]}, org)
    assert attributes_match({"kind": ["municipality"]}, org)
    assert not attributes_match({"kind": ["district"]}, org)
    assert attributes_match({"region": ["sor", "vest"]}, org)
    assert not attributes_match({"region": ["vest"]}, org)
    assert not attributes_match({"region": ["sor"], "kind": ["district"]}, org)
    # Answer rules are not attributes.
    assert attributes_match({"answers": [{"question": "x", "in": ["yes"]}]}, org)


# --- visible_questions on the edition fixture -------------------------------------------------


@pytest.fixture
def visible(edition):
    sections = list(edition.sections.all())
    questions = list(edition.questions.all())

    def run(org, answers=None):
        return visible_questions(sections, questions, org, answers or {})

    return run


ALWAYS = {
    "expected_settled",
    "has_plan",
    "unit",
    "measures",
    "priorities",
    "target",
    "satisfaction",
    "channels",
    "contact_name",
    "advice",
}


def test_base_visibility(cast, visible):
    sections, questions = visible(make_org(cast.a))
    assert sections == {"settlement", "services"}
    assert questions == ALWAYS


@pytest.mark.parametrize(
    ("has_plan", "shown"),
    [(None, False), ("yes", True), ("no", False), ("dont_know", False)],
)
def test_follow_up_shown_only_for_yes(cast, visible, has_plan, shown):
    answers = {} if has_plan is None else {"has_plan": has_plan}
    _sections, questions = visible(make_org(cast.a), answers)
    assert ("plan_year" in questions) is shown
    assert questions - {"plan_year"} == ALWAYS


def test_follow_up_hidden_again_when_the_answer_changes(cast, visible):
    org = make_org(cast.a)
    assert "plan_year" in visible(org, {"has_plan": "yes", "plan_year": 2020})[1]
    assert "plan_year" not in visible(org, {"has_plan": "no", "plan_year": 2020})[1]


@pytest.mark.parametrize(
    ("category", "shown"),
    [("settles", False), ("first_time", True), ("does_not_settle", True)],
)
def test_first_time_help_by_category(cast, visible, category, shown):
    _sections, questions = visible(make_org(cast.a, category))
    assert ("first_time_help" in questions) is shown


def test_district_only_for_districts(cast, visible):
    oslo = MunicipalityFactory(
        number="0301", name="Oslo", county=cast.a.county, region=cast.a.region
    )
    district = MunicipalityFactory(
        number="030101",
        name="Gamle Oslo",
        kind="district",
        parent=oslo,
        county=cast.a.county,
        region=cast.a.region,
    )
    assert "district_only" in visible(make_org(district))[1]
    assert "district_only" not in visible(make_org(oslo))[1]
    assert "district_only" not in visible(make_org(cast.a))[1]


# --- small editions: chains, regions, sections ------------------------------------------------


def small_edition(year, sections):
    return edition_import(
        actor=None,
        content={
            "year": year,
            "title": f"Ruting {year}",
            "opens": f"{year}-11-01",
            "deadline": f"{year + 1}-01-15",
            "sections": sections,
        },
    )


def visible_in(edition, org, answers=None):
    return visible_questions(
        list(edition.sections.all()), list(edition.questions.all()), org, answers or {}
    )


@pytest.fixture
def chain(db):
    return small_edition(
        2030,
        [
            {
                "key": "s",
                "title": "Kjede",
                "questions": [
                    {"key": "q1", "type": "yes_no", "text": "Q1?"},
                    {
                        "key": "q2",
                        "type": "integer",
                        "text": "Q2?",
                        "show_if": {"answers": [{"question": "q1", "in": ["yes"]}]},
                    },
                    {
                        "key": "q3",
                        "type": "text",
                        "text": "Q3?",
                        "show_if": {"answers": [{"question": "q2", "answered": True}]},
                    },
                    {
                        "key": "q4",
                        "type": "text",
                        "text": "Q4?",
                        "show_if": {"answers": [{"question": "q2", "in": [5]}]},
                    },
                    {
                        "key": "q5",
                        "type": "text",
                        "text": "Q5?",
                        "show_if": {"answers": [{"question": "q2", "not_in": [5]}]},
                    },
                ],
            }
        ],
    )


def test_chain_follows_a_visible_answer(cast, chain):
    _sections, questions = visible_in(chain, make_org(cast.a), {"q1": "yes", "q2": 5})
    assert questions == {"q1", "q2", "q3", "q4"}


def test_chain_rule_on_a_hidden_question_sees_no_answer(cast, chain):
    # q2 still has a stored answer, but q1 = no hides q2, so q3 and q4 do not see it.
    _sections, questions = visible_in(chain, make_org(cast.a), {"q1": "no", "q2": 5})
    assert questions == {"q1", "q5"}


def test_chain_unanswered(cast, chain):
    _sections, questions = visible_in(chain, make_org(cast.a), {"q1": "yes"})
    assert questions == {"q1", "q2", "q5"}


def test_chain_number_rule_matches_float(cast, chain):
    _sections, questions = visible_in(chain, make_org(cast.a), {"q1": "yes", "q2": 5.0})
    assert {"q3", "q4"} <= questions
    assert "q5" not in questions


@pytest.fixture
def regional(db):
    return small_edition(
        2031,
        [
            {
                "key": "common",
                "title": "Felles",
                "questions": [{"key": "c1", "type": "yes_no", "text": "Felles?"}],
            },
            {
                "key": "west",
                "title": "Vest",
                "show_if": {"region": ["vest"]},
                "questions": [
                    {"key": "w1", "type": "yes_no", "text": "Vest?"},
                    {
                        "key": "w2",
                        "type": "text",
                        "text": "Mer om vest",
                        "show_if": {"answers": [{"question": "w1", "in": ["yes"]}]},
                    },
                ],
            },
            {
                "key": "after_west",
                "title": "Etter vest",
                "show_if": {"answers": [{"question": "w1", "answered": True}]},
                "questions": [{"key": "a1", "type": "text", "text": "Etter"}],
            },
        ],
    )


def test_region_routing(cast, regional):
    sections_a, questions_a = visible_in(regional, make_org(cast.a), {"w1": "yes"})
    assert sections_a == {"common"}
    assert questions_a == {"c1"}
    sections_b, questions_b = visible_in(regional, make_org(cast.b), {"w1": "yes"})
    assert sections_b == {"common", "west", "after_west"}
    assert questions_b == {"c1", "w1", "w2", "a1"}


def test_region_routing_on_a_question(cast, db):
    edition = small_edition(
        2032,
        [
            {
                "key": "s",
                "title": "Del",
                "questions": [
                    {"key": "all", "type": "yes_no", "text": "Alle?"},
                    {
                        "key": "south_east",
                        "type": "yes_no",
                        "text": "Sør og øst?",
                        "show_if": {"region": ["ost", "sor"]},
                    },
                ],
            }
        ],
    )
    assert visible_in(edition, make_org(cast.a))[1] == {"all", "south_east"}
    assert visible_in(edition, make_org(cast.b))[1] == {"all"}


@pytest.fixture
def by_answer(db):
    return small_edition(
        2033,
        [
            {
                "key": "intro",
                "title": "Innledning",
                "questions": [
                    {
                        "key": "settles_now",
                        "type": "single",
                        "text": "Bosetter dere?",
                        "options": [
                            {"key": "many", "label": "Mange"},
                            {"key": "few", "label": "Få"},
                            {"key": "none", "label": "Ingen"},
                        ],
                    }
                ],
            },
            {
                "key": "settlement",
                "title": "Bosetting",
                "show_if": {"answers": [{"question": "settles_now", "not_in": ["none"]}]},
                "questions": [
                    {"key": "s1", "type": "text", "text": "S1"},
                    {
                        "key": "s2",
                        "type": "text",
                        "text": "S2",
                        "show_if": {"settlement_category": ["settles"]},
                    },
                ],
            },
            {
                "key": "closing",
                "title": "Avslutning",
                "questions": [{"key": "end", "type": "text", "text": "Slutt"}],
            },
        ],
    )


@pytest.mark.parametrize(
    ("answer", "shown"), [(None, True), ("many", True), ("few", True), ("none", False)]
)
def test_section_routing_by_answer(cast, by_answer, answer, shown):
    answers = {} if answer is None else {"settles_now": answer}
    sections, questions = visible_in(by_answer, make_org(cast.a), answers)
    assert ("settlement" in sections) is shown
    assert ({"s1", "s2"} & questions) == ({"s1", "s2"} if shown else set())
    assert {"intro", "closing"} <= sections
    assert {"settles_now", "end"} <= questions


def test_question_in_visible_section_still_follows_its_own_rule(cast, by_answer):
    _sections, questions = visible_in(
        by_answer, make_org(cast.a, "does_not_settle"), {"settles_now": "few"}
    )
    assert "s1" in questions
    assert "s2" not in questions


# --- reachable_questions: what a blank questionnaire prints for an organisation ----------------


def test_reachable_questions_follow_attributes_and_what_answers_can_show(cast, edition):
    sections = list(edition.sections.all())
    questions = list(edition.questions.all())
    section_keys, keys = reachable_questions(sections, questions, make_org(cast.a, "settles"))
    # plan_year follows an answer to has_plan, which A gets: printed with its rule.
    assert keys == ALWAYS | {"plan_year"}
    assert section_keys == {"settlement", "services"}
    _sections, keys = reachable_questions(sections, questions, make_org(cast.a, "first_time"))
    assert keys == ALWAYS | {"plan_year", "first_time_help"}


def test_a_question_following_one_never_shown_is_reachable_only_if_its_rule_holds_unanswered(
    cast, edition
):
    sections = list(edition.sections.all())
    questions = list(edition.questions.all())
    district = next(q for q in questions if q.key == "district_only")
    after = type(district)(
        key="after_district",
        section_id=district.section_id,
        position=district.position + 1,
        show_if={"answers": [{"question": "district_only", "answered": True}]},
    )
    unless = type(district)(
        key="unless_district",
        section_id=district.section_id,
        position=district.position + 2,
        show_if={"answers": [{"question": "district_only", "answered": False}]},
    )
    _sections, keys = reachable_questions(
        sections, [*questions, after, unless], make_org(cast.a, "settles")
    )
    assert "district_only" not in keys and "after_district" not in keys
    assert "unless_district" in keys


# --- rule_questions: the answers whose values visibility needs ---------------------------------


def test_rule_questions_of_the_edition_fixture(edition):
    # Only one rule looks at an answer (has_plan); attribute rules look at none.
    assert rule_questions(edition.sections.all(), edition.questions.all()) == {"has_plan"}


def test_rule_questions_collects_section_and_question_rules():
    from types import SimpleNamespace

    sections = [
        SimpleNamespace(show_if={"answers": [{"question": "a", "in": ["yes"]}]}),
        SimpleNamespace(show_if=None),
        SimpleNamespace(show_if={"kind": ["district"]}),
    ]
    questions = [
        SimpleNamespace(
            show_if={
                "region": ["sor"],
                "answers": [{"question": "b", "not_in": [1]}, {"question": "c", "answered": True}],
            }
        ),
        SimpleNamespace(show_if={}),
    ]
    assert rule_questions(sections, questions) == {"a", "b", "c"}
    assert rule_questions([], []) == set()
