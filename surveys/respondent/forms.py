"""The respondent's forms: the answers as a page posts them (a whole section, or one question
saved as it is answered), a section given to a colleague or a unit, and the submission."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from portal.accounts.models import User
from surveys.models import Question, Section, SurveyEdition
from surveys.respondent import questions as qtypes
from surveys.respondent.selectors import SurveyState, edition_structure
from surveys.respondent.services import PostedAnswer

GO = ("next", "previous")  # where the answers page goes after saving; anything else stays


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def posted_answer(question: Question, data: Mapping[str, Any]) -> PostedAnswer:
    """The question's fields of posted form data: its value parsed and checked for its type (or
    why it cannot be stored), and what the page sent along with it."""
    try:
        value, other = qtypes.parse(question, data)
    except qtypes.AnswerInvalid as exc:
        value, other, error = None, "", str(exc)
    else:
        error = ""
    return PostedAnswer(
        value=value,
        other=other,
        error=error,
        version=_int_or_none(data.get(qtypes.field_name(question, "version"))),
        fingerprint=data.get(qtypes.field_name(question, "orig")),
        explanation=(data.get(qtypes.field_name(question, "explanation")) or "").strip()[:2000],
        confirmed=bool(data.get(qtypes.field_name(question, "confirm"))),
    )


@dataclass(frozen=True)
class PostedAnswers:
    answers: dict[str, PostedAnswer]  # by question key, in the order they are saved
    copy_last_year: str  # the key of a question to answer as last year, or ""
    go: str  # "next", "previous" or "" (stay)


class AnswersForm(forms.Form):
    """Answers to ``keys`` as posted (``q-<key>``, ``q-<key>-<part>``, ``q-<key>-version``,
    ``q-<key>-orig``, ...), each parsed for its question's type, and the page's buttons.

    It refuses nothing: an answer that cannot be stored carries why to the service, which says so
    only after its own checks (a closed survey, a question not shown to the organisation), and a
    key of no question in ``questions`` is left to the service to refuse.
    """

    same_as_last_year = forms.Field(required=False)
    go = forms.Field(required=False)

    def __init__(
        self, data: Mapping[str, Any], *, questions: Iterable[Question], keys: Sequence[str]
    ) -> None:
        super().__init__(data)
        self.questions = {q.key: q for q in questions}
        self.keys = list(keys)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        copy = cleaned.get("same_as_last_year") or ""
        go = cleaned.get("go") or ""
        cleaned["same_as_last_year"] = copy if copy in self.keys else ""
        cleaned["go"] = go if go in GO else ""
        cleaned["answers"] = {
            key: posted_answer(self.questions[key], self.data)
            if key in self.questions
            else PostedAnswer()
            for key in self.keys
        }
        return cleaned

    def posted(self) -> PostedAnswers:
        if not self.is_valid():  # pragma: no cover - no field refuses what is posted
            raise ValueError(self.errors.as_text())
        return PostedAnswers(
            answers=self.cleaned_data["answers"],
            copy_last_year=self.cleaned_data["same_as_last_year"],
            go=self.cleaned_data["go"],
        )


class SectionAnswersForm(AnswersForm):
    """The answers page of one section: its questions that are shown, and those hidden by
    routing whose fields were posted all the same (the page has them, hidden, so an answer that
    shows them can be followed by theirs; the service refuses what stays hidden)."""

    def __init__(self, data: Mapping[str, Any], *, state: SurveyState, section: Section) -> None:
        questions = state.questions_in(section, visible_only=False)
        posted = {k for k in data if k.startswith("q-")}
        keys = [
            q.key
            for q in questions
            if q.key in state.visible
            or any(p == f"q-{q.key}" or p.startswith(f"q-{q.key}-") for p in posted)
        ]
        super().__init__(data, questions=questions, keys=keys)


class AutosaveForm(AnswersForm):
    """One question, saved as it is answered: the one named by ``question``."""

    question = forms.Field(required=False)

    def __init__(self, data: Mapping[str, Any], *, edition: SurveyEdition) -> None:
        super().__init__(data, questions=(), keys=())
        self.edition = edition

    def clean(self) -> dict[str, Any]:
        key = self.cleaned_data.get("question") or ""
        self.keys = [key]
        # The edition's questions as the service sees them, kept in memory per process: no
        # query of its own on the autosave path.
        _sections, questions = edition_structure(self.edition)
        self.questions = {q.key: q for q in questions if q.key == key}
        return super().clean()


class AssignForm(forms.Form):
    """A section given to a colleague (``assignee``: their id) or to a unit; both empty takes it
    back. Whether the colleague may answer for the organisation is the service's to check."""

    assignee = forms.CharField(required=False, strip=False)
    unit = forms.CharField(required=False, strip=False)

    def clean_assignee(self) -> User | None:
        raw = self.cleaned_data["assignee"]
        if not raw:
            return None
        assignee = User.objects.filter(pk=raw if raw.isdigit() else 0).first()
        if assignee is None:
            raise forms.ValidationError(_("Choose a colleague from the list."))
        return assignee


class SubmitForm(forms.Form):
    """The signatory's submission: on behalf of whom, and that they confirm it (the service
    refuses it unconfirmed, with its own message)."""

    on_behalf_of = forms.CharField(required=False, strip=False)
    confirm = forms.BooleanField(required=False)
