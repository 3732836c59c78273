"""The municipality's fill-in-and-submit experience, through the pages."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_set_status
from surveys.models import Answer, Response, SectionAssignment
from surveys.respondent.questions import fingerprint
from surveys.respondent.services import response_submit
from tests.broker import ago, broker_down, queue_warnings
from tests.factories import KeyFiguresFactory, MunicipalityFactory
from tests.surveys.conftest import save_posted

BASE = "/kommune/4204/undersokelse/2026"


def section_url(key):
    return f"{BASE}/del/{key}/"


def post_section(client, key, data, **extra):
    return client.post(section_url(key), data, **extra)


def autosave(client, key, data):
    return client.post(f"{BASE}/lagre/", {"question": key, **data})


def answer(key, municipality=None, year=2026):
    qs = Answer.objects.filter(question__key=key, question__edition__year=year)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.first()


def qd(d):
    q = QueryDict(mutable=True)
    for k, v in d.items():
        if isinstance(v, list):
            q.setlist(k, v)
        else:
            q[k] = v
    return q


def _inputs(html, name):
    out = {}
    for m in re.finditer(rf'<input[^>]*name="({re.escape(name)}[^"]*)"[^>]*value="([^"]*)"', html):
        out[m.group(1)] = m.group(2)
    return out


# Municipality A is in the "settles" category (tests/surveys/conftest.py).
pytestmark = pytest.mark.usefixtures("a_settles")


def test_overview_lists_sections_with_progress(editor):
    response = editor.get(f"{BASE}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bosetting" in body and "Tjenester" in body
    # plan_year is hidden until has_plan = yes; first_time_help and district_only are routed away.
    assert response.context["total"] == 10


def test_section_save_without_javascript(editor, cast):
    response = post_section(
        editor,
        "settlement",
        {"q-expected_settled": "25", "q-has_plan": "yes", "go": "stay"},
    )
    assert response.status_code == 302
    assert answer("expected_settled").value == 25
    assert answer("has_plan").value == "yes"
    saved = answer("has_plan")
    assert saved.updated_by == cast.editor_a and saved.version == 1
    assert AuditEntry.objects.filter(action="answer.save", municipality=cast.a).count() == 2
    # Coming back shows the answers, and the follow-up question is now shown.
    page = editor.get(section_url("settlement"))
    assert 'value="25"' in page.content.decode()
    assert not next(q for q in page.context["questions"] if q.key == "plan_year").hidden


def test_invalid_value_saves_nothing_and_keeps_what_was_typed(editor):
    response = post_section(
        editor,
        "settlement",
        {"q-expected_settled": "tjuefem", "q-has_plan": "yes"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="tjuefem"' in body
    assert 'id="error-summary"' in body and 'href="#q-expected_settled-field"' in body
    assert 'aria-invalid="true"' in body
    assert Answer.objects.count() == 0, "a failed save writes nothing, not even the valid answers"


def test_autosave_saves_one_question_and_returns_routing(editor):
    reply = autosave(editor, "has_plan", {"q-has_plan": "yes"})
    assert reply.status_code == 200
    data = reply.json()
    assert data["status"] == "saved" and data["version"] == 1
    assert "plan_year" in data["visible"]
    assert data["fingerprint"] == fingerprint("yes", "")
    reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    assert reply.json()["version"] == 2
    assert "plan_year" not in reply.json()["visible"]


def test_autosave_reads_the_questions_from_the_editions_kept_structure(editor):
    """Once the edition's structure is in memory, an autosave reads no question rows: the form
    that parses the answer and the service that saves it share it."""
    autosave(editor, "has_plan", {"q-has_plan": "yes"})
    with CaptureQueriesContext(connection) as queries:
        reply = autosave(editor, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})
    assert reply.json()["status"] == "saved"
    # (The one read finds the posted question's id in a subquery of its own statement.)
    question_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "surveys_question"')]
    assert question_reads == []


def test_autosave_invalid_value(editor):
    reply = autosave(editor, "target", {"q-target": "200"})
    assert reply.status_code == 422
    assert "100" in reply.json()["errors"]["target"]
    assert Answer.objects.count() == 0


def test_the_answers_form_gives_the_service_typed_answers(edition):
    from django.http import QueryDict

    from surveys.respondent.forms import AnswersForm, AutosaveForm
    from surveys.respondent.services import PostedAnswer

    data = QueryDict(mutable=True)
    data.update(
        {
            "q-target": "70,5",
            "q-target-version": "3",
            "q-target-orig": "abc",
            "q-target-explanation": "  Nytt vedtak  ",
            "q-target-confirm": "1",
            "q-has_plan": "kanskje",
            "q-has_plan-version": "x",
            "same_as_last_year": "target",
            "go": "stay",
        }
    )
    keys = ["target", "has_plan", "no_such_question"]
    posted = AnswersForm(data, questions=edition.questions.all(), keys=keys).posted()
    assert list(posted.answers) == keys
    assert posted.answers["target"] == PostedAnswer(
        value=70.5,
        version=3,
        fingerprint="abc",
        explanation="Nytt vedtak",
        confirmed=True,
    )
    has_plan = posted.answers["has_plan"]
    assert has_plan.value is None and has_plan.error and has_plan.version is None
    assert posted.answers["no_such_question"] == PostedAnswer()  # the service refuses it
    assert (posted.copy_last_year, posted.go) == ("target", "")
    data["same_as_last_year"], data["go"] = "advice", "next"
    posted = AnswersForm(data, questions=edition.questions.all(), keys=keys).posted()
    assert (posted.copy_last_year, posted.go) == ("", "next")
    data["question"] = "target"
    assert list(AutosaveForm(data, edition=edition).posted().answers) == ["target"]


def test_two_people_editing_the_same_question(client, cast, edition):
    """The later save is told, and shown both values; nothing is silently overwritten."""
    client.force_login(cast.editor_a)
    page = client.get(section_url("services"))
    loaded = {q.key: q for q in page.context["questions"]}["target"]  # version 0, no value

    other = client.__class__()
    other.force_login(cast.signatory_a)
    assert autosave(other, "target", {"q-target": "60"}).json()["version"] == 1

    reply = autosave(client, "target", {"q-target": "70", "q-target-version": str(loaded.version)})
    assert reply.status_code == 409
    conflict = reply.json()
    assert conflict["theirs"] == "60 %" and conflict["yours"] == "70 %"
    assert answer("target").value == 60
    # Keeping mine: send again with the version now known.
    reply = autosave(
        client, "target", {"q-target": "70", "q-target-version": str(conflict["version"])}
    )
    assert reply.status_code == 200
    assert answer("target").value == 70


def test_section_form_conflict_shows_both_values(client, cast, edition):
    client.force_login(cast.editor_a)
    page = client.get(section_url("services"))
    view = {q.key: q for q in page.context["questions"]}["contact_name"]
    other = client.__class__()
    other.force_login(cast.signatory_a)
    autosave(other, "contact_name", {"q-contact_name": "Kari"})
    response = post_section(
        client,
        "services",
        {
            "q-contact_name": "Karl",
            "q-contact_name-version": str(view.version),
            "q-contact_name-orig": view.fingerprint,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kari" in body and "Karl" in body
    assert answer("contact_name").value == "Kari"


def test_untouched_fields_do_not_overwrite_a_colleagues_newer_answer(client, cast, edition):
    client.force_login(cast.editor_a)
    page = client.get(section_url("services"))
    views = {q.key: q for q in page.context["questions"]}
    other = client.__class__()
    other.force_login(cast.signatory_a)
    autosave(other, "advice", {"q-advice": "Mer veiledning"})
    # editor_a saves the whole section; advice was left blank on their screen.
    data = {"q-contact_name": "Karl"}
    for key, view in views.items():
        data[f"q-{key}-version"] = str(view.version)
        data[f"q-{key}-orig"] = view.fingerprint
    response = post_section(client, "services", data)
    assert response.status_code == 302
    assert answer("advice").value == "Mer veiledning"
    assert answer("contact_name").value == "Karl"


def test_an_explanation_on_a_stale_page_does_not_overwrite_a_newer_value(cast, edition):
    a = cast.a
    # Editor saves "a" (version 1)
    r = save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd({"q-contact_name": "Alice"}),
        keys=["contact_name"],
    )
    assert r.ok
    ans = Answer.objects.get(question__key="contact_name")
    v1, fp1 = ans.version, fingerprint("Alice", "")
    # Signatory changes it to "Bob" (version 2)
    r = save_posted(
        actor=cast.signatory_a,
        edition=edition,
        municipality=a,
        data=qd(
            {"q-contact_name": "Bob", "q-contact_name-version": str(v1), "q-contact_name-orig": fp1}
        ),
        keys=["contact_name"],
    )
    assert r.ok
    assert Answer.objects.get(question__key="contact_name").value == "Bob"
    # Editor, whose page still shows "Alice" (v1), only ticks confirm / writes an explanation
    r = save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd(
            {
                "q-contact_name": "Alice",
                "q-contact_name-version": str(v1),
                "q-contact_name-orig": fp1,
                "q-contact_name-explanation": "see note",
            }
        ),
        keys=["contact_name"],
    )
    assert Answer.objects.get(question__key="contact_name").value == "Bob", (
        "colleague's newer value was overwritten with a stale one"
    )


def test_a_confirmed_warning_on_a_stale_page_does_not_revert_a_colleague(cast, edition):
    KeyFiguresFactory(municipality=cast.a, year=2026, decided=10)
    a = cast.a
    # X = 50 > decided 10 -> warning; editor confirms it
    r = save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd({"q-expected_settled": "50", "q-expected_settled-confirm": "1"}),
        keys=["expected_settled"],
    )
    ans = Answer.objects.get(question__key="expected_settled")
    assert ans.confirmed and ans.warning
    v1, fp1 = ans.version, fingerprint(50, "")
    # signatory corrects it to 8 (no warning)
    r = save_posted(
        actor=cast.signatory_a,
        edition=edition,
        municipality=a,
        data=qd(
            {
                "q-expected_settled": "8",
                "q-expected_settled-version": str(v1),
                "q-expected_settled-orig": fp1,
                "q-expected_settled-confirm": "1",
            }
        ),
        keys=["expected_settled"],
    )
    assert r.ok and Answer.objects.get(question__key="expected_settled").value == 8
    # editor presses "Save" on the section page loaded earlier, not touching the question:
    # the form still carries value 50, its fingerprint, version 1 and the ticked checkbox
    r = save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd(
            {
                "q-expected_settled": "50",
                "q-expected_settled-version": str(v1),
                "q-expected_settled-orig": fp1,
                "q-expected_settled-confirm": "1",
                "q-expected_settled-explanation": "",
            }
        ),
        keys=["expected_settled"],
    )
    assert Answer.objects.get(question__key="expected_settled").value == 8


def test_the_conflict_page_does_not_revert_an_untouched_colleague_change(client, cast, edition):
    a = cast.a
    save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd({"q-contact_name": "Alice", "q-advice": "x"}),
        keys=["contact_name", "advice"],
    )
    fa, fx = fingerprint("Alice", ""), fingerprint("x", "")
    # colleague changes both
    r = save_posted(
        actor=cast.signatory_a,
        edition=edition,
        municipality=a,
        data=qd(
            {
                "q-contact_name": "Bob",
                "q-contact_name-version": "1",
                "q-contact_name-orig": fa,
                "q-advice": "y",
                "q-advice-version": "1",
                "q-advice-orig": fx,
            }
        ),
        keys=["contact_name", "advice"],
    )
    assert r.ok
    client.force_login(cast.editor_a)
    url = f"/kommune/{a.number}/undersokelse/2026/del/services/"
    # editor's stale page: changes only advice
    resp = client.post(
        url,
        {
            "q-contact_name": "Alice",
            "q-contact_name-version": "1",
            "q-contact_name-orig": fa,
            "q-advice": "z",
            "q-advice-version": "1",
            "q-advice-orig": fx,
            "go": "stay",
        },
    )
    assert resp.status_code == 200  # conflict page
    html = resp.content.decode()
    cn = _inputs(html, "q-contact_name")
    adv = _inputs(html, "q-advice")
    # the person keeps their advice: posts the re-rendered form again as it is
    data = {**cn, **adv, "q-advice": "z", "go": "stay"}
    data = {k: v for k, v in data.items() if not k.endswith("-confirm")}
    resp = client.post(url, data)
    assert Answer.objects.get(question__key="advice").value == "z"
    assert Answer.objects.get(question__key="contact_name").value == "Bob", (
        "untouched question reverted to the stale value"
    )


def test_a_no_op_autosave_keeps_the_pages_version(client, cast, edition):
    a = cast.a
    q = QueryDict(mutable=True)
    q["q-contact_name"] = "Alice"
    save_posted(actor=cast.editor_a, edition=edition, municipality=a, data=q, keys=["contact_name"])
    fa = fingerprint("Alice", "")
    q = QueryDict(mutable=True)
    q.update({"q-contact_name": "Bob", "q-contact_name-version": "1", "q-contact_name-orig": fa})
    assert save_posted(
        actor=cast.signatory_a, edition=edition, municipality=a, data=q, keys=["contact_name"]
    ).ok
    client.force_login(cast.editor_a)
    url = f"/kommune/{a.number}/undersokelse/2026/lagre/"
    # the editor's field still shows Alice; an input event (typed and deleted a letter) autosaves it
    r = client.post(
        url,
        {
            "question": "contact_name",
            "q-contact_name": "Alice",
            "q-contact_name-version": "1",
            "q-contact_name-orig": fa,
        },
    )
    body = r.json()
    print(body["status"], body["version"], body["fingerprint"] == fingerprint("Bob", ""))
    # survey.js now stores version/orig of Bob's answer in the hidden inputs; the next edit wins silently
    r = client.post(
        url,
        {
            "question": "contact_name",
            "q-contact_name": "Carol",
            "q-contact_name-version": str(body["version"]),
            "q-contact_name-orig": body["fingerprint"],
        },
    )
    assert r.status_code == 409, "no conflict although the editor never saw Bob's answer"


def test_hidden_question_is_refused(editor):
    reply = autosave(editor, "first_time_help", {"q-first_time_help": "Hjelp"})
    assert reply.status_code == 400
    assert Answer.objects.count() == 0
    response = post_section(editor, "settlement", {"q-district_only": "x", "q-has_plan": "yes"})
    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_question_of_another_edition_is_refused(editor, previous_edition):
    reply = autosave(editor, "no_such_question", {"q-no_such_question": "x"})
    assert reply.status_code == 400
    assert Answer.objects.count() == 0


def test_option_of_another_question_is_refused(editor):
    reply = autosave(editor, "unit", {"q-unit": "work"})
    assert reply.status_code == 422
    assert Answer.objects.count() == 0


def test_closed_survey_refuses_answers(editor, edition):
    edition_set_status(actor=None, edition=edition, status="closed")
    reply = autosave(editor, "has_plan", {"q-has_plan": "yes"})
    assert reply.status_code == 400
    assert Answer.objects.count() == 0


def test_viewer_reads_but_cannot_save(client, cast, edition):
    client.force_login(cast.viewer_a)
    assert client.get(section_url("settlement")).status_code == 200
    assert autosave(client, "has_plan", {"q-has_plan": "yes"}).status_code == 403
    assert post_section(client, "settlement", {"q-has_plan": "yes"}).status_code == 403
    assert Answer.objects.count() == 0


def test_editor_of_another_municipality_gets_404(client, cast, edition):
    client.force_login(cast.editor_b)
    assert client.get(section_url("settlement")).status_code == 404
    assert autosave(client, "has_plan", {"q-has_plan": "yes"}).status_code == 404
    assert Answer.objects.count() == 0


def test_plausibility_warning_then_confirmation_travels_with_the_answer(editor, cast):
    KeyFigures.objects.update_or_create(
        municipality=cast.a, year=2026, defaults={"requested": 35, "decided": 30}
    )
    page = editor.get(section_url("settlement"))
    assert "anmodet om å bosette 35 og vedtok 30" in page.content.decode()
    reply = autosave(editor, "expected_settled", {"q-expected_settled": "80"})
    data = reply.json()
    assert data["status"] == "saved"
    assert "30" in data["warning"] and "80" in data["warning"]
    assert answer("expected_settled").needs_confirmation
    # Submission is blocked until it is confirmed or explained.
    editor.force_login(cast.signatory_a)
    editor.post(f"{BASE}/send-inn/", {"confirm": "1"})
    assert Response.objects.get().status == "in_progress"
    reply = autosave(
        editor,
        "expected_settled",
        {
            "q-expected_settled": "80",
            "q-expected_settled-version": "1",
            "q-expected_settled-orig": fingerprint(80, ""),
            "q-expected_settled-explanation": "Familiegjenforente kommer i tillegg",
        },
    )
    assert reply.status_code == 200
    saved = answer("expected_settled")
    assert (
        saved.explanation == "Familiegjenforente kommer i tillegg" and not saved.needs_confirmation
    )


def test_last_years_answer_is_shown_and_can_be_copied(client, cast, edition, previous_edition):
    edition_set_status(actor=None, edition=previous_edition, status="closed")
    # The 2025 edition was answered with an option that 2026 renamed.
    old = Response.objects.create(edition=previous_edition, municipality=cast.a, status="submitted")
    for key, value in (("unit", "flyktningkontor"), ("target", 55)):
        Answer.objects.create(
            response=old,
            municipality=cast.a,
            question=previous_edition.questions.get(key=key),
            value=value,
        )
    edition.option_mappings = [
        {"question": "unit", "from_year": 2025, "map": {"flyktningkontor": "refugee_office"}}
    ]
    edition.save()
    client.force_login(cast.editor_a)
    page = client.get(section_url("services"))
    views = {q.key: q for q in page.context["questions"]}
    assert views["unit"].last_year == "Flyktningkontor"
    assert views["target"].last_year == "55 %"
    response = post_section(client, "services", {"same_as_last_year": "unit"})
    assert response.status_code == 302
    assert answer("unit", cast.a).value == "refugee_office"
    reply = autosave(client, "target", {"same_as_last_year": "target"})
    assert reply.status_code == 200
    assert answer("target", cast.a).value == 55


def test_assign_a_section(client, cast, edition):
    client.force_login(cast.signatory_a)
    response = client.post(f"{BASE}/del/services/tildel/", {"assignee": cast.editor_a.pk})
    assert response.status_code == 302
    assignment = SectionAssignment.objects.get()
    assert assignment.assignee == cast.editor_a
    client.force_login(cast.editor_a)
    overview = client.get(f"{BASE}/")
    assert [row["section"].key for row in overview.context["mine"]] == ["services"]
    home = client.get("/").content.decode()
    assert section_url("services") in home
    # A unit instead of a person.
    client.post(f"{BASE}/del/settlement/tildel/", {"unit": "Boligkontoret"})
    assert SectionAssignment.objects.get(section__key="settlement").unit == "Boligkontoret"
    # Someone outside the municipality cannot be assigned.
    client.force_login(cast.signatory_a)
    client.post(f"{BASE}/del/settlement/tildel/", {"assignee": cast.editor_b.pk})
    assert SectionAssignment.objects.get(section__key="settlement").assignee is None


def test_sections_cannot_be_assigned_after_submission(client, cast, edition):
    q = QueryDict(mutable=True)
    q["q-contact_name"] = "Alice"
    save_posted(
        actor=cast.editor_a, edition=edition, municipality=cast.a, data=q, keys=["contact_name"]
    )
    response_submit(
        actor=cast.signatory_a, response=Response.objects.get(), on_behalf_of="R", confirmed=True
    )
    client.force_login(cast.editor_a)
    client.post(f"/kommune/{cast.a.number}/undersokelse/2026/del/services/tildel/", {"unit": "NAV"})
    assert SectionAssignment.objects.count() == 0


@pytest.mark.parametrize("assignee", ["abc", "0", "999999"])
def test_assigning_someone_not_in_the_list_is_refused(client, cast, edition, assignee):
    client.force_login(cast.signatory_a)
    reply = client.post(f"{BASE}/del/services/tildel/", {"assignee": assignee}, follow=True)
    assert reply.redirect_chain == [(f"{BASE}/", 302)]
    assert [m.level_tag for m in reply.context["messages"]] == ["error"]
    assert not SectionAssignment.objects.exists()


def _fill_and_submit(client, cast):
    client.force_login(cast.editor_a)
    autosave(client, "has_plan", {"q-has_plan": "yes"})
    autosave(client, "plan_year", {"q-plan_year": "2020"})
    autosave(client, "has_plan", {"q-has_plan": "no", "q-has_plan-version": "1"})  # hides plan_year
    client.force_login(cast.signatory_a)
    return client.post(f"{BASE}/send-inn/", {"confirm": "1", "on_behalf_of": "Camilla Dunsæd"})


def test_editor_cannot_submit(client, cast, edition):
    client.force_login(cast.editor_a)
    autosave(client, "has_plan", {"q-has_plan": "yes"})
    assert client.post(f"{BASE}/send-inn/", {"confirm": "1"}).status_code == 403
    assert Response.objects.get().status == "in_progress"


def test_submit_needs_the_confirmation(client, cast, edition):
    client.force_login(cast.signatory_a)
    autosave(client, "has_plan", {"q-has_plan": "yes"})
    client.post(f"{BASE}/send-inn/", {})
    assert Response.objects.get().status == "in_progress"


def test_signatory_submits_hidden_answers_are_dropped_and_receipt_sent(
    client, cast, edition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _fill_and_submit(client, cast)
    assert response.status_code == 302
    submitted = Response.objects.get()
    assert submitted.status == "submitted"
    assert submitted.submitted_by == cast.signatory_a
    assert submitted.submitted_on_behalf_of == "Camilla Dunsæd"
    assert submitted.submitted_at is not None
    assert set(submitted.answers.values_list("question__key", flat=True)) == {"has_plan"}
    assert AuditEntry.objects.filter(action="survey.submit", municipality=cast.a).exists()
    # The receipt: to the signatory and the editors, with a PDF copy.
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert set(receipt.to) == {cast.signatory_a.email, cast.editor_a.email}
    name, content, mimetype = receipt.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    assert "Kristiansand" in receipt.body
    # Locked: no more changes, and the receipt task does not send twice.
    client.force_login(cast.editor_a)
    assert (
        autosave(client, "has_plan", {"q-has_plan": "yes", "q-has_plan-version": "2"}).status_code
        == 400
    )
    from surveys.tasks import send_receipt

    assert send_receipt.apply(args=[submitted.pk]).get() is False
    assert len(mail.outbox) == 1


def test_pdf_copy(client, cast, edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _fill_and_submit(client, cast)
    client.force_login(cast.viewer_a)
    reply = client.get(f"{BASE}/svar.pdf")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert reply.content.startswith(b"%PDF-")


def test_review_lists_answers_and_unanswered_questions(client, cast, edition):
    client.force_login(cast.signatory_a)
    autosave(client, "has_plan", {"q-has_plan": "yes"})
    page = client.get(f"{BASE}/gjennomgang/")
    assert page.status_code == 200
    assert page.context["answered"] == 1 and page.context["total"] == 11
    assert page.context["can_submit"]
    client.force_login(cast.editor_a)
    assert not client.get(f"{BASE}/gjennomgang/").context["can_submit"]


@pytest.mark.parametrize("n", [10, 80])
def test_opening_a_section_costs_a_constant_number_of_queries(client, cast, n):
    from surveys.editions.services import edition_import

    questions = [{"key": f"q{i}", "type": "integer", "text": f"Spørsmål {i}"} for i in range(n)]
    questions[1]["show_if"] = {"answers": [{"question": "q0", "in": [1]}]}
    doc = {
        "year": 2030,
        "title": "Stor",
        "opens": "2030-01-01",
        "deadline": "2030-02-01",
        "sections": [{"key": "big", "title": "Stor seksjon", "questions": questions}],
    }
    edition = edition_import(actor=None, content=doc)
    edition_set_status(actor=None, edition=edition, status="open")
    client.force_login(cast.editor_a)
    for i in range(0, n, 3):
        autosave_url = "/kommune/4204/undersokelse/2030/lagre/"
        client.post(autosave_url, {"question": f"q{i}", f"q-q{i}": str(i)})
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/kommune/4204/undersokelse/2030/del/big/")
    assert page.status_code == 200
    assert len(page.context["questions"]) == n
    assert len(queries) <= 16, [q["sql"] for q in queries.captured_queries]
    test_opening_a_section_costs_a_constant_number_of_queries.counts[n] = len(queries)  # type: ignore[attr-defined]


test_opening_a_section_costs_a_constant_number_of_queries.counts = {}  # type: ignore[attr-defined]


def test_section_query_count_does_not_grow(client, cast):
    """The same page with 10 and with 80 questions costs the same number of queries."""
    from surveys.editions.services import edition_import

    counts = []
    # Each edition has a previous one, so both pages also look up last year's answers.
    for year, n in ((2030, 1), (2031, 10), (2032, 80)):
        doc = {
            "year": year,
            "title": "T",
            "opens": f"{year}-01-01",
            "deadline": f"{year}-02-01",
            "sections": [
                {
                    "key": "big",
                    "title": "S",
                    "questions": [
                        {"key": f"q{i}", "type": "yes_no", "text": "?"} for i in range(n)
                    ],
                }
            ],
        }
        edition = edition_import(actor=None, content=doc)
        edition_set_status(actor=None, edition=edition, status="open")
        client.force_login(cast.editor_a)
        for i in range(0, n, 2):
            client.post(
                f"/kommune/4204/undersokelse/{year}/lagre/", {"question": f"q{i}", f"q-q{i}": "yes"}
            )
        edition_set_status(actor=None, edition=edition, status="closed")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/kommune/4204/undersokelse/{year}/del/big/").status_code == 200
        counts.append([q["sql"] for q in queries.captured_queries])
    assert len(counts[1]) == len(counts[2]), "\n".join(counts[2])


def test_coming_back_resumes_where_they_left_off(editor, cast):
    autosave(editor, "target", {"q-target": "60"})
    home = editor.get("/").content.decode()
    assert section_url("services") in home
    # Closing the browser loses nothing: a new session sees the same answers.
    editor.logout()
    editor.force_login(cast.editor_a)
    page = editor.get(section_url("services"))
    assert {q.key: q.value for q in page.context["questions"]}["target"] == 60


@pytest.mark.django_db(transaction=True)
def test_submitting_works_when_the_broker_is_down_and_the_sweep_sends_the_receipt_once(
    client, cast, edition, monkeypatch, caplog
):
    """Redis down: the answers are submitted and the page answers as usual; the receipt is
    sent by the sweep once the broker is back. Committed for real (no captured callbacks):
    the task is sent inside the request."""
    from surveys.tasks import send_receipt, send_unsent_emails

    broker = broker_down(monkeypatch, send_receipt)
    response = _fill_and_submit(client, cast)
    assert response.status_code == 302
    submitted = Response.objects.get()
    assert submitted.status == "submitted" and submitted.receipt_sent_at is None
    assert AuditEntry.objects.filter(action="survey.submit").count() == 1
    assert broker.refused == [(submitted.pk,)] and mail.outbox == []
    [line] = queue_warnings(caplog)
    assert line.startswith("WARNING queue: the broker did not take") and "send_receipt" in line

    broker.up = True
    assert send_unsent_emails() == 0 and mail.outbox == []  # within the grace period
    Response.objects.update(submitted_at=ago(minutes=11))
    assert send_unsent_emails() == 1
    [receipt] = mail.outbox
    assert set(receipt.to) == {cast.signatory_a.email, cast.editor_a.email}
    assert receipt.attachments[0][2] == "application/pdf"
    submitted.refresh_from_db()
    assert submitted.receipt_sent_at is not None
    assert send_unsent_emails() == 0 and len(mail.outbox) == 1


def test_the_sweep_sends_only_missing_receipts_of_the_last_two_days(cast, edition):
    from surveys.respondent.selectors import receipts_unsent

    def response(status, submitted_at, **fields):
        return Response.objects.create(
            edition=edition,
            municipality=MunicipalityFactory(),
            status=status,
            submitted_at=submitted_at,
            **fields,
        )

    due = response("submitted", ago(hours=1))
    response("submitted", ago(minutes=5))  # its task may be in the queue
    response("submitted", ago(days=3))  # past the cut-off
    response("submitted", ago(hours=1), receipt_sent_at=ago(hours=1))
    response("approved", ago(hours=1))
    response("returned", ago(hours=1))
    response("in_progress", None)
    assert receipts_unsent() == [due.pk]
