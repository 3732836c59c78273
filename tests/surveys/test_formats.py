"""The definition-format extensions end to end: a ranking with "other", a yes/no battery,
min_choices, "not relevant" on a single choice, a label on every scale point and routing that
says what an unanswered question means; checked, answered, shown, counted and exported."""

import copy
import io
from pathlib import Path

import pytest
from django.http import QueryDict
from django.utils import translation

from surveys.analysis import breakdowns, exports, results, trends
from surveys.editions.definition import DefinitionError, parse_definition
from surveys.editions.schema import QUESTION_TYPES
from surveys.editions.services import edition_import, edition_set_status
from surveys.models import Answer, Response
from surveys.respondent import questions as qtypes
from surveys.respondent.pdf import response_rows
from surveys.respondent.routing import _rule_holds
from surveys.respondent.services import response_submit
from tests.surveys.conftest import save_posted

BASE = "/kommune/4204/undersokelse/2026"
OTHER = {"key": "other", "label": "Annet, beskriv", "other": True}
FORMS = {
    "year": 2026,
    "title": "Kommuneundersøkelsen 2026",
    "opens": "2026-11-02",
    "deadline": "2027-01-15",
    "sections": [
        {
            "key": "forms",
            "title": "Nye former",
            "questions": [
                {
                    "key": "ranked",
                    "type": "rank",
                    "text": "Ranger de to viktigste",
                    "rank": 2,
                    "options": [
                        {"key": "housing", "label": "Bolig"},
                        {"key": "work", "label": "Arbeid"},
                        {"key": "school", "label": "Skole"},
                        OTHER,
                    ],
                },
                {
                    "key": "tools",
                    "type": "yes_no_grid",
                    "text": "Har kommunen disse verktøyene?",
                    "allow_dont_know": True,
                    "items": [
                        {"key": "plan", "label": "Plan"},
                        {"key": "budget", "label": "Budsjett"},
                        OTHER,
                    ],
                },
                {
                    "key": "plan_year",
                    "type": "integer",
                    "text": "Hvilket år kom planen?",
                    "show_if": {"answers": [{"question": "tools", "item": "plan", "in": ["yes"]}]},
                },
                {
                    "key": "why_no_budget",
                    "type": "text",
                    "text": "Hvorfor ikke budsjett?",
                    "show_if": {
                        "answers": [{"question": "tools", "item": "budget", "not_in": ["yes"]}]
                    },
                },
                {
                    "key": "budget_size",
                    "type": "integer",
                    "text": "Hvor stort er budsjettet?",
                    "show_if": {
                        "answers": [
                            {
                                "question": "tools",
                                "item": "budget",
                                "in": ["yes"],
                                "if_unanswered": "show",
                            }
                        ]
                    },
                },
                {
                    "key": "plan_missing",
                    "type": "text",
                    "text": "Hva mangler i planarbeidet?",
                    "show_if": {
                        "answers": [
                            {
                                "question": "tools",
                                "item": "plan",
                                "not_in": ["yes"],
                                "if_unanswered": "hide",
                            }
                        ]
                    },
                },
                {
                    "key": "measures",
                    "type": "multi",
                    "text": "Velg to eller tre tiltak",
                    "min_choices": 2,
                    "max_choices": 3,
                    "options": [
                        {"key": "language", "label": "Språk"},
                        {"key": "work", "label": "Arbeid"},
                        {"key": "housing", "label": "Bolig"},
                        {"key": "health", "label": "Helse"},
                        {"key": "none", "label": "Ingen tiltak", "exclusive": True},
                    ],
                },
                {
                    "key": "unit",
                    "type": "single",
                    "text": "Hvilken enhet har ansvaret?",
                    "allow_not_relevant": True,
                    "options": [
                        {"key": "nav", "label": "NAV"},
                        {"key": "office", "label": "Flyktningkontor"},
                    ],
                },
                {
                    "key": "satisfaction",
                    "type": "scale",
                    "text": "Hvor fornøyd er dere?",
                    "scale": {"min": 1, "max": 3, "labels": ["Lite", "Middels", "Svært"]},
                },
                {
                    "key": "channels",
                    "type": "scale_grid",
                    "text": "Hvor nyttig er kanalene?",
                    "scale": {
                        "min": 1,
                        "max": 3,
                        "labels": ["Lite nyttig", "Nyttig", "Svært nyttig"],
                    },
                    "items": [
                        {"key": "email", "label": "E-post"},
                        {"key": "meetings", "label": "Møter"},
                    ],
                },
            ],
        }
    ],
}


def forms(**changes):
    doc = copy.deepcopy(FORMS)
    doc.update(changes)
    return doc


def q(doc, key):
    return next(x for s in doc["sections"] for x in s["questions"] if x["key"] == key)


def problems_of(doc, **kwargs):
    with translation.override("en"):
        with pytest.raises(DefinitionError) as info:
            parse_definition(doc, **kwargs)
        return [str(p) for p in info.value.problems]


@pytest.fixture
def edition(db):
    edition = edition_import(actor=None, content=forms())
    return edition_set_status(actor=None, edition=edition, status="open")


def qd(d):
    out = QueryDict(mutable=True)
    for k, v in d.items():
        out.setlist(k, v if isinstance(v, list) else [v])
    return out


def question(edition, key):
    return edition.questions.get(key=key)


# --- The definition ----------------------------------------------------------------------------


def test_every_new_form_is_accepted_and_normalised():
    parsed = parse_definition(forms())
    tools = q(parsed, "tools")
    assert tools["items"][2] == {"key": "other", "label": {"nb": "Annet, beskriv"}, "other": True}
    assert q(parsed, "satisfaction")["scale"]["labels"] == [
        {"nb": "Lite"},
        {"nb": "Middels"},
        {"nb": "Svært"},
    ]
    assert q(parsed, "measures")["min_choices"] == 2
    assert q(parsed, "budget_size")["show_if"]["answers"][0]["if_unanswered"] == "show"


def test_yaml_yes_in_a_battery_rule_is_read_as_the_answer_yes():
    doc = forms()
    q(doc, "plan_year")["show_if"]["answers"][0]["in"] = [True]
    assert q(parse_definition(doc), "plan_year")["show_if"]["answers"][0]["in"] == ["yes"]


REFUSED = [
    pytest.param(
        lambda d: q(d, "tools")["items"][0].update(other=True),
        "question 'tools', items[2].other: a battery can have only one “other, please describe” item",
        id="two-other-items",
    ),
    pytest.param(
        lambda d: q(d, "channels")["items"][0].update(other=True),
        "question 'channels', items[0].other: only an item of a yes/no battery",
        id="other-item-on-a-scale-grid",
    ),
    pytest.param(
        lambda d: q(d, "measures").update(min_choices=3, max_choices=2),
        "question 'measures', min_choices: 3 is more than max_choices (2)",
        id="min-over-max",
    ),
    pytest.param(
        lambda d: q(d, "measures").pop("max_choices") and q(d, "measures").update(min_choices=6),
        "question 'measures', min_choices: 6 is more than the 5 options",
        id="min-over-options",
    ),
    pytest.param(
        lambda d: q(d, "unit").update(min_choices=1),
        "question 'unit', min_choices: 'min_choices' does not belong to a 'single' question",
        id="min-choices-on-single",
    ),
    pytest.param(
        lambda d: q(d, "satisfaction")["scale"].update(labels=["Lite", "Mye"]),
        "question 'satisfaction', scale.labels: has 2 labels, but the scale from 1 to 3 has 3 points",
        id="labels-count",
    ),
    pytest.param(
        lambda d: q(d, "plan_year")["show_if"]["answers"][0].pop("item"),
        "question 'plan_year', show_if.answers[0]: 'tools' is a battery: name the item",
        id="battery-rule-without-item",
    ),
    pytest.param(
        lambda d: q(d, "satisfaction").update(
            show_if={"answers": [{"question": "unit", "item": "nav", "in": ["nav"]}]}
        ),
        "question 'satisfaction', show_if.answers[0].item: only a rule about a battery",
        id="item-on-a-single-rule",
    ),
    pytest.param(
        lambda d: q(d, "plan_year")["show_if"]["answers"][0].update(item="car"),
        "question 'plan_year', show_if.answers[0].item: 'car' is not an item of 'tools' (its items: plan, budget, other)",
        id="unknown-item",
    ),
    pytest.param(
        lambda d: q(d, "plan_year")["show_if"]["answers"][0].update(**{"in": ["maybe"]}),
        "'maybe' is not an answer of 'tools' (its answers: dont_know, no, yes)",
        id="battery-value-not-yes-no",
    ),
    pytest.param(
        lambda d: q(d, "plan_year").update(
            show_if={"answers": [{"question": "ranked", "answered": True, "if_unanswered": "show"}]}
        ),
        "question 'plan_year', show_if.answers[0].if_unanswered: an 'answered' rule already says",
        id="if-unanswered-on-answered",
    ),
    pytest.param(
        lambda d: q(d, "plan_year")["show_if"]["answers"][0].update(if_unanswered="maybe"),
        "'maybe' is not one of: show, hide",
        id="if-unanswered-value",
    ),
    pytest.param(
        lambda d: q(d, "ranked")["options"][0].update(other=True),
        "question 'ranked', options[3].other: a ranking can have only one",
        id="rank-two-other",
    ),
    pytest.param(
        lambda d: q(d, "tools").update(allow_not_relevant=True),
        "'allow_not_relevant' does not belong to a 'yes_no_grid' question",
        id="not-relevant-on-battery",
    ),
    pytest.param(
        lambda d: q(d, "tools").pop("items"),
        "question 'tools': 'items' is missing",
        id="battery-without-items",
    ),
]


@pytest.mark.parametrize(("mutate", "fragment"), REFUSED)
def test_misuse_is_refused_in_words(mutate, fragment):
    doc = forms()
    mutate(doc)
    problems = problems_of(doc)
    assert any(fragment in p for p in problems), problems


def test_option_mappings_onto_a_battery_and_onto_not_relevant():
    doc = forms(
        option_mappings=[
            {"question": "tools", "from_year": 2025, "map": {"ja": "yes", "usikker": "dont_know"}},
            {"question": "unit", "from_year": 2025, "map": {"ingen": "not_relevant"}},
        ]
    )
    assert parse_definition(doc)["option_mappings"][0]["map"]["ja"] == "yes"
    doc["option_mappings"][0]["map"]["ja"] = "maybe"
    problems = problems_of(doc)
    assert any(
        "'maybe' is not an option of 'tools' (its options: dont_know, no, yes)" in p
        for p in problems
    )
    earlier = {"type": "yes_no_grid", "items": [{"key": "plan", "label": {"nb": "Plan"}}]}
    doc["option_mappings"][0]["map"] = {"ja": "yes"}
    problems = problems_of(doc, earlier_question=lambda year, key: earlier)
    assert any("'ja' is not an option of 'tools' in 2025" in p for p in problems), problems


# --- Messages in Norwegian ---------------------------------------------------------------------


def test_the_checkers_messages_are_in_bokmaal_and_name_the_question():
    doc = forms()
    q(doc, "measures").update(min_choices=3, max_choices=2)
    q(doc, "ranked")["text"] = "Ranger {foo}"
    doc["sections"][0]["questions"].append(copy.deepcopy(q(doc, "unit")))
    with translation.override("nb"), pytest.raises(DefinitionError) as info:
        parse_definition(doc)
    texts = info.value.errors
    assert "spørsmål «measures», min_choices: 3 er mer enn max_choices (2)" in texts, texts
    assert any(
        t.startswith("spørsmål «ranked», text (nb): Ukjent plassholder {foo}") for t in texts
    ), texts
    duplicate = next(p for p in info.value.problems if p.field == "key")
    assert duplicate.location == "sections[0].questions[10].key"
    assert "sections[" not in duplicate.message and "'forms'" in duplicate.message
    # The location part that locate() parses stays as written in the document.
    assert all(p.location.startswith("sections[0].questions[") for p in info.value.problems)


def test_schema_messages_are_in_nynorsk_too():
    doc = forms()
    del doc["deadline"]
    with translation.override("nn"), pytest.raises(DefinitionError) as info:
        parse_definition(doc)
    assert info.value.errors == ["(document): 'deadline' manglar"]


# --- Answering ---------------------------------------------------------------------------------


def test_rank_other_needs_the_description_only_when_placed(edition):
    ranked = question(edition, "ranked")
    assert qtypes.parse(ranked, qd({"q-ranked-1": "work", "q-ranked-2": "housing"})) == (
        ["work", "housing"],
        "",
    )
    with translation.override("nb"), pytest.raises(qtypes.AnswerInvalid, match="Beskriv"):
        qtypes.parse(ranked, qd({"q-ranked-1": "work", "q-ranked-2": "other"}))
    value = qtypes.parse(
        ranked, qd({"q-ranked-1": "other", "q-ranked-2": "work", "q-ranked-other": "Helse"})
    )
    assert value == (["other", "work"], "Helse")
    with translation.override("nb"):
        assert qtypes.display(ranked, *value) == "1. Annet, beskriv: Helse; 2. Arbeid"
    # A description typed while "Annet" is not placed is not kept.
    assert qtypes.parse(ranked, qd({"q-ranked-1": "work", "q-ranked-other": "x"}))[1] == ""


def test_battery_values_and_the_other_item(edition):
    tools = question(edition, "tools")
    assert qtypes.parse(
        tools, qd({"q-tools-item-plan": "yes", "q-tools-item-budget": "dont_know"})
    ) == (
        {"plan": "yes", "budget": "dont_know"},
        "",
    )
    with pytest.raises(qtypes.AnswerInvalid):
        qtypes.parse(tools, qd({"q-tools-item-plan": "maybe"}))
    with pytest.raises(qtypes.AnswerInvalid):
        qtypes.parse(tools, qd({"q-tools-item-other": "yes"}))
    assert qtypes.parse(tools, qd({"q-tools-item-other": "no"})) == ({"other": "no"}, "")
    value = qtypes.parse(tools, qd({"q-tools-item-other": "yes", "q-tools-other": "Kart"}))
    assert value == ({"other": "yes"}, "Kart")
    assert qtypes.parse(tools, qd({})) == (None, "")
    with translation.override("nb"):
        assert (
            qtypes.display(tools, {"plan": "yes", "budget": "no", "other": "yes"}, "Kart")
            == "Plan: Ja; Budsjett: Nei; Annet, beskriv (Kart): Ja"
        )


def test_multi_min_choices_in_words(edition):
    measures = question(edition, "measures")
    with translation.override("nb"), pytest.raises(qtypes.AnswerInvalid) as info:
        qtypes.parse(measures, qd({"q-measures": ["work"]}))
    assert str(info.value) == "Velg minst 2."
    assert qtypes.parse(measures, qd({"q-measures": ["work", "language"]}))[0] == [
        "language",
        "work",
    ]
    # The exclusive "none" is an answer on its own.
    assert qtypes.parse(measures, qd({"q-measures": ["none"]}))[0] == ["none"]
    with pytest.raises(qtypes.AnswerInvalid):
        qtypes.parse(measures, qd({"q-measures": ["work", "language", "housing", "health"]}))


def test_single_not_relevant_and_labelled_scales(edition):
    unit = question(edition, "unit")
    assert qtypes.parse(unit, qd({"q-unit": "not_relevant"})) == ("not_relevant", "")
    satisfaction = question(edition, "satisfaction")
    channels = question(edition, "channels")
    with translation.override("nb"):
        assert qtypes.display(unit, "not_relevant") == "Ikke relevant"
        assert qtypes.display(satisfaction, 2) == "2 – Middels"
        assert qtypes.display(channels, {"email": 3}) == "E-post: 3 – Svært nyttig"
    # Without allow_not_relevant it is refused.
    unit.config = {**unit.config, "allow_not_relevant": False}
    with pytest.raises(qtypes.AnswerInvalid):
        qtypes.parse(unit, qd({"q-unit": "not_relevant"}))


# --- Routing when unanswered ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "value", "holds"),
    [
        ({"question": "x", "in": ["yes"]}, None, False),  # default: in hides
        ({"question": "x", "not_in": ["yes"]}, None, True),  # default: not_in shows
        ({"question": "x", "in": ["yes"], "if_unanswered": "show"}, None, True),
        ({"question": "x", "not_in": ["yes"], "if_unanswered": "hide"}, None, False),
        ({"question": "x", "in": ["yes"], "if_unanswered": "hide"}, None, False),
        ({"question": "x", "not_in": ["yes"], "if_unanswered": "show"}, None, True),
        # an answered question is judged by its answer whatever if_unanswered says
        ({"question": "x", "in": ["yes"], "if_unanswered": "show"}, "no", False),
        ({"question": "x", "not_in": ["yes"], "if_unanswered": "hide"}, "no", True),
        # one item of a battery; the other items do not count
        ({"question": "x", "item": "a", "in": ["yes"]}, {"a": "yes"}, True),
        ({"question": "x", "item": "a", "in": ["yes"]}, {"b": "yes"}, False),
        ({"question": "x", "item": "a", "not_in": ["yes"]}, {"b": "yes"}, True),
        ({"question": "x", "item": "a", "in": ["yes"], "if_unanswered": "show"}, {"b": "no"}, True),
        ({"question": "x", "item": "a", "answered": True}, {"a": "no"}, True),
    ],
)
def test_rules_on_unanswered_questions(rule, value, holds):
    assert _rule_holds(rule, value) is holds


def test_routing_on_battery_items_through_the_page(client, cast, edition):
    client.force_login(cast.editor_a)
    page = client.get(f"{BASE}/del/forms/")
    hidden = {v.key for v in page.context["questions"] if v.hidden}
    # Unanswered battery: in hides, not_in shows, and the explicit choices turn that around.
    assert hidden == {"plan_year", "plan_missing"}
    reply = client.post(
        f"{BASE}/lagre/",
        {"question": "tools", "q-tools-item-plan": "no", "q-tools-item-budget": "yes"},
    )
    assert reply.status_code == 200, reply.content
    visible = set(reply.json()["visible"])
    assert {"plan_missing", "budget_size"} <= visible
    assert not {"plan_year", "why_no_budget"} & visible
    saved = reply.json()
    reply = client.post(
        f"{BASE}/lagre/",
        {
            "question": "tools",
            "q-tools-item-plan": "yes",
            "q-tools-version": saved["version"],
            "q-tools-orig": saved["fingerprint"],
        },
    )
    assert reply.status_code == 200, reply.content
    visible = set(reply.json()["visible"])
    assert "plan_year" in visible and "plan_missing" not in visible
    assert {"why_no_budget", "budget_size"} <= visible


# --- Pages -------------------------------------------------------------------------------------


ANSWERS = {
    "q-ranked-1": "other",
    "q-ranked-2": "work",
    "q-ranked-other": "Helsetjenester",
    "q-tools-item-plan": "yes",
    "q-tools-item-budget": "no",
    "q-tools-item-other": "yes",
    "q-tools-other": "Digitalt kart",
    "q-plan_year": "2021",
    "q-measures": ["language", "work"],
    "q-unit": "not_relevant",
    "q-satisfaction": "2",
    "q-channels-email": "3",
    "q-channels-meetings": "1",
}
KEYS = ["ranked", "tools", "plan_year", "measures", "unit", "satisfaction", "channels"]


@pytest.fixture
def answered(cast, edition):
    result = save_posted(
        actor=cast.editor_a, edition=edition, municipality=cast.a, data=qd(ANSWERS), keys=KEYS
    )
    assert result.ok, result.errors
    response = Response.objects.get(edition=edition, municipality=cast.a)
    response_submit(actor=cast.signatory_a, response=response, confirmed=True, on_behalf_of="")
    return edition


def test_the_section_page_shows_every_new_form(client, cast, edition):
    client.force_login(cast.editor_a)
    page = client.get(f"{BASE}/del/forms/")
    assert page.status_code == 200
    body = page.content.decode()
    # The battery: a table row per item, Ja / Nei / Vet ikke radios named per item, each
    # labelled with its item, and the description field for "Annet".
    assert 'class="table table-sm yes-no-grid"' in body
    for item in ("plan", "budget", "other"):
        for answer in ("yes", "no", "dont_know"):
            assert f'name="q-tools-item-{item}" id="q-tools-item-{item}-' in body
            assert f'value="{answer}"' in body
    assert ">Ja</th>" in body and ">Nei</th>" in body and ">Vet ikke</th>" in body
    assert '<label class="visually-hidden" for="q-tools-item-plan-0">Plan: Ja</label>' in body
    assert 'name="q-tools-other"' in body and 'id="q-tools-other"' in body
    # The ranking with "Annet": a description field.
    assert 'name="q-ranked-other"' in body
    assert "Velg minst 2 og høyst 3." in body
    assert 'value="not_relevant"' in body and "Ikke relevant" in body
    assert "2 – Middels" in body and "3 – Svært" in body
    assert "1 = Lite nyttig, 2 = Nyttig, 3 = Svært nyttig" in body


def test_a_refused_battery_shows_what_was_typed(client, cast, edition):
    client.force_login(cast.editor_a)
    page = client.post(
        f"{BASE}/del/forms/", {"q-tools-item-plan": "yes", "q-tools-item-other": "yes"}
    )
    assert page.status_code == 200
    assert "Beskriv" in page.content.decode()
    view = next(v for v in page.context["questions"] if v.key == "tools")
    assert view.error and view.value == {"plan": "yes", "budget": None, "other": "yes"}
    assert not Answer.objects.exists()


def test_review_and_pdf_show_the_answers(client, cast, answered):
    client.force_login(cast.signatory_a)
    page = client.get(f"{BASE}/gjennomgang/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "1. Annet, beskriv: Helsetjenester; 2. Arbeid" in body
    assert "Plan: Ja; Budsjett: Nei; Annet, beskriv (Digitalt kart): Ja" in body
    assert "Ikke relevant" in body and "2 – Middels" in body
    response = Response.objects.get(edition=answered, municipality=cast.a)
    with translation.override("nb"):
        shown = {
            i["question"].key: i["answer"] for r in response_rows(response) for i in r["items"]
        }
    assert shown["tools"] == "Plan: Ja; Budsjett: Nei; Annet, beskriv (Digitalt kart): Ja"
    assert shown["channels"] == "E-post: 3 – Svært nyttig; Møter: 1 – Lite nyttig"
    reply = client.get(f"{BASE}/svar.pdf")
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF-")


def test_same_as_last_year_copies_a_battery(client, cast, answered):
    following = forms(year=2027, opens="2027-11-01", deadline="2028-01-14", previous_year=2026)
    edition_set_status(actor=None, edition=answered, status="closed")
    nxt = edition_set_status(
        actor=None, edition=edition_import(actor=None, content=following), status="open"
    )
    client.force_login(cast.editor_a)
    page = client.get("/kommune/4204/undersokelse/2027/del/forms/")
    views = {v.key: v for v in page.context["questions"]}
    with translation.override("nb"):
        assert (
            views["tools"].last_year
            == "Plan: Ja; Budsjett: Nei; Annet, beskriv (Digitalt kart): Ja"
        )
    reply = client.post(
        "/kommune/4204/undersokelse/2027/lagre/",
        {"question": "tools", "same_as_last_year": "tools"},
    )
    assert reply.status_code == 200, reply.content
    copied = Answer.objects.get(question__edition=nxt, question__key="tools")
    assert copied.value == {"plan": "yes", "budget": "no", "other": "yes"}
    assert copied.other_text == "Digitalt kart"


# --- Analysis and export ----------------------------------------------------------------------


def test_the_battery_is_counted_per_item(cast, answered):
    analysis = breakdowns.edition_analysis(user=cast.admin, edition=answered)
    national = {qa.question.key: qa.national for s in analysis.sections for qa in s.questions}
    tools = national["tools"]
    assert [i.key for i in tools.items] == ["plan", "budget", "other"]
    plan = tools.items[0].result
    assert plan.n == 1 and plan.yes_percent == 100
    assert [(r.key, r.count) for r in tools.items[1].result.rows] == [
        ("yes", 0),
        ("no", 1),
        ("dont_know", 0),
    ]
    assert next(r for r in national["unit"].rows if r.key == "not_relevant").count == 1
    with translation.override("nb"):
        label = results.scale_point_label(question(answered, "satisfaction"), 2)
    assert label == "2 – Middels"


def test_analysis_pages_render_every_new_form(client, cast, answered):
    client.force_login(cast.admin)
    page = client.get("/direktoratet/undersokelser/2026/analyse/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Budsjett" in body and "Plan" in body
    for key in ("ranked", "tools", "measures", "unit", "satisfaction", "channels"):
        assert client.get(f"/direktoratet/undersokelser/2026/analyse/{key}/").status_code == 200, (
            key
        )
    tools = client.get("/direktoratet/undersokelser/2026/analyse/tools/").content.decode()
    assert "100,0 %" in tools


def test_the_export_holds_per_item_answers_and_other_texts(cast, answered):
    out = io.BytesIO()
    source = exports.export_source(answered, user=cast.admin)
    long = list(exports.long_rows(source))
    index = exports.LONG_COLUMNS.index
    rows = {(r[index("question_key")], r[index("item")], r[index("rank")]): r for r in long}
    assert rows[("tools", "plan", None)][index("value")] == "yes"
    assert rows[("tools", "plan", None)][index("value_label")] == "Ja"
    assert rows[("tools", "other", None)][index("other_text")] == "Digitalt kart"
    assert rows[("ranked", None, 1)][index("other_text")] == "Helsetjenester"
    assert rows[("ranked", None, 2)][index("other_text")] is None
    assert rows[("unit", None, None)][index("value_label")] == "Ikke relevant"
    assert rows[("satisfaction", None, None)][index("value_label")] == "Middels"
    header = exports.wide_header(source)
    wide = dict(zip(header, next(exports.wide_rows(source)), strict=True))
    assert wide["tools__plan"] == "yes" and wide["tools__budget"] == "no"
    assert wide["tools__other_text"] == "Digitalt kart"
    assert wide["ranked__1"] == "other" and wide["ranked__other_text"] == "Helsetjenester"
    for fmt in exports.FORMATS:
        for shape in ("long", "wide"):
            exports.write_export(source, fmt=fmt, shape=shape, out=out)
    assert out.getvalue()


def test_the_documented_example_uses_every_type_and_every_new_field():
    example = Path(__file__).resolve().parents[2] / "surveys" / "editions" / "example.yaml"
    parsed = parse_definition(example.read_bytes())
    used = [x for s in parsed["sections"] for x in s["questions"]]
    assert {x["type"] for x in used} == set(QUESTION_TYPES)
    assert any(x["type"] == "rank" and any(o.get("other") for o in x["options"]) for x in used)
    assert any("min_choices" in x for x in used)
    assert any("labels" in x.get("scale", {}) for x in used)
    rules = [r for x in used for r in x.get("show_if", {}).get("answers", [])]
    assert any("item" in r for r in rules) and any("if_unanswered" in r for r in rules)


def test_the_shipped_editions_use_the_forms_the_real_surveys_used():
    editions = Path(__file__).resolve().parents[2] / "surveys" / "editions"

    def questions(year):
        parsed = parse_definition((editions / f"{year}.yaml").read_bytes())
        return {x["key"]: x for s in parsed["sections"] for x in s["questions"]}

    y2014, y2017, y2026 = questions(2014), questions(2017), questions(2026)
    # 2014 §2.2.2: «svare ja eller nei for alle relevante alternativ» – a battery.
    battery = y2014["husbanken_instruments"]
    assert battery["type"] == "yes_no_grid"
    assert [i["key"] for i in battery["items"]][0] == "husbanken_basic_loan"
    # 2014 §2.5: the ranking's «Annet» carries its description.
    assert [o for o in y2014["settlement_barriers_rank"]["options"] if o.get("other")]
    assert "settlement_barriers_other" not in y2014
    assert y2014["disability_grant_visible_to_management"]["allow_not_relevant"]
    # 2017 and 2026: «Nei …/ingen» options stand alone; the scale as the questionnaire printed it.
    for edition in (y2017, y2026):
        for key, option in (
            ("norwegian_combined_with_schooling", "none"),
            ("local_business_cooperation", "none"),
            ("information_channels", "no_information"),
        ):
            assert next(o for o in edition[key]["options"] if o["key"] == option)["exclusive"]
        assert len(edition["imdi_assistance_usefulness"]["scale"]["labels"]) == 5


def test_a_battery_over_two_years_is_a_yes_share_per_item(cast, answered):
    following = forms(year=2027, opens="2027-11-01", deadline="2028-01-14", previous_year=2026)
    edition_set_status(actor=None, edition=answered, status="closed")
    nxt = edition_set_status(
        actor=None, edition=edition_import(actor=None, content=following), status="open"
    )
    response = Response.objects.create(edition=nxt, municipality=cast.b, status="submitted")
    Answer.objects.create(
        response=response,
        municipality=cast.b,
        question=nxt.questions.get(key="tools"),
        value={"plan": "no", "budget": "yes"},
    )
    series = trends.time_series(user=cast.admin, key="tools")
    assert [y.year for y in series.years] == [2026, 2027]
    lines = {s.label: s.points for s in series.series}
    assert lines["Plan"] == [(2026, 100.0), (2027, 0.0)]
    assert lines["Budsjett"] == [(2026, 0.0), (2027, 100.0)]
    assert series.unit == "%"
    headings = [r.label for r in series.table.rows if r.heading]
    assert headings == ["Plan", "Budsjett", "Annet, beskriv"]


def test_the_directorates_preview_and_definition_export_handle_the_new_forms(client, cast, edition):
    client.force_login(cast.admin)
    page = client.get("/direktoratet/undersokelser/2026/forhandsvisning/4204/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<li>Budsjett</li>" in body and "Annet, beskriv (med beskrivelse)" in body
    assert "Ja / Nei / Vet ikke" in body
    assert "2 – Middels" in body
    exported = client.get("/direktoratet/undersokelser/2026/definisjon.yaml")
    assert exported.status_code == 200
    again = parse_definition(exported.content)
    assert q(again, "tools")["items"][2]["other"] is True
    assert q(again, "measures")["min_choices"] == 2
    assert q(again, "satisfaction")["scale"]["labels"][1] == {"nb": "Middels"}


def test_a_battery_lines_up_with_earlier_yes_no_questions_of_its_items_keys(cast, answered):
    earlier = {
        "year": 2025,
        "title": "Kommuneundersøkelsen 2025",
        "opens": "2025-11-03",
        "deadline": "2026-01-16",
        "sections": [
            {
                "key": "tools",
                "title": "Verktøy",
                "questions": [
                    {"key": "plan", "type": "yes_no", "text": "Har kommunen en plan?"},
                    {"key": "budget", "type": "yes_no", "text": "Har kommunen et budsjett?"},
                ],
            }
        ],
    }
    previous = edition_set_status(
        actor=None, edition=edition_import(actor=None, content=earlier), status="closed"
    )
    for municipality, plan, budget in ((cast.a, "no", "yes"), (cast.b, "yes", "yes")):
        response = Response.objects.create(
            edition=previous, municipality=municipality, status="submitted"
        )
        for key, value in (("plan", plan), ("budget", budget)):
            Answer.objects.create(
                response=response,
                municipality=municipality,
                question=previous.questions.get(key=key),
                value=value,
            )
    series = trends.time_series(user=cast.admin, key="tools")
    assert [y.year for y in series.years] == [2025, 2026]
    assert series.years[0].result.items[0].result.n == 2
    lines = {s.label: s.points for s in series.series}
    assert lines["Plan"] == [(2025, 50.0), (2026, 100.0)]
    assert lines["Budsjett"] == [(2025, 100.0), (2026, 0.0)]
    panel = trends.time_series(user=cast.admin, key="tools", panel=True)
    assert panel.panel_size == 1  # only A answered both years
    assert {s.label: s.points for s in panel.series}["Plan"] == [(2025, 0.0), (2026, 100.0)]
