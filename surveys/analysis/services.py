"""Writes for coding free-text answers into themes. Each writes one audit entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portal.accounts.access import Perm, is_directorate_admin, perms_for
from portal.accounts.models import DirectorateRole, User
from portal.core.audit.services import audit_log
from surveys.models import Answer, Question, Theme

THEMED_TYPES = ("text", "textarea")
NAME_MAX_LENGTH: int = Theme._meta.get_field("name").max_length or 100


@transaction.atomic
def theme_create(*, actor: User, question: Question, name: str) -> Theme:
    """A new theme for a free-text question. Only IMDi admins create themes."""
    if not is_directorate_admin(actor):
        raise PermissionDenied
    if question.type not in THEMED_TYPES:
        raise ValidationError(_("Only free-text questions are coded into themes."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Write a name for the theme."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("A theme name can be at most %(limit)s characters long.") % {"limit": NAME_MAX_LENGTH}
        )
    if Theme.objects.filter(question=question, name__iexact=name).exists():
        raise ValidationError(_("The question already has a theme with this name."))
    theme = Theme.objects.create(question=question, name=name, created_by=actor)
    audit_log(
        actor=actor,
        action="survey.theme_create",
        obj=theme,
        object_label=f"{question.edition.year} {question.key}: {name}",
        changes={"theme": [None, name]},
    )
    return theme


@transaction.atomic
def answer_set_themes(*, actor: User, answer: Answer, themes: Iterable[Theme]) -> Answer:
    """Tag one answer with exactly these themes (an empty list removes them all).

    Admins tag any answer; a regional adviser only answers of their region (others answer 404).
    """
    perms = perms_for(actor, answer.municipality)
    if not perms:
        raise Http404
    if Perm.FOLLOW_UP not in perms or actor.directorate_role not in (
        DirectorateRole.ADMIN,
        DirectorateRole.REGIONAL_ADVISER,
    ):
        raise PermissionDenied
    themes = list(themes)
    if any(theme.question_id != answer.question_id for theme in themes):
        raise ValidationError(_("A theme of another question cannot be used here."))
    before = sorted(answer.themes.values_list("name", flat=True))
    answer.themes.set(themes)
    after = sorted(theme.name for theme in themes)
    if before != after:
        audit_log(
            actor=actor,
            action="survey.answer_themes",
            obj=answer,
            municipality=answer.municipality,
            object_label=f"{answer.question.edition.year} {answer.question.key}",
            changes={"themes": [before, after]},
        )
    return answer
