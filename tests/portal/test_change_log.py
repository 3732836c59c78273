"""An organisation's own change log: who changed which survey answer or profile entry, when,
in words; only its own entries, and none of the directorate's internal ones."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from housing import services as housing_services
from housing.selectors import section_statuses
from portal.core.audit.models import AuditEntry
from portal.core.audit.services import audit_log
from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_import, edition_set_status
from surveys.followup.services import follow_up_note
from surveys.models import Response
from surveys.respondent.services import response_submit
from tests.housing.conftest import facts, line
from tests.surveys.conftest import definition


def url(municipality, query=""):
    return f"/kommune/{municipality.number}/endringslogg/{query}"


@pytest.fixture
def edition(db):
    edition = edition_import(actor=None, content=definition())
    return edition_set_status(actor=None, edition=edition, status="open")


@pytest.fixture
def answered(client, cast, edition):
    """Municipality A's editor answers two questions and changes one; the signatory submits."""
    KeyFigures.objects.create(municipality=cast.a, year=2026, requested=12, decided=10)
    client.force_login(cast.editor_a)
    base = f"/kommune/{cast.a.number}/undersokelse/2026/lagre/"
    client.post(base, {"question": "expected_settled", "q-expected_settled": "8"})
    client.post(base, {"question": "has_plan", "q-has_plan": "yes"})
    client.post(base, {"question": "has_plan", "q-has_plan": "no", "q-has_plan-version": "1"})
    response_submit(
        actor=cast.signatory_a, response=Response.objects.get(), on_behalf_of="R", confirmed=True
    )
    client.logout()
    return edition


def rows(client, municipality, query=""):
    page = client.get(url(municipality, query))
    assert page.status_code == 200
    return page.context["rows"]


def test_survey_answers_in_words_newest_first(client, cast, answered):
    client.force_login(cast.viewer_a)
    shown = rows(client, cast.a)
    assert [r.entry.action for r in shown] == [
        "survey.submit",
        "answer.save",
        "answer.save",
        "answer.save",
    ]
    submitted, changed, first, settled = shown
    assert (changed.action, changed.who) == ("Svar endret", "Test Editor_A")
    assert changed.what == "Har kommunen en plan?"
    assert changed.context == "Kommuneundersøkelsen 2026 – Bosetting"
    assert [(c.old, c.new) for c in changed.changes] == [("Ja", "Nei")]
    assert (first.action, first.changes[0].old, first.changes[0].new) == (
        "Besvart",
        "Ikke besvart",
        "Ja",
    )
    # The question's text with the organisation's own key figures filled in.
    assert settled.what.startswith("Dere ble anmodet om å bosette 12 og vedtok 10.")
    assert settled.changes[0].new == "8 personer"
    assert submitted.action == "Svarene er sendt inn" and submitted.who == "Test Signatory_A"
    assert [(c.label, c.old, c.new) for c in submitted.changes] == [
        ("Status", "Under arbeid", "Sendt inn")
    ]
    html = client.get(url(cast.a)).content.decode()
    assert "<del>Ja</del> → <ins>Nei</ins>" in html


def test_the_question_in_the_readers_language(client, cast, answered):
    client.force_login(cast.viewer_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    changed = rows(client, cast.a)[1]
    assert changed.action == "Answer changed"
    assert changed.context.startswith("Municipal survey 2026")
    assert [(c.old, c.new) for c in changed.changes] == [("Yes", "No")]


def test_profile_entries_in_words(client, cast):
    housing_services.section_update(
        actor=cast.editor_a, municipality=cast.a, key="transport", data={"level": "good"}
    )
    line(cast.a, rooms=3, units=2, area="Lund")
    statuses = section_statuses(cast.a)
    housing_services.sections_confirm_all(
        actor=cast.signatory_a,
        municipality=cast.a,
        seen={"transport": statuses["transport"].token},
    )
    client.force_login(cast.officer)
    confirmed, added, changed = rows(client, cast.a)
    assert (changed.action, changed.what, changed.who) == (
        "Endret",
        "Kollektivtransport",
        "Test Editor_A",
    )
    assert [(c.label, c.old, c.new) for c in changed.changes] == [
        ("Kollektivtransport", "Ikke oppgitt", "God")
    ]
    assert added.action == "Lagt til" and added.what.startswith("Bolig: ")
    assert added.who == "systemet"
    assert ("Rom", "–", "3") in [(c.label, c.old, c.new) for c in added.changes]
    assert confirmed.action == "Bekreftet at det fortsatt stemmer"
    assert confirmed.what == "Kollektivtransport" and confirmed.changes == []
    assert "Bekreft alt som fortsatt stemmer" in confirmed.note


def test_other_organisations_and_the_directorates_internal_entries_are_not_shown(
    client, cast, answered
):
    follow_up_note(
        actor=cast.adviser_a, edition=answered, municipality=cast.a, kind="note", text="Internt"
    )
    for action in (
        "survey.comment",
        "survey.answer_themes",
        "key_figures.update",
        "survey.deadline",
    ):
        audit_log(actor=cast.admin, action=action, municipality=cast.a, object_label="2026 x")
    audit_log(actor=cast.admin, action="membership.delete", municipality=cast.a)
    facts(cast.b, "health", gp_vacancies=True)  # another organisation's
    audit_log(
        actor=cast.editor_b,
        action="answer.save",
        municipality=cast.b,
        object_label="2026 has_plan",
        changes={"has_plan": [None, "yes"]},
    )
    client.force_login(cast.signatory_a)
    html = client.get(url(cast.a)).content.decode()
    shown = {r.entry.action for r in rows(client, cast.a)}
    assert shown == {"answer.save", "survey.submit"}
    assert "Internt" not in html
    assert {r.entry.municipality_id for r in rows(client, cast.a)} == {cast.a.pk}


def test_settlement_officers_read_the_profile_entries_only(client, cast, answered):
    facts(cast.a, "health", gp_vacancies=True)
    client.force_login(cast.officer)
    assert {r.kind for r in rows(client, cast.a)} == {"profile"}
    reply = client.get(url(cast.a, "?kind=survey"))
    assert "Velg en av typene i listen." in reply.content.decode()
    assert {r.kind for r in reply.context["rows"]} == {"profile"}
    client.force_login(cast.adviser_a)
    assert {r.kind for r in rows(client, cast.a)} == {"survey", "profile"}


def test_filter_by_kind_and_year(client, cast, answered):
    facts(cast.a, "health", gp_vacancies=True)
    earlier = timezone.make_aware(dt.datetime(2025, 6, 1, 12))
    AuditEntry.objects.filter(action="profile_section.update").update(created_at=earlier)
    client.force_login(cast.editor_a)
    assert {r.kind for r in rows(client, cast.a, "?kind=survey")} == {"survey"}
    assert {r.kind for r in rows(client, cast.a, "?kind=profile")} == {"profile"}
    this_year = timezone.localdate().year
    page = client.get(url(cast.a))
    assert [v for v, _l in page.context["form"].fields["year"].choices] == ["", this_year, 2025]
    assert [r.entry.action for r in rows(client, cast.a, "?year=2025")] == [
        "profile_section.update"
    ]
    assert rows(client, cast.a, "?kind=survey&year=2025") == []
    assert (
        "Ingen endringer av den typen det året."
        in client.get(url(cast.a, "?kind=survey&year=2025")).content.decode()
    )
    bad = client.get(url(cast.a, "?year=abc"))
    assert "Velg et av årene i listen." in bad.content.decode()
    assert len(bad.context["rows"]) == 5  # the filter is left out, not the page


def _entries(municipality, actor, n):
    for i in range(n):
        if i % 2:
            audit_log(
                actor=actor,
                action="answer.save",
                municipality=municipality,
                object_label=f"2026 {'has_plan' if i % 4 == 1 else 'unit'}",
                changes={"x": [None, "yes"]},
            )
        else:
            housing_services.section_update(
                actor=actor, municipality=municipality, key="health", data={"notes": f"Merknad {i}"}
            )


def test_pages_of_fifty(client, cast, edition):
    _entries(cast.a, cast.editor_a, 60)
    client.force_login(cast.editor_a)
    assert len(rows(client, cast.a)) == 50
    assert len(rows(client, cast.a, "?page=2")) == 10
    assert len(rows(client, cast.a, "?kind=survey")) == 30
    page = client.get(url(cast.a, "?kind=survey&page=2"))
    assert page.context["page"].number == 1  # only one page of them: the first is shown


def test_the_page_costs_the_same_number_of_queries_however_many_entries(client, cast, edition):
    client.force_login(cast.editor_a)
    counts = []
    for n in (4, 40):
        _entries(cast.a, cast.editor_a, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(cast.a)).status_code == 200
        counts.append([q["sql"] for q in queries.captured_queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(counts[1])


def test_linked_from_home_and_the_organisation_page(client, cast):
    client.force_login(cast.viewer_a)
    assert url(cast.a) in client.get("/").content.decode()
    assert url(cast.a) in client.get(f"/kommune/{cast.a.number}/").content.decode()
    assert (
        f"{url(cast.a)}?kind=profile"
        in client.get(f"/kommune/{cast.a.number}/profil/").content.decode()
    )


def test_the_organisation_page_keeps_the_whole_audit_trail_for_the_directorate(client, cast):
    audit_log(
        actor=cast.adviser_a,
        action="survey.follow_up",
        municipality=cast.a,
        changes={"note": [None, "Internt notat"]},
    )
    client.force_login(cast.signatory_a)
    assert "Internt notat" not in client.get(f"/kommune/{cast.a.number}/").content.decode()
    client.force_login(cast.adviser_a)
    assert "Internt notat" in client.get(f"/kommune/{cast.a.number}/").content.decode()
