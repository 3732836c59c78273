"""Writes for survey editions: importing a definition, the edition's status and settings, its
launch (opening it and announcing it to every organisation), and the directorate's
settlement-category overrides. Each writes one audit entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core.audit.services import audit_log
from portal.core.queue import enqueue_each_on_commit
from portal.municipalities.models import Municipality
from surveys.editions.cycle import next_year_definition
from surveys.editions.definition import DefinitionError, parse_definition
from surveys.editions.workbook import read_workbook
from surveys.models import (
    Answer,
    FollowUp,
    Question,
    Response,
    Section,
    SettlementCategoryOverride,
    SurveyEdition,
)
from surveys.respondent.selectors import edition_organisations

QUESTION_CONFIG_FIELDS = (
    "options",
    "allow_dont_know",
    "allow_not_relevant",
    "min_choices",
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
def edition_import_workbook(
    *, actor: User | None, content: bytes, source: str = ""
) -> SurveyEdition:
    """``edition_import`` of the definition an Excel workbook holds (surveys.editions.workbook).

    Raises WorkbookError with every problem at its sheet and cell, those of the definition too;
    nothing is written then.
    """
    read = read_workbook(content)
    try:
        return edition_import(actor=actor, content=read.document, source=source)
    except DefinitionError as exc:
        raise read.located(exc) from None


def check_workbook(content: bytes) -> dict:
    """The definition a workbook holds, checked as an import would check it; writes nothing."""
    read = read_workbook(content)
    try:
        return parse_definition(read.document, earlier_question=_earlier_question)
    except DefinitionError as exc:
        raise read.located(exc) from None


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
        Response.objects.filter(municipality=municipality, edition__year=year).forget_save_states()
        audit_log(
            actor=actor,
            action="survey.category_override",
            municipality=municipality,
            object_type="settlement category",
            object_label=f"{municipality} {year}",
            changes={"settlement_category": [old, category]},
            source=reason,
        )


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


@transaction.atomic
def edition_launch(*, actor: User | None, edition: SurveyEdition) -> int:
    """Open the edition and announce it to every organisation's signatory and editors (once)."""
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
    # After commit; if the broker is down they stay pending and the sweep sends them later.
    enqueue_each_on_commit("surveys.tasks.send_follow_up_email", ids)
    return len(ids)


class EditionExists(ValidationError):
    """Next year's edition is there already; ``year`` names it."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _("The %(year)s edition already exists.") % {"year": year}, code="edition_exists"
        )


@transaction.atomic
def edition_next_year(*, actor: User, edition: SurveyEdition) -> SurveyEdition:
    """A draft of next year's edition, copied from ``edition`` (see editions/cycle.py).

    Goes through ``edition_import``: checked like an upload (DefinitionError lists problems),
    audited with the source "copied from <year>". Refuses (EditionExists) when next year's
    edition is there already, rather than replacing it.
    """
    if not actor.is_portal_admin:
        raise PermissionDenied
    year = edition.year + 1
    if SurveyEdition.objects.select_for_update().filter(year=year).exists():
        raise EditionExists(year)
    return edition_import(
        actor=actor,
        content=next_year_definition(edition.definition),
        source=f"copied from {edition.year}",
    )
