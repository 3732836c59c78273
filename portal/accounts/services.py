"""Writes to people, memberships and invitations."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.access import INVITABLE_ROLES, Perm, membership_roles, perms_for
from portal.accounts.models import DirectorateRole, Invitation, Membership, MunicipalRole, User
from portal.accounts.selectors import two_factor_required
from portal.core.audit.services import audit_log
from portal.core.queue import enqueue_on_commit
from portal.municipalities.models import Municipality

logger = logging.getLogger(__name__)


def roles_user_may_invite(*, user: User, municipality: Municipality) -> tuple[str, ...]:
    if user.directorate_role == DirectorateRole.ADMIN:
        return tuple(MunicipalRole.values)
    role = membership_roles(user).get(municipality.pk)
    return INVITABLE_ROLES.get(role, ()) if role else ()


def invitation_send_email(*, invitation_id: int) -> bool:
    """Send the invitation e-mail once. Returns False when there is nothing to send.

    The row is claimed with a conditional update, so a retried or duplicated task never sends
    the same invitation twice; if sending fails the claim is released for the retry.
    """
    claimed = Invitation.objects.filter(
        pk=invitation_id, email_sent_at=None, accepted_at=None, revoked_at=None
    ).update(email_sent_at=timezone.now())
    if claimed != 1:
        return False
    invitation = Invitation.objects.select_related("municipality", "invited_by").get(
        pk=invitation_id
    )
    try:
        _send_invitation_email(invitation)
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(email_sent_at=None)
        raise
    return True


def _send_invitation_email(invitation: Invitation) -> None:
    url = settings.PORTAL_BASE_URL + reverse("accounts:invitation_accept", args=[invitation.token])
    with translation.override(invitation.municipality.language):
        context = {
            "invitation": invitation,
            "url": url,
            "role": invitation.get_role_display(),
            "inviter": invitation.invited_by,
        }
        subject = _("Invitation to the municipal reporting portal – %(organisation)s") % {
            "organisation": invitation.municipality.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_create(
    *, actor: User, municipality: Municipality, email: str, role: str
) -> Invitation:
    """Invite a colleague by e-mail. Editors invite editors and viewers; signatories any role."""
    if Perm.INVITE not in perms_for(actor, municipality):
        raise PermissionDenied
    if role not in roles_user_may_invite(user=actor, municipality=municipality):
        raise ValidationError(_("You cannot give that role."), code="role")
    email = User.objects.normalize_email(email).strip()
    if Membership.objects.filter(municipality=municipality, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(organisation)s.")
            % {"email": email, "organisation": municipality.name},
            code="member",
        )
    now = timezone.now()
    # A new invitation to the same address replaces any open one.
    Invitation.objects.filter(
        municipality=municipality, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        municipality=municipality,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=now + settings.INVITATION_VALID_FOR,
    )
    audit_log(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        municipality=municipality,
        changes={"email": [None, email], "role": [None, role]},
    )
    # A broker that is down is logged; the sweep (send_unsent_invitations) sends it later.
    enqueue_on_commit("portal.accounts.tasks.send_invitation", invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    if Perm.INVITE not in perms_for(actor, invitation.municipality):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log(
        actor=actor,
        action="invitation.revoke",
        obj=invitation,
        municipality=invitation.municipality,
        changes={"revoked": [False, True]},
    )


def _claim_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("municipality")
        .filter(token=token)
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError(
            _(
                "This invitation has expired, has been used or was withdrawn. Ask your colleague for a new one."
            ),
            code="invalid",
        )
    return invitation


def _grant(invitation: Invitation, user: User) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, municipality=invitation.municipality, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log(
        actor=user,
        action="membership.create" if created else "invitation.accept",
        obj=membership,
        municipality=invitation.municipality,
        changes={"role": [None, membership.role]} if created else {},
        source=f"invitation from {invitation.invited_by}"
        if invitation.invited_by
        else "invitation",
    )
    return membership


@transaction.atomic
def invitation_accept_existing(*, user: User, token: str) -> Membership:
    """A logged-in person accepts an invitation: they join with the invited role."""
    invitation = _claim_invitation(token)
    if (user.email or "").casefold() != invitation.email.casefold():
        raise ValidationError(
            _(
                "This invitation was sent to another e-mail address. Log in with that account, "
                "or ask your colleague to invite the address you use."
            ),
            code="other_address",
        )
    return _grant(invitation, user)


@transaction.atomic
def invitation_accept_new(
    *, token: str, username: str, first_name: str, last_name: str, password: str
) -> User:
    """A person without an account accepts: the account is created with the invited address."""
    invitation = _claim_invitation(token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            _(
                "An account with this e-mail address already exists. Log in to accept the invitation."
            ),
            code="exists",
        )
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=invitation.email,
        language=invitation.municipality.language,
    )
    user.set_password(password)
    user.save()
    _grant(invitation, user)
    return user


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a colleague. Only signatories and admins; the last signatory cannot be removed."""
    municipality = membership.municipality
    if Perm.SUBMIT not in perms_for(actor, municipality) and not actor.is_portal_admin:
        raise PermissionDenied
    if (
        membership.role == MunicipalRole.SIGNATORY
        and not Membership.objects.filter(municipality=municipality, role=MunicipalRole.SIGNATORY)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(
            _("The last signatory cannot be removed. Invite a new signatory first.")
        )
    audit_log(
        actor=actor,
        action="membership.delete",
        obj=membership,
        municipality=municipality,
        changes={"role": [membership.role, None]},
    )
    membership.delete()


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Two-factor authentication (TOTP, an authenticator app) -------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a six-digit code: ``ok``, or why not."""

    ok: bool
    locked_until: dt.datetime | None = None


# Wrong codes in a row that make the wait longer (1, 2, 4 … seconds); past it the wait stays
# at 2**8 s, about four minutes: slow enough against guessing (three codes of a million are
# right at any moment), short enough that a few wrong codes do not lock a person out for days.
CODE_FAILURES_COUNTED = 9


def _check_code(device, token: str) -> CodeCheck:
    """Check a code against the device, locked for the check: concurrent tries are counted one
    after the other, and a code is accepted once (the device remembers the last time step)."""
    device = type(device).objects.select_for_update().get(pk=device.pk)
    if device.throttling_failure_count > CODE_FAILURES_COUNTED:
        device.throttling_failure_count = CODE_FAILURES_COUNTED
    allowed, info = device.verify_is_allowed()
    if not allowed:
        logger.warning("two_factor: user %s tried a code while made to wait", device.user_id)
        return CodeCheck(ok=False, locked_until=(info or {}).get("locked_until"))
    if device.verify_token(token):
        return CodeCheck(ok=True)
    logger.warning(
        "two_factor: wrong code for user %s (%s in a row)",
        device.user_id,
        device.throttling_failure_count,
    )
    return CodeCheck(ok=False)


def totp_device_pending(*, user: User, pending_id: int | None = None):
    """The device shown while setting up the app, not yet confirmed. The same one while the
    person who asked for it (``pending_id``, kept in their session) reloads the page; anyone
    else gets a new key, and the old one stops working, so a key seen by someone who had only
    the password is of no use once the person sets up the app themselves."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    unconfirmed = TOTPDevice.objects.filter(user=user, confirmed=False)
    if pending_id is not None:
        device = unconfirmed.filter(pk=pending_id).first()
        if device is not None:
            return device
    unconfirmed.delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app")[:64], confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device, token: str) -> CodeCheck:
    """Confirm the device with a first code from the app; it then replaces any other. The
    person is told by e-mail, so a set-up they did not make does not go unnoticed."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    check = _check_code(device, token)
    if check.ok:
        type(device).objects.filter(user=user).exclude(pk=device.pk).delete()
        type(device).objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        audit_log(actor=user, action="two_factor.enrolled", obj=user)
        _notify_two_factor(user, "enrolled")
    return check


@transaction.atomic
def totp_verify(*, user: User, device, token: str) -> CodeCheck:
    if device.user_id != user.pk or not device.confirmed:
        raise PermissionDenied
    return _check_code(device, token)


def _notify_two_factor(user: User, event: str) -> None:
    if user.email:
        enqueue_on_commit("portal.accounts.tasks.send_two_factor_notice", user.pk, event)


TWO_FACTOR_EVENTS = ("enrolled", "reset", "recovery_code_used")


def two_factor_notice_send(*, user_id: int, event: str) -> bool:
    """E-mail the person that two-factor authentication was set up or reset on their account."""
    if event not in TWO_FACTOR_EVENTS:
        raise ValueError(event)
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    with translation.override(user.language):
        subject = {
            "enrolled": _("Two-factor authentication was set up on your account"),
            "reset": _("Two-factor authentication was reset on your account"),
            "recovery_code_used": _("A recovery code was used to log in to your account"),
        }[event]
        body = render_to_string(
            "accounts/email/two_factor_notice.txt",
            {
                "user": user,
                "event": event,
                "url": settings.PORTAL_BASE_URL + reverse("accounts:login"),
            },
        )
    send_mail(subject, body, None, [user.email])
    return True


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> int:
    """Remove a person's authenticator devices and recovery codes (a lost or replaced phone): at
    the next log-in they set up the app again and get a new set of codes. Only the directorate's administrators may do this."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor.directorate_role != DirectorateRole.ADMIN and not actor.is_superuser:
        raise PermissionDenied
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    codes = StaticToken.objects.filter(device__user=user).count()
    StaticDevice.objects.filter(user=user).delete()  # the recovery codes go with the app
    audit_log(
        actor=actor,
        action="two_factor.reset",
        obj=user,
        changes={"devices": [removed, 0], "recovery_codes": [codes, 0]},
    )
    _notify_two_factor(user, "reset")
    return removed


# --- Recovery codes (django-otp's static device) -------------------------------------------

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# Lower-case letters and digits without the ones easily mistaken for each other (0/o, 1/l/i):
# 31 symbols, so a code carries about 49 bits, and each wrong try makes the next one wait.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# At this many codes left or fewer, the person is urged to make a new set.
RECOVERY_CODES_FEW = 3


def recovery_code_display(code: str) -> str:
    """A stored code as it is shown and printed: two groups of five, ``abcde-fghjk``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def recovery_code_normalise(typed: str) -> str:
    """What a person types, as the code is stored: without spaces and dashes, lower case."""
    return "".join(ch for ch in typed if not ch.isspace() and ch not in "-‐‑–").lower()


def recovery_code_well_formed(code: str) -> bool:
    return len(code) == RECOVERY_CODE_LENGTH and all(ch in RECOVERY_CODE_ALPHABET for ch in code)


@transaction.atomic
def recovery_codes_create(*, user: User) -> list[str]:
    """A new set of one-use recovery codes for the person; any earlier set stops working.
    Returns the codes for showing once (as they are printed, ``abcde-fghjk``)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    if not two_factor_required(user):
        raise PermissionDenied
    devices = StaticDevice.objects.select_for_update().filter(user=user).order_by("id")
    device = devices.first()
    if device is None:
        device = StaticDevice.objects.create(
            user=user, name=_("Recovery codes")[:64], confirmed=True
        )
    else:
        devices.exclude(pk=device.pk).delete()
    before = StaticToken.objects.filter(device__user=user).count()
    StaticToken.objects.filter(device=device).delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(
            "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        )
    ordered = sorted(codes)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in ordered)
    audit_log(
        actor=user,
        action="two_factor.recovery_codes_created",
        obj=user,
        changes={"recovery_codes": [before, len(ordered)]},
    )
    return [recovery_code_display(code) for code in ordered]


@dataclass(frozen=True)
class RecoveryCodeCheck(CodeCheck):
    """The outcome of checking a recovery code; ``remaining``: unused codes after it."""

    remaining: int = 0


@transaction.atomic
def recovery_code_verify(*, user: User, device, token: str) -> RecoveryCodeCheck:
    """Log in with a recovery code instead of the app's: a right code is used up (the device is
    locked for the check, so two tries with the same code let one in), a wrong one makes the
    next try wait, as for the app's codes. The person is told by e-mail."""
    from django_otp.plugins.otp_static.models import StaticToken

    if device.user_id != user.pk or not device.confirmed:
        raise PermissionDenied
    check = _check_code(device, recovery_code_normalise(token))
    remaining = StaticToken.objects.filter(device__user=user).count()
    if check.ok:
        audit_log(
            actor=user,
            action="two_factor.recovery_code_used",
            obj=user,
            changes={"recovery_codes": [remaining + 1, remaining]},
        )
        _notify_two_factor(user, "recovery_code_used")
    return RecoveryCodeCheck(ok=check.ok, locked_until=check.locked_until, remaining=remaining)
