"""The survey overview's main action and progress: start, continue where the answers stop, or
review; with routing, assigned sections and a submitted response."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_import, edition_set_status
from surveys.models import Response
from surveys.respondent.selectors import next_step, survey_state
from surveys.respondent.services import response_submit

YEAR = 2030
BASE = f"/kommune/4204/undersokelse/{YEAR}"

# The first section is only for organisations settling for the first time (municipality A
# settles every year); the third is shown only when the first question is answered "yes".
ROUTED = {
    "year": YEAR,
    "title": "Kommuneundersøkelsen 2030",
    "opens": "2030-11-01",
    "deadline": "2031-01-15",
    "sections": [
        {
            "key": "first_timers",
            "title": "Første gang",
            "show_if": {"settlement_category": ["first_time"]},
            "questions": [{"key": "ft_help", "type": "yes_no", "text": "Trenger dere hjelp?"}],
        },
        {
            "key": "basics",
            "title": "Grunnlag",
            "questions": [
                {"key": "has_unit", "type": "yes_no", "text": "Har dere en egen enhet?"},
                {"key": "size", "type": "integer", "text": "Hvor mange ansatte?", "min": 0},
            ],
        },
        {
            "key": "unit_details",
            "title": "Enheten",
            "show_if": {"answers": [{"question": "has_unit", "in": ["yes"]}]},
            "questions": [{"key": "unit_name", "type": "text", "text": "Hva heter enheten?"}],
        },
        {
            "key": "closing",
            "title": "Avslutning",
            "questions": [{"key": "advice", "type": "textarea", "text": "Råd til IMDi"}],
        },
    ],
}


@pytest.fixture(autouse=True)
def settles(cast):
    for year in range(YEAR - 5, YEAR):
        KeyFigures.objects.create(municipality=cast.a, year=year, settled=10)


@pytest.fixture
def routed(db):
    edition = edition_import(actor=None, content=ROUTED)
    return edition_set_status(actor=None, edition=edition, status="open")


def save(client, key, value, version=None):
    data = {"question": key, f"q-{key}": value}
    if version is not None:
        data[f"q-{key}-version"] = str(version)
    reply = client.post(f"{BASE}/lagre/", data)
    assert reply.status_code == 200, reply.content
    return reply


def section_url(key):
    return f"{BASE}/del/{key}/"


def overview(client):
    page = client.get(f"{BASE}/")
    assert page.status_code == 200
    return page, page.content.decode()


def test_nothing_answered_starts_at_the_first_section_shown(client, cast, routed):
    client.force_login(cast.editor_a)
    page, body = overview(client)
    step = page.context["next_step"]
    assert (step.kind, step.section.key) == ("start", "basics")  # first_timers is routed away
    assert f'href="{section_url("basics")}"' in body
    assert section_url("first_timers") not in body
    assert ">Start<" in body
    # The review stays reachable, as a secondary action.
    assert f'class="btn btn-outline-primary" href="{BASE}/gjennomgang/"' in body


def test_continue_goes_to_the_first_section_with_an_unanswered_question(client, cast, routed):
    client.force_login(cast.editor_a)
    save(client, "has_unit", "no")
    page, body = overview(client)
    step = page.context["next_step"]
    assert (step.kind, step.section.key, step.unanswered) == ("continue", "basics", 1)
    assert "Fortsett der du slapp" in body
    save(client, "size", "4")
    # "basics" is done and "unit_details" is hidden by the "no": the next is "closing".
    step = overview(client)[0].context["next_step"]
    assert (step.kind, step.section.key) == ("continue", "closing")
    # Answering "yes" shows "unit_details", which is now the first with a question left.
    save(client, "has_unit", "yes", version=1)
    step = overview(client)[0].context["next_step"]
    assert (step.kind, step.section.key) == ("continue", "unit_details")


def test_everything_shown_answered_offers_the_review(client, cast, routed):
    client.force_login(cast.editor_a)
    save(client, "has_unit", "no")
    save(client, "size", "4")
    save(client, "advice", "Mer veiledning")
    page, body = overview(client)
    assert page.context["next_step"].kind == "review"
    assert (page.context["answered"], page.context["total"]) == (3, 3)
    # An editor reviews; the signatory reviews and submits.
    assert "Gå gjennom svarene" in body
    assert f'class="btn btn-outline-primary" href="{BASE}/gjennomgang/"' not in body
    client.force_login(cast.signatory_a)
    assert "Se over og send inn" in overview(client)[1]


def test_sections_assigned_to_the_person_come_first(client, cast, routed):
    client.force_login(cast.signatory_a)
    client.post(f"{BASE}/del/closing/tildel/", {"assignee": cast.editor_a.pk})
    client.post(f"{BASE}/del/basics/tildel/", {"assignee": cast.signatory_a.pk})
    client.force_login(cast.editor_a)
    step = overview(client)[0].context["next_step"]
    assert (step.kind, step.section.key) == ("start", "closing")
    save(client, "advice", "Mer veiledning")
    # Their own section is done; then the sections nobody has, then colleagues'.
    step = overview(client)[0].context["next_step"]
    assert (step.kind, step.section.key) == ("continue", "basics")
    client.force_login(cast.signatory_a)
    step = overview(client)[0].context["next_step"]
    assert (step.kind, step.section.key) == ("continue", "basics")


def test_a_submitted_response_is_only_read(client, cast, routed):
    client.force_login(cast.editor_a)
    save(client, "has_unit", "no")
    response_submit(
        actor=cast.signatory_a, response=Response.objects.get(), on_behalf_of="R", confirmed=True
    )
    page, body = overview(client)
    assert page.context["next_step"].kind == "review"
    assert "Se alle svarene" in body
    assert ">Start<" not in body and "Fortsett der du slapp" not in body
    assert "ingenting besvart ennå" not in body


def test_readers_and_a_closed_survey_get_the_answers_to_read(client, cast, routed):
    client.force_login(cast.viewer_a)
    page, body = overview(client)
    assert page.context["next_step"].kind == "review"
    assert ">Start<" not in body
    edition_set_status(actor=None, edition=routed, status="closed")
    client.force_login(cast.editor_a)
    assert overview(client)[0].context["next_step"].kind == "review"


def test_progress_in_words_and_an_accessible_progress_bar(client, cast, routed):
    client.force_login(cast.editor_a)
    body = overview(client)[1]
    assert "0 av 3 spørsmål besvart – ingenting besvart ennå" in body
    assert (
        '<progress class="survey-progress" value="0" max="3" aria-labelledby="progress-label"'
        ' aria-valuetext="0 av 3 spørsmål besvart">0 %</progress>'
    ) in body
    assert 'id="progress-label"' in body
    save(client, "has_unit", "no")
    body = overview(client)[1]
    assert "1 av 3 spørsmål besvart" in body and "ingenting besvart" not in body
    assert 'value="1" max="3"' in body and ">33 %<" in body


def test_next_step_reads_nothing_more(cast, routed, django_assert_num_queries):
    state = survey_state(routed, cast.a)
    with django_assert_num_queries(0):
        assert next_step(state, cast.editor_a, can_edit=True).section.key == "basics"


def _big_edition(year, sections, questions):
    doc = {
        "year": year,
        "title": "Stor",
        "opens": f"{year}-01-01",
        "deadline": f"{year}-02-01",
        "sections": [
            {
                "key": f"s{s}",
                "title": f"Del {s}",
                "questions": [
                    {"key": f"s{s}q{i}", "type": "yes_no", "text": "?"} for i in range(questions)
                ],
            }
            for s in range(sections)
        ],
    }
    return edition_set_status(
        actor=None, edition=edition_import(actor=None, content=doc), status="open"
    )


def test_the_overview_costs_the_same_number_of_queries_however_large(client, cast):
    counts = []
    client.force_login(cast.editor_a)
    for year, sections, questions in ((2032, 1, 1), (2033, 4, 10), (2034, 12, 40)):
        _big_edition(year, sections, questions)
        for s in range(sections):
            client.post(
                f"/kommune/4204/undersokelse/{year}/lagre/",
                {"question": f"s{s}q0", f"q-s{s}q0": "yes"},
            )
            client.post(
                f"/kommune/4204/undersokelse/{year}/del/s{s}/tildel/",
                {"assignee": cast.editor_a.pk if s % 2 else cast.signatory_a.pk},
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/kommune/4204/undersokelse/{year}/")
        assert page.status_code == 200
        assert page.context["next_step"].kind == ("review" if questions == 1 else "continue")
        counts.append([q["sql"] for q in queries.captured_queries])
    assert len(counts[0]) == len(counts[1]) == len(counts[2]), "\n".join(counts[2])
