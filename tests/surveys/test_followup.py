"""The directorate's follow-up: status machine, review, reminders, dashboard, representativeness."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_set_status
from surveys.followup import services
from surveys.followup.selectors import follow_ups_unsent
from surveys.followup.status import representativeness
from surveys.models import Answer, DeadlineExtension, FollowUp, Response, ReviewComment
from surveys.respondent.services import response_submit
from surveys.tasks import send_due_reminders, send_follow_up_email
from tests.broker import ago, broker_down, queue_warnings
from tests.factories import MunicipalityFactory
from tests.surveys.conftest import save_posted

BASE = "/direktoratet/undersokelser/2026"


def submitted(cast, municipality=None, **answers):
    """A submitted response with the given answers (question key -> value)."""
    from surveys.models import SurveyEdition

    edition = SurveyEdition.objects.get(year=2026)
    municipality = municipality or cast.a
    response = Response.objects.create(
        edition=edition,
        municipality=municipality,
        status="submitted",
        submitted_by=cast.signatory_a,
    )
    for key, value in answers.items():
        Answer.objects.create(
            response=response,
            municipality=municipality,
            question=edition.questions.get(key=key),
            value=value,
        )
    return response


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


# --- status machine and review -------------------------------------------------------------


def test_return_with_comments_reopens_and_notifies(client, cast, edition, on_commit):
    response = submitted(cast, has_plan="yes", target=60)
    client.force_login(cast.adviser_a)
    url = f"{BASE}/oppfolging/{cast.a.number}/"
    target = edition.questions.get(key="target")
    assert (
        client.post(
            f"{url}kommentar/", {"question": target.pk, "text": "Er 60 riktig?"}
        ).status_code
        == 302
    )
    with_callbacks = on_commit(client.post, f"{url}retur/", {"text": "Se kommentaren"})
    assert with_callbacks.status_code == 302
    response.refresh_from_db()
    assert response.status == "returned" and response.reviewed_by == cast.adviser_a
    assert AuditEntry.objects.filter(action="survey.returned", municipality=cast.a).exists()
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {cast.editor_a.email, cast.signatory_a.email}
    assert "Se kommentaren" in mail.outbox[0].body
    # The municipality sees the comment next to the question and can change the answer again.
    client.force_login(cast.editor_a)
    page = client.get("/kommune/4204/undersokelse/2026/del/services/")
    assert "Er 60 riktig?" in page.content.decode()
    reply = client.post(
        "/kommune/4204/undersokelse/2026/lagre/",
        {"question": "target", "q-target": "65", "q-target-version": "1"},
    )
    assert reply.status_code == 200
    # ... and the signatory submits again.
    client.force_login(cast.signatory_a)
    on_commit(client.post, "/kommune/4204/undersokelse/2026/send-inn/", {"confirm": "1"})
    response.refresh_from_db()
    assert response.status == "submitted"


def test_approve_and_the_transitions_that_are_not_allowed(client, cast, edition, on_commit):
    response = submitted(cast, has_plan="yes")
    on_commit(services.response_approve, actor=cast.admin, response=response)
    response.refresh_from_db()
    assert response.status == "approved"
    with pytest.raises(services.ValidationError):
        services.response_approve(actor=cast.admin, response=response)
    in_progress = Response.objects.create(edition=edition, municipality=cast.b)
    with pytest.raises(services.ValidationError):
        services.response_return(actor=cast.admin, response=in_progress)
    statuses = list(
        AuditEntry.objects.filter(municipality=cast.a, action__startswith="survey.").values_list(
            "action", flat=True
        )
    )
    assert "survey.approved" in statuses


def test_a_response_cannot_be_returned_once_the_survey_is_closed(cast, edition):
    q = QueryDict(mutable=True)
    q["q-contact_name"] = "Alice"
    save_posted(
        actor=cast.editor_a, edition=edition, municipality=cast.a, data=q, keys=["contact_name"]
    )
    response = Response.objects.get()
    response_submit(
        actor=cast.signatory_a, response=response, on_behalf_of="Rådmann", confirmed=True
    )
    edition_set_status(actor=cast.admin, edition=edition, status="closed")
    with pytest.raises(ValidationError):
        services.response_return(actor=cast.adviser_a, response=response, message="fix q")
    response.refresh_from_db()
    assert response.status == "submitted"


def test_adviser_of_another_region_cannot_review(client, cast, edition):
    submitted(cast, has_plan="yes")
    client.force_login(cast.adviser_other)
    assert client.get(f"{BASE}/oppfolging/{cast.a.number}/").status_code == 404
    assert client.post(f"{BASE}/oppfolging/{cast.a.number}/godkjenn/").status_code == 404
    assert Response.objects.get().status == "submitted"
    client.force_login(cast.editor_a)
    assert client.get(f"{BASE}/oppfolging/{cast.a.number}/").status_code == 403


def test_each_action_posts_to_its_own_address_and_a_refusal_shows_the_page_again(
    client, cast, edition
):
    submitted(cast, has_plan="yes")
    client.force_login(cast.adviser_a)
    url = f"{BASE}/oppfolging/{cast.a.number}/"
    body = client.get(url).content.decode()
    for slug in ("retur", "godkjenn", "kommentar", "notat", "frist"):
        assert f'action="{url}{slug}/"' in body, slug
    assert 'name="action"' not in body
    refused = client.post(f"{url}notat/", {"kind": "phone", "text": ""})
    assert refused.status_code == 200
    assert refused.context["note_form"].errors["text"]
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]
    assert client.get(f"{url}notat/").status_code == 405
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("question", ["abc", "-1", "999999"])
def test_a_comment_on_a_question_that_is_not_in_the_survey_is_refused_in_words(
    client, cast, edition, question
):
    submitted(cast, has_plan="yes")
    client.force_login(cast.adviser_a)
    reply = client.post(
        f"{BASE}/oppfolging/{cast.a.number}/kommentar/", {"question": question, "text": "Hm?"}
    )
    assert reply.status_code == 200
    assert [str(m) for m in reply.context["messages"]] == [
        "Spørsmålet finnes ikke i denne undersøkelsen."
    ]
    assert not ReviewComment.objects.exists()


def test_comment_needs_text_and_a_question_of_the_edition(cast, edition, previous_edition):
    response = submitted(cast, has_plan="yes")
    with pytest.raises(services.ValidationError):
        services.review_comment_add(actor=cast.admin, response=response, question=None, text="  ")
    with pytest.raises(services.ValidationError):
        services.review_comment_add(
            actor=cast.admin,
            response=response,
            question=previous_edition.questions.first(),
            text="x",
        )
    assert ReviewComment.objects.count() == 0


# --- reminders -----------------------------------------------------------------------------


def _with_members(cast):
    return {cast.editor_a.email, cast.signatory_a.email}


def test_automatic_reminders_are_sent_once_to_those_who_have_not_submitted(
    cast, edition, on_commit
):
    edition.reminder_days = [14, 7, 2]
    edition.save()
    submitted(cast, cast.b, has_plan="yes")  # B has answered: no reminder
    today = edition.deadline - dt.timedelta(days=7)
    assert on_commit(services.reminders_due, edition=edition, today=today) == 1
    assert (
        on_commit(services.reminders_due, edition=edition, today=today) == 0
    )  # run again: nothing new
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == _with_members(cast)
    entry = FollowUp.objects.get(kind="reminder")
    assert entry.status == "sent" and entry.municipality == cast.a
    # A retried task does not send again.
    assert send_follow_up_email.apply(args=[entry.pk]).get() is False
    assert len(mail.outbox) == 1
    # Before the first reminder day and after the deadline: nothing.
    assert (
        services.reminders_due(edition=edition, today=edition.deadline - dt.timedelta(days=20)) == 0
    )
    assert (
        services.reminders_due(edition=edition, today=edition.deadline + dt.timedelta(days=1)) == 0
    )


def test_the_beat_task_runs_twice_and_sends_once(cast, edition, on_commit, monkeypatch):
    from django.utils import timezone

    edition.reminder_days = [3]
    edition.save()
    monkeypatch.setattr(timezone, "localdate", lambda: edition.deadline - dt.timedelta(days=1))
    assert on_commit(lambda: send_due_reminders.apply().get()) == 2  # A and B have not submitted
    assert on_commit(lambda: send_due_reminders.apply().get()) == 0
    assert len(mail.outbox) == 2


def test_head_of_administration_is_copied_after_the_set_number_of_reminders(
    cast, edition, on_commit
):
    cast.a.head_email = "kommunedirektor@kristiansand.kommune.no"
    cast.a.save()
    submitted(cast, cast.b, has_plan="yes")
    edition.reminder_days = [14, 7, 2]
    edition.reminders_before_head = 2
    edition.save()
    for days in (14, 7, 2):
        on_commit(
            services.reminders_due,
            edition=edition,
            today=edition.deadline - dt.timedelta(days=days),
        )
    assert [cast.a.head_email in m.to for m in mail.outbox] == [False, False, True]
    assert FollowUp.objects.filter(to_head=True).count() == 1


def test_reminders_follow_the_organisations_written_standard(cast, edition, on_commit):
    cast.a.written_standard = "nn"
    cast.a.save()
    edition.reminder_days = [7]
    edition.save()
    on_commit(services.reminders_due, edition=edition, today=edition.deadline)
    from django.utils import translation

    with translation.override("nn"):
        expected = translation.gettext("The Directorate of Integration and Diversity (IMDi)")
    assert expected in mail.outbox[0].body


def test_organisation_deadline_extension_moves_its_reminders(client, cast, edition, on_commit):
    submitted(cast, cast.b, has_plan="yes")
    edition.reminder_days = [2]
    edition.save()
    client.force_login(cast.adviser_a)
    new = edition.deadline + dt.timedelta(days=10)
    client.post(
        f"{BASE}/oppfolging/{cast.a.number}/frist/",
        {"deadline": new.isoformat(), "reason": "Ny kommunedirektør"},
    )
    assert DeadlineExtension.objects.get(municipality=cast.a).deadline == new
    assert (
        on_commit(
            services.reminders_due, edition=edition, today=edition.deadline - dt.timedelta(days=1)
        )
        == 0
    )
    assert on_commit(services.reminders_due, edition=edition, today=new - dt.timedelta(days=1)) == 1
    assert new.strftime("%Y") in mail.outbox[0].body
    # An extension must be later than the edition's deadline.
    client.post(
        f"{BASE}/oppfolging/{cast.a.number}/frist/", {"deadline": edition.opens.isoformat()}
    )
    assert DeadlineExtension.objects.get(municipality=cast.a).deadline == new


def test_edition_deadline_and_reminder_plan(client, cast, edition):
    client.force_login(cast.admin)
    new = edition.deadline + dt.timedelta(days=7)
    response = client.post(
        f"{BASE}/innstillinger/",
        {"deadline": new.isoformat(), "reminder_days": "2, 14;7", "reminders_before_head": "1"},
    )
    assert response.status_code == 302
    edition.refresh_from_db()
    assert (edition.deadline, edition.reminder_days, edition.reminders_before_head) == (
        new,
        [14, 7, 2],
        1,
    )
    client.post(
        f"{BASE}/innstillinger/",
        {"deadline": new.isoformat(), "reminder_days": "en uke", "reminders_before_head": "1"},
    )
    edition.refresh_from_db()
    assert edition.reminder_days == [14, 7, 2]
    client.force_login(cast.adviser_a)
    assert (
        client.post(
            f"{BASE}/innstillinger/",
            {"deadline": new.isoformat(), "reminder_days": "", "reminders_before_head": "1"},
        ).status_code
        == 403
    )


def test_manual_reminder_for_a_filtered_set(client, cast, edition, on_commit):
    submitted(cast, cast.b, has_plan="yes")
    client.force_login(cast.admin)
    on_commit(client.post, f"{BASE}/oppfolging/purring/?region=sor", {"all": "1"})
    entries = FollowUp.objects.filter(kind="manual_reminder")
    assert [e.municipality for e in entries] == [cast.a]
    assert entries.get().by == cast.admin and entries.get().status == "sent"
    assert len(mail.outbox) == 1


def test_the_reminder_form_keeps_the_dashboards_filter(client, cast, edition):
    client.force_login(cast.admin)
    page = client.get(f"{BASE}/oppfolging/", {"region": "sor", "sort": "name"})
    action = f"{BASE}/oppfolging/purring/?region=sor&amp;sort=name"
    assert f'action="{action}"' in page.content.decode()
    reply = client.post(f"{BASE}/oppfolging/purring/?region=sor&sort=name", {})
    assert reply.status_code == 302
    assert reply["Location"] == f"{BASE}/oppfolging/?region=sor&sort=name"
    assert not FollowUp.objects.exists()  # nobody chosen: nothing sent
    assert client.post(f"{BASE}/oppfolging/").status_code == 405


def test_launch_is_announced_once(client, cast, db, on_commit):
    from surveys.editions.services import edition_import
    from tests.surveys.conftest import definition

    edition = edition_import(actor=None, content=definition())
    client.force_login(cast.admin)
    on_commit(client.post, f"{BASE}/status/", {"status": "open"})
    edition.refresh_from_db()
    assert edition.status == "open" and edition.launched_at is not None
    recipients = {tuple(sorted(m.to)) for m in mail.outbox}
    assert tuple(sorted(_with_members(cast))) in recipients
    assert (cast.editor_b.email,) in recipients
    sent = len(mail.outbox)
    client.post(f"{BASE}/status/", {"status": "closed"})
    on_commit(client.post, f"{BASE}/status/", {"status": "open"})
    assert len(mail.outbox) == sent


def test_phone_call_and_note_in_the_log(client, cast, edition):
    client.force_login(cast.adviser_a)
    url = f"{BASE}/oppfolging/{cast.a.number}/"
    client.post(f"{url}notat/", {"kind": "phone", "text": "Ringte rådgiver, svar kommer fredag"})
    client.post(f"{url}notat/", {"kind": "phone", "text": ""})
    entry = FollowUp.objects.get()
    assert (entry.kind, entry.by, entry.text) == (
        "phone",
        cast.adviser_a,
        "Ringte rådgiver, svar kommer fredag",
    )
    assert "svar kommer fredag" in client.get(url).content.decode()


def test_reminder_goes_through_a_real_smtp_server(cast, edition, settings, on_commit):
    """E-mail leaves through Django's mail API to a real SMTP server, which receives it."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    submitted(cast, cast.b, has_plan="yes")
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        edition.reminder_days = [7]
        edition.save()
        on_commit(services.reminders_due, edition=edition, today=edition.deadline)
    finally:
        controller.stop()
    assert len(received) == 1
    rcpt, content = received[0]
    assert set(rcpt) == _with_members(cast)
    assert "Kristiansand" in content


# --- dashboard and representativeness ------------------------------------------------------


def test_dashboard_statuses_progress_and_rate(client, cast, edition):
    submitted(cast, cast.b, has_plan="yes")
    Response.objects.create(edition=edition, municipality=cast.a, last_activity_by=cast.editor_a)
    client.force_login(cast.admin)
    page = client.get(f"{BASE}/oppfolging/")
    board = page.context["board"]
    rows = {r.municipality.number: r for r in board.rows}
    assert rows["4601"].status == "submitted" and rows["4204"].status == "in_progress"
    assert board.total == 2 and board.answered == 1 and board.rate == 50
    assert {r["region"].code: r["rate"] for r in board.regions} == {"sor": 0, "vest": 100}
    assert rows["4601"].answered == 1
    page = client.get(f"{BASE}/oppfolging/", {"status": "submitted"})
    assert [r.municipality.number for r in page.context["board"].rows] == ["4601"]


def test_the_dashboards_filter_is_a_form_sent_by_get_with_a_button(client, cast, edition):
    import re

    client.force_login(cast.admin)
    html = client.get(f"{BASE}/oppfolging/").content.decode()
    form = re.search(r'<form[^>]*method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None, "the filter must be sent by GET (the page answers GET only)"
    assert 'name="status"' in form.group(1) and 'type="submit"' in form.group(1)


def test_adviser_dashboard_is_their_region(client, cast, edition):
    client.force_login(cast.adviser_a)
    board = client.get(f"{BASE}/oppfolging/").context["board"]
    assert [r.municipality.number for r in board.rows] == ["4204"]
    assert board.total == 1
    client.force_login(cast.editor_a)
    assert client.get(f"{BASE}/oppfolging/").status_code == 403


def test_dashboard_query_count_does_not_grow(client, cast, edition):
    client.force_login(cast.admin)
    counts = []
    question = edition.questions.get(key="has_plan")
    for n in (10, 400):  # as the issue states it: 10 or 400 organisations
        orgs = MunicipalityFactory.create_batch(
            n - len(counts) * 10, region=cast.a.region, county=cast.a.county
        )
        responses = Response.objects.bulk_create(
            [Response(edition=edition, municipality=o) for o in orgs]
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    response=r, municipality_id=r.municipality_id, question=question, value="yes"
                )
                for r in responses
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/oppfolging/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_representativeness_on_a_known_data_set(cast, edition):
    # A: 2 000 inhabitants, centrality 3, answered; B: 60 000, centrality 1, did not answer.
    KeyFigures.objects.create(municipality=cast.a, year=2026, population=2000, centrality_class=3)
    KeyFigures.objects.create(municipality=cast.b, year=2024, population=60000, centrality_class=1)
    for year in (2022, 2024):
        KeyFigures.objects.create(municipality=cast.a, year=year, settled=5)
    small = MunicipalityFactory(region=cast.a.region, county=cast.a.county)
    KeyFigures.objects.create(municipality=small, year=2025, population=1999)
    submitted(cast, cast.a, has_plan="yes")
    tables, totals = representativeness(user=cast.admin, edition=edition)
    assert totals == {"all": 3, "answered": 1, "not_answered": 2}
    population = {row["band"]: row for row in tables[0].rows}
    assert population["2 000–4 999"]["answered"] == 1 and population["2 000–4 999"]["all"] == 1
    assert population["< 2 000"]["not_answered"] == 1
    assert population["50 000+"]["not_answered"] == 1
    assert population["50 000+"]["not_answered_pct"] == 50
    centrality = {row["band"]: row for row in tables[1].rows}
    assert centrality["3"]["answered"] == 1 and centrality["1"]["all"] == 1
    years = {row["band"]: row for row in tables[3].rows}
    assert years["2"]["answered"] == 1  # settled in 2022 and 2024 of 2021–2025


def test_representativeness_page(client, cast, edition):
    client.force_login(cast.adviser_a)
    page = client.get(f"{BASE}/representativitet/")
    assert page.status_code == 200
    assert page.context["totals"]["all"] == 1


def test_the_return_message_is_shown_in_the_portal_too(client, cast, edition):
    response = submitted(cast, has_plan="yes")
    services.response_return(actor=cast.adviser_a, response=response, message="Sjekk planen.")
    assert ReviewComment.objects.get().question is None
    client.force_login(cast.editor_a)
    page = client.get(f"/kommune/{cast.a.number}/undersokelse/{edition.year}/")
    assert "Sjekk planen." in page.content.decode()


# --- the broker (Redis) is down ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_returning_while_the_broker_is_down_answers_and_the_sweep_sends_the_email_once(
    client, cast, edition, monkeypatch, caplog
):
    """Committed for real (no captured callbacks): the task is sent inside the request."""
    from surveys.tasks import send_unsent_emails

    broker = broker_down(monkeypatch, send_follow_up_email)
    response = submitted(cast, has_plan="yes")
    client.force_login(cast.adviser_a)
    reply = client.post(f"{BASE}/oppfolging/{cast.a.number}/retur/", {"text": "Se kommentaren"})
    assert reply.status_code == 302
    response.refresh_from_db()
    assert response.status == "returned"
    entry = FollowUp.objects.get(kind="returned")
    assert entry.status == "pending" and mail.outbox == []
    assert broker.refused == [(entry.pk,)]
    [line] = queue_warnings(caplog)
    assert line.startswith("WARNING queue: the broker did not take")
    assert "send_follow_up_email" in line

    broker.up = True
    assert send_unsent_emails() == 0 and mail.outbox == []  # within the grace period
    FollowUp.objects.filter(pk=entry.pk).update(at=ago(minutes=11))
    assert send_unsent_emails() == 1
    assert len(mail.outbox) == 1 and set(mail.outbox[0].to) == _with_members(cast)
    assert "Se kommentaren" in mail.outbox[0].body
    entry.refresh_from_db()
    assert entry.status == "sent"
    assert send_unsent_emails() == 0 and len(mail.outbox) == 1


def test_reminders_while_the_broker_is_down_wait_with_one_warning(
    cast, edition, monkeypatch, caplog, on_commit
):
    from surveys.tasks import send_unsent_emails

    broker = broker_down(monkeypatch, send_follow_up_email)
    sent = on_commit(
        services.reminders_send_now,
        actor=cast.admin,
        edition=edition,
        municipalities=[cast.a, cast.b],
    )
    assert sent == 2 and mail.outbox == []
    # The first refusal ends the round: the second would only wait for the broker as well.
    assert len(broker.refused) == 1
    [line] = queue_warnings(caplog)
    assert "send_follow_up_email for 2 of 2 id(s)" in line
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"pending"}

    broker.up = True
    FollowUp.objects.update(at=ago(minutes=15))
    assert send_unsent_emails() == 2 and len(mail.outbox) == 2
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"sent"}
    assert send_unsent_emails() == 0 and len(mail.outbox) == 2


def test_the_sweep_sends_only_pending_follow_up_emails_of_the_last_two_days(cast, edition):
    def entry(status, at, **fields):
        made = FollowUp.objects.create(
            edition=edition,
            municipality=cast.a,
            kind=fields.pop("kind", "manual_reminder"),
            status=status,
            **fields,
        )
        FollowUp.objects.filter(pk=made.pk).update(at=at)
        return made

    due = entry("pending", ago(hours=1))
    entry("pending", ago(minutes=5))  # its task may be in the queue
    entry("pending", ago(days=3))  # past the cut-off
    entry("sent", ago(hours=1))
    entry("failed", ago(hours=1))
    entry("done", ago(hours=1), kind="note")
    assert follow_ups_unsent() == [due.pk]
