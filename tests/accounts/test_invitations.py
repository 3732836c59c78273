"""Municipal signatories and editors invite colleagues of their own municipality by e-mail."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from portal.accounts.models import Invitation, Membership, User
from portal.core.audit.models import AuditEntry
from tests.broker import ago, broker_down, queue_warnings


def _invite(client, cast, who, email="ny.kollega@kristiansand.kommune.no", role="viewer"):
    client.force_login(getattr(cast, who))
    return client.post(f"/kommune/{cast.a.number}/personer/", {"email": email, "role": role})


def _token():
    return Invitation.objects.get(accepted_at=None, revoked_at=None).token


def test_editor_invites_a_new_colleague_who_creates_an_account(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, cast, "editor_a", role="editor")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ny.kollega@kristiansand.kommune.no"]
    assert "Kristiansand" in message.subject
    token = _token()
    assert f"/konto/invitation/{token}/" in message.body
    assert AuditEntry.objects.filter(action="invitation.create", municipality=cast.a).exists()

    client.logout()
    page = client.get(f"/konto/invitation/{token}/")
    assert page.status_code == 200
    response = client.post(
        f"/konto/invitation/{token}/",
        {
            "first_name": "Nina",
            "last_name": "Ny",
            "username": "nina",
            "password1": "Sommerfugl-i-vinterland-77",
            "password2": "Sommerfugl-i-vinterland-77",
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.email == "ny.kollega@kristiansand.kommune.no"
    assert Membership.objects.get(user=nina).role == "editor"
    assert client.session["_auth_user_id"] == str(nina.pk)
    # The link is used up.
    assert client.get(f"/konto/invitation/{token}/").status_code == 410


def test_existing_user_accepts_while_logged_in(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast, "signatory_a", email=cast.editor_b.email, role="viewer")
    token = _token()
    client.force_login(cast.editor_b)
    response = client.post(f"/konto/invitation/{token}/")
    assert response.status_code == 302
    assert Membership.objects.get(user=cast.editor_b, municipality=cast.a).role == "viewer"
    # editor_b now sees A.
    assert client.get(f"/kommune/{cast.a.number}/").status_code == 200


def test_editor_cannot_hand_out_the_signatory_role(client, cast):
    response = _invite(client, cast, "editor_a", role="signatory")
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert not Invitation.objects.exists()


def test_signatory_can_invite_a_signatory(client, cast):
    assert _invite(client, cast, "signatory_a", role="signatory").status_code == 302
    assert Invitation.objects.get().role == "signatory"


def test_viewer_cannot_invite(client, cast):
    assert _invite(client, cast, "viewer_a").status_code == 403
    assert not Invitation.objects.exists()


def test_editor_of_another_municipality_gets_404(client, cast):
    assert _invite(client, cast, "editor_b").status_code == 404
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(client, cast):
    response = _invite(client, cast, "editor_a", email=cast.viewer_a.email.upper())
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_bad_email_is_refused(client, cast):
    response = _invite(client, cast, "editor_a", email="not-an-address")
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_a_new_invitation_replaces_the_open_one(client, cast):
    _invite(client, cast, "editor_a")
    _invite(client, cast, "editor_a", role="editor")
    open_ones = [i for i in Invitation.objects.all() if i.is_open]
    assert len(open_ones) == 1 and open_ones[0].role == "editor"


def test_expired_or_revoked_invitation_cannot_be_used(client, cast):
    _invite(client, cast, "editor_a")
    invitation = Invitation.objects.get()
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()
    client.logout()
    assert client.get(f"/konto/invitation/{invitation.token}/").status_code == 410
    response = client.post(
        f"/konto/invitation/{invitation.token}/",
        {
            "first_name": "X",
            "last_name": "Y",
            "username": "xy",
            "password1": "Sommerfugl-77-x",
            "password2": "Sommerfugl-77-x",
        },
    )
    assert response.status_code == 410
    assert not User.objects.filter(username="xy").exists()


def test_unknown_token_is_404(client, db):
    assert client.get("/konto/invitation/not-a-token/").status_code == 404


def test_new_account_form_errors(client, cast):
    _invite(client, cast, "editor_a")
    token = _token()
    client.logout()
    response = client.post(
        f"/konto/invitation/{token}/",
        {
            "first_name": "A",
            "last_name": "B",
            "username": "editor_a",
            "password1": "short",
            "password2": "other",
        },
    )
    form = response.context["form"]
    assert "username" in form.errors and "password2" in form.errors
    assert Invitation.objects.get().accepted_at is None


def test_revoke(client, cast):
    _invite(client, cast, "editor_a")
    invitation = Invitation.objects.get()
    response = client.post(
        f"/kommune/{cast.a.number}/personer/invitasjon/{invitation.pk}/trekk-tilbake/"
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_revoke_of_another_municipalitys_invitation_is_404(client, cast):
    other = Invitation.objects.create(
        municipality=cast.b,
        email="x@example.no",
        role="viewer",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(cast.editor_a)
    response = client.post(
        f"/kommune/{cast.a.number}/personer/invitasjon/{other.pk}/trekk-tilbake/"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_signatory_removes_a_colleague_but_not_the_last_signatory(client, cast):
    client.force_login(cast.signatory_a)
    viewer_membership = cast.viewer_a.memberships.get()
    assert (
        client.post(f"/kommune/{cast.a.number}/personer/{viewer_membership.pk}/fjern/").status_code
        == 302
    )
    assert not Membership.objects.filter(pk=viewer_membership.pk).exists()
    assert AuditEntry.objects.filter(action="membership.delete").exists()

    client.force_login(cast.admin)
    own = cast.signatory_a.memberships.get()
    response = client.post(f"/kommune/{cast.a.number}/personer/{own.pk}/fjern/", follow=True)
    assert Membership.objects.filter(pk=own.pk).exists()
    assert (
        "signatar" in response.content.decode().lower()
        or "signatory" in response.content.decode().lower()
    )


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_invitation_email_follows_the_municipalitys_written_standard(
    client, cast, lang, django_capture_on_commit_callbacks
):
    cast.a.written_standard = lang
    cast.a.save()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast, "editor_a")
    body = mail.outbox[0].body
    from django.utils import translation

    with translation.override(lang):
        expected = translation.gettext("Accept the invitation here:")
    assert expected in body


def test_invitation_email_task_is_idempotent(client, cast, django_capture_on_commit_callbacks):
    from portal.accounts.tasks import send_invitation

    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast, "editor_a")
    invitation = Invitation.objects.get()
    assert len(mail.outbox) == 1 and invitation.email_sent_at is not None
    assert send_invitation.apply(args=[invitation.pk]).get() is False
    assert send_invitation.apply(args=[invitation.pk]).get() is False
    assert len(mail.outbox) == 1


def test_failed_send_releases_the_claim_for_a_retry(cast, monkeypatch):
    from portal.accounts import services

    invitation = Invitation.objects.create(
        municipality=cast.a,
        email="x@example.no",
        role="viewer",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )

    def fail(_invitation):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(services, "_send_invitation_email", fail)
    with pytest.raises(ConnectionError):
        services.invitation_send_email(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    monkeypatch.undo()
    assert services.invitation_send_email(invitation_id=invitation.pk) is True
    assert len(mail.outbox) == 1


def test_logged_in_user_with_another_address_is_told_and_cannot_join(client, cast):
    _invite(client, cast, "editor_a")
    token = _token()
    client.force_login(cast.editor_b)
    page = client.get(f"/konto/invitation/{token}/")
    assert page.context["mismatch"] is True
    client.post(f"/konto/invitation/{token}/")
    assert not Membership.objects.filter(user=cast.editor_b, municipality=cast.a).exists()


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


# --- the broker (Redis) is down ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_inviting_while_the_broker_is_down_answers_and_the_sweep_sends_it_once(
    client, cast, monkeypatch, caplog
):
    """Committed for real (no captured callbacks): the task is sent inside the request."""
    from portal.accounts.tasks import send_invitation, send_unsent_invitations

    broker = broker_down(monkeypatch, send_invitation)
    response = _invite(client, cast, "editor_a")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.is_open and invitation.email_sent_at is None and mail.outbox == []
    assert AuditEntry.objects.filter(action="invitation.create").count() == 1
    assert broker.refused == [(invitation.pk,)]
    [line] = queue_warnings(caplog)
    assert line.startswith("WARNING queue: the broker did not take")
    assert "send_invitation" in line and "OperationalError" in line

    broker.up = True
    # Within the grace period the sweep leaves it: its task may still be waiting in the queue.
    assert send_unsent_invitations() == 0 and mail.outbox == []
    Invitation.objects.update(created_at=ago(minutes=11))
    assert send_unsent_invitations() == 1
    assert [m.to for m in mail.outbox] == [["ny.kollega@kristiansand.kommune.no"]]
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None
    assert send_unsent_invitations() == 0 and len(mail.outbox) == 1


def test_the_sweep_sends_only_open_unsent_invitations_of_the_last_two_days(cast):
    from portal.accounts.selectors import invitations_unsent
    from portal.accounts.tasks import send_unsent_invitations

    def invitation(email, created, **fields):
        fields.setdefault("expires_at", timezone.now() + dt.timedelta(days=10))
        made = Invitation.objects.create(municipality=cast.a, email=email, role="viewer", **fields)
        Invitation.objects.filter(pk=made.pk).update(created_at=created)
        return made

    due = invitation("due@example.no", ago(hours=1))
    invitation("fresh@example.no", ago(minutes=5))  # its task may be in the queue
    invitation("old@example.no", ago(days=3))  # past the cut-off: not tried for ever
    invitation("sent@example.no", ago(hours=1), email_sent_at=ago(hours=1))
    invitation("expired@example.no", ago(hours=1), expires_at=ago(minutes=1))
    invitation("withdrawn@example.no", ago(hours=1), revoked_at=ago(minutes=30))
    invitation("accepted@example.no", ago(hours=1), accepted_at=ago(minutes=30))
    assert invitations_unsent() == [due.pk]
    assert send_unsent_invitations() == 1
    assert [m.to for m in mail.outbox] == [["due@example.no"]]
    assert invitations_unsent() == [] and send_unsent_invitations() == 0
