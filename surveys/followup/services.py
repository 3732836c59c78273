"""Writes for the directorate's follow-up: review comments, returning and approving,
notes, deadline extensions and reminders."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.access import Perm, perms_for
from portal.accounts.models import User
from portal.core.audit.services import audit_log
from portal.core.queue import enqueue_each_on_commit
from portal.municipalities.models import Municipality
from surveys.models import (
    DeadlineExtension,
    FollowUp,
    Question,
    Response,
    ReviewComment,
    SurveyEdition,
)
from surveys.respondent.selectors import edition_organisations


def _require(actor: User, municipality: Municipality, perm: Perm) -> None:
    perms = perms_for(actor, municipality)
    if not perms:
        raise Http404
    if perm not in perms:
        raise PermissionDenied


def _log(
    *,
    edition: SurveyEdition,
    municipality: Municipality,
    kind: str,
    actor: User | None,
    text: str = "",
    dispatch_key: str = "",
    status: str = "done",
) -> FollowUp:
    return FollowUp.objects.create(
        edition=edition,
        municipality=municipality,
        kind=kind,
        text=text,
        by=actor,
        dispatch_key=dispatch_key,
        status=status,
    )


def _enqueue_emails(follow_up_ids: list[int]) -> None:
    """Send the follow-ups' e-mails after commit. If the broker is down they stay pending,
    and the sweep (send_unsent_emails) sends them later."""
    enqueue_each_on_commit("surveys.tasks.send_follow_up_email", follow_up_ids)


@transaction.atomic
def review_comment_add(
    *, actor: User, response: Response, question: Question | None, text: str
) -> ReviewComment:
    _require(actor, response.municipality, Perm.FOLLOW_UP)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a comment."))
    if response.status not in (Response.Status.SUBMITTED, Response.Status.RETURNED):
        raise ValidationError(_("Only submitted answers can be commented on."))
    if question is not None and question.edition_id != response.edition_id:
        raise ValidationError(_("The question is not in this survey."))
    comment = ReviewComment.objects.create(
        response=response,
        municipality=response.municipality,
        question=question,
        text=text[:4000],
        author=actor,
    )
    audit_log(
        actor=actor,
        action="survey.comment",
        obj=comment,
        municipality=response.municipality,
        object_label=f"{response.edition.year} {question.key if question else ''}".strip(),
        changes={"comment": [None, text[:200]]},
    )
    return comment


def _set_status(
    *,
    actor: User,
    response: Response,
    new: str,
    allowed_from: tuple[str, ...],
    kind: str,
    text: str,
) -> Response:
    response = (
        Response.objects.select_for_update()
        .select_related("edition", "municipality")
        .get(pk=response.pk)
    )
    _require(actor, response.municipality, Perm.FOLLOW_UP)
    if response.status not in allowed_from:
        raise ValidationError(
            _("The answers are “%(status)s” and cannot be changed that way.")
            % {"status": response.get_status_display()}
        )
    old = response.status
    response.status = new
    response.reviewed_at, response.reviewed_by = timezone.now(), actor
    if new == Response.Status.RETURNED:
        response.receipt_sent_at = None
    response.save(update_fields=["status", "reviewed_at", "reviewed_by", "receipt_sent_at"])
    # Its save state, and those of later editions' responses, whose checks compare with the
    # answers of this one once it is submitted or approved.
    (
        Response.objects.filter(pk=response.pk)
        | Response.objects.filter(edition__year__gt=response.edition.year)
    ).forget_save_states()
    audit_log(
        actor=actor,
        action=f"survey.{new}",
        obj=response,
        municipality=response.municipality,
        changes={"status": [old, new]},
    )
    count = FollowUp.objects.filter(
        edition=response.edition, municipality=response.municipality, kind=kind
    ).count()
    entry = _log(
        edition=response.edition,
        municipality=response.municipality,
        kind=kind,
        actor=actor,
        text=text,
        dispatch_key=f"{kind}-{count + 1}",
        status=FollowUp.Status.PENDING,
    )
    _enqueue_emails([entry.pk])
    return response


@transaction.atomic
def response_return(*, actor: User, response: Response, message: str = "") -> Response:
    """Reopen a submitted response for correction; the municipality is told by e-mail and sees
    the comments next to the questions. Only while the edition is open: a closed edition
    accepts no corrections, so a returned response there could never be submitted again."""
    if response.edition.status != SurveyEdition.Status.OPEN:
        raise ValidationError(
            _("The survey is closed; open it again before returning answers for correction.")
        )
    response = _set_status(
        actor=actor,
        response=response,
        new=Response.Status.RETURNED,
        allowed_from=(Response.Status.SUBMITTED, Response.Status.APPROVED),
        kind=FollowUp.Kind.RETURNED,
        text=message.strip()[:4000],
    )
    if message.strip():
        # The message is e-mailed, and also kept as a general comment, so whoever opens the
        # survey in the portal reads it too.
        ReviewComment.objects.create(
            response=response,
            municipality=response.municipality,
            question=None,
            text=message.strip()[:4000],
            author=actor,
        )
    return response


@transaction.atomic
def response_approve(*, actor: User, response: Response) -> Response:
    return _set_status(
        actor=actor,
        response=response,
        new=Response.Status.APPROVED,
        allowed_from=(Response.Status.SUBMITTED,),
        kind=FollowUp.Kind.APPROVED,
        text="",
    )


@transaction.atomic
def follow_up_note(
    *, actor: User, edition: SurveyEdition, municipality: Municipality, kind: str, text: str
) -> FollowUp:
    """A phone call or a note in the organisation's follow-up log."""
    _require(actor, municipality, Perm.FOLLOW_UP)
    if kind not in (FollowUp.Kind.PHONE, FollowUp.Kind.NOTE):
        raise ValidationError(_("Choose phone call or note."))
    if not text.strip():
        raise ValidationError(_("Write what was said or done."))
    entry = _log(
        edition=edition, municipality=municipality, kind=kind, actor=actor, text=text.strip()[:4000]
    )
    audit_log(
        actor=actor,
        action="survey.follow_up",
        obj=entry,
        municipality=municipality,
        changes={kind: [None, text.strip()[:200]]},
    )
    return entry


@transaction.atomic
def deadline_extend(
    *,
    actor: User,
    edition: SurveyEdition,
    deadline: dt.date,
    municipality: Municipality | None = None,
    reason: str = "",
) -> None:
    """A later deadline for the whole edition (admins) or for one organisation (its adviser too)."""
    if municipality is None:
        if not actor.is_portal_admin:
            raise PermissionDenied
        if deadline < edition.opens:
            raise ValidationError(_("The deadline cannot be before the survey opens."))
        old = edition.deadline
        edition.deadline = deadline
        edition.save(update_fields=["deadline", "updated_at"])
        audit_log(
            actor=actor,
            action="survey.deadline",
            obj=edition,
            changes={"deadline": [old, deadline]},
            source=reason,
        )
        return
    _require(actor, municipality, Perm.FOLLOW_UP)
    if deadline <= edition.deadline:
        raise ValidationError(_("An extension must be later than the survey's deadline."))
    existing = DeadlineExtension.objects.filter(edition=edition, municipality=municipality).first()
    old_value = existing.deadline if existing else edition.deadline
    DeadlineExtension.objects.update_or_create(
        edition=edition,
        municipality=municipality,
        defaults={
            "deadline": deadline,
            "reason": reason[:300],
            "set_by": actor,
            "set_at": timezone.now(),
        },
    )
    _log(
        edition=edition,
        municipality=municipality,
        kind=FollowUp.Kind.DEADLINE,
        actor=actor,
        text=f"{old_value.isoformat()} → {deadline.isoformat()}"
        + (f": {reason}" if reason else ""),
    )
    audit_log(
        actor=actor,
        action="survey.deadline",
        municipality=municipality,
        object_type="deadline extension",
        object_label=f"{edition.year} {municipality}",
        changes={"deadline": [old_value, deadline]},
        source=reason,
    )


@transaction.atomic
def reminders_send_now(
    *, actor: User, edition: SurveyEdition, municipalities: list[Municipality]
) -> int:
    """A manual reminder to each of these organisations that has not submitted."""
    if edition.status != SurveyEdition.Status.OPEN:
        raise ValidationError(_("Reminders can only be sent while the survey is open."))
    batch = uuid.uuid4().hex[:12]
    submitted = set(
        Response.objects.filter(
            edition=edition,
            municipality__in=municipalities,
            status__in=[Response.Status.SUBMITTED, Response.Status.APPROVED],
        ).values_list("municipality_id", flat=True)
    )
    ids = []
    for municipality in municipalities:
        _require(actor, municipality, Perm.FOLLOW_UP)
        if municipality.pk in submitted:
            continue
        entry = _log(
            edition=edition,
            municipality=municipality,
            kind=FollowUp.Kind.MANUAL_REMINDER,
            actor=actor,
            dispatch_key=f"manual-{batch}",
            status=FollowUp.Status.PENDING,
        )
        ids.append(entry.pk)
    _enqueue_emails(ids)
    return len(ids)


def reminders_due(*, edition: SurveyEdition, today: dt.date) -> int:
    """Create (once) and enqueue the automatic reminders due today. Safe to run any number of times:
    each reminder round is one row per organisation, keyed by the number of days before its deadline."""
    if edition.status != SurveyEdition.Status.OPEN or not edition.reminder_days:
        return 0
    organisations = list(edition_organisations(edition))
    submitted = set(
        Response.objects.filter(
            edition=edition, status__in=[Response.Status.SUBMITTED, Response.Status.APPROVED]
        ).values_list("municipality_id", flat=True)
    )
    extensions = dict(
        DeadlineExtension.objects.filter(edition=edition).values_list("municipality_id", "deadline")
    )
    already = set(
        FollowUp.objects.filter(edition=edition, kind=FollowUp.Kind.REMINDER).values_list(
            "municipality_id", "dispatch_key"
        )
    )
    created = []
    with transaction.atomic():
        for municipality in organisations:
            if municipality.pk in submitted:
                continue
            deadline = extensions.get(municipality.pk, edition.deadline)
            # The most recent reminder day that has been reached (and the deadline has not passed).
            due = [
                d
                for d in sorted(edition.reminder_days)
                if deadline - dt.timedelta(days=d) <= today <= deadline
            ]
            if not due:
                continue
            key = f"reminder-{deadline.isoformat()}-{due[0]}"
            if (municipality.pk, key) in already:
                continue
            entry, was_created = FollowUp.objects.get_or_create(
                edition=edition,
                municipality=municipality,
                dispatch_key=key,
                defaults={"kind": FollowUp.Kind.REMINDER, "status": FollowUp.Status.PENDING},
            )
            if was_created:
                created.append(entry.pk)
        _enqueue_emails(created)
    return len(created)
