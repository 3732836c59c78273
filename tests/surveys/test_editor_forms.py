"""The editor's forms build the definition format's questions, the shared spec's extensions too
(yes_no_grid, min_choices, allow_not_relevant on single, scale labels, if_unanswered, a rule on
a battery's item); each is then saved through the editor's page (the definition checker, the
service, the audit) and edited again unchanged."""

import pytest
from django.urls import reverse

from portal.core.audit.models import AuditEntry
from surveys.editions.editor_forms import QuestionEditor
from surveys.editions.services import edition_import
from surveys.models import Question
from tests.surveys.conftest import definition

EARLIER = [
    {
        "key": "uses",
        "type": "yes_no_grid",
        "text": {"nb": "Bruker dere kanalene?"},
        "items": [{"key": "email", "label": {"nb": "E-post"}}],
        "allow_dont_know": True,
    },
    {"key": "has_plan", "type": "yes_no", "text": {"nb": "Har dere en plan?"}},
]


def _management(**counts):
    data = {}
    for prefix in ("options", "items", "checks", "route-rules"):
        data[f"{prefix}-TOTAL_FORMS"] = str(counts.get(prefix, 0))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


@pytest.fixture
def saved(client, cast, db):
    """Posts a built question to the editor's 'add' page of a draft whose first section has the
    battery ``channels`` and the yes/no ``has_plan`` of EARLIER; returns the saved question as
    the edition's definition has it, after checking that editing it unchanged changes nothing."""
    doc = definition()
    doc["sections"][0]["questions"][:0] = [
        {
            **EARLIER[0],
            "text": "Bruker dere kanalene?",
            "items": [{"key": "email", "label": "E-post"}],
        }
    ]
    draft = edition_import(actor=None, content=doc)
    client.force_login(cast.admin)

    def save(data):
        url = reverse(
            "surveys:editor_question_add", kwargs={"year": 2026, "section_key": "services"}
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["editor"].non_field_errors
        draft.refresh_from_db()
        key = data["key"]
        entry = AuditEntry.objects.filter(action="survey.edit.question_add").latest("pk")
        assert entry.changes["key"] == [None, key]
        question = next(
            q for s in draft.definition["sections"] for q in s["questions"] if q["key"] == key
        )
        assert Question.objects.get(edition=draft, key=key).config is not None
        # Edited again as the page shows it: nothing changes, nothing is audited.
        edit = reverse("surveys:editor_question_edit", kwargs={"year": 2026, "key": key})
        page = client.get(edit)
        assert page.status_code == 200
        again = client.post(edit, _posted(page))
        assert again.status_code == 302, again.context["editor"].non_field_errors
        draft.refresh_from_db()
        assert question in draft.definition["sections"][1]["questions"]
        assert not AuditEntry.objects.filter(action="survey.edit.question_update").exists()
        return question

    return save


def _posted(response):
    """What the editor's page posts when nothing is changed (its initial values)."""
    editor = response.context["editor"]
    data = {}
    for part in editor.parts():
        for name in part.fields:
            value = part[name].value()
            if value is None or value is False:
                continue
            data[part.add_prefix(name)] = "on" if value is True else value
    for formset in (editor.options, editor.items, editor.checks, editor.routing.rules):
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    return data


def test_a_battery_with_an_other_item(saved):
    data = {
        **_management(items=2),
        "key": "tools",
        "type": "yes_no_grid",
        "text_nb": "Bruker dere verktøyene?",
        "allow_dont_know": "on",
        "items-0-key": "app",
        "items-0-label_nb": "App",
        "items-1-key": "other",
        "items-1-label_nb": "Annet",
        "items-1-other": "on",
    }
    editor = QuestionEditor(data, earlier=EARLIER)
    assert editor.is_valid(), [p.errors for p in editor.parts()]
    assert editor.build() == {
        "key": "tools",
        "type": "yes_no_grid",
        "text": {"nb": "Bruker dere verktøyene?"},
        "items": [
            {"key": "app", "label": {"nb": "App"}},
            {"key": "other", "label": {"nb": "Annet"}, "other": True},
        ],
        "allow_dont_know": True,
    }
    assert saved(data) == editor.build()


def test_multi_with_at_least_and_at_most_and_a_rule_on_a_battery_item(saved):
    data = {
        **_management(options=2, **{"route-rules": 1}),
        "key": "new_measures",
        "type": "multi",
        "text_nb": "Tiltak",
        "min_choices": "1",
        "max_choices": "2",
        "options-0-key": "a",
        "options-0-label_nb": "A",
        "options-0-exclusive": "on",
        "options-1-key": "b",
        "options-1-label_nb": "B",
        "route-rules-0-subject": "uses:email",
        "route-rules-0-operator": "in",
        "route-rules-0-values": ["uses:email|yes", "uses:email|dont_know"],
        "route-rules-0-if_unanswered": "show",
    }
    editor = QuestionEditor(data, earlier=EARLIER)
    assert editor.is_valid(), [p.errors for p in editor.parts()]
    question = editor.build()
    assert question["min_choices"] == 1 and question["max_choices"] == 2
    assert question["options"][0] == {"key": "a", "label": {"nb": "A"}, "exclusive": True}
    assert question["show_if"] == {
        "answers": [
            {
                "question": "uses",
                "item": "email",
                "in": ["yes", "dont_know"],
                "if_unanswered": "show",
            }
        ]
    }
    assert saved(data) == question


def test_single_with_not_relevant_and_a_scale_with_a_label_on_every_point(saved):
    single = {
        **_management(options=2),
        "key": "new_unit",
        "type": "single",
        "text_nb": "Enhet",
        "allow_not_relevant": "on",
        "options-0-key": "a",
        "options-0-label_nb": "A",
        "options-1-key": "b",
        "options-1-label_nb": "B",
    }
    editor = QuestionEditor(single, earlier=EARLIER)
    assert editor.is_valid()
    assert editor.build()["allow_not_relevant"] is True
    assert saved(single)["allow_not_relevant"] is True
    scale = {
        **_management(),
        "key": "new_satisfaction",
        "type": "scale",
        "text_nb": "Fornøyd?",
        "scale_min": "1",
        "scale_max": "3",
        "scale_labels_nb": "Lite\nNoe\nMye",
        "scale_labels_en": "Little\nSome\nMuch",
    }
    editor = QuestionEditor(scale, earlier=EARLIER)
    assert editor.is_valid()
    assert editor.build()["scale"] == {
        "min": 1,
        "max": 3,
        "labels": [
            {"nb": "Lite", "en": "Little"},
            {"nb": "Noe", "en": "Some"},
            {"nb": "Mye", "en": "Much"},
        ],
    }
    assert saved(scale)["scale"] == editor.build()["scale"]


def test_only_the_chosen_types_fields_are_written():
    data = {
        **_management(options=2, checks=1),
        "key": "count",
        "type": "integer",
        "text_nb": "Hvor mange?",
        "min": "0",
        "max": "10.5",
        "max_choices": "3",  # a multi field: not written for an integer
        "options-0-key": "a",
        "options-0-label_nb": "A",
        "checks-0-kind": "key_figure",
        "checks-0-key_figure": "decided",
        "checks-0-max_ratio": "1.5",
        "checks-0-message_nb": "Dere vedtok {decided}.",
    }
    editor = QuestionEditor(data, earlier=EARLIER)
    assert editor.is_valid(), [p.errors for p in editor.parts()]
    assert editor.build() == {
        "key": "count",
        "type": "integer",
        "text": {"nb": "Hvor mange?"},
        "min": 0,
        "max": 10.5,
        "checks": [
            {"key_figure": "decided", "max_ratio": 1.5, "message": {"nb": "Dere vedtok {decided}."}}
        ],
    }


def test_answers_of_another_question_than_the_chosen_one_are_refused():
    data = {
        **_management(**{"route-rules": 1}),
        "key": "q",
        "type": "yes_no",
        "text_nb": "Spørsmål",
        "route-rules-0-subject": "has_plan",
        "route-rules-0-values": ["uses:email|yes"],
    }
    editor = QuestionEditor(data, earlier=EARLIER)
    assert not editor.is_valid()
    assert "values" in editor.routing.rules.forms[0].errors


def test_a_scale_label_not_yet_translated_keeps_its_points_place(saved):
    """A blank line in the nynorsk labels is a point without nynorsk, not a shift of the rest;
    editing the saved question again keeps every label at its point (the page shows the blank)."""
    scale = {
        **_management(),
        "key": "new_satisfaction",
        "type": "scale",
        "text_nb": "Fornøyd?",
        "scale_min": "1",
        "scale_max": "3",
        "scale_labels_nb": "Lite\nNoe\nMye",
        "scale_labels_nn": "Lite\n\nMykje\n\n",
    }
    assert saved(scale)["scale"]["labels"] == [
        {"nb": "Lite", "nn": "Lite"},
        {"nb": "Noe"},
        {"nb": "Mye", "nn": "Mykje"},
    ]
