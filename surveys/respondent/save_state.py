"""What an autosave needs besides the posted answer, kept on the response (``save_state``).

A save has to know which questions the organisation is shown (its settlement category, kind
and region, and the answers the questionnaire's rules look at), which questions are answered
(for the progress it shows), the key figures and last year's answers its plausibility checks
compare with. Reading all that anew for every keystroke that is saved costs a dozen queries;
kept on the response row it comes with the one read a save makes anyway.

The state is made by a full save (``services.answers_save``) from what it has read, and moved
on by every quick save in the same transaction as the answer it writes. Its version ``v`` grows
with each save, and a quick save writes only if the version is still the one it read, so two
saves of one response cannot both build on the same state. It is dropped (set to None) when
something it was made from changes: the questionnaire (its ``stamp``), a submission, a review,
a settlement category override, the key figures or the municipality structure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from portal.municipalities.models import Municipality
from surveys.models import Question, SurveyEdition
from surveys.respondent.context import OrgContext

FORMAT = 1


def checked_against_last_year(questions: Iterable[Question]) -> set[str]:
    """The keys of the questions a plausibility check compares with last year's answer."""
    return {
        q.key
        for q in questions
        if any("last_year" in check for check in (q.config or {}).get("checks", []))
    }


def stamp(edition: SurveyEdition) -> str:
    """What the state is valid for: the edition as it is now (any change moves ``updated_at``)."""
    return f"{edition.pk}:{edition.updated_at.isoformat()}"


@dataclass
class SaveState:
    version: int
    stamp: str
    category: str
    category_overridden: bool
    figures: dict[str, Any] = field(default_factory=dict)
    figures_last_year: dict[str, Any] = field(default_factory=dict)
    # Last year's answers to the questions checked against them; None: no earlier edition.
    last_year: dict[str, Any] | None = None
    rules: dict[str, Any] = field(default_factory=dict)  # values of the answers rules look at
    answered: set[str] = field(default_factory=set)  # questions with a stored value

    def org(self, municipality: Municipality, edition: SurveyEdition) -> OrgContext:
        return OrgContext(
            municipality=municipality,
            year=edition.year,
            settlement_category=self.category,
            category_overridden=self.category_overridden,
            figures=dict(self.figures),
            figures_last_year=dict(self.figures_last_year),
        )

    def moved_on(self, key: str, value: Any, rule_keys: set[str]) -> SaveState:
        """The state after ``key`` is stored with ``value`` (None: unanswered)."""
        rules = dict(self.rules)
        if key in rule_keys:
            if value is None:
                rules.pop(key, None)
            else:
                rules[key] = value
        answered = set(self.answered)
        if value is None:
            answered.discard(key)
        else:
            answered.add(key)
        return SaveState(
            version=self.version + 1,
            stamp=self.stamp,
            category=self.category,
            category_overridden=self.category_overridden,
            figures=self.figures,
            figures_last_year=self.figures_last_year,
            last_year=self.last_year,
            rules=rules,
            answered=answered,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "v": self.version,
            "stamp": self.stamp,
            "category": self.category,
            "category_overridden": self.category_overridden,
            "figures": self.figures,
            "figures_last_year": self.figures_last_year,
            "last_year": self.last_year,
            "rules": self.rules,
            "answered": sorted(self.answered),
        }

    @classmethod
    def from_json(cls, data: Any, edition: SurveyEdition) -> SaveState | None:
        """The stored state, or None when there is none or it is not for this edition as it is."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        if data.get("stamp") != stamp(edition):
            return None
        try:
            return cls(
                version=int(data["v"]),
                stamp=data["stamp"],
                category=data["category"],
                category_overridden=bool(data["category_overridden"]),
                figures=dict(data["figures"]),
                figures_last_year=dict(data["figures_last_year"]),
                last_year=None if data["last_year"] is None else dict(data["last_year"]),
                rules=dict(data["rules"]),
                answered=set(data["answered"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def build(
    *,
    edition: SurveyEdition,
    org: OrgContext,
    questions: Iterable[Question],
    rule_keys: set[str],
    values: dict[str, Any],
    last_year: dict[str, Any] | None,
    version: int,
) -> SaveState:
    """A state from what a full save has read: the organisation's context, every stored value
    (``values``, None for an unanswered one) and last year's answers to the checked questions."""
    checked = checked_against_last_year(questions)
    return SaveState(
        version=version,
        stamp=stamp(edition),
        category=org.settlement_category,
        category_overridden=org.category_overridden,
        figures=dict(org.figures),
        figures_last_year=dict(org.figures_last_year),
        last_year=None
        if last_year is None
        else {k: v for k, v in last_year.items() if k in checked},
        rules={k: v for k, v in values.items() if k in rule_keys and v is not None},
        answered={k for k, v in values.items() if v is not None},
    )
