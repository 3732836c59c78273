"""Writes for the respondent: starting a response, saving answers, assigning sections,
submitting."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.access import Perm, perms_for, perms_with_role
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
from surveys.respondent import save_state
from surveys.respondent.context import OrgContext
from surveys.respondent.routing import visible_questions
from surveys.respondent.selectors import (
    AutosaveTarget,
    edition_rule_keys,
    edition_structure,
    last_year_answers,
    survey_state,
)


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
    to_write: list[_Write] = []
    for key, (value, other) in parsed.items():
        question = by_key[key]
        last = last_year.answers.get(key, (None, ""))[0] if last_year else None
        outcome = _decide(
            question,
            state.answers.get(key),
            value,
            other,
            answers[key],
            copied=key == copy_last_year,
            visible_after=visible_after,
            org=state.org,
            last_year=last,
        )
        if outcome is _CONFLICT:
            result.conflicts[key] = _conflict(question, state.answers[key], value, other)
        elif isinstance(outcome, _Write):
            if outcome.warning:
                result.warnings[key] = outcome.warning
            to_write.append(outcome)
    if result.conflicts:
        return result

    entries = []
    written: list[tuple[Question, Answer]] = []
    for write in to_write:
        question, stored = write.question, write.stored
        if stored is None:
            stored = Answer(
                response=response, municipality=municipality, question=question, version=0
            )
            old_value = None
        else:
            old_value = stored.value
        value_changed = (write.value, write.other) != (
            old_value,
            stored.other_text if stored.pk else "",
        )
        stored.value, stored.other_text = write.value, write.other
        stored.explanation, stored.confirmed = write.explanation, write.confirmed
        stored.warning = write.warning
        stored.version += 1
        stored.updated_at, stored.updated_by = now, actor
        stored.save()
        written.append((question, stored))
        result.saved.append(question.key)
        if value_changed:
            entries.append(_answer_entry(actor, edition, municipality, question, old_value, write))
    # What the page shows now, from the state already loaded (no further queries).
    current = dict(state.answers)
    for question, answer in written:
        current[question.key] = answer
    values = {k: a.value for k, a in current.items() if a is not None}
    _sections, visible = visible_questions(state.sections, state.questions, state.org, values)
    if result.saved:
        if not needs_last_year and save_state.checked_against_last_year(state.questions):
            last_year = last_year_answers(edition, municipality)
        response.save_state = save_state.build(
            edition=edition,
            org=state.org,
            questions=state.questions,
            rule_keys=edition_rule_keys(edition),
            values=values,
            last_year=(
                None if last_year is None else {k: v for k, (v, _o) in last_year.answers.items()}
            ),
            version=time.time_ns() // 1000,
        ).to_json()
        response.last_activity_at, response.last_activity_by = now, actor
        response.last_section_id = by_key[result.saved[-1]].section_id
        response.save(
            update_fields=["last_activity_at", "last_activity_by", "last_section", "save_state"]
        )
        audit_log_many(entries)
    result.answers = current
    _progress(result, state.questions, visible, {k for k in visible if values.get(k) is not None})
    return result


class _Stale(Exception):
    """A quick save found the response or the answer changed since it read them."""


def answer_autosave(
    *,
    actor: User,
    target: AutosaveTarget,
    key: str,
    posted: PostedAnswer,
    copy_last_year: str = "",
) -> SaveResult:
    """Save one question as it is answered, from what ``selectors.autosave_target`` read.

    The same rules as ``answers_save`` (which it hands over to whenever it cannot decide from
    what it has: no kept save state, a copy of last year's answer, a possible conflict, or a
    colleague's save in between), with the response's ``save_state`` in place of reading the
    organisation's context, last year's answers and every answer anew.
    """
    edition, municipality = target.edition, target.municipality
    response = target.response
    state = save_state.SaveState.from_json(response.save_state, edition)

    def full_save() -> SaveResult:
        return answers_save(
            actor=actor,
            edition=edition,
            municipality=municipality,
            answers={key: posted},
            copy_last_year=copy_last_year,
        )

    if (
        state is None
        or copy_last_year
        or edition.status != SurveyEdition.Status.OPEN
        or response.is_locked
    ):
        return full_save()
    if Perm.EDIT not in perms_with_role(actor, municipality, target.member_role):
        raise PermissionDenied
    sections, questions = edition_structure(edition)
    question = next((q for q in questions if q.key == key), None)
    if question is None:
        return full_save()  # refused there, in the same words
    result = SaveResult()
    if posted.error:
        result.errors[key] = posted.error
        result.submitted[key] = (None, "")
        return result
    value, other = posted.value, posted.other
    rule_keys = edition_rule_keys(edition)
    org = state.org(municipality, edition)
    _sections, visible_before = visible_questions(sections, questions, org, state.rules)
    visible_after = visible_before
    if key in rule_keys:
        after = {k: v for k, v in state.rules.items() if k != key}
        if value is not None:
            after[key] = value
        _sections, visible_after = visible_questions(sections, questions, org, after)
    if key not in visible_before and key not in visible_after:
        result.refused = _("The answer is to a question that is not shown to your organisation.")
        return result
    stored = target.stored
    if stored is not None:
        stored.question = question
    outcome = _decide(
        question,
        stored,
        value,
        other,
        posted,
        copied=False,
        visible_after=visible_after,
        org=org,
        last_year=(state.last_year or {}).get(key),
    )
    if outcome is _CONFLICT:
        return full_save()  # it reads the colleague's answer and says who saved it
    result.submitted[key] = (value, other)
    if not isinstance(outcome, _Write):
        visible, answered = visible_before, state.answered
    else:
        if outcome.warning:
            result.warnings[key] = outcome.warning
        moved = state.moved_on(key, outcome.value, rule_keys)
        try:
            stored = _quick_write(actor, response, question, outcome, moved, state.version)
        except (_Stale, IntegrityError):
            return full_save()
        result.saved.append(key)
        visible, answered = visible_after, moved.answered
    if stored is not None:
        result.answers[key] = stored
    _progress(result, questions, visible, answered & visible)
    return result


@transaction.atomic
def _quick_write(
    actor: User,
    response: Response,
    question: Question,
    write: _Write,
    moved: save_state.SaveState,
    read_version: int,
) -> Answer:
    """Three writes: the response (its activity and save state, only if no other save came in
    between: that also takes its lock), the answer (only at the version read) and the audit."""
    now = timezone.now()
    touched = (
        Response.objects.filter(pk=response.pk, save_state__v=read_version)
        .exclude(status__in=[Response.Status.SUBMITTED, Response.Status.APPROVED])
        .update(
            last_activity_at=now,
            last_activity_by=actor,
            last_section_id=question.section_id,
            save_state=moved.to_json(),
        )
    )
    if not touched:
        raise _Stale
    stored = write.stored
    old_value, old_other = (stored.value, stored.other_text) if stored else (None, "")
    fields = {
        "value": write.value,
        "other_text": write.other,
        "explanation": write.explanation,
        "confirmed": write.confirmed,
        "warning": write.warning,
        "updated_at": now,
        "updated_by": actor,
    }
    if stored is None:
        stored = Answer.objects.create(
            response=response,
            municipality_id=response.municipality_id,
            question=question,
            version=1,
            **fields,
        )
    else:
        version = stored.version
        if not Answer.objects.filter(pk=stored.pk, version=version).update(
            version=version + 1, **fields
        ):
            raise _Stale
        for name, field_value in fields.items():
            setattr(stored, name, field_value)
        stored.version = version + 1
    if (write.value, write.other) != (old_value, old_other):
        audit_log_many(
            [
                _answer_entry(
                    actor, response.edition, response.municipality, question, old_value, write
                )
            ]
        )
    return stored


@dataclass
class _Write:
    question: Question
    stored: Answer | None
    value: Any
    other: str
    explanation: str
    confirmed: bool
    warning: str


_CONFLICT = object()


def _decide(
    question: Question,
    stored: Answer | None,
    value: Any,
    other: str,
    posted: PostedAnswer,
    *,
    copied: bool,
    visible_after: set[str],
    org: OrgContext,
    last_year: Any,
) -> _Write | object | None:
    """What a save does with one question's posted answer: write it (a ``_Write``), report a
    conflict with a colleague's newer answer (``_CONFLICT``), or nothing (None)."""
    stored_value = stored.value if stored else None
    stored_other = stored.other_text if stored else ""
    explanation, confirmed = posted.explanation, posted.confirmed
    changed = (value, other) != (stored_value, stored_other)
    posted_version = -1 if posted.version is None else posted.version
    current_version = stored.version if stored else 0
    fingerprint = posted.fingerprint
    if fingerprint is not None and fingerprint == qtypes.fingerprint(value, other) and not copied:
        # The person did not touch the value: a colleague's newer value stands.
        if stored is None or (explanation == stored.explanation and confirmed == stored.confirmed):
            return None
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
        return None  # nothing to write
    if changed and posted_version != current_version and stored is not None:
        return _CONFLICT
    if question.key not in visible_after:
        return None  # hidden by this very change: kept as it was until submission
    warning = qtypes.plausibility_warning(question, value, org, last_year)
    return _Write(question, stored, value, other, explanation, confirmed and bool(warning), warning)


def _conflict(question: Question, stored: Answer, value: Any, other: str) -> Conflict:
    return Conflict(
        question=question,
        theirs=stored.value,
        theirs_display=qtypes.display(question, stored.value, stored.other_text),
        yours_display=qtypes.display(question, value, other),
        by=str(stored.updated_by) if stored.updated_by else "",
        at=stored.updated_at,
        version=stored.version,
    )


def _answer_entry(actor, edition, municipality, question, old_value, write: _Write):
    return build_audit_entry(
        actor=actor,
        action="answer.save",
        municipality=municipality,
        object_type="survey answer",
        object_label=f"{edition.year} {question.key}",
        changes={question.key: [old_value, write.value]},
    )


def _progress(result: SaveResult, questions, visible: set[str], answered: set[str]) -> None:
    """The progress a save reports: of what is shown, how much is answered, in all and per
    section."""
    result.visible = visible
    result.answered, result.total = len(answered), len(visible)
    for question in questions:
        if question.key in visible:
            a, t = result.section_progress.get(question.section_id, (0, 0))
            result.section_progress[question.section_id] = (
                a + (question.key in answered),
                t + 1,
            )


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
    response.save_state = None  # locked now; if it is returned, the next save makes it anew
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
