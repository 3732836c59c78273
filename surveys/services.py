"""Writes for the survey: definitions, answers, assignments, submission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.access import Perm, perms_for
from portal.accounts.models import User
from portal.audit.services import audit_log, audit_log_many, build_audit_entry
from portal.municipalities.models import Municipality
from portal.queue import enqueue_each_on_commit, enqueue_on_commit
from surveys import questions as qtypes
from surveys.definition import DefinitionError, parse_definition
from surveys.models import (
    Answer,
    DeadlineExtension,
    FollowUp,
    Question,
    Response,
    ReviewComment,
    Section,
    SectionAssignment,
    SettlementCategoryOverride,
    SurveyEdition,
)
from surveys.routing import visible_questions
from surveys.selectors import last_year_answers, survey_state

QUESTION_CONFIG_FIELDS = (
    "options",
    "allow_dont_know",
    "allow_not_relevant",
    "max_choices",
    "rank",
    "min",
    "max",
    "unit",
    "scale",
    "items",
    "max_length",
    "checks",
)


class SurveyClosed(ValidationError):
    pass


def _earlier_question(year: int, key: str) -> dict | None:
    question = Question.objects.filter(edition__year=year, key=key).first()
    if question is None:
        return None
    return {"type": question.type, **question.config}


@transaction.atomic
def edition_import(
    *, actor: User | None, content: bytes | str | dict, source: str = ""
) -> SurveyEdition:
    """Create an edition from a definition document, or replace one that has no answers yet.

    Raises DefinitionError with every problem; nothing is written then.
    """
    definition = parse_definition(content, earlier_question=_earlier_question)
    year = definition["year"]
    edition = SurveyEdition.objects.select_for_update().filter(year=year).first()
    if edition is not None and Answer.objects.filter(response__edition=edition).exists():
        raise DefinitionError(
            [f"year: the {year} edition already has answers and cannot be replaced; use a new year"]
        )
    values = {
        "title": definition["title"],
        "intro": definition.get("intro", {}),
        "opens": dt.date.fromisoformat(definition["opens"]),
        "deadline": dt.date.fromisoformat(definition["deadline"]),
        "previous_year": definition.get("previous_year"),
        "definition": definition,
        "option_mappings": definition.get("option_mappings", []),
    }
    created = edition is None
    if edition is None:
        edition = SurveyEdition.objects.create(year=year, **values)
    else:
        for name, value in values.items():
            setattr(edition, name, value)
        edition.save()
        edition.responses.all().delete()  # responses without answers (only opened pages)
        edition.questions.all().delete()
        edition.sections.all().delete()
    position = 0
    questions = []
    for s_index, section_doc in enumerate(definition["sections"], start=1):
        section = Section.objects.create(
            edition=edition,
            key=section_doc["key"],
            position=s_index,
            title=section_doc["title"],
            intro=section_doc.get("intro", {}),
            show_if=section_doc.get("show_if", {}),
        )
        for question_doc in section_doc["questions"]:
            position += 1
            questions.append(
                Question(
                    edition=edition,
                    section=section,
                    key=question_doc["key"],
                    position=position,
                    type=question_doc["type"],
                    text=question_doc["text"],
                    help=question_doc.get("help", {}),
                    required=question_doc.get("required", False),
                    config={
                        k: question_doc[k] for k in QUESTION_CONFIG_FIELDS if k in question_doc
                    },
                    show_if=question_doc.get("show_if", {}),
                )
            )
    Question.objects.bulk_create(questions)
    audit_log(
        actor=actor,
        action="survey.import" if created else "survey.replace",
        obj=edition,
        object_label=f"{year}",
        changes={
            "questions": [None, len(questions)],
            "sections": [None, len(definition["sections"])],
        },
        source=source,
    )
    return edition


@transaction.atomic
def edition_set_status(*, actor: User | None, edition: SurveyEdition, status: str) -> SurveyEdition:
    if status not in SurveyEdition.Status.values:
        raise ValidationError(_("Unknown status."))
    old = edition.status
    if old == status:
        return edition
    edition.status = status
    edition.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="survey.status", obj=edition, changes={"status": [old, status]})
    return edition


@transaction.atomic
def settlement_category_override(
    *, actor: User, municipality: Municipality, year: int, category: str | None, reason: str = ""
) -> None:
    """Set (or, with category None, remove) an organisation's settlement category for a year."""
    existing = SettlementCategoryOverride.objects.filter(
        municipality=municipality, year=year
    ).first()
    old = existing.category if existing else None
    if category is None:
        if existing:
            existing.delete()
    elif existing:
        existing.category, existing.reason, existing.set_by = category, reason, actor
        existing.set_at = timezone.now()
        existing.save()
    else:
        SettlementCategoryOverride.objects.create(
            municipality=municipality, year=year, category=category, reason=reason, set_by=actor
        )
    if old != category:
        audit_log(
            actor=actor,
            action="survey.category_override",
            municipality=municipality,
            object_type="settlement category",
            object_label=f"{municipality} {year}",
            changes={"settlement_category": [old, category]},
            source=reason,
        )


def response_start(*, actor: User, edition: SurveyEdition, municipality: Municipality) -> Response:
    """The organisation's response to an open edition, created on first use."""
    if edition.status != SurveyEdition.Status.OPEN:
        raise SurveyClosed(_("The survey is not open for answers."))
    if Perm.EDIT not in perms_for(actor, municipality):
        raise PermissionDenied
    response, _created = Response.objects.get_or_create(edition=edition, municipality=municipality)
    return response


@dataclass
class Conflict:
    question: Question
    theirs: Any
    theirs_display: str
    yours_display: str
    by: str
    at: dt.datetime
    version: int


@dataclass
class SaveResult:
    saved: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    submitted: dict[str, tuple[Any, str]] = field(default_factory=dict)  # what the user sent
    refused: str = ""
    # After a successful save: every current answer, what is now shown, and the progress.
    answers: dict[str, Answer] = field(default_factory=dict)
    visible: set[str] = field(default_factory=set)
    answered: int = 0
    total: int = 0
    section_progress: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.conflicts or self.refused)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@transaction.atomic
def answers_save(
    *,
    actor: User,
    edition: SurveyEdition,
    municipality: Municipality,
    data: Any,
    keys: list[str],
    copy_last_year: str = "",
) -> SaveResult:
    """Save the answers to ``keys`` from submitted form data: all of them, or none.

    A question is saved only if the person changed it (the form carries each value's fingerprint)
    or it is sent alone (autosave). If someone else saved a different value since the form was
    loaded (its version moved on), nothing is saved and both values are returned. Answers to
    questions the organisation cannot see are refused.
    """
    result = SaveResult()
    if edition.status != SurveyEdition.Status.OPEN:
        result.refused = _("The survey is closed; answers can no longer be changed.")
        return result
    if Perm.EDIT not in perms_for(actor, municipality):
        raise PermissionDenied
    response, _created = Response.objects.select_for_update().get_or_create(
        edition=edition, municipality=municipality
    )
    if response.is_locked:
        result.refused = _("The answers have been submitted and can no longer be changed.")
        return result

    # The response row is locked: saves to one response are serialised, so comparing versions
    # and writing cannot interleave with a colleague's save.
    state = survey_state(edition, municipality, response=response, with_people=False)
    by_key = {q.key: q for q in state.questions}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        result.refused = _("The answer is to a question that is not in this survey.")
        return result
    needs_last_year = bool(copy_last_year) or any(
        "last_year" in check
        for k in keys
        if k in by_key
        for check in by_key[k].config.get("checks", [])
    )
    last_year = last_year_answers(edition, municipality) if needs_last_year else None

    new_values = state.values()
    parsed: dict[str, tuple[Any, str]] = {}
    for key in keys:
        question = by_key[key]
        try:
            if key == copy_last_year and last_year and key in last_year.answers:
                value, other = last_year.answers[key]
                value, other = _revalidate(question, value, other)
            else:
                value, other = qtypes.parse(question, data)
        except qtypes.AnswerInvalid as exc:
            result.errors[key] = str(exc)
            result.submitted[key] = (None, "")
            continue
        parsed[key] = (value, other)
        result.submitted[key] = (value, other)
        new_values[key] = value

    # What may be answered: questions visible before or after this change.
    _sections, visible_after = visible_questions(
        state.sections, state.questions, state.org, new_values
    )
    for key in keys:
        if key not in state.visible and key not in visible_after:
            result.refused = _(
                "The answer is to a question that is not shown to your organisation."
            )
            return result
    if result.errors:
        return result

    now = timezone.now()
    to_write: list[tuple[Question, Answer | None, Any, str, str, bool, str]] = []
    for key, (value, other) in parsed.items():
        question = by_key[key]
        stored = state.answers.get(key)
        stored_value = stored.value if stored else None
        stored_other = stored.other_text if stored else ""
        explanation = (data.get(qtypes.field_name(question, "explanation")) or "").strip()[:2000]
        confirmed = bool(data.get(qtypes.field_name(question, "confirm")))
        changed = (value, other) != (stored_value, stored_other)
        posted_version = _int(data.get(qtypes.field_name(question, "version")))
        current_version = stored.version if stored else 0
        fingerprint = data.get(qtypes.field_name(question, "orig"))
        if (
            fingerprint is not None
            and fingerprint == qtypes.fingerprint(value, other)
            and key != copy_last_year
        ):
            # The person did not touch the value: a colleague's newer value stands.
            if stored is None or (
                explanation == stored.explanation and confirmed == stored.confirmed
            ):
                continue
            if posted_version != current_version:
                # Only the explanation or confirmation changed, on an answer a colleague has
                # changed since: show them both rather than attach it to a value not seen.
                changed = True
            else:
                value, other = stored_value, stored_other
        if not changed and (
            (stored is None and value is None and not explanation)
            or (
                stored is not None
                and explanation == stored.explanation
                and confirmed == stored.confirmed
            )
        ):
            continue  # nothing to write
        if changed and posted_version != current_version and stored is not None:
            result.conflicts[key] = Conflict(
                question=question,
                theirs=stored_value,
                theirs_display=qtypes.display(question, stored_value, stored_other),
                yours_display=qtypes.display(question, value, other),
                by=str(stored.updated_by) if stored.updated_by else "",
                at=stored.updated_at,
                version=current_version,
            )
            continue
        if key not in visible_after:
            continue  # hidden by this very change: kept as it was until submission
        last = last_year.answers.get(key, (None, ""))[0] if last_year else None
        warning = qtypes.plausibility_warning(question, value, state.org, last)
        if warning:
            result.warnings[key] = warning
        to_write.append(
            (question, stored, value, other, explanation, confirmed and bool(warning), warning)
        )
    if result.conflicts:
        return result

    entries = []
    written: list[tuple[Question, Answer]] = []
    for question, stored, value, other, explanation, confirmed, warning in to_write:
        if stored is None:
            stored = Answer(
                response=response, municipality=municipality, question=question, version=0
            )
            old_value = None
        else:
            old_value = stored.value
        value_changed = (value, other) != (old_value, stored.other_text if stored.pk else "")
        stored.value, stored.other_text = value, other
        stored.explanation, stored.confirmed, stored.warning = explanation, confirmed, warning
        stored.version += 1
        stored.updated_at, stored.updated_by = now, actor
        stored.save()
        written.append((question, stored))
        result.saved.append(question.key)
        if value_changed:
            entries.append(
                build_audit_entry(
                    actor=actor,
                    action="answer.save",
                    municipality=municipality,
                    object_type="survey answer",
                    object_label=f"{edition.year} {question.key}",
                    changes={question.key: [old_value, value]},
                )
            )
    if result.saved:
        response.last_activity_at, response.last_activity_by = now, actor
        response.last_section_id = by_key[result.saved[-1]].section_id
        response.save(update_fields=["last_activity_at", "last_activity_by", "last_section"])
        audit_log_many(entries)
    # What the page shows now, from the state already loaded (no further queries).
    current = dict(state.answers)
    for question, answer in written:
        current[question.key] = answer
    values = {k: a.value for k, a in current.items() if a is not None}
    _sections, visible = visible_questions(state.sections, state.questions, state.org, values)
    answered_keys = {k for k in visible if values.get(k) is not None}
    result.answers, result.visible = current, visible
    result.answered, result.total = len(answered_keys), len(visible)
    for question in state.questions:
        if question.key in visible:
            a, t = result.section_progress.get(question.section_id, (0, 0))
            result.section_progress[question.section_id] = (
                a + (question.key in answered_keys),
                t + 1,
            )
    return result


def _revalidate(question: Question, value: Any, other: str) -> tuple[Any, str]:
    """Last year's (mapped) value, checked against this year's question like a typed one."""
    data: dict[str, Any] = {qtypes.field_name(question, "other"): other}
    name = qtypes.field_name(question)
    if question.type == "multi":
        data[name] = value if isinstance(value, list) else [value]
    elif question.type == "rank":
        for index, key in enumerate(value or [], start=1):
            data[qtypes.field_name(question, str(index))] = key
    elif question.type == "scale_grid":
        for item, point in (value or {}).items():
            data[qtypes.field_name(question, item)] = str(point)
    elif question.type in ("integer", "percent") and value == qtypes.DONT_KNOW:
        data[qtypes.field_name(question, "dk")] = "1"
    else:
        data[name] = "" if value is None else str(value)
    return qtypes.parse(question, _MultiDict(data))


class _MultiDict(dict):
    def getlist(self, key: str) -> list:
        value = self.get(key)
        return value if isinstance(value, list) else ([] if value is None else [value])


@transaction.atomic
def section_assign(
    *, actor: User, response: Response, section: Section, assignee: User | None, unit: str = ""
) -> SectionAssignment | None:
    """Give a section to a colleague of the organisation or to a unit; both empty removes it."""
    if Perm.EDIT not in perms_for(actor, response.municipality):
        raise PermissionDenied
    if response.is_locked:
        raise ValidationError(
            _("The answers have been submitted; sections can no longer be assigned.")
        )
    if assignee is not None and Perm.EDIT not in perms_for(assignee, response.municipality):
        raise ValidationError(_("The person must be an editor or signatory of the organisation."))
    existing = SectionAssignment.objects.filter(response=response, section=section).first()
    old = (str(existing.assignee or "") or existing.unit) if existing else None
    if assignee is None and not unit.strip():
        if existing:
            existing.delete()
        new = None
        assignment = None
    else:
        assignment = existing or SectionAssignment(
            response=response, municipality=response.municipality, section=section
        )
        assignment.assignee, assignment.unit = assignee, unit.strip()[:120]
        assignment.assigned_by, assignment.assigned_at = actor, timezone.now()
        assignment.save()
        new = str(assignee or "") or assignment.unit
    if old != new:
        audit_log(
            actor=actor,
            action="survey.assign",
            municipality=response.municipality,
            object_type="section assignment",
            object_label=f"{response.edition.year} {section.key}",
            changes={"assigned_to": [old, new]},
        )
    return assignment


@transaction.atomic
def response_submit(
    *, actor: User, response: Response, on_behalf_of: str, confirmed: bool
) -> Response:
    """The signatory submits: hidden answers are discarded, the response is locked, a receipt
    is sent to the signatory and the organisation's editors."""
    response = (
        Response.objects.select_for_update()
        .select_related("edition", "municipality")
        .get(pk=response.pk)
    )
    municipality = response.municipality
    if Perm.SUBMIT not in perms_for(actor, municipality):
        raise PermissionDenied
    if response.edition.status != SurveyEdition.Status.OPEN:
        raise SurveyClosed(_("The survey is closed; it can no longer be submitted."))
    if response.is_locked:
        raise ValidationError(_("The answers have already been submitted."))
    if not confirmed:
        raise ValidationError(_("Confirm that you submit on behalf of the head of administration."))
    state = survey_state(response.edition, municipality, response=response)
    if state.warnings():
        raise ValidationError(
            _("Some numbers need to be confirmed or explained before you can submit.")
        )
    hidden = [a.pk for k, a in state.answers.items() if k not in state.visible]
    discarded = Answer.objects.filter(pk__in=hidden).delete()[0] if hidden else 0
    Answer.objects.filter(response=response, value__isnull=True).delete()
    old_status = response.status
    response.status = Response.Status.SUBMITTED
    response.submitted_at = timezone.now()
    response.submitted_by = actor
    response.submitted_on_behalf_of = on_behalf_of.strip()[:200]
    response.last_activity_at, response.last_activity_by = response.submitted_at, actor
    response.receipt_sent_at = None
    response.save()
    audit_log(
        actor=actor,
        action="survey.submit",
        obj=response,
        municipality=municipality,
        changes={
            "status": [old_status, response.status],
            "discarded_hidden_answers": [None, discarded],
        },
    )
    from surveys.tasks import send_receipt

    # The answers are submitted even if the broker (Redis) is down; that is logged, and the
    # sweep (send_unsent_emails) sends the receipt later.
    enqueue_on_commit(send_receipt, response.pk)
    return response


# --- The directorate's side: review, follow-up, reminders ------------------------------------


def _require(actor: User, municipality: Municipality, perm: Perm) -> None:
    perms = perms_for(actor, municipality)
    if not perms:
        from django.http import Http404

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
    from surveys.tasks import send_follow_up_email

    enqueue_each_on_commit(send_follow_up_email, follow_up_ids)


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
    import uuid

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
    from surveys.followup import edition_organisations

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


@transaction.atomic
def edition_launch(*, actor: User | None, edition: SurveyEdition) -> int:
    """Open the edition and announce it to every organisation's signatory and editors (once)."""
    from surveys.followup import edition_organisations

    edition_set_status(actor=actor, edition=edition, status=SurveyEdition.Status.OPEN)
    if edition.launched_at is not None:
        return 0
    edition.launched_at = timezone.now()
    edition.save(update_fields=["launched_at"])
    existing = set(
        FollowUp.objects.filter(edition=edition, dispatch_key="launch").values_list(
            "municipality_id", flat=True
        )
    )
    entries = [
        FollowUp(
            edition=edition,
            municipality=m,
            kind=FollowUp.Kind.LAUNCH,
            dispatch_key="launch",
            status=FollowUp.Status.PENDING,
            by=actor,
        )
        for m in edition_organisations(edition)
        if m.pk not in existing
    ]
    FollowUp.objects.bulk_create(entries, batch_size=500)
    ids = list(
        FollowUp.objects.filter(
            edition=edition, dispatch_key="launch", status=FollowUp.Status.PENDING
        ).values_list("pk", flat=True)
    )
    _enqueue_emails(ids)
    return len(ids)


@transaction.atomic
def edition_settings_update(
    *,
    actor: User,
    edition: SurveyEdition,
    deadline: dt.date,
    reminder_days: list[int],
    reminders_before_head: int,
) -> SurveyEdition:
    """The edition's deadline (for everyone) and its reminder plan."""
    if not actor.is_portal_admin:
        raise PermissionDenied
    if deadline < edition.opens:
        raise ValidationError(_("The deadline cannot be before the survey opens."))
    before = {
        "deadline": edition.deadline,
        "reminder_days": edition.reminder_days,
        "reminders_before_head": edition.reminders_before_head,
    }
    after = {
        "deadline": deadline,
        "reminder_days": reminder_days,
        "reminders_before_head": reminders_before_head,
    }
    changes = {k: [str(before[k]), str(v)] for k, v in after.items() if before[k] != v}
    if not changes:
        return edition
    for name, value in after.items():
        setattr(edition, name, value)
    edition.save(update_fields=[*after, "updated_at"])
    audit_log(actor=actor, action="survey.settings", obj=edition, changes=changes)
    return edition
