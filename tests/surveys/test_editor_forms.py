"""The editor's forms build the definition format's questions, the shared spec's extensions too
(yes_no_grid, min_choices, allow_not_relevant on single, scale labels, if_unanswered, a rule on
a battery's item). parse_definition in this branch may still refuse the extensions; these tests
check what the forms write."""

from surveys.editions.editor_forms import QuestionEditor

EARLIER = [
    {
        "key": "channels",
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


def test_a_battery_with_an_other_item():
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


def test_multi_with_at_least_and_at_most_and_a_rule_on_a_battery_item():
    data = {
        **_management(options=2, **{"route-rules": 1}),
        "key": "measures",
        "type": "multi",
        "text_nb": "Tiltak",
        "min_choices": "1",
        "max_choices": "2",
        "options-0-key": "a",
        "options-0-label_nb": "A",
        "options-0-exclusive": "on",
        "options-1-key": "b",
        "options-1-label_nb": "B",
        "route-rules-0-subject": "channels:email",
        "route-rules-0-operator": "in",
        "route-rules-0-values": ["channels:email|yes", "channels:email|dont_know"],
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
                "question": "channels",
                "item": "email",
                "in": ["yes", "dont_know"],
                "if_unanswered": "show",
            }
        ]
    }


def test_single_with_not_relevant_and_a_scale_with_a_label_on_every_point():
    single = {
        **_management(options=2),
        "key": "unit",
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
    scale = {
        **_management(),
        "key": "satisfaction",
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
        "route-rules-0-values": ["channels:email|yes"],
    }
    editor = QuestionEditor(data, earlier=EARLIER)
    assert not editor.is_valid()
    assert "values" in editor.routing.rules.forms[0].errors
