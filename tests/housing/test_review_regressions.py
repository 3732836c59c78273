"""Regression tests from a review of the housing app."""

from django.core import mail

from housing import search, selectors, services
from housing.mailing import send_stale_reminders
from housing.models import HousingLine, StaleReminder
from portal.municipalities.models import KeyFigures
from tests.housing.conftest import age, contact, line


def test_blank_rows_in_an_upload_do_not_drop_lines(cast):
    line(cast.a, reference="OLD")
    rows = ["reference;tenure;rooms;units"]
    for i in range(3000):
        rows.append(f"R{i};municipal_rental;3;1")
        rows.append("")  # a blank separator line after every line
    content = ("\r\n".join(rows) + "\r\n").encode()
    report = services.housing_lines_upload(
        actor=cast.editor_a, municipality=cast.a, content=content, filename="x.csv"
    )
    assert report.ok, report.errors[:3]
    assert HousingLine.objects.filter(municipality=cast.a).count() == 3000


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
    send_stale_reminders(municipality_id=cast.a.pk)
    assert not any("transport" in m.body.lower() for m in mail.outbox)
    assert StaleReminder.objects.get(municipality=cast.a, section="transport").status == "failed"


def test_remaining_is_the_same_in_the_search_and_the_profile(cast):
    KeyFigures.objects.update_or_create(
        municipality=cast.a, year=2025, defaults={"decided": 10, "settled": None}
    )
    result = search.settlement_search(user=cast.officer, criteria=search.SearchCriteria())
    row = next(r for r in result.rows if r.municipality == cast.a)
    assert row.remaining == selectors.latest_key_figures(cast.a).remaining == 10
