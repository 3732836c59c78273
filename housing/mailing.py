"""The reminder e-mail about sections of the profile that need confirming.

Sending claims the municipality's pending reminders first (a conditional update that stamps them
with a claim token), so a retried or duplicated task never sends the same reminder twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from housing.models import ContactArea, ContactPerson, ProfileSection, StaleReminder
from housing.presenters import SectionStatus
from housing.sections import SECTION_ORDER
from housing.selectors import reminder_period
from portal.accounts.models import Membership, MunicipalRole
from portal.municipalities.models import Municipality


def recipients_by_section(municipality: Municipality) -> dict[str, list[str]]:
    """Who is reminded about each section: its contact persons; else the general contact
    persons; else the municipality's editors and signatories; else its post box."""
    contacts: dict[str, set[str]] = defaultdict(set)
    for area, email in (
        ContactPerson.objects.filter(municipality=municipality)
        .exclude(email="")
        .values_list("area", "email")
    ):
        contacts[area].add(email.lower())
    editors = set(
        Membership.objects.filter(
            municipality=municipality,
            role__in=[MunicipalRole.EDITOR, MunicipalRole.SIGNATORY],
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    fallback = editors or ({municipality.email} if municipality.email else set())
    out = {}
    for key in SECTION_ORDER:
        chosen = contacts.get(key) or contacts.get(ContactArea.GENERAL) or fallback
        out[key] = sorted(chosen)
    return out


def send_stale_reminders(*, municipality_id: int) -> int:
    """Send the municipality's pending reminders, one e-mail per group of recipients.

    Returns the number of e-mails sent. Running it again sends nothing.
    """
    token = uuid.uuid4().hex
    claimed = StaleReminder.objects.filter(
        municipality_id=municipality_id, status=StaleReminder.Status.PENDING
    ).update(status=StaleReminder.Status.SENDING, claim=token)
    if not claimed:
        return 0
    reminders = list(StaleReminder.objects.filter(claim=token, status=StaleReminder.Status.SENDING))
    municipality = Municipality.objects.get(pk=municipality_id)
    try:
        sent = _send(municipality, reminders)
    except Exception:
        StaleReminder.objects.filter(claim=token, status=StaleReminder.Status.SENDING).update(
            status=StaleReminder.Status.PENDING, claim=""
        )
        raise
    return sent


def _send(municipality: Municipality, reminders: list[StaleReminder]) -> int:
    now = timezone.now()
    by_section = recipients_by_section(municipality)
    sections = {s.key: s for s in ProfileSection.objects.filter(municipality=municipality)}
    # A part confirmed (or changed) since the reminder was queued is no longer stale: drop it.
    current = []
    for reminder in reminders:
        section = sections.get(reminder.section)
        if reminder_period(section.last_confirmed_at if section else None) == reminder.period:
            current.append(reminder)
    obsolete = [r.pk for r in reminders if r not in current]
    if obsolete:
        StaleReminder.objects.filter(pk__in=obsolete).update(
            status=StaleReminder.Status.FAILED, recipients="confirmed before it was sent"
        )
    groups: dict[tuple[str, ...], list[StaleReminder]] = defaultdict(list)
    for reminder in current:
        groups[tuple(by_section.get(reminder.section, []))].append(reminder)
    sent = 0
    for to, group in groups.items():
        ids = [r.pk for r in group]
        if not to:
            StaleReminder.objects.filter(pk__in=ids).update(
                status=StaleReminder.Status.FAILED, recipients=""
            )
            continue
        statuses = sorted(
            (SectionStatus.from_section(r.section, sections.get(r.section), now) for r in group),
            key=lambda s: SECTION_ORDER.index(s.key),
        )
        with translation.override(municipality.language):
            url = settings.PORTAL_BASE_URL + reverse("housing:profile", args=[municipality.number])
            body = render_to_string(
                "housing/email/stale_reminder.txt",
                {"municipality": municipality, "statuses": statuses, "url": url},
            )
            subject = _("Please confirm your profile for IMDi – %(organisation)s") % {
                "organisation": municipality.name
            }
            EmailMessage(subject, body, to=list(to)).send()
        StaleReminder.objects.filter(pk__in=ids).update(
            status=StaleReminder.Status.SENT, sent_at=timezone.now(), recipients=", ".join(to)
        )
        sent += 1
    return sent
