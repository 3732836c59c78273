"""The quick autosave: one read, the response's kept save state, and everything that must make
that state anew (surveys/respondent/save_state.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.core.audit.models import AuditEntry
from portal.municipalities.services import key_figures_import
from surveys.editions.services import settlement_category_override
from surveys.followup.services import response_return
from surveys.models import Answer, Response
from surveys.respondent import selectors, services
from surveys.respondent.services import PostedAnswer, response_submit
from tests.surveys.test_respondent import BASE, answer, autosave

# Session, user, the one read, the transaction (begin, commit), the response, the answer and
# the audit entry: what a save of an answered question costs once the response has a state.
MAX_QUERIES = 8


pytestmark = pytest.mark.usefixtures("a_settles")


def state_of(municipality):
    return Response.objects.get(municipality=municipality).save_state


def test_the_first_save_makes_the_state_and_the_next_ones_read_one_row(editor, cast):
    assert autosave(editor, "has_plan", {"q-has_plan": "yes"}).json()["version"] == 1
    state = state_of(cast.a)
    assert state["answered"] == ["has_plan"] and state["rules"] == {"has_plan": "yes"}
    assert state["category"] == "settles"
    with CaptureQueriesContext(connection) as queries:
        reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    data = reply.json()
    assert data["status"] == "saved" and data["version"] == 2
    assert "plan_year" not in data["visible"]
    assert len(queries) <= MAX_QUERIES, "\n".join(q["sql"][:120] for q in queries)
    assert state_of(cast.a)["rules"] == {"has_plan": "no"}
    assert state_of(cast.a)["v"] == state["v"] + 1
    assert AuditEntry.objects.filter(action="answer.save").count() == 2


def test_a_first_answer_to_a_question_is_as_cheap_and_counts_in_the_progress(editor, cast):
    first = autosave(editor, "has_plan", {"q-has_plan": "yes"}).json()
    with CaptureQueriesContext(connection) as queries:
        reply = autosave(editor, "expected_settled", {"q-expected_settled": "12"}).json()
    assert len(queries) <= MAX_QUERIES, "\n".join(q["sql"][:120] for q in queries)
    assert reply["progress"]["answered"] == first["progress"]["answered"] + 1
    assert reply["progress"]["total"] == first["progress"]["total"]
    assert answer("expected_settled").value == 12


def test_the_quick_save_reports_what_the_full_save_reports(editor, cast, edition):
    """The same answers through both ways give the same visibility and progress."""
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    quick = autosave(editor, "plan_year", {"q-plan_year": "2020"}).json()
    state = selectors.survey_state(edition, cast.a)
    answered, total = state.total_progress()
    assert sorted(state.visible) == quick["visible"]
    assert (quick["progress"]["answered"], quick["progress"]["total"]) == (answered, total)


def test_a_plausibility_check_uses_the_kept_key_figures_and_new_ones_after_an_import(editor, cast):
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    reply = autosave(editor, "expected_settled", {"q-expected_settled": "50"}).json()
    assert reply["warning"] == ""  # no key figures for 2026 yet
    report = key_figures_import(
        actor=cast.admin,
        content=b"year,municipality_number,requested,decided\n2026,4204,20,10\n",
        source="test",
        today=dt.date(2026, 12, 1),
    )
    assert report.ok, report.errors
    assert state_of(cast.a) is None, "an import drops the kept key figures"
    reply = autosave(
        editor, "expected_settled", {"q-expected_settled": "60", "q-expected_settled-version": "1"}
    ).json()
    assert reply["warning"] == "Dere vedtok 10. Stemmer 60?"
    assert state_of(cast.a)["figures"]["decided"] == 10


def test_a_category_override_drops_the_state_and_routing_follows(editor, cast):
    first = autosave(editor, "has_plan", {"q-has_plan": "yes"}).json()
    assert "first_time_help" not in first["visible"]
    settlement_category_override(
        actor=cast.admin, municipality=cast.a, year=2026, category="does_not_settle"
    )
    assert state_of(cast.a) is None
    reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"}).json()
    assert "first_time_help" in reply["visible"]
    assert state_of(cast.a)["category"] == "does_not_settle"


def test_a_change_of_the_edition_makes_the_kept_state_unusable(editor, cast, edition):
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    state = state_of(cast.a)
    edition.save()  # any change moves updated_at
    target = selectors.autosave_target(cast.editor_a, "4204", 2026, "has_plan")
    assert target is not None and target.response.save_state == state
    with CaptureQueriesContext(connection) as queries:
        result = services.answer_autosave(
            actor=cast.editor_a,
            target=target,
            key="has_plan",
            posted=PostedAnswer(value="no", version=1),
        )
    assert result.saved == ["has_plan"]
    assert any('FROM "surveys_answer"' in q["sql"] for q in queries), "went the full way"
    assert state_of(cast.a)["stamp"] != state["stamp"]


def test_a_save_in_between_sends_the_quick_save_the_full_way(editor, cast):
    """Two saves read the same state: the second finds it moved on and is decided anew."""
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    stale = selectors.autosave_target(cast.editor_a, "4204", 2026, "expected_settled")
    autosave(editor, "target", {"q-target": "40"})
    result = services.answer_autosave(
        actor=cast.editor_a,
        target=stale,
        key="expected_settled",
        posted=PostedAnswer(value=12),
    )
    assert result.ok and result.saved == ["expected_settled"]
    state = state_of(cast.a)
    assert set(state["answered"]) == {"has_plan", "target", "expected_settled"}


def test_a_colleagues_newer_answer_is_a_conflict_with_their_name(editor, cast, client):
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    client.force_login(cast.signatory_a)
    autosave(client, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    client.force_login(cast.editor_a)
    reply = autosave(client, "has_plan", {"q-has_plan": "dont_know", "q-has_plan-version": "1"})
    assert reply.status_code == 409
    assert reply.json()["by"] == str(cast.signatory_a)
    assert answer("has_plan").value == "no"


def test_the_stale_version_of_an_answer_is_never_overwritten(editor, cast):
    """Even with a state that says nothing changed, the answer is written only at the version
    read: a change behind the state's back sends the save the full way."""
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    target = selectors.autosave_target(cast.editor_a, "4204", 2026, "has_plan")
    Answer.objects.filter(question__key="has_plan").update(value="no", version=2)
    result = services.answer_autosave(
        actor=cast.editor_a,
        target=target,
        key="has_plan",
        posted=PostedAnswer(value="dont_know", version=1),
    )
    assert "has_plan" in result.conflicts
    assert answer("has_plan").value == "no"


def test_submission_and_return_drop_the_state(editor, cast, client):
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    response = Response.objects.get(municipality=cast.a)
    response_submit(
        actor=cast.signatory_a, response=response, on_behalf_of="Rådmann", confirmed=True
    )
    assert state_of(cast.a) is None
    reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    assert reply.status_code == 400 and answer("has_plan").value == "yes"
    response_return(actor=cast.admin, response=response, message="Sjekk tallene")
    reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    assert reply.json()["status"] == "saved" and answer("has_plan").value == "no"
    assert state_of(cast.a)["rules"] == {"has_plan": "no"}


def test_the_one_read_keeps_the_access_rules(client, cast, edition):
    client.force_login(cast.editor_a)
    autosave(client, "has_plan", {"q-has_plan": "yes"})
    client.force_login(cast.viewer_a)
    assert autosave(client, "has_plan", {"q-has_plan": "no"}).status_code == 403
    client.force_login(cast.editor_b)
    assert autosave(client, "has_plan", {"q-has_plan": "no"}).status_code == 404
    client.force_login(cast.adviser_a)
    assert autosave(client, "has_plan", {"q-has_plan": "no"}).status_code == 403
    assert answer("has_plan").value == "yes"
    assert client.post(f"{BASE}/lagre/", {"question": "no_such"}).status_code in (400, 403)
