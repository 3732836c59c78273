"""The questionnaire editor's writes (surveys/editions/authoring.py)."""

import copy

import pytest
from django.utils import timezone

from portal.core.audit.models import AuditEntry
from surveys.editions import authoring
from surveys.editions.definition import DefinitionError, Problem
from surveys.editions.editor_forms import problem_in_words
from surveys.editions.services import edition_import, edition_set_status
from surveys.models import Answer, Question, Response, Section
from tests.surveys.conftest import PREVIOUS, definition


@pytest.fixture
def draft(db):
    return edition_import(actor=None, content=definition())


@pytest.fixture
def admin(cast):
    return cast.admin


def _entries(action):
    return list(AuditEntry.objects.filter(action=action))


NEW_QUESTION = {
    "key": "has_office",
    "type": "yes_no",
    "text": {"nb": "Har kommunen eget boligkontor?", "en": "Does it have a housing office?"},
    "allow_dont_know": True,
}


def test_question_add_saves_definition_rows_and_one_audit_entry(draft, admin):
    authoring.question_add(
        actor=admin, edition=draft, section_key="services", question=NEW_QUESTION
    )
    draft.refresh_from_db()
    keys = [q["key"] for q in draft.definition["sections"][1]["questions"]]
    assert keys[-1] == "has_office"
    row = Question.objects.get(edition=draft, key="has_office")
    assert row.section.key == "services"
    assert row.position == Question.objects.filter(edition=draft).count()
    assert row.config == {"allow_dont_know": True}
    (entry,) = _entries("survey.edit.question_add")
    assert entry.actor == admin
    assert entry.changes["text.nb"] == [None, "Har kommunen eget boligkontor?"]
    assert entry.object_label == "2026: has_office"


def test_a_problem_saves_nothing(draft, admin):
    before = copy.deepcopy(draft.definition)
    bad = {**NEW_QUESTION, "key": "has_plan"}  # used already
    with pytest.raises(DefinitionError) as exc:
        authoring.question_add(actor=admin, edition=draft, section_key="services", question=bad)
    (problem,) = exc.value.problems
    assert problem.path == ("sections", 1, "questions", 8, "key")
    assert problem.question == "has_plan"
    draft.refresh_from_db()
    assert draft.definition == before
    assert not Question.objects.filter(edition=draft, position=15).exists()
    assert not _entries("survey.edit.question_add")


def test_a_rule_on_a_later_question_is_refused(draft, admin):
    question = {
        **NEW_QUESTION,
        "show_if": {"answers": [{"question": "advice", "answered": True}]},
    }
    with pytest.raises(DefinitionError) as exc:
        authoring.question_add(
            actor=admin, edition=draft, section_key="settlement", question=question
        )
    assert exc.value.problems[0].path[-1] == "question"


def test_question_update_changes_rows_in_place(draft, admin):
    row = Question.objects.get(edition=draft, key="has_plan")
    new = {**draft.definition["sections"][0]["questions"][1], "text": {"nb": "Har dere plan?"}}
    authoring.question_update(actor=admin, edition=draft, key="has_plan", question=new)
    row.refresh_from_db()
    assert row.text == {"nb": "Har dere plan?"}
    (entry,) = _entries("survey.edit.question_update")
    assert entry.changes == {"text.nb": ["Har kommunen en plan?", "Har dere plan?"]}


def test_key_change_follows_rules_that_look_at_it(draft, admin):
    new = {**draft.definition["sections"][0]["questions"][1], "key": "has_strategy"}
    authoring.question_update(actor=admin, edition=draft, key="has_plan", question=new)
    draft.refresh_from_db()
    plan_year = draft.definition["sections"][0]["questions"][2]
    assert plan_year["show_if"]["answers"][0]["question"] == "has_strategy"
    assert Question.objects.filter(edition=draft, key="has_strategy").exists()
    assert not Question.objects.filter(edition=draft, key="has_plan").exists()


def test_move_up_down_and_to_another_section(draft, admin):
    authoring.question_move(actor=admin, edition=draft, key="district_only", direction="up")
    draft.refresh_from_db()
    keys = [q["key"] for q in draft.definition["sections"][0]["questions"]]
    assert keys[-2:] == ["district_only", "first_time_help"]
    authoring.question_move(actor=admin, edition=draft, key="district_only", to_section="services")
    draft.refresh_from_db()
    assert draft.definition["sections"][1]["questions"][-1]["key"] == "district_only"
    assert Question.objects.get(edition=draft, key="district_only").section.key == "services"
    with pytest.raises(authoring.EditRefused):
        authoring.question_move(actor=admin, edition=draft, key="expected_settled", direction="up")
    assert len(_entries("survey.edit.question_move")) == 2


def test_moving_a_question_before_the_one_it_depends_on_is_refused(draft, admin):
    with pytest.raises(DefinitionError) as exc:
        authoring.question_move(actor=admin, edition=draft, key="plan_year", direction="up")
    assert "kommer senere" in exc.value.problems[0].message  # the checker speaks bokmål


def test_question_remove_and_its_rule_blocks(draft, admin):
    with pytest.raises(DefinitionError):
        authoring.question_remove(actor=admin, edition=draft, key="has_plan")  # plan_year uses it
    authoring.question_remove(actor=admin, edition=draft, key="advice")
    assert not Question.objects.filter(edition=draft, key="advice").exists()
    (entry,) = _entries("survey.edit.question_remove")
    assert entry.changes["text.nb"] == ["Råd til IMDi", None]


def test_sections_add_update_move_remove(draft, admin):
    authoring.section_add(
        actor=admin,
        edition=draft,
        section={"key": "housing", "title": {"nb": "Bolig"}, "show_if": {"kind": ["district"]}},
        question=NEW_QUESTION,
    )
    section = Section.objects.get(edition=draft, key="housing")
    assert section.position == 3 and section.show_if == {"kind": ["district"]}
    authoring.section_move(actor=admin, edition=draft, key="housing", direction="up")
    assert Section.objects.get(edition=draft, key="housing").position == 2
    authoring.section_update(
        actor=admin, edition=draft, key="housing", section={"key": "homes", "title": {"nb": "Hjem"}}
    )
    assert Section.objects.filter(edition=draft, key="homes").exists()
    assert Question.objects.get(edition=draft, key="has_office").section.key == "homes"
    authoring.section_remove(actor=admin, edition=draft, key="homes")
    assert not Question.objects.filter(edition=draft, key="has_office").exists()
    assert not Section.objects.filter(edition=draft, key="homes").exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-4:] == [
        "survey.edit.section_add",
        "survey.edit.section_move",
        "survey.edit.section_update",
        "survey.edit.section_remove",
    ]


@pytest.fixture
def with_previous(db):
    edition_import(actor=None, content=copy.deepcopy(PREVIOUS))
    return edition_import(actor=None, content=definition())


def _unit(edition):
    return copy.deepcopy(edition.definition["sections"][1]["questions"][0])


def test_retiring_an_option_maps_last_years_answers(with_previous, admin):
    edition = with_previous
    unit = _unit(edition)
    unit["options"] = [o for o in unit["options"] if o["key"] != "nav"]
    authoring.question_update(
        actor=admin, edition=edition, key="unit", question=unit, retired={"nav": "other"}
    )
    edition.refresh_from_db()
    assert edition.option_mappings == [
        {"question": "unit", "from_year": 2025, "map": {"nav": "other"}}
    ]
    assert edition.mapping_from(2025, "unit") == {"nav": "other"}
    (entry,) = _entries("survey.edit.question_update")
    assert entry.changes["option_mappings"] == [[], edition.option_mappings]


def test_retiring_an_option_last_year_had_needs_a_target(with_previous, admin):
    unit = _unit(with_previous)
    unit["options"] = [o for o in unit["options"] if o["key"] != "nav"]
    with pytest.raises(authoring.EditRefused):
        authoring.question_update(
            actor=admin, edition=with_previous, key="unit", question=unit, retired={"nav": ""}
        )


def test_renaming_an_option_key_maps_the_old_key(with_previous, admin):
    unit = _unit(with_previous)
    unit["options"][1] = {"key": "nav_office", "label": {"nb": "NAV-kontoret"}}
    authoring.question_update(
        actor=admin, edition=with_previous, key="unit", question=unit, renamed={"nav": "nav_office"}
    )
    with_previous.refresh_from_db()
    assert with_previous.mapping_from(2025, "unit") == {"nav": "nav_office"}


def test_an_option_new_this_year_is_retired_without_a_mapping(with_previous, admin):
    unit = _unit(with_previous)
    unit["options"] = [o for o in unit["options"] if o["key"] != "refugee_office"]
    authoring.question_update(
        actor=admin,
        edition=with_previous,
        key="unit",
        question=unit,
        retired={"refugee_office": ""},
    )
    with_previous.refresh_from_db()
    assert with_previous.option_mappings == []


def test_key_and_type_change_of_a_question_last_year_had_warn_first(with_previous, admin):
    target = copy.deepcopy(with_previous.definition["sections"][1]["questions"][3])
    assert target["key"] == "target"
    changed = {**target, "key": "target_share", "type": "integer"}
    with pytest.raises(authoring.SeriesBreak) as exc:
        authoring.question_update(
            actor=admin, edition=with_previous, key="target", question=changed
        )
    assert len(exc.value.warnings) == 2
    assert "2025" in exc.value.warnings[0] and "target" in exc.value.warnings[0]
    assert not _entries("survey.edit.question_update")
    authoring.question_update(
        actor=admin,
        edition=with_previous,
        key="target",
        question=changed,
        confirm_series_break=True,
    )
    assert Question.objects.get(edition=with_previous, key="target_share").type == "integer"


def test_a_question_last_year_lacked_changes_without_warning(with_previous, admin):
    question = copy.deepcopy(with_previous.definition["sections"][1]["questions"][7])
    assert question["key"] == "advice"
    authoring.question_update(
        actor=admin, edition=with_previous, key="advice", question={**question, "key": "tips"}
    )


# --- an opened edition ----------------------------------------------------------------------


@pytest.fixture
def opened(draft):
    return edition_set_status(actor=None, edition=draft, status="open")


def test_an_opened_edition_refuses_every_structural_change(opened, admin):
    question = copy.deepcopy(opened.definition["sections"][0]["questions"][1])
    with pytest.raises(authoring.EditRefused) as exc:
        authoring.question_add(
            actor=admin, edition=opened, section_key="services", question=NEW_QUESTION
        )
    assert "2026" in exc.value.message
    for call in (
        lambda: authoring.question_move(
            actor=admin, edition=opened, key="has_plan", direction="down"
        ),
        lambda: authoring.question_remove(actor=admin, edition=opened, key="advice"),
        lambda: authoring.section_move(actor=admin, edition=opened, key="services", direction="up"),
        lambda: authoring.section_remove(actor=admin, edition=opened, key="services"),
        lambda: authoring.question_update(
            actor=admin, edition=opened, key="has_plan", question={**question, "key": "plan"}
        ),
        lambda: authoring.question_update(
            actor=admin, edition=opened, key="has_plan", question={**question, "type": "single"}
        ),
        lambda: authoring.question_update(
            actor=admin,
            edition=opened,
            key="has_plan",
            question={**question, "show_if": {"kind": ["district"]}},
        ),
        lambda: authoring.section_update(
            actor=admin,
            edition=opened,
            key="services",
            section={"key": "tjenester", "title": {"nb": "T"}},
        ),
    ):
        with pytest.raises(authoring.EditRefused):
            call()
    assert not AuditEntry.objects.filter(action__startswith="survey.edit.").exists()


def test_a_draft_with_a_launch_date_or_answers_counts_as_opened(draft, cast):
    assert not authoring.is_opened(draft)
    draft.launched_at = timezone.now()
    assert authoring.is_opened(draft)
    draft.launched_at = None
    response = Response.objects.create(edition=draft, municipality=cast.a)
    Answer.objects.create(
        response=response,
        municipality=cast.a,
        question=draft.questions.get(key="has_plan"),
        value="yes",
    )
    assert authoring.is_opened(draft)


def test_a_typo_fix_in_an_opened_edition_keeps_rows_and_answers(opened, admin, cast):
    response = Response.objects.create(edition=opened, municipality=cast.a)
    row = opened.questions.get(key="unit")
    answer = Answer.objects.create(
        response=response, municipality=cast.a, question=row, value="nav"
    )
    unit = copy.deepcopy(opened.definition["sections"][1]["questions"][0])
    unit["text"] = {"nb": "Hvilken enhet har ansvar?", "nn": "Kva eining har ansvaret?"}
    unit["options"][1]["label"] = {"nb": "NAV", "en": "Labour and welfare office"}
    authoring.question_update(actor=admin, edition=opened, key="unit", question=unit)
    row.refresh_from_db()
    answer.refresh_from_db()
    assert row.pk == answer.question_id
    assert row.text["nn"] == "Kva eining har ansvaret?"
    assert row.config["options"][1]["label"]["en"] == "Labour and welfare office"
    (entry,) = _entries("survey.edit.text_fix")
    assert entry.changes["text.nb"] == ["Hvilken enhet har ansvaret?", "Hvilken enhet har ansvar?"]
    assert entry.changes["options[1].label.en"] == [None, "Labour and welfare office"]


def test_a_section_title_fix_in_an_opened_edition(opened, admin):
    section = Section.objects.get(edition=opened, key="services")
    authoring.section_update(
        actor=admin,
        edition=opened,
        key="services",
        section={"key": "services", "title": {"nb": "Tjenestene", "nn": "Tenestene"}},
    )
    section.refresh_from_db()
    assert section.title == {"nb": "Tjenestene", "nn": "Tenestene"}


def test_changes_between_lists_each_language():
    old = {"text": {"nb": "A"}, "options": [{"key": "x", "label": {"nb": "X"}}]}
    new = {"text": {"nb": "A", "nn": "A2"}, "options": [{"key": "x", "label": {"nb": "Y"}}]}
    assert authoring.changes_between(old, new) == {
        "text.nn": [None, "A2"],
        "options[0].label.nb": ["X", "Y"],
    }


def test_structure_ignores_texts_only():
    question = {"key": "q", "text": {"nb": "A"}, "scale": {"min": 1, "min_label": {"nb": "L"}}}
    assert authoring.structure(question) == {"key": "q", "scale": {"min": 1}}


def test_problems_in_words_name_the_question_and_the_language():
    problem = Problem(
        location="sections[0].questions[1].text (nn)",
        message="Ukjent plassholder {kommune}; tillatt: decided, year",
        path=("sections", 0, "questions", 1, "text"),
        language="nn",
        section="settlement",
        question="has_plan",
        field="text",
    )
    words = problem_in_words(problem)
    assert words.startswith("Spørsmålet «has_plan»: Ukjent plassholder {kommune}")
    assert words.endswith("(nynorsk)")
    assert problem_in_words(problem, with_place=False).startswith("Ukjent plassholder")


def test_without_the_previous_edition_a_retired_option_needs_no_target(draft, admin):
    unit = copy.deepcopy(draft.definition["sections"][1]["questions"][0])
    unit["options"] = [o for o in unit["options"] if o["key"] != "nav"]
    authoring.question_update(
        actor=admin, edition=draft, key="unit", question=unit, retired={"nav": ""}
    )
    draft.refresh_from_db()
    assert draft.option_mappings == []
    assert [o["key"] for o in draft.questions.get(key="unit").config["options"]] == [
        "none",
        "refugee_office",
        "other",
    ]
