"""Automatic reminders about stale sections: once per staleness period, to the right people,
in the organisation's language, and never twice however often the tasks run."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from housing import mailing, services
from housing.models import StaleReminder
from housing.tasks import queue_stale_reminders, send_stale_reminders, send_unsent_reminders
from tests.broker import ago, broker_down, queue_warnings
from tests.housing.conftest import age, contact, facts, line


def _all_confirmed(municipality, days=10):
    """Every section confirmed ``days`` ago."""
    for key in (
        "housing",
        "staffed_housing",
        "schools",
        "introduction",
        "kindergarten",
        "interpreters",
        "health",
        "transport",
        "labour_market",
        "contacts",
    ):
        services.section_confirm(actor=None, municipality=municipality, key=key)
        age(municipality, key, days)


def test_a_stale_section_is_reminded_once_to_its_contact_person(cast, on_commit):
    _all_confirmed(cast.a)
    contact(cast.a, area="general", name="Generell", email="general@kristiansand.example")
    contact(cast.a, area="health", name="Helse", email="helse@kristiansand.example")
    _all_confirmed(cast.a)
    age(cast.a, "health", 95)
    mail.outbox.clear()
    assert on_commit(services.stale_reminders_due) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["helse@kristiansand.example"]
    assert "/kommune/4204/profil/" in message.body
    reminder = StaleReminder.objects.get()
    assert (reminder.section, reminder.status) == ("health", "sent")
    # Again the same day, and the next: nothing new.
    assert on_commit(services.stale_reminders_due) == 0
    assert on_commit(services.stale_reminders_due, now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_sections_without_their_own_contact_go_to_the_general_contact_in_one_email(cast, on_commit):
    _all_confirmed(cast.a)
    contact(cast.a, area="general", name="Generell", email="general@kristiansand.example")
    _all_confirmed(cast.a)
    age(cast.a, "schools", 100)
    age(cast.a, "transport", 100)
    mail.outbox.clear()
    assert on_commit(services.stale_reminders_due) == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["general@kristiansand.example"]
    from django.utils import translation

    from housing.models import SectionKey

    body = mail.outbox[0].body
    with translation.override(cast.a.language):
        schools, transport = str(SectionKey.SCHOOLS.label), str(SectionKey.TRANSPORT.label)
    assert body.index(schools) < body.index(transport)


def test_without_a_contact_person_the_editors_are_reminded(cast, on_commit):
    _all_confirmed(cast.a)
    age(cast.a, "labour_market", 91)
    mail.outbox.clear()
    on_commit(services.stale_reminders_due)
    assert sorted(mail.outbox[0].to) == ["editor_a@example.no", "signatory_a@example.no"]


def test_confirming_starts_a_new_period(cast, on_commit):
    _all_confirmed(cast.a)
    age(cast.a, "health", 95)
    on_commit(services.stale_reminders_due)
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="health")
    assert on_commit(services.stale_reminders_due) == 0
    age(cast.a, "health", 92)  # stale again, later
    mail.outbox.clear()
    assert on_commit(services.stale_reminders_due) == 1
    assert len(mail.outbox) == 1
    assert StaleReminder.objects.filter(section="health").count() == 2


def test_no_reminder_for_a_part_confirmed_after_it_was_queued(cast):
    contact(cast.a, area="general", name="G", email="g@x.example")
    services.section_confirm(actor=None, municipality=cast.a, key="transport")
    age(cast.a, "transport", 100)
    services.stale_reminders_due()  # queued, not yet sent
    assert StaleReminder.objects.filter(
        municipality=cast.a, section="transport", status="pending"
    ).exists()
    services.section_confirm(actor=cast.editor_a, municipality=cast.a, key="transport")
    mail.outbox.clear()
    mailing.send_stale_reminders(municipality_id=cast.a.pk)
    assert not any("transport" in m.body.lower() for m in mail.outbox)
    assert StaleReminder.objects.get(municipality=cast.a, section="transport").status == "failed"


def test_the_send_task_is_idempotent(cast):
    _all_confirmed(cast.a)
    age(cast.a, "health", 95)
    services.stale_reminders_due()  # not committed in the test: the task is not run yet
    mail.outbox.clear()
    assert send_stale_reminders.apply(args=[cast.a.pk]).get() == 1
    assert send_stale_reminders.apply(args=[cast.a.pk]).get() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_released_for_the_retry(cast, monkeypatch):
    import pytest

    from housing import mailing

    _all_confirmed(cast.a)
    age(cast.a, "health", 95)
    services.stale_reminders_due()

    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(mailing.EmailMessage, "send", broken)
    with pytest.raises(ConnectionError):
        mailing.send_stale_reminders(municipality_id=cast.a.pk)
    assert StaleReminder.objects.get().status == "pending"
    monkeypatch.undo()
    mail.outbox.clear()
    assert mailing.send_stale_reminders(municipality_id=cast.a.pk) == 1
    assert StaleReminder.objects.get().status == "sent"


def test_the_reminder_is_in_the_organisations_written_standard(cast, on_commit):
    cast.a.written_standard = "nn"
    cast.a.save()
    _all_confirmed(cast.a)
    age(cast.a, "health", 95)
    mail.outbox.clear()
    on_commit(services.stale_reminders_due)
    from django.utils import translation

    with translation.override("nn"):
        subject = translation.gettext("Please confirm your profile for IMDi – %(organisation)s")
    assert mail.outbox[0].subject == subject % {"organisation": cast.a.name}


def test_profiles_never_started_are_not_reminded(cast, on_commit):
    """Only a municipality that has confirmed any part of its profile is reminded of the rest."""
    mail.outbox.clear()
    assert on_commit(services.stale_reminders_due) == 0
    facts(cast.a, "schools", upper_secondary=True)
    assert on_commit(services.stale_reminders_due) == 9  # every other part of A, none of B
    assert not StaleReminder.objects.filter(municipality=cast.b).exists()
    assert len(mail.outbox) == 1  # one e-mail to A's editors, listing the nine


def test_no_recipient_marks_the_reminder_failed(cast, on_commit):
    cast.a.memberships.all().delete()
    line(cast.a)
    _all_confirmed(cast.a)
    age(cast.a, "housing", 100)
    on_commit(services.stale_reminders_due)
    assert StaleReminder.objects.get().status == "failed"


def test_the_beat_task(cast, on_commit):
    _all_confirmed(cast.a)
    age(cast.a, "kindergarten", 120)
    mail.outbox.clear()
    assert on_commit(lambda: queue_stale_reminders.apply().get()) == 1
    assert on_commit(lambda: queue_stale_reminders.apply().get()) == 0
    assert len(mail.outbox) == 1


# --- the broker (Redis) is down ------------------------------------------------------------


def test_reminders_while_the_broker_is_down_wait_and_the_sweep_sends_them_once(
    cast, on_commit, monkeypatch, caplog
):
    _all_confirmed(cast.a)
    _all_confirmed(cast.b)
    age(cast.a, "health", 95)
    age(cast.b, "schools", 95)
    mail.outbox.clear()
    broker = broker_down(monkeypatch, send_stale_reminders)
    assert on_commit(lambda: queue_stale_reminders.apply().get()) == 2
    assert set(StaleReminder.objects.values_list("status", flat=True)) == {"pending"}
    assert mail.outbox == []
    # The first refusal ends the round: the second would only wait for the broker as well.
    assert len(broker.refused) == 1
    [line] = queue_warnings(caplog)
    assert "send_stale_reminders for 2 of 2 id(s)" in line

    broker.up = True
    assert send_unsent_reminders() == 0 and mail.outbox == []  # within the grace period
    StaleReminder.objects.update(created_at=ago(minutes=11))
    assert send_unsent_reminders() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["editor_a@example.no", "editor_b@example.no"]
    assert set(StaleReminder.objects.values_list("status", flat=True)) == {"sent"}
    assert send_unsent_reminders() == 0 and len(mail.outbox) == 2


def test_the_sweep_sends_only_pending_reminders_of_the_last_two_days(cast):
    from housing.selectors import municipalities_with_unsent_reminders
    from tests.factories import MunicipalityFactory

    def reminder(municipality, section, created, status="pending"):
        made = StaleReminder.objects.create(
            municipality=municipality, section=section, period="never", status=status
        )
        StaleReminder.objects.filter(pk=made.pk).update(created_at=created)

    fresh, old, sent = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    reminder(cast.a, "health", ago(hours=1))
    reminder(cast.a, "schools", ago(hours=2))  # one task sends all of A's
    reminder(fresh, "health", ago(minutes=5))  # its task may be in the queue
    reminder(old, "health", ago(days=3))  # past the cut-off
    reminder(sent, "health", ago(hours=1), status="sent")
    reminder(cast.b, "health", ago(hours=1), status="failed")
    assert municipalities_with_unsent_reminders() == [cast.a.pk]
