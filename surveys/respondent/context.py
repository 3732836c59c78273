"""What a questionnaire needs to know about the organisation answering it: its attributes for
routing (settlement category, kind, region) and its key figures for texts and checks."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format

from portal.municipalities.models import KeyFigures, Municipality
from surveys.models import SettlementCategory, SettlementCategoryOverride, SurveyEdition, localized

UNKNOWN = "–"
# The key figures a questionnaire text or check may name, as {placeholder}.
FIGURE_PLACEHOLDERS = (
    "requested",
    "decided",
    "settled",
    "unaccompanied_requested",
    "unaccompanied_decided",
    "unaccompanied_settled",
    "population",
    "intro_completed",
    "intro_work_or_education_direct",
    "intro_work_or_education_1y",
)


@dataclass
class OrgContext:
    municipality: Municipality
    year: int
    settlement_category: str
    category_overridden: bool
    figures: dict[str, Any] = field(default_factory=dict)  # this year's key figures
    figures_last_year: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.municipality.kind

    @property
    def region(self) -> str:
        return self.municipality.region.code

    def placeholders(self) -> dict[str, Any]:
        values: dict[str, Any] = {"organisation": self.municipality.name, "year": self.year}
        for name in FIGURE_PLACEHOLDERS:
            values[name] = self.figures.get(name)
        for name in ("requested", "decided", "settled"):
            values[f"{name}_last_year"] = self.figures_last_year.get(name)
        return values


def compute_settlement_category(settled_by_year: Mapping[int, int | None], year: int) -> str:
    """IMDi's 2017 definition, over the five years before ``year``.

    Two or fewer settled in total means the organisation does not settle; but if it settled
    for the first time in the year just before, it settles for the first time.
    """
    window = range(year - 5, year)
    total = sum(settled_by_year.get(y) or 0 for y in window)
    last = settled_by_year.get(year - 1) or 0
    earlier = sum(settled_by_year.get(y) or 0 for y in range(year - 5, year - 1))
    if last > 0 and earlier == 0:
        return SettlementCategory.FIRST_TIME
    if total <= 2:
        return SettlementCategory.DOES_NOT_SETTLE
    return SettlementCategory.SETTLES


def with_predecessors(municipality: Municipality) -> list[int]:
    """The organisation's id and those of the municipalities it succeeded (read once per object)."""
    cached = municipality.__dict__.get("_with_predecessors")
    if cached is None:
        cached = [municipality.pk, *municipality.predecessors.values_list("pk", flat=True)]
        municipality.__dict__["_with_predecessors"] = cached
    return cached


def org_context(municipality: Municipality, edition: SurveyEdition) -> OrgContext:
    """Three queries: predecessors, key figures (own and predecessors'), the category override."""
    year = edition.year
    ids = with_predecessors(municipality)
    settled: dict[int, int] = {}
    own: dict[int, KeyFigures] = {}
    for kf in KeyFigures.objects.filter(
        municipality_id__in=ids, year__gte=year - 6, year__lte=year
    ):
        if kf.settled is not None:
            settled[kf.year] = settled.get(kf.year, 0) + kf.settled
        if kf.municipality_id == municipality.pk:
            own[kf.year] = kf
    override = SettlementCategoryOverride.objects.filter(
        municipality=municipality, year=year
    ).first()
    category = override.category if override else compute_settlement_category(settled, year)
    return OrgContext(
        municipality=municipality,
        year=year,
        settlement_category=category,
        category_overridden=override is not None,
        figures=figure_values(own.get(year)),
        figures_last_year=figure_values(own.get(year - 1)),
    )


def figure_values(kf: KeyFigures | None) -> dict[str, Any]:
    """The key figures a definition's texts may name, from one year's row ({} without one)."""
    return {name: getattr(kf, name) for name in FIGURE_PLACEHOLDERS} if kf else {}


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return UNKNOWN


def render_text(texts: dict | None, values: Mapping[str, Any], language: str | None = None) -> str:
    """A definition text in the active language with its placeholders filled in."""
    raw = localized(texts, language)
    if "{" not in raw and "}" not in raw:
        return raw
    shown = _Values()
    for name, value in values.items():
        if value is None:
            shown[name] = UNKNOWN
        elif isinstance(value, int) and name != "year":
            shown[name] = number_format(value, force_grouping=True)
        else:
            shown[name] = value
    try:
        return string.Formatter().vformat(raw, (), shown)
    except (ValueError, IndexError, KeyError):
        return raw
