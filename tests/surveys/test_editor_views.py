"""The questionnaire editor's pages (surveys/editions/editor_views.py)."""

import copy

import pytest
import yaml
from django.urls import reverse

from portal.core.audit.models import AuditEntry
from surveys.demo import EDITIONS_DIR, load_shipped_editions
from surveys.editions import authoring
from surveys.editions.services import edition_import, edition_set_status
from surveys.models import Question, SurveyEdition
from tests.surveys.conftest import PREVIOUS, definition


@pytest.fixture
def draft(db):
    return edition_import(actor=None, content=definition())


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def _url(name, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"year": 2026, **kwargs})


def _form_data(response, prefix=""):
    """What the page's form would post as it is (its initial values)."""
    data = {}
    context = response.context
    editor = context["editor"]
    parts = editor.parts() if hasattr(editor, "parts") else []
    for part in parts:
        for name in part.fields:
            value = part[name].value()
            key = part.add_prefix(name)
            if value is None or value is False:
                continue
            data[key] = "on" if value is True else value
    formsets = [editor.options, editor.items, editor.checks, editor.routing.rules]
    for formset in formsets:
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    return data


def test_overview_lists_sections_questions_rules_and_missing_translations(admin_client, draft):
    response = admin_client.get(_url("editor_overview"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Vises når «Har kommunen en plan?» er Ja" in body
    assert "Vises for bydeler" in body
    missing_nn = response.context["missing_nn"]
    assert missing_nn > 0
    assert f"{missing_nn} tekster mangler nynorsk" in body


def test_edition_page_links_to_the_editor(admin_client, draft):
    response = admin_client.get(reverse("surveys:edition_detail", kwargs={"year": 2026}))
    assert _url("editor_overview") in response.content.decode()
    assert "Rediger spørsmålene" in response.content.decode()


def test_overview_query_count(admin_client, draft, django_assert_max_num_queries):
    for index in range(5):
        authoring.question_add(
            actor=None,
            edition=draft,
            section_key="services",
            question={"key": f"extra_{index}", "type": "text", "text": {"nb": f"Ekstra {index}"}},
        )
    with django_assert_max_num_queries(8):
        response = admin_client.get(_url("editor_overview"))
    assert response.status_code == 200


def test_history_query_count_and_contents(admin_client, draft, cast, django_assert_max_num_queries):
    for index in range(4):
        authoring.question_add(
            actor=cast.admin,
            edition=draft,
            section_key="services",
            question={"key": f"extra_{index}", "type": "text", "text": {"nb": f"Ekstra {index}"}},
        )
    with django_assert_max_num_queries(8):
        response = admin_client.get(_url("editor_history"))
    body = response.content.decode()
    assert body.count("Spørsmål lagt til") == 4
    assert "Ekstra 3" in body and str(cast.admin.get_username()) in body


def test_translations_list_and_filter(admin_client, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = admin_client.get(_url("editor_translations"), {"language": "en"})
    missing = response.context["missing"]
    assert missing and {m.language for m in missing} == {"en"}
    assert any(m.question == "has_plan" and m.field == "text" for m in missing)
    # The edition's title has nn and en; a question without them is listed.
    response = admin_client.get(_url("editor_translations"), {"language": "xx"})
    assert response.status_code == 200  # an unknown filter is ignored, not an error


def test_unknown_question_or_section_is_404(admin_client, draft):
    assert admin_client.get(_url("editor_question_edit", key="nope")).status_code == 404
    assert admin_client.get(_url("editor_section_edit", section_key="nope")).status_code == 404
    assert admin_client.post(_url("editor_question_move", key="nope")).status_code == 404
    assert admin_client.get(_url("editor_question_remove", key="nope")).status_code == 404
    assert (
        admin_client.get(reverse("surveys:editor_overview", kwargs={"year": 1999})).status_code
        == 404
    )


def _add_question_data(**extra):
    data = {
        "key": "has_office",
        "type": "single",
        "text_nb": "Hvem har ansvaret for boligkontoret?",
        "text_nn": "Kven har ansvaret?",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-0-key": "municipality",
        "options-0-label_nb": "Kommunen",
        "options-1-key": "private",
        "options-1-label_nb": "Private",
        "options-1-other": "on",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "checks-TOTAL_FORMS": "0",
        "checks-INITIAL_FORMS": "0",
        "route-rules-TOTAL_FORMS": "1",
        "route-rules-INITIAL_FORMS": "0",
        "route-rules-0-subject": "unit",
        "route-rules-0-operator": "not_in",
        "route-rules-0-values": ["unit|none"],
    }
    data.update(extra)
    return data


def test_add_a_question_with_options_and_a_rule(admin_client, draft):
    url = _url("editor_question_add", section_key="services")
    assert "type" in admin_client.get(url).context["form"].fields  # first the type
    page = admin_client.get(url, {"type": "single"})
    assert page.context["editor"].visible["options"]
    assert not page.context["editor"].visible["checks"]
    response = admin_client.post(url, _add_question_data())
    assert response.status_code == 302, response.context["editor"].non_field_errors
    question = Question.objects.get(edition=draft, key="has_office")
    assert question.config["options"][1] == {
        "key": "private",
        "label": {"nb": "Private"},
        "other": True,
    }
    assert question.show_if == {"answers": [{"question": "unit", "not_in": ["none"]}]}
    overview = admin_client.get(_url("editor_overview")).content.decode()
    assert "Vises når «Hvilken enhet har ansvaret?» er ikke Ingen eller ubesvart" in overview
    assert AuditEntry.objects.filter(action="survey.edit.question_add").count() == 1


def test_a_problem_is_shown_at_its_field_and_keeps_the_input(admin_client, draft):
    url = _url("editor_question_add", section_key="services")
    data = _add_question_data(**{"options-1-key": "municipality", "text_nb": "Tekst {ukjent}"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    editor = response.context["editor"]
    assert editor.options.forms[1].errors["key"] == [
        "'municipality' er brukt to ganger i dette spørsmålet"
    ]
    assert "ukjent" in editor.form.errors["text_nb"][0]
    body = response.content.decode()
    assert 'aria-describedby="id_options-1-key-error"' in body
    assert 'id="id_options-1-key-error"' in body
    assert "Tekst {ukjent}" in body  # what was typed is kept
    assert not Question.objects.filter(edition=draft, key="has_office").exists()


def test_a_post_with_fields_of_the_wrong_type(admin_client, draft):
    url = _url("editor_question_add", section_key="services")
    data = _add_question_data(
        type="integer", min="many", max="3", **{"options-TOTAL_FORMS": "lots"}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "min" in response.context["editor"].form.errors
    assert not Question.objects.filter(edition=draft, key="has_office").exists()


def test_a_rule_on_a_later_question_is_refused(admin_client, draft):
    url = _url("editor_question_add", section_key="settlement")
    data = _add_question_data(
        **{"route-rules-0-subject": "advice", "route-rules-0-values": ["advice|x"]}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "subject" in response.context["editor"].routing.rules.forms[0].errors
    assert not Question.objects.filter(edition=draft, key="has_office").exists()


def test_a_tampered_option_key_is_refused(admin_client, draft):
    url = _url("editor_question_edit", key="unit")
    data = _form_data(admin_client.get(url))
    data["options-1-was"] = "invented"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["editor"].options.forms[1].non_field_errors()
    assert not AuditEntry.objects.filter(action__startswith="survey.edit.").exists()


def test_edit_a_question_unchanged_and_with_a_new_label(admin_client, draft):
    url = _url("editor_question_edit", key="unit")
    data = _form_data(admin_client.get(url))
    assert admin_client.post(url, data).status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="survey.edit.").exists()  # no change
    data["options-1-label_en"] = "Labour and welfare"
    assert admin_client.post(url, data).status_code == 302
    (entry,) = AuditEntry.objects.filter(action="survey.edit.question_update")
    assert entry.changes == {"options[1].label.en": [None, "Labour and welfare"]}


def test_every_shipped_question_round_trips_through_the_form(admin_client, draft):
    """Opening a question and saving it unchanged changes nothing, for every type."""
    before = copy.deepcopy(draft.definition)
    for section in draft.definition["sections"]:
        for question in section["questions"]:
            url = _url("editor_question_edit", key=question["key"])
            data = _form_data(admin_client.get(url))
            response = admin_client.post(url, data)
            assert response.status_code == 302, (
                question["key"],
                response.context["editor"].non_field_errors,
            )
    assert not [e.changes for e in AuditEntry.objects.filter(action__startswith="survey.edit.")]
    draft.refresh_from_db()
    assert draft.definition == before


@pytest.fixture
def with_previous(db):
    edition_import(actor=None, content=copy.deepcopy(PREVIOUS))
    return edition_import(actor=None, content=definition())


def test_key_change_warns_first_then_saves_with_confirmation(admin_client, with_previous):
    url = _url("editor_question_edit", key="target")
    data = _form_data(admin_client.get(url))
    data["key"] = "target_share"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Spørsmålet finnes i 2025 med nøkkelen target; endrer du nøkkelen" in body
    assert not Question.objects.filter(edition=with_previous, key="target_share").exists()
    data["confirm_series_break"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert Question.objects.filter(edition=with_previous, key="target_share").exists()


def test_retiring_an_option_asks_for_its_target(admin_client, with_previous):
    url = _url("editor_question_edit", key="unit")
    data = _form_data(admin_client.get(url))
    data["options-1-retire"] = "on"  # nav, which 2025 had
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "map_to" in response.context["editor"].options.forms[1].errors
    data["options-1-map_to"] = "refugee_office"
    assert admin_client.post(url, data).status_code == 302
    with_previous.refresh_from_db()
    assert with_previous.mapping_from(2025, "unit") == {"nav": "refugee_office"}
    assert [
        o["key"] for o in with_previous.definition["sections"][1]["questions"][0]["options"]
    ] == [
        "none",
        "refugee_office",
        "other",
    ]


def test_move_and_remove(admin_client, draft):
    response = admin_client.post(_url("editor_question_move", key="advice"), {"direction": "up"})
    assert response.status_code == 302
    keys = [
        q["key"]
        for q in draft.__class__.objects.get(pk=draft.pk).definition["sections"][1]["questions"]
    ]
    assert keys[-2:] == ["advice", "contact_name"]
    response = admin_client.post(
        _url("editor_question_move", key="advice"), {"to_section": "settlement"}
    )
    assert Question.objects.get(edition=draft, key="advice").section.key == "settlement"
    response = admin_client.post(
        _url("editor_question_move", key="advice"), {"direction": "sideways"}
    )
    assert response.status_code == 302  # refused in words on the overview
    assert admin_client.get(_url("editor_question_remove", key="advice")).status_code == 200
    assert admin_client.post(_url("editor_question_remove", key="advice")).status_code == 302
    assert not Question.objects.filter(edition=draft, key="advice").exists()
    response = admin_client.post(_url("editor_question_remove", key="has_plan"))
    assert response.status_code == 200  # plan_year depends on it
    assert response.context["errors"]


def test_add_a_section_with_its_first_question(admin_client, draft):
    url = _url("editor_section_add")
    assert admin_client.get(url, {"type": "yes_no"}).status_code == 200
    data = {
        "section-key": "housing",
        "section-title_nb": "Bolig",
        "section-route-kind": ["district"],
        "section-route-rules-TOTAL_FORMS": "0",
        "section-route-rules-INITIAL_FORMS": "0",
        "q-key": "has_office",
        "q-type": "yes_no",
        "q-text_nb": "Har kommunen eget boligkontor?",
        "q-options-TOTAL_FORMS": "0",
        "q-options-INITIAL_FORMS": "0",
        "q-items-TOTAL_FORMS": "0",
        "q-items-INITIAL_FORMS": "0",
        "q-checks-TOTAL_FORMS": "0",
        "q-checks-INITIAL_FORMS": "0",
        "q-route-rules-TOTAL_FORMS": "0",
        "q-route-rules-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["editor"].non_field_errors
    assert Question.objects.get(edition=draft, key="has_office").section.key == "housing"
    overview = admin_client.get(_url("editor_overview")).content.decode()
    assert "Vises for bydeler" in overview


def test_an_opened_edition_offers_text_fixes_only(admin_client, draft):
    edition_set_status(actor=None, edition=draft, status="open")
    overview = admin_client.get(_url("editor_overview")).content.decode()
    assert _url("editor_question_add", section_key="services") not in overview
    assert _url("editor_question_move", key="unit") not in overview
    response = admin_client.get(
        _url("editor_question_add", section_key="services"), {"type": "yes_no"}
    )
    assert response.status_code == 302
    url = _url("editor_question_edit", key="unit")
    page = admin_client.get(url)
    assert "key" not in page.context["editor"].form.fields
    data = _form_data(page)
    data["text_nn"] = "Kva eining har ansvaret?"
    data["options-1-key"] = "changed"  # not a field here: ignored
    assert admin_client.post(url, data).status_code == 302
    question = Question.objects.get(edition=draft, key="unit")
    assert question.text["nn"] == "Kva eining har ansvaret?"
    assert [o["key"] for o in question.config["options"]][1] == "nav"
    assert AuditEntry.objects.filter(action="survey.edit.text_fix").count() == 1
    response = admin_client.post(_url("editor_question_remove", key="advice"))
    assert response.status_code == 302
    assert Question.objects.filter(edition=draft, key="advice").exists()


def test_every_page_of_the_shipped_editions_renders(admin_client, cast):
    load_shipped_editions()
    for edition in SurveyEdition.objects.all():
        year = edition.year
        base = reverse("surveys:editor_overview", kwargs={"year": year})
        assert admin_client.get(base).status_code == 200
        for section in edition.definition["sections"]:
            url = reverse(
                "surveys:editor_section_edit", kwargs={"year": year, "section_key": section["key"]}
            )
            assert admin_client.get(url).status_code == 200
            for question in section["questions"]:
                url = reverse(
                    "surveys:editor_question_edit", kwargs={"year": year, "key": question["key"]}
                )
                assert admin_client.get(url).status_code == 200, (year, question["key"])


_NO_OPTIONS = {"options-TOTAL_FORMS": "0", "route-rules-TOTAL_FORMS": "0"}
_FIELD_PROBLEMS = {
    # case: (changes to the posted form, (formset or "", row, field), words of the checker in nb)
    "text": ({"text_nb": "Tekst {ukjent}"}, ("", 0, "text_nb"), "Ukjent plassholder {ukjent}"),
    "help": ({"help_nb": "Hjelp {ukjent}"}, ("", 0, "help_nb"), "Ukjent plassholder {ukjent}"),
    "option key": (
        {"options-1-key": "municipality"},
        ("options", 1, "key"),
        "'municipality' er brukt to ganger i dette spørsmålet",
    ),
    "battery item": (
        {
            **_NO_OPTIONS,
            "type": "yes_no_grid",
            "items-TOTAL_FORMS": "2",
            **{
                f"items-{i}-{name}": value
                for i in (0, 1)
                for name, value in (("key", f"k{i}"), ("label_nb", f"Punkt {i}"), ("other", "on"))
            },
        },
        ("items", 1, "other"),
        "et batteri kan bare ha ett «Annet, beskriv»-punkt",
    ),
    "scale labels": (
        {
            **_NO_OPTIONS,
            "type": "scale",
            "scale_min": "1",
            "scale_max": "3",
            "scale_labels_nb": "Lite\nMye",
        },
        ("", 0, "scale_labels_nb"),
        "har 2 merkelapper, men skalaen fra 1 til 3 har 3 punkter",
    ),
    "min_choices": (
        {"type": "multi", "min_choices": "3", "route-rules-TOTAL_FORMS": "0"},
        ("", 0, "min_choices"),
        "3 er flere enn de 2 svaralternativene",
    ),
    "check message": (
        {
            **_NO_OPTIONS,
            "type": "integer",
            "checks-TOTAL_FORMS": "1",
            "checks-0-kind": "key_figure",
            "checks-0-key_figure": "decided",
            "checks-0-max_ratio": "2",
            "checks-0-message_nb": "Over {ukjent}",
        },
        ("checks", 0, "message_nb"),
        "Ukjent plassholder {ukjent}",
    ),
}


@pytest.mark.parametrize("case", _FIELD_PROBLEMS)
def test_the_checkers_problem_is_shown_in_bokmal_at_its_field(admin_client, draft, case):
    """Every kind of field gets the definition checker's own message (in the active language),
    and only that field: nothing above the form, nothing saved."""
    changes, (formset, row, field), words = _FIELD_PROBLEMS[case]
    url = _url("editor_question_add", section_key="services")
    response = admin_client.post(url, _add_question_data(**changes))
    assert response.status_code == 200
    editor = response.context["editor"]
    form = getattr(editor, formset).forms[row] if formset else editor.form
    assert list(form.errors) == [field], form.errors
    assert form.errors[field][0].startswith(words)
    assert editor.non_field_errors == []
    assert not Question.objects.filter(edition=draft, key="has_office").exists()


def test_a_problem_in_a_nynorsk_text_is_shown_at_the_nynorsk_input(admin_client, draft):
    url = _url("editor_question_edit", key="has_plan")
    data = _form_data(admin_client.get(url))
    data["text_nn"] = "Har {kommune} ein plan?"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["editor"].form.errors
    assert "text_nn" in errors and "text_nb" not in errors
    assert "{kommune}" in errors["text_nn"][0] and "(nynorsk)" in errors["text_nn"][0]


def test_a_problem_elsewhere_is_listed_above_the_form_naming_the_question(admin_client, draft):
    url = _url("editor_question_edit", key="has_plan")
    data = _form_data(admin_client.get(url))
    data["type"] = "integer"  # plan_year's rule asks for "yes", which a number cannot be
    response = admin_client.post(url, data)
    assert response.status_code == 200
    problems = response.context["editor"].non_field_errors
    # The checker's own words, in bokmål, after the question's key.
    assert "Spørsmålet «plan_year»: 'yes' er ikke et tall" in problems, problems
    assert "Nothing was saved" not in response.content.decode()
    assert "Ingenting ble lagret" in response.content.decode()


def test_an_opened_section_edit_corrects_its_title(admin_client, draft):
    edition_set_status(actor=None, edition=draft, status="closed")
    url = _url("editor_section_edit", section_key="services")
    page = admin_client.get(url)
    assert "key" not in page.context["editor"].form.fields
    response = admin_client.post(
        url, {"section-title_nb": "Tjenestene", "section-title_en": "Services", "section-key": "x"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    section = draft.sections.get(key="services")
    assert section.title == {"nb": "Tjenestene", "en": "Services"}
    (entry,) = AuditEntry.objects.filter(action="survey.edit.section_update")
    assert entry.changes == {
        "title.nb": ["Tjenester", "Tjenestene"],
        "title.en": [None, "Services"],
    }


@pytest.mark.parametrize("name", ["2014.yaml", "2017.yaml", "2026.yaml"])
def test_the_shipped_questions_round_trip_as_a_draft(admin_client, cast, name):
    """Every question of the shipped editions, in a draft copy, saves unchanged through the form."""
    document = yaml.safe_load((EDITIONS_DIR / name).read_text(encoding="utf-8"))
    document["year"] = 2090
    document.pop("previous_year", None)
    document.pop("option_mappings", None)
    SurveyEdition.objects.filter(year=2090).delete()
    draft = edition_import(actor=None, content=document)
    before = copy.deepcopy(draft.definition)
    for section in draft.definition["sections"]:
        for question in section["questions"]:
            url = reverse(
                "surveys:editor_question_edit", kwargs={"year": 2090, "key": question["key"]}
            )
            data = _form_data(admin_client.get(url))
            response = admin_client.post(url, data)
            assert response.status_code == 302, (
                name,
                question["key"],
                response.context["editor"].non_field_errors,
            )
    draft.refresh_from_db()
    assert draft.definition == before, name
    assert not [e.changes for e in AuditEntry.objects.filter(action__startswith="survey.edit.")]


def _edition_texts(**texts):
    data = {f"{name}_{lang}": "" for name in ("title", "intro") for lang in ("nb", "nn", "en")}
    data.update(texts)
    return data


def test_the_editions_title_and_intro_are_edited_and_audited(admin_client, draft):
    url = _url("editor_edition_texts")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["title_nb"].value() == draft.definition["title"]["nb"]
    assert url in admin_client.get(_url("editor_overview")).content.decode()
    data = _edition_texts(
        title_nb="Kommuneundersøkelsen 2026",
        title_nn="Kommuneundersøkinga 2026",
        title_en="The municipal survey 2026",
        intro_nb="Takk for at dere svarer.",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == {
        "nb": "Kommuneundersøkelsen 2026",
        "nn": "Kommuneundersøkinga 2026",
        "en": "The municipal survey 2026",
    }
    assert draft.intro == {"nb": "Takk for at dere svarer."} == draft.definition["intro"]
    (entry,) = AuditEntry.objects.filter(action="survey.edit.edition_texts")
    assert entry.changes["intro.nb"] == [None, "Takk for at dere svarer."]
    assert entry.actor == response.wsgi_request.user
    # The intro lacks nynorsk and English: counted and listed, linked to this page.
    overview = admin_client.get(_url("editor_overview"))
    assert overview.context["own_missing_nn"] == 1 and overview.context["own_missing_en"] == 1
    listed = admin_client.get(_url("editor_translations"))
    own = [m for m in listed.context["missing"] if not m.section]
    assert [(m.field, m.language) for m in own] == [("intro", "nn"), ("intro", "en")]
    assert url in listed.content.decode()
    # Saved again unchanged: nothing is audited.
    assert admin_client.post(url, data).status_code == 302
    assert AuditEntry.objects.filter(action__startswith="survey.edit.").count() == 1


def test_the_editions_title_cannot_be_emptied(admin_client, draft):
    before = copy.deepcopy(draft.definition)
    response = admin_client.post(_url("editor_edition_texts"), _edition_texts(title_en="Survey"))
    assert response.status_code == 200
    assert "title_nb" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.definition == before
    assert not AuditEntry.objects.filter(action__startswith="survey.edit.").exists()


def test_an_opened_editions_title_gets_a_text_fix(admin_client, draft):
    edition_set_status(actor=None, edition=draft, status="open")
    data = _edition_texts(**{f"title_{k}": v for k, v in draft.definition["title"].items()})
    data["title_nb"] = "Kommuneundersøkelsen 2026 (rettet)"
    assert admin_client.post(_url("editor_edition_texts"), data).status_code == 302
    draft.refresh_from_db()
    assert draft.title["nb"] == "Kommuneundersøkelsen 2026 (rettet)"
    assert AuditEntry.objects.filter(action="survey.edit.text_fix").count() == 1
