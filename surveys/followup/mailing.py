"""E-mails of the survey's follow-up: launch, reminders, returned, approved. Each is a FollowUp
row; sending claims the row first, so a retried or duplicated task never sends twice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import Membership, MunicipalRole
from surveys.followup.status import effective_deadline
from surveys.models import FollowUp

TEMPLATES: dict[str, str] = {
    FollowUp.Kind.LAUNCH: "surveys/email/launch.txt",
    FollowUp.Kind.REMINDER: "surveys/email/reminder.txt",
    FollowUp.Kind.MANUAL_REMINDER: "surveys/email/reminder.txt",
    FollowUp.Kind.RETURNED: "surveys/email/returned.txt",
    FollowUp.Kind.APPROVED: "surveys/email/approved.txt",
}
REMINDER_KINDS = (FollowUp.Kind.REMINDER, FollowUp.Kind.MANUAL_REMINDER)


def _subject(entry: FollowUp) -> str:
    values = {"survey": entry.edition.title_text, "organisation": entry.municipality.name}
    if entry.kind == FollowUp.Kind.LAUNCH:
        return _("%(survey)s is open – %(organisation)s") % values
    if entry.kind in REMINDER_KINDS:
        return _("Reminder: %(survey)s – %(organisation)s") % values
    if entry.kind == FollowUp.Kind.RETURNED:
        return _("Returned for correction: %(survey)s – %(organisation)s") % values
    return _("Approved: %(survey)s – %(organisation)s") % values


def recipients(entry: FollowUp) -> tuple[list[str], bool]:
    """(addresses, whether the head of administration is copied)."""
    members = Membership.objects.filter(
        municipality=entry.municipality,
        role__in=[MunicipalRole.SIGNATORY, MunicipalRole.EDITOR],
        user__is_active=True,
    ).exclude(user__email="")
    emails = set(members.values_list("user__email", flat=True))
    to_head = False
    if entry.kind in REMINDER_KINDS and entry.municipality.head_email:
        earlier = (
            FollowUp.objects.filter(
                edition=entry.edition,
                municipality=entry.municipality,
                kind__in=REMINDER_KINDS,
                status=FollowUp.Status.SENT,
            )
            .exclude(pk=entry.pk)
            .count()
        )
        if earlier >= entry.edition.reminders_before_head:
            emails.add(entry.municipality.head_email)
            to_head = True
    if not emails and entry.municipality.email:
        emails.add(entry.municipality.email)
    return sorted(emails), to_head


def send_follow_up_email(*, follow_up_id: int) -> bool:
    claimed = FollowUp.objects.filter(pk=follow_up_id, status=FollowUp.Status.PENDING).update(
        status=FollowUp.Status.SENT, sent_at=timezone.now()
    )
    if claimed != 1:
        return False
    entry = FollowUp.objects.select_related("edition", "municipality").get(pk=follow_up_id)
    try:
        to, to_head = recipients(entry)
        if not to:
            FollowUp.objects.filter(pk=entry.pk).update(
                status=FollowUp.Status.FAILED, recipients="", text=entry.text or "no e-mail address"
            )
            return False
        with translation.override(entry.municipality.language):
            url = settings.PORTAL_BASE_URL + reverse(
                "surveys:overview", args=[entry.municipality.number, entry.edition.year]
            )
            body = render_to_string(
                TEMPLATES[entry.kind],
                {
                    "entry": entry,
                    "edition": entry.edition,
                    "municipality": entry.municipality,
                    "deadline": effective_deadline(entry.edition, entry.municipality),
                    "url": url,
                    "to_head": to_head,
                },
            )
            EmailMessage(_subject(entry), body, to=to).send()
    except Exception:
        FollowUp.objects.filter(pk=follow_up_id).update(
            status=FollowUp.Status.PENDING, sent_at=None
        )
        raise
    FollowUp.objects.filter(pk=entry.pk).update(recipients=", ".join(to), to_head=to_head)
    return True
