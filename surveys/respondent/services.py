"""Writes for the respondent: starting a response, saving answers, assigning sections,
submitting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.access import Perm, perms_for
from portal.accounts.models import User
from portal.core.audit.services import audit_log, audit_log_many, build_audit_entry
from portal.core.queue import enqueue_on_commit
from portal.municipalities.models import Municipality
from surveys.models import (
    Answer,
    Question,
    Response,
    Section,
    SectionAssignment,
    SurveyEdition,
)
from surveys.respondent import questions as qtypes
from surveys.respondent.routing import visible_questions
from surveys.respondent.selectors import last_year_answers, survey_state


class SurveyClosed(ValidationError):
    pass


def response_start(*, actor: User, edition: SurveyEdition, municipality: Municipality) -> Response:
    """The organisation's response to an open edition, created on first use."""
    if edition.status != SurveyEdition.Status.OPEN:
        raise SurveyClosed(_("The survey is not open for answers."))
    if Perm.EDIT not in perms_for(actor, municipality):
        raise PermissionDenied
    response, _created = Response.objects.get_or_create(edition=edition, municipality=municipality)
    return response


@dataclass(frozen=True)
class PostedAnswer:
    """One question's answer as a page posted it (surveys/respondent/forms.py parses it)."""

    value: Any = None  # parsed and checked for the question's type; None: unanswered
    other: str = ""  # the text of an "other" option
    error: str = ""  # why the value cannot be stored, for the person who typed it
    version: int | None = None  # the answer's version when the page was loaded
    fingerprint: str | None = None  # the loaded value's fingerprint (None: not sent)
    explanation: str = ""
    confirmed: bool = False  # an unusual number confirmed


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


@transaction.atomic
def answers_save(
    *,
    actor: User,
    edition: SurveyEdition,
    municipality: Municipality,
    answers: Mapping[str, PostedAnswer],
    copy_last_year: str = "",
) -> SaveResult:
    """Save the posted ``answers`` (by question key): all of them, or none.

    A question is saved only if the person changed it (the form carries each value's fingerprint)
    or it is sent alone (autosave). If someone else saved a different value since the form was
    loaded (its version moved on), nothing is saved and both values are returned. Answers to
    questions the organisation cannot see are refused, as are keys of no question of the edition.
    """
    keys = list(answers)
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
    for key, posted in answers.items():
        question = by_key[key]
        try:
            if key == copy_last_year and last_year and key in last_year.answers:
                value, other = last_year.answers[key]
                value, other = _revalidate(question, value, other)
            elif posted.error:
                raise qtypes.AnswerInvalid(posted.error)
            else:
                value, other = posted.value, posted.other
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
        posted = answers[key]
        explanation, confirmed = posted.explanation, posted.confirmed
        changed = (value, other) != (stored_value, stored_other)
        posted_version = -1 if posted.version is None else posted.version
        current_version = stored.version if stored else 0
        fingerprint = posted.fingerprint
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
    elif question.type in ("scale_grid", "yes_no_grid"):
        for item, point in (value or {}).items():
            data[qtypes.item_field(question, item)] = str(point)
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
    # The answers are submitted even if the broker (Redis) is down; that is logged, and the
    # sweep (send_unsent_emails) sends the receipt later.
    enqueue_on_commit("surveys.tasks.send_receipt", response.pk)
    return response
