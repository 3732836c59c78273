"""Regression tests from a review: nobody's newer answer is silently overwritten, and the
review workflow cannot strand a response."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from portal.accounts.models import Invitation, Membership
from surveys.editions.services import edition_set_status
from surveys.followup.services import response_return
from surveys.models import Answer, Response, SectionAssignment
from surveys.respondent import questions as qtypes
from surveys.respondent.services import response_submit
from tests.surveys.conftest import save_posted


def qd(d):
    q = QueryDict(mutable=True)
    for k, v in d.items():
        if isinstance(v, list):
            q.setlist(k, v)
        else:
            q[k] = v
    return q


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
    v1, fp1 = ans.version, qtypes.fingerprint("Alice", "")
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
    from tests.factories import KeyFiguresFactory

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
    v1, fp1 = ans.version, qtypes.fingerprint(50, "")
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


def _inputs(html, name):
    out = {}
    for m in re.finditer(rf'<input[^>]*name="({re.escape(name)}[^"]*)"[^>]*value="([^"]*)"', html):
        out[m.group(1)] = m.group(2)
    return out


def test_the_conflict_page_does_not_revert_an_untouched_colleague_change(client, cast, edition):
    a = cast.a
    save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=a,
        data=qd({"q-contact_name": "Alice", "q-advice": "x"}),
        keys=["contact_name", "advice"],
    )
    fa, fx = qtypes.fingerprint("Alice", ""), qtypes.fingerprint("x", "")
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
    fa = qtypes.fingerprint("Alice", "")
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
    print(body["status"], body["version"], body["fingerprint"] == qtypes.fingerprint("Bob", ""))
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


def test_an_invitation_is_accepted_only_by_its_address(client, cast):
    inv = Invitation.objects.create(
        municipality=cast.a,
        email="new.person@kristiansand.kommune.no",
        role="editor",
        invited_by=cast.signatory_a,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    client.force_login(cast.editor_b)  # editor_b@example.no, not the invited address
    client.post(f"/konto/invitation/{inv.token}/")
    assert not Membership.objects.filter(user=cast.editor_b, municipality=cast.a).exists()


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
        response_return(actor=cast.adviser_a, response=response, message="fix q")
    response.refresh_from_db()
    assert response.status == "submitted"
